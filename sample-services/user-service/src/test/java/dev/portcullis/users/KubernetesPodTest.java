package dev.portcullis.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.KubernetesPod;
import dev.portcullis.testsupport.TestClients;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service as it runs in a pod: the system environment has {@code KUBERNETES_SERVICE_HOST}, so Spring Boot detects
 * Kubernetes, which on its own would turn on Reactor Netty's forwarded-header handling and let {@code X-Forwarded-*}
 * rewrite the request's path, host and remote address. The gateway sends {@code X-Forwarded-Prefix: /api}; the
 * service must still see the path the gateway forwarded (and signed), whatever forwarded headers arrive.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
@ContextConfiguration(initializers = KubernetesPod.class)
class KubernetesPodTest {

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableEnvironment environment;

    WebTestClient client;

    @BeforeEach
    void bindToServer() {
        client = TestClients.signedByTheGateway(port).build();
    }

    @Test
    void springBootSeesAKubernetesPod() {
        assertThat(CloudPlatform.getActive(environment)).isEqualTo(CloudPlatform.KUBERNETES);
        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("none");
    }

    @Test
    void forwardedHeadersDoNotRewriteThePathTheGatewaySigned() {
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-alice")
                .header(IdentityHeaders.USER_ROLE, "user")
                .header(IdentityHeaders.USER_PERMISSIONS, "users:read")
                .header("X-Forwarded-Prefix", "/api")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-For", "203.0.113.9")
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.id").isEqualTo("u-alice");
    }
}
