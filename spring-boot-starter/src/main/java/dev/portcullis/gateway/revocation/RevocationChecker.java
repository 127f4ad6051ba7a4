package dev.portcullis.gateway.revocation;

import dev.portcullis.gateway.token.VerifiedToken;
import reactor.core.publisher.Mono;

/** Answers whether a verified token has been revoked; never errors, {@link RevocationStatus#UNKNOWN} instead. */
public interface RevocationChecker {

    Mono<RevocationStatus> check(VerifiedToken token);
}
