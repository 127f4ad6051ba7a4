package dev.portcullis.auth.user;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import java.nio.charset.StandardCharsets;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * BCrypt (cost {@code portcullis.auth.passwords.bcrypt-cost}, 12 by default) kept off the event loop: every hash and
 * check runs on boundedElastic. An unknown account is checked against a dummy hash of the same cost, so that it costs
 * as much time as a wrong password and the two cannot be told apart.
 */
@Component
public final class PasswordHasher {

    /** BCrypt reads at most 72 bytes; longer passwords are refused at creation and never match at login. */
    public static final int MAX_BYTES = 72;

    private final BCryptPasswordEncoder encoder;
    private final String dummyHash;
    private final AuthMetrics metrics;

    PasswordHasher(AuthProperties properties, AuthMetrics metrics) {
        this.metrics = metrics;
        this.encoder = new BCryptPasswordEncoder(properties.passwords().bcryptCost());
        this.dummyHash = encoder.encode("portcullis-dummy-password"); // at start-up, on the main thread
    }

    /** Checks {@code raw} against {@code hash}, or against the dummy hash when {@code hash} is null (unknown user). */
    public Mono<Boolean> matches(String raw, String hash) {
        return Mono.fromCallable(() -> check(raw, hash)).subscribeOn(Schedulers.boundedElastic());
    }

    public Mono<String> hash(String raw) {
        return Mono.fromCallable(() -> encoder.encode(raw)).subscribeOn(Schedulers.boundedElastic());
    }

    boolean check(String raw, String hash) {
        boolean known = hash != null && !hash.isEmpty();
        boolean tooLong = raw.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES;
        // Always exactly one BCrypt computation, whatever the outcome.
        boolean matches = encoder.matches(tooLong ? "portcullis-too-long" : raw, known ? hash : dummyHash);
        metrics.passwordChecked();
        return known && !tooLong && matches;
    }

    public static boolean fitsBcrypt(String raw) {
        return raw.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES;
    }
}
