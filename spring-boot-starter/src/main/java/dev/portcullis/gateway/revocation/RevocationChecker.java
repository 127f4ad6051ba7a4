package dev.portcullis.gateway.revocation;

import dev.portcullis.gateway.token.VerifiedToken;
import java.time.Duration;
import reactor.core.publisher.Mono;

/** Answers whether a verified token has been revoked; never errors, {@link RevocationStatus#UNKNOWN} instead. */
public interface RevocationChecker {

    Mono<RevocationStatus> check(VerifiedToken token);

    /**
     * How long a client refused for an {@link RevocationStatus#UNKNOWN} status should wait ({@code Retry-After}): the
     * open interval of the Redis breaker that decided it, after which the next lookup probes Redis again.
     */
    Duration retryAfterUnknown();
}
