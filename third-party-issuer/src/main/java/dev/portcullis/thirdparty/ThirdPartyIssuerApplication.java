package dev.portcullis.thirdparty;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;

/**
 * A stand-in for a team's existing identity provider: Spring Authorization Server with its own RSA key, issuing
 * client-credentials access tokens to the clients its configuration names. The end-to-end tests start it next to
 * Portcullis' auth service to prove that the gateway trusts a second, independent issuer; a person can run it by
 * hand to do the same. It shares no code, key or configuration with the gateway or the services.
 *
 * <p>Boot's default user store is left out: this issuer has no users, and that store would print a generated
 * password in the log at start-up.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
public class ThirdPartyIssuerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ThirdPartyIssuerApplication.class, args);
    }
}
