package dev.portcullis.products.caller;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.portcullis.servicesupport.identity.IdentityHeadersReader;
import java.net.MalformedURLException;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/** Wires service-token verification and the {@link Caller} controller argument. */
@Configuration(proxyBeanMethods = false)
class ServiceCallerConfiguration {

    /** JWKS size limit: a key set is a few kilobytes; refuse anything absurd. */
    private static final int JWKS_SIZE_LIMIT = 64 * 1024;

    /**
     * nimbus's layered key source: cache (TTL from config), refresh ahead of expiry, at most a couple of refetches
     * per interval on an unknown kid (so random kids cannot flood the auth service), one retry on a network error.
     */
    @Bean
    JWKSource<SecurityContext> serviceTokenKeys(ServiceTokenProperties properties) throws MalformedURLException {
        int timeout = Math.toIntExact(properties.jwksTimeout().toMillis());
        long ttl = properties.jwksCacheTtl().toMillis();
        return JWKSourceBuilder.<SecurityContext>create(properties.jwksUri().toURL(),
                        new DefaultResourceRetriever(timeout, timeout, JWKS_SIZE_LIMIT))
                .cache(ttl, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                .rateLimited(true)
                .retrying(true)
                .build();
    }

    @Bean
    ServiceTokenVerifier serviceTokenVerifier(JWKSource<SecurityContext> serviceTokenKeys,
            ServiceTokenProperties properties, Clock clock) {
        return new ServiceTokenVerifier(serviceTokenKeys, properties, clock);
    }

    @Bean
    WebFluxConfigurer callerArgumentConfigurer(IdentityHeadersReader identities, ServiceTokenVerifier verifier) {
        CallerArgumentResolver resolver = new CallerArgumentResolver(identities, verifier);
        return new WebFluxConfigurer() {
            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(resolver);
            }
        };
    }
}
