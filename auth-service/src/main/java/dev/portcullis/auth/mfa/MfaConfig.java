package dev.portcullis.auth.mfa;

import dev.portcullis.auth.config.AuthProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class MfaConfig {

    /** Built at start-up (may read or write the key file), never on a request thread. */
    @Bean
    SecretCipher secretCipher(AuthProperties properties) {
        return SecretCipher.fromConfig(properties);
    }
}
