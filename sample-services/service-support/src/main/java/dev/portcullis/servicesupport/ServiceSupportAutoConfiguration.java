package dev.portcullis.servicesupport;

import dev.portcullis.servicesupport.identity.GatewayIdentityProperties;
import dev.portcullis.servicesupport.identity.GatewayIdentityVerifier;
import dev.portcullis.servicesupport.identity.IdentityArgumentResolver;
import dev.portcullis.servicesupport.identity.IdentityHeadersReader;
import dev.portcullis.servicesupport.problem.ProblemJsonFallbackHandler;
import dev.portcullis.servicesupport.problem.ProblemResponseHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.validation.Validator;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/**
 * Everything a WebFlux service behind Portcullis gets by having this module on its class path: controller methods
 * may take an {@link dev.portcullis.servicesupport.identity.Identity} parameter (believed only when the gateway's
 * signature over it verifies with {@code GATEWAY_IDENTITY_KEY}), and every error is problem+json.
 */
@AutoConfiguration(
        beforeName = "org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration",
        afterName = "org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(GatewayIdentityProperties.class)
public class ServiceSupportAutoConfiguration {

    /** The application's clock and meter registry when it has them (the sample services do), else the system's. */
    @Bean
    GatewayIdentityVerifier gatewayIdentityVerifier(GatewayIdentityProperties properties, ObjectProvider<Clock> clock,
                                                    ObjectProvider<MeterRegistry> meters) {
        return new GatewayIdentityVerifier(properties, clock.getIfAvailable(Clock::systemUTC),
                meters.getIfAvailable(() -> Metrics.globalRegistry));
    }

    @Bean
    IdentityHeadersReader identityHeadersReader(GatewayIdentityVerifier verifier) {
        return new IdentityHeadersReader(verifier);
    }

    @Bean
    WebFluxConfigurer identityArgumentConfigurer(IdentityHeadersReader reader) {
        IdentityArgumentResolver resolver = new IdentityArgumentResolver(reader);
        return new WebFluxConfigurer() {
            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(resolver);
            }
        };
    }

    @Bean
    ProblemResponseHandler problemResponseHandler() {
        return new ProblemResponseHandler();
    }

    /** Ordered like Boot's default handler, which backs off when this bean exists. */
    @Bean
    @Order(-1)
    ProblemJsonFallbackHandler problemJsonFallbackHandler() {
        return new ProblemJsonFallbackHandler();
    }

    @Bean
    @ConditionalOnBean(Validator.class)
    ValidationWarmUp validationWarmUp(Validator validator) {
        return new ValidationWarmUp(validator);
    }
}
