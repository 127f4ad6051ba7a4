package dev.portcullis.benchmarks.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import java.text.ParseException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The benchmarked pipeline does the gateway's real work: a fast wrong answer must not pass as a fast right one. */
class EdgePipelineTest {

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void aValidTokenIsVerifiedAndBecomesSignedIdentityHeaders(String algorithm) {
        try (Fixture fixture = new Fixture(algorithm, 2)) {
            var headers = fixture.pipeline.handle(fixture.tokens[1]);

            assertThat(headers.getFirst(IdentityHeaders.USER_ID)).isEqualTo("user-1");
            assertThat(headers.getFirst(IdentityHeaders.USER_PERMISSIONS)).contains("orders:read");
            assertThat(headers.getFirst(IdentityHeaders.REQUEST_ID)).isEqualTo("bench-0001");
            assertThat(headers.getFirst(IdentitySignature.SIGNATURE)).startsWith(IdentitySignature.VERSION + ".");
            assertThat(headers.getFirst("Host")).isEqualTo("localhost:8080");
            // revocation answered from the live view, as in the gateway: no Redis round trip per request
            assertThat(fixture.pipeline.revocationChecks("view")).isEqualTo(1);
            assertThat(fixture.pipeline.revocationChecks("redis")).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void aForgedTokenIsRefusedWith401EvenAfterTheRealOneWasCached(String algorithm) {
        try (Fixture fixture = new Fixture(algorithm, 1)) {
            fixture.pipeline.handle(fixture.tokens[0]);

            assertThat(fixture.pipeline.refuse(fixture.forgedTokens[0]).value()).isEqualTo(401);
            assertThatThrownBy(() -> fixture.pipeline.handle(fixture.forgedTokens[0])).hasMessageContaining("refused");
        }
    }

    @Test
    void aRevokedTokenIsRefusedFromTheCacheTooOnceTheViewHasTheRevocation() throws ParseException {
        try (Fixture fixture = new Fixture("RS256", 1)) {
            String token = fixture.tokens[0];
            fixture.pipeline.handle(token);

            fixture.pipeline.revoke(SignedJWT.parse(token).getJWTClaimsSet().getJWTID());

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> fixture.pipeline.handle(token)).hasMessageContaining("401"));
        }
    }
}
