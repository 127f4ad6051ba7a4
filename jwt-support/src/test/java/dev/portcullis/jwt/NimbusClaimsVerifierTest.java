package dev.portcullis.jwt;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;

class NimbusClaimsVerifierTest {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

    @Test
    void throwsTheRejectionsDescriptionReadingTimeFromTheClock() {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().expirationTime(Date.from(NOW)).build();
        NimbusClaimsVerifier<SecurityContext> before = new NimbusClaimsVerifier<>(
                new TimestampValidator(Duration.ZERO), Clock.fixed(NOW.minusSeconds(1), ZoneOffset.UTC));
        NimbusClaimsVerifier<SecurityContext> after = new NimbusClaimsVerifier<>(
                new TimestampValidator(Duration.ZERO), Clock.fixed(NOW, ZoneOffset.UTC));

        assertThatCode(() -> before.verify(claims, null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> after.verify(claims, null)).isInstanceOf(BadJWTException.class)
                .hasMessage("The access token expired");
    }
}
