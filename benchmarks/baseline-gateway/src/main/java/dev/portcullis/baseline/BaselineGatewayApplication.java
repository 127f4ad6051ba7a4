package dev.portcullis.baseline;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The load test's comparison: Spring Cloud Gateway + Spring Security's OAuth2 resource server + one Redis GET of the
 * revocation key per request, wired the way a Java team would without Portcullis. Benchmark tool only.
 */
@SpringBootApplication
public class BaselineGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(BaselineGatewayApplication.class, args);
    }
}
