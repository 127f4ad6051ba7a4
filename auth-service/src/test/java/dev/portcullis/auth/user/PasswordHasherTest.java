package dev.portcullis.auth.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

class PasswordHasherTest {

    private static final AuthMetrics METRICS = new AuthMetrics(new SimpleMeterRegistry());

    @Test
    void hashesWithCost12ByDefault() {
        PasswordHasher hasher = new PasswordHasher(BoundAuthProperties.of(), METRICS);
        assertThat(hasher.hash("correct horse").block()).startsWith("$2a$12$");
    }

    @Test
    void anUnknownUserCostsOneBcryptCheckLikeAWrongPassword() {
        PasswordHasher hasher = new PasswordHasher(BoundAuthProperties.of("passwords.bcrypt-cost=10"), METRICS);
        String hash = new BCryptPasswordEncoder(10).encode("right");
        long wrong = time(() -> hasher.check("wrong", hash));
        long unknown = time(() -> hasher.check("wrong", null));
        // both run BCrypt at cost 10 (tens of ms); without the dummy hash the unknown case would take microseconds
        assertThat(unknown).isGreaterThan(wrong / 4);
        assertThat(hasher.check("right", hash)).isTrue();
        assertThat(hasher.check("wrong", null)).isFalse();
        assertThat(hasher.check("x".repeat(100), hash)).isFalse();
    }

    private static long time(Runnable action) {
        action.run(); // warm up
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            action.run();
        }
        return System.nanoTime() - start;
    }
}
