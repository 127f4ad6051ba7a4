package dev.portcullis.auth.dpop;

import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.dpop.DpopReplayCache;
import dev.portcullis.redis.RedisConnections;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The shared DPoP proof check and the auth service's own replay set ({@code dpop:jti:auth:...}). */
@Configuration(proxyBeanMethods = false)
class DpopConfig {

    /** The auth service's replay scope: a proof accepted here may still be accepted once by the gateway tier. */
    static final String REPLAY_SCOPE = "auth";

    @Bean
    DpopProofVerifier dpopProofVerifier(AuthDpopProperties properties) {
        return new DpopProofVerifier(properties.rules(), properties.nonce().nonces());
    }

    @Bean
    DpopReplayCache dpopReplayCache(RedisConnections redis, AuthDpopProperties properties) {
        return new DpopReplayCache(redis, REPLAY_SCOPE, properties.rules().replayWindow(), properties.replayTimeout());
    }
}
