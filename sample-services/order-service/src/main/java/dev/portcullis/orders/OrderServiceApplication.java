package dev.portcullis.orders;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The sample order-service: each user's orders, priced by calling product-service directly with a service token
 * obtained from the auth service (client credentials).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OrderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrderServiceApplication.class, args);
    }

    /** Time for order stamps and service-token expiry; a bean so that tests can move it. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
