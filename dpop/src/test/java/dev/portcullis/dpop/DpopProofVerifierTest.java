package dev.portcullis.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.testsupport.DpopProofs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class DpopProofVerifierTest {

    private static final Instant NOW = Instant.parse("2026-12-02T06:00:00Z");
    private static final String URL = "https://api.example.com/api/orders";
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln";

    private final ECKey key = DpopProofs.newKey();
    private final DpopProofVerifier verifier = new DpopProofVerifier(DpopRules.defaults(), null);

    private DpopProofs.Proof proof() {
        return DpopProofs.of(key).method("POST").url(URL).token(TOKEN).issuedAt(NOW);
    }

    private DpopCheck check(String proof) {
        return verifier.verify(List.of(proof), "POST", DpopTargetUri.normalize(URL), TOKEN, NOW);
    }

    private static DpopFailure failure(DpopCheck check) {
        assertThat(check).isInstanceOf(DpopCheck.Refused.class);
        return ((DpopCheck.Refused) check).failure();
    }

    @Test
    void acceptsAValidProofAndReportsTheKeysThumbprint() {
        DpopCheck check = check(proof().jti("j-1").sign());

        assertThat(check).isEqualTo(new DpopCheck.Accepted(DpopProofs.thumbprint(key), "j-1", NOW));
    }

    @Test
    void acceptsAProofWhoseUrlDiffersOnlyInCaseDefaultPortAndQuery() {
        DpopCheck check = check(proof().url("HTTPS://API.Example.com:443/api/%6Frders?page=2#top").sign());

        assertThat(check).isInstanceOf(DpopCheck.Accepted.class);
    }

    @Test
    void refusesAMissingOrDuplicatedHeader() {
        assertThat(failure(verifier.verify(List.of(), "POST", URL, TOKEN, NOW))).isEqualTo(DpopFailure.MISSING);
        String one = proof().sign();
        assertThat(failure(verifier.verify(List.of(one, one), "POST", URL, TOKEN, NOW))).isEqualTo(DpopFailure.MULTIPLE);
    }

    @Test
    void refusesSomethingThatIsNotAJws() {
        assertThat(failure(check("not-a-jwt"))).isEqualTo(DpopFailure.MALFORMED);
        assertThat(failure(check("a.b.c"))).isEqualTo(DpopFailure.MALFORMED);
    }

    @Test
    void refusesAnotherType() {
        assertThat(failure(check(proof().type("jwt").sign()))).isEqualTo(DpopFailure.WRONG_TYPE);
    }

    @Test
    void refusesAlgorithmNoneAndHs256() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().jwtID("j").issueTime(Date.from(NOW)).claim("htm", "POST")
                .claim("htu", URL).build();
        String none = new PlainJWT(claims).serialize();
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(DpopProofVerifier.TYPE)
                .jwk(key.toPublicJWK()).build(), claims);
        hmac.sign(new MACSigner(new byte[32]));

        assertThat(failure(check(none))).isEqualTo(DpopFailure.MALFORMED);
        assertThat(failure(check(hmac.serialize()))).isEqualTo(DpopFailure.DISALLOWED_ALGORITHM);
    }

    @Test
    void refusesAPrivateKeyInTheJwkHeader() {
        assertThat(failure(check(proof().embedding(key).sign()))).isEqualTo(DpopFailure.PRIVATE_KEY);
    }

    @Test
    void refusesASignatureByAnotherKeyThanTheEmbeddedOne() {
        String proof = proof().embedding(DpopProofs.newKey().toPublicJWK()).sign();

        assertThat(failure(check(proof))).isEqualTo(DpopFailure.BAD_SIGNATURE);
    }

    @Test
    void refusesATamperedPayload() {
        String[] parts = proof().sign().split("\\.");
        String other = Base64URL.encode(new String(Base64URL.from(parts[1]).decode(), StandardCharsets.UTF_8)
                .replace("POST", "GET ")).toString();

        assertThat(failure(check(parts[0] + "." + other + "." + parts[2]))).isEqualTo(DpopFailure.BAD_SIGNATURE);
    }

    @Test
    void refusesAnotherMethodOrUrl() {
        assertThat(failure(check(proof().method("GET").sign()))).isEqualTo(DpopFailure.METHOD_MISMATCH);
        assertThat(failure(check(proof().url("https://api.example.com/api/users").sign()))).isEqualTo(DpopFailure.URL_MISMATCH);
        assertThat(failure(check(proof().url("https://api.example.com:8443/api/orders").sign()))).isEqualTo(DpopFailure.URL_MISMATCH);
        assertThat(failure(check(proof().url("/api/orders").sign()))).isEqualTo(DpopFailure.URL_MISMATCH);
    }

    @Test
    void refusesAProofOlderThanTheWindowOrFromTooFarInTheFuture() {
        assertThat(check(proof().issuedAt(NOW.minusSeconds(60)).sign())).isInstanceOf(DpopCheck.Accepted.class);
        assertThat(failure(check(proof().issuedAt(NOW.minusSeconds(61)).sign()))).isEqualTo(DpopFailure.EXPIRED);
        assertThat(check(proof().issuedAt(NOW.plusSeconds(5)).sign())).isInstanceOf(DpopCheck.Accepted.class);
        assertThat(failure(check(proof().issuedAt(NOW.plusSeconds(6)).sign()))).isEqualTo(DpopFailure.ISSUED_IN_FUTURE);
    }

    @Test
    void refusesAMissingOrOverlongJti() {
        assertThat(failure(check(proof().jti("x".repeat(129)).sign()))).isEqualTo(DpopFailure.BAD_JTI);
        assertThat(failure(check(proof().jti("").sign()))).isEqualTo(DpopFailure.BAD_JTI);
    }

    @Test
    void refusesAWrongOrMissingAccessTokenHashButNeedsNoneWithoutAToken() {
        String forOther = DpopProofs.of(key).method("POST").url(URL).token("other.token.value").issuedAt(NOW).sign();
        String withoutAth = DpopProofs.of(key).method("POST").url(URL).issuedAt(NOW).sign();

        assertThat(failure(check(forOther))).isEqualTo(DpopFailure.ATH_MISMATCH);
        assertThat(failure(check(withoutAth))).isEqualTo(DpopFailure.ATH_MISMATCH);
        assertThat(verifier.verify(List.of(withoutAth), "POST", DpopTargetUri.normalize(URL), null, NOW))
                .isInstanceOf(DpopCheck.Accepted.class);
    }

    @Test
    void refusesAClaimOfTheWrongType() {
        assertThat(failure(check(proof().claim("htm", 42).sign()))).isEqualTo(DpopFailure.MALFORMED);
    }

    @Test
    void asksForANonceWhenNoncesAreOnAndAcceptsACurrentOne() {
        DpopNonces nonces = new DpopNonces(new byte[32], Duration.ofMinutes(1));
        DpopProofVerifier withNonces = new DpopProofVerifier(DpopRules.defaults(), nonces);
        String url = DpopTargetUri.normalize(URL);

        DpopCheck without = withNonces.verify(List.of(proof().sign()), "POST", url, TOKEN, NOW);
        DpopCheck stale = withNonces.verify(List.of(proof().nonce(nonces.current(NOW.minusSeconds(180))).sign()), "POST", url,
                TOKEN, NOW);
        DpopCheck current = withNonces.verify(List.of(proof().nonce(nonces.current(NOW)).sign()), "POST", url, TOKEN, NOW);

        assertThat(failure(without)).isEqualTo(DpopFailure.NONCE_REQUIRED);
        assertThat(DpopFailure.NONCE_REQUIRED.error()).isEqualTo("use_dpop_nonce");
        assertThat(failure(stale)).isEqualTo(DpopFailure.NONCE_REQUIRED);
        assertThat(current).isInstanceOf(DpopCheck.Accepted.class);
    }

    @Test
    void refusesAnAlgorithmOutsideTheConfiguredList() {
        DpopProofVerifier rsaOnly = new DpopProofVerifier(new DpopRules(java.util.Set.of("RS256"), Duration.ofSeconds(60),
                Duration.ofSeconds(5), 128), null);

        assertThat(failure(rsaOnly.verify(List.of(proof().sign()), "POST", DpopTargetUri.normalize(URL), TOKEN, NOW)))
                .isEqualTo(DpopFailure.DISALLOWED_ALGORITHM);
        assertThat(rsaOnly.rules().challengeAlgorithms()).isEqualTo("RS256");
        assertThat(DpopRules.defaults().challengeAlgorithms()).isEqualTo("ES256 RS256 PS256");
    }

    @Test
    void computesTheAccessTokenHashAsRfc9449Says() {
        // RFC 9449 section 7.1's example token and ath
        assertThat(DpopProofVerifier.accessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"))
                .isEqualTo("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assertThat(new JOSEObjectType("dpop+jwt")).isEqualTo(DpopProofVerifier.TYPE);
    }
}
