package dev.portcullis.auth.keys;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class KeyConfig {

    /** Built at start-up on the main thread: loading or generating keys there blocks nobody. */
    @Bean
    KeyManager keyManager(AuthProperties properties, Clock clock, AuthMetrics metrics) {
        return new KeyManager(properties, clock, metrics);
    }
}
