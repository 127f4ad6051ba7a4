package dev.portcullis.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The Portcullis edge gateway: a Spring Cloud Gateway application whose edge comes from
 * {@code portcullis-spring-boot-starter}; this module adds the routes, the logging and the defaults of a standalone
 * deployment (application.yml).
 */
@SpringBootApplication
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
