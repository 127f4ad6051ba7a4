package dev.portcullis.reference;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The load test's reference: a plain Spring Cloud Gateway, configured only by its {@code application.yml} (one route,
 * Spring Cloud Gateway's default filters). {@code scg-metrics} runs the same class with the actuator and Prometheus on
 * the class path. Benchmark tool only.
 */
@SpringBootApplication
public class ReferenceGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReferenceGatewayApplication.class, args);
    }
}
