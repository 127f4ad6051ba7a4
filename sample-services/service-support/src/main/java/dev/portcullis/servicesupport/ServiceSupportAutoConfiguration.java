package dev.portcullis.servicesupport;

import dev.portcullis.servicesupport.identity.IdentityArgumentResolver;
import dev.portcullis.servicesupport.identity.IdentityHeadersReader;
import dev.portcullis.servicesupport.problem.ProblemJsonFallbackHandler;
import dev.portcullis.servicesupport.problem.ProblemResponseHandler;
import jakarta.validation.Validator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/**
 * Everything a WebFlux service behind Portcullis gets by having this module on its class path: controller methods
 * may take an {@link dev.portcullis.servicesupport.identity.Identity} parameter, and every error is problem+json.
 */
@AutoConfiguration(
        beforeName = "org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration",
        afterName = "org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
public class ServiceSupportAutoConfiguration {

    @Bean
    IdentityHeadersReader identityHeadersReader() {
        return new IdentityHeadersReader();
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
