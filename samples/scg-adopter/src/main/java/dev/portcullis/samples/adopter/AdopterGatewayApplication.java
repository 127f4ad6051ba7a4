package dev.portcullis.samples.adopter;

import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * A team's existing Spring Cloud Gateway: routes of its own in {@code application.yml} and in the Java DSL, tokens from
 * its own identity provider. The only changes to adopt Portcullis are the {@code portcullis-spring-boot-starter}
 * dependency and the {@code portcullis.*} configuration next to the routes; no code of Portcullis is copied in.
 */
@SpringBootApplication
public class AdopterGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(AdopterGatewayApplication.class, args);
    }

    /** A route written in code: its policy is route metadata, as a YAML route's is. */
    @Bean
    RouteLocator inventoryRoutes(RouteLocatorBuilder routes, @Value("${adopter.inventory-url}") String inventoryUrl) {
        return routes.routes()
                .route("inventory", route -> route.path("/inventory/**")
                        .metadata("policy", Map.of("permissions", List.of("inventory:read")))
                        .uri(inventoryUrl))
                .build();
    }
}
