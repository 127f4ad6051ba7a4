package dev.portcullis.gateway.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One immutable view of the trusted key set, indexed by kid for a lock-free lookup on the event loop.
 *
 * @param jwks           every published key that has a kid, trusted or not (to tell what changed between fetches)
 * @param byKeyId        the trusted ones, ready to verify
 * @param loadedAtMillis when this set was fetched (outage tolerance counts from here)
 * @param loaded         false only before the first successful fetch
 */
record KeySnapshot(Map<String, JWK> jwks, Map<String, TrustedKey> byKeyId, long loadedAtMillis, boolean loaded) {

    static final KeySnapshot EMPTY = new KeySnapshot(Map.of(), Map.of(), Long.MIN_VALUE, false);

    /** A snapshot of {@code jwkSet}; keys unchanged since {@code previous} keep their {@link TrustedKey} instance. */
    static KeySnapshot of(JWKSet jwkSet, Set<JWSAlgorithm> allowed, long nowMillis, KeySnapshot previous) {
        Map<String, JWK> published = new HashMap<>();
        Map<String, TrustedKey> keys = new HashMap<>();
        for (JWK jwk : jwkSet.getKeys()) {
            if (jwk.getKeyID() != null) {
                published.put(jwk.getKeyID(), jwk);
            }
            TrustedKey key = jwk.getKeyID() != null && jwk.equals(previous.jwks().get(jwk.getKeyID()))
                    ? previous.byKeyId().get(jwk.getKeyID())
                    : TrustedKey.of(jwk, allowed);
            if (key != null) {
                keys.put(key.keyId(), key);
            }
        }
        return new KeySnapshot(Map.copyOf(published), Map.copyOf(keys), nowMillis, true);
    }
}
