package dev.portcullis.products;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/** The sample product-service: a catalogue for users behind the gateway and for services holding a service token. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProductServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProductServiceApplication.class, args);
    }

    /** The time service tokens are checked against; a bean so that tests can move it. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
