package dev.portcullis.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.jwt.ClaimsRejection.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JwtClaimsValidatorsTest {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");
    private static final Duration SKEW = Duration.ofSeconds(30);

    private final JwtClaimsValidator all = JwtClaimsValidator.allOf(List.of(
            RequiredClaimsValidator.of("sub", "jti", "exp", "iat"),
            new IssuerValidator("https://auth.test"),
            new AudienceValidator(Set.of("portcullis", "products")),
            new TimestampValidator(SKEW),
            new TokenLifetimeValidator(Duration.ofMinutes(15))));

    @Test
    void aWellFormedTokenPassesEveryRule() {
        assertThat(all.validate(good().build(), NOW)).isEmpty();
    }

    @Test
    void refusesAMissingRequiredClaimNamingIt() {
        assertThat(reason(good().subject(null).build())).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(all.validate(good().jwtID(null).build(), NOW)).get()
                .extracting(ClaimsRejection::description).asString().contains("'jti'");
        assertThat(reason(good().expirationTime(null).build())).isEqualTo(Reason.MISSING_CLAIM);
        assertThat(reason(good().issueTime(null).build())).isEqualTo(Reason.MISSING_CLAIM);
    }

    @Test
    void refusesARequiredClaimOfTheWrongType() {
        assertThat(reason(good().claim("exp", "tomorrow").build())).isEqualTo(Reason.MALFORMED);
        assertThat(reason(good().claim("sub", 42).build())).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void refusesAnotherIssuer() {
        assertThat(reason(good().issuer("https://evil.test").build())).isEqualTo(Reason.WRONG_ISSUER);
        assertThat(reason(good().issuer(null).build())).isEqualTo(Reason.WRONG_ISSUER);
        assertThat(reason(good().issuer("https://auth.test/").build())).as("compared exactly").isEqualTo(Reason.WRONG_ISSUER);
    }

    @Test
    void acceptsAnyOfTheAudiencesAndRefusesOthers() {
        assertThat(all.validate(good().audience(List.of("orders", "products")).build(), NOW)).isEmpty();
        assertThat(reason(good().audience("orders").build())).isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(reason(good().audience((String) null).build())).isEqualTo(Reason.WRONG_AUDIENCE);
    }

    @Test
    void expiresAtExpPlusTheClockSkew() {
        Instant exp = NOW.minus(SKEW);
        assertThat(all.validate(good().issueTime(date(exp.minusSeconds(600))).expirationTime(date(exp.plusMillis(1)))
                .build(), NOW)).isEmpty();
        assertThat(reason(good().issueTime(date(exp.minusSeconds(600))).expirationTime(date(exp)).build()))
                .isEqualTo(Reason.EXPIRED);
    }

    @Test
    void refusesATokenNotValidYetOrIssuedInTheFutureBeyondTheSkew() {
        assertThat(all.validate(good().notBeforeTime(date(NOW.plus(SKEW))).build(), NOW)).isEmpty();
        assertThat(reason(good().notBeforeTime(date(NOW.plus(SKEW).plusSeconds(1))).build()))
                .isEqualTo(Reason.NOT_YET_VALID);
        Instant future = NOW.plus(SKEW).plusSeconds(1);
        assertThat(reason(good().issueTime(date(future)).expirationTime(date(future.plusSeconds(60))).build()))
                .isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void refusesALifetimeAboveTheMaximumButNotAtIt() {
        Instant iat = NOW.minusSeconds(10);
        assertThat(all.validate(good().issueTime(date(iat)).expirationTime(date(iat.plus(Duration.ofMinutes(15))))
                .build(), NOW)).isEmpty();
        assertThat(reason(good().issueTime(date(iat)).expirationTime(date(iat.plus(Duration.ofMinutes(15)).plusSeconds(1)))
                .build())).isEqualTo(Reason.LIFETIME_TOO_LONG);
    }

    @Test
    void stopsAtTheFirstRuleThatFails() {
        JWTClaimsSet twoFaults = good().issuer("https://evil.test").audience("orders").build();
        assertThat(reason(twoFaults)).isEqualTo(Reason.WRONG_ISSUER);
    }

    @Test
    void reportsWhatEachRuleComparedWithoutClaimValues() {
        JWTClaimsSet claims = good().build();
        assertThat(new TimestampValidator(SKEW).facts(claims, NOW)).containsEntry("clock_skew_seconds", 30L)
                .containsKeys("now", "exp", "iat");
        assertThat(new AudienceValidator(Set.of("b", "a")).facts(claims, NOW))
                .containsEntry("accepted", List.of("a", "b")).containsEntry("token_audiences", 1);
        assertThat(new TokenLifetimeValidator(Duration.ofMinutes(15)).facts(claims, NOW))
                .containsEntry("lifetime_seconds", 900L);
        assertThat(RequiredClaimsValidator.of("exp").facts(claims, NOW).toString()).doesNotContain("user-1");
    }

    private Reason reason(JWTClaimsSet claims) {
        Optional<ClaimsRejection> rejection = all.validate(claims, NOW);
        assertThat(rejection).as("a rejection").isPresent();
        return rejection.get().reason();
    }

    private static JWTClaimsSet.Builder good() {
        return new JWTClaimsSet.Builder().issuer("https://auth.test").subject("user-1").audience("portcullis")
                .jwtID("t-1").issueTime(date(NOW.minusSeconds(60))).notBeforeTime(date(NOW.minusSeconds(60)))
                .expirationTime(date(NOW.plusSeconds(840)));
    }

    private static Date date(Instant instant) {
        return Date.from(instant);
    }
}
