package dev.portcullis.gateway.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** One immutable view of the trusted key set, indexed by kid for a lock-free lookup on the event loop. */
record KeySnapshot(JWKSet jwkSet, Map<String, TrustedKey> byKeyId, long loadedAtMillis) {

    static final KeySnapshot EMPTY = new KeySnapshot(null, Map.of(), Long.MIN_VALUE);

    static KeySnapshot of(JWKSet jwkSet, Set<JWSAlgorithm> allowed, long nowMillis) {
        Map<String, TrustedKey> keys = new HashMap<>();
        for (JWK jwk : jwkSet.getKeys()) {
            TrustedKey key = TrustedKey.of(jwk, allowed);
            if (key != null) {
                keys.put(key.keyId(), key);
            }
        }
        return new KeySnapshot(jwkSet, Map.copyOf(keys), nowMillis);
    }

    boolean loaded() {
        return jwkSet != null;
    }

    KeySnapshot confirmedAt(long nowMillis) {
        return new KeySnapshot(jwkSet, byKeyId, nowMillis);
    }
}
