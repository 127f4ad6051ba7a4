package dev.portcullis.gateway.dpop;

import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.dpop.DpopReplayCache;
import dev.portcullis.gateway.config.EdgeConfiguration;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.redis.RedisConnections;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** DPoP at the edge: the shared proof check, the gateway tier's replay set ({@code dpop:jti:gw:...}) and the filter. */
@AutoConfiguration(after = EdgeConfiguration.class)
@EnableConfigurationProperties(DpopProperties.class)
public class DpopConfiguration {

    /** The gateway tier's replay scope: one accepted use per proof across every gateway instance. */
    static final String REPLAY_SCOPE = "gw";

    @Bean
    DpopProofVerifier dpopProofVerifier(DpopProperties dpop) {
        return new DpopProofVerifier(dpop.rules(), dpop.nonce().nonces());
    }

    @Bean
    DpopReplayCache dpopReplayCache(RedisConnections redis, DpopProperties dpop) {
        return new DpopReplayCache(redis, REPLAY_SCOPE, dpop.rules().replayWindow(), dpop.replayTimeout());
    }

    @Bean
    DpopGlobalFilter dpopGlobalFilter(DpopProofVerifier verifier, DpopReplayCache replay,
                                      ClientAddressResolver clientAddresses, DpopProperties dpop, Clock clock,
                                      MeterRegistry meters) {
        return new DpopGlobalFilter(verifier, replay, new PublicRequestUri(dpop.publicOriginUri(), clientAddresses),
                clock, meters);
    }
}
