package dev.portcullis.dpop;

import com.nimbusds.jose.JWSAlgorithm;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a DPoP proof must satisfy, beyond the fixed RFC 9449 checks: which signature algorithms, how old and how far in
 * the future its {@code iat} may be, and the longest {@code jti}. Both sides build it from their own configuration.
 *
 * @param algorithms   the accepted JWS algorithms, asymmetric only ({@link #SUPPORTED} lists those this code checks)
 * @param maxAge       how long after its {@code iat} a proof is accepted; also how long its {@code jti} is remembered
 * @param futureSkew   how far ahead of this server's clock a proof's {@code iat} may be (the client's clock runs fast)
 * @param maxJtiLength the longest {@code jti} accepted, in characters
 */
public record DpopRules(Set<String> algorithms, Duration maxAge, Duration futureSkew, int maxJtiLength) {

    /** The algorithms this code verifies: ECDSA P-256/P-384 and RSA (PKCS#1 v1.5 and PSS). */
    public static final List<String> SUPPORTED = List.of("ES256", "ES384", "RS256", "PS256");

    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_FUTURE_SKEW = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_JTI_LENGTH = 128;

    public DpopRules {
        if (algorithms == null || algorithms.isEmpty()) {
            throw new IllegalArgumentException("algorithms: at least one DPoP algorithm is needed");
        }
        for (String algorithm : algorithms) {
            if (!SUPPORTED.contains(algorithm)) {
                throw new IllegalArgumentException("algorithms: '" + algorithm + "' is not one of " + SUPPORTED);
            }
        }
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("max-age: must be positive");
        }
        if (futureSkew == null || futureSkew.isNegative()) {
            throw new IllegalArgumentException("future-skew: must not be negative");
        }
        if (maxJtiLength < 16 || maxJtiLength > 1024) {
            throw new IllegalArgumentException("max-jti-length: must be between 16 and 1024");
        }
        algorithms = Set.copyOf(new LinkedHashSet<>(algorithms));
    }

    /** ES256 and RS256, a 60-second window, 5 seconds of future skew, {@code jti} up to 128 characters. */
    public static DpopRules defaults() {
        return new DpopRules(Set.of("ES256", "RS256", "PS256"), DEFAULT_MAX_AGE, DEFAULT_FUTURE_SKEW, DEFAULT_MAX_JTI_LENGTH);
    }

    /** How long a proof's {@code jti} must be remembered: every {@code iat} still accepted, past and future. */
    public Duration replayWindow() {
        return maxAge.plus(futureSkew);
    }

    /** The {@code algs} value of a {@code WWW-Authenticate: DPoP} challenge: the accepted algorithms, space-separated. */
    public String challengeAlgorithms() {
        return String.join(" ", SUPPORTED.stream().filter(algorithms::contains).toList());
    }

    boolean accepts(JWSAlgorithm algorithm) {
        return algorithms.contains(algorithm.getName());
    }
}
