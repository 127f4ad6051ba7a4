/**
 * What a verified access token proves ({@link dev.portcullis.gateway.token.VerifiedToken}): the one type every feature
 * package shares (verification makes it; policy, revocation, rate limits, identity headers and streams read it), kept
 * apart so that none of them depends on another for it. Null-marked: a value that may be absent says so
 * ({@code @Nullable}).
 */
@NullMarked
package dev.portcullis.gateway.token;

import org.jspecify.annotations.NullMarked;
