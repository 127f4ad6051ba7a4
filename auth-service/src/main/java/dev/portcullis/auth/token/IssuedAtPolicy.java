package dev.portcullis.auth.token;

import dev.portcullis.auth.revocation.RevocationStore;
import dev.portcullis.contract.RevocationKeys;
import java.time.Clock;
import java.time.Instant;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The {@code iat} of a new token. Verifiers refuse a token whose {@code iat * 1000 <= {revoked}:sub:<sub>}; since {@code iat}
 * has whole seconds, a token issued in the same second right after a revoke-all would look older than it is. So the
 * {@code iat} is never below {@link RevocationKeys#earliestIssuedAtAfter(long)} of the subject's marker: at most one
 * second ahead of the clock, well inside any verifier's clock skew.
 */
@Component
final class IssuedAtPolicy {

    private final RevocationStore revocations;
    private final Clock clock;

    IssuedAtPolicy(RevocationStore revocations, Clock clock) {
        this.revocations = revocations;
        this.clock = clock;
    }

    Mono<Instant> issuedAt(String subject) {
        return revocations.subjectMarker(subject).map(marker -> {
            long nowSecond = clock.instant().getEpochSecond();
            long earliest = marker.map(RevocationKeys::earliestIssuedAtAfter).orElse(nowSecond);
            return Instant.ofEpochSecond(Math.max(nowSecond, earliest));
        });
    }
}
