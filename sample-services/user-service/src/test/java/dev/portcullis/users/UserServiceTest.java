package dev.portcullis.users;

import dev.portcullis.testsupport.GatewayIdentity;
import static org.hamcrest.Matchers.containsString;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.testsupport.TestClients;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
class UserServiceTest {

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    WebTestClient client;

    @BeforeEach
    void bindToServer() {
        client = TestClients.signedByTheGateway(port).build();
    }

    @Test
    void returnsTheCallersProfileBuiltFromTheGatewayHeadersAndTheStore() {
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-alice")
                .header(IdentityHeaders.USER_ROLE, "user")
                .header(IdentityHeaders.USER_PERMISSIONS, "users:read,orders:read")
                .header(IdentityHeaders.USER_SCOPES, "openid")
                .header(IdentityHeaders.USER_AMR, "pwd,mfa,otp")
                .header(IdentityHeaders.REQUEST_ID, "req-1")
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.id").isEqualTo("u-alice")
                .jsonPath("$.displayName").isEqualTo("Alice Example")
                .jsonPath("$.email").isEqualTo("alice@example.test")
                .jsonPath("$.role").isEqualTo("user")
                .jsonPath("$.permissions[0]").isEqualTo("orders:read")
                .jsonPath("$.permissions[1]").isEqualTo("users:read")
                .jsonPath("$.mfa").isEqualTo(true)
                .jsonPath("$.requestId").isEqualTo("req-1");
    }

    @Test
    void refusesIdentityHeadersTheGatewayDidNotSignWithThisServicesKey() {
        WebTestClient unsigned = TestClients.localhost(port).build();
        unsigned.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-admin")
                .header(IdentityHeaders.USER_ROLE, "admin")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        client.get().uri("/users/me")
                .headers(headers -> {
                    headers.set(IdentityHeaders.USER_ID, "u-admin");
                    GatewayIdentity.IMPOSTOR.sign("GET", java.net.URI.create("http://localhost:" + port + "/users/me"),
                            java.time.Instant.now(), headers::getFirst, headers::set);
                })
                .exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void answers401ProblemWhenTheGatewayIdentityHeadersAreAbsent() {
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ROLE, "admin")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectBody()
                .jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:unauthenticated")
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.detail").isNotEmpty();
    }

    @Test
    void refusesToShowAnotherUserToANonAdminWith403Problem() {
        client.get().uri("/users/u-admin")
                .header(IdentityHeaders.USER_ID, "alice")
                .header(IdentityHeaders.USER_ROLE, "user")
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, containsString("insufficient_scope"))
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INSUFFICIENT_SCOPE.toString())
                .jsonPath("$.detail").value(containsString("admin"));
    }

    @Test
    void letsAnAdminLookUpAUserSeenThroughTheGateway() {
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-new-42")
                .header(IdentityHeaders.USER_ROLE, "user")
                .exchange()
                .expectStatus().isOk();

        client.get().uri("/users/u-new-42")
                .header(IdentityHeaders.USER_ID, "admin")
                .header(IdentityHeaders.USER_ROLE, "admin")
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.id").isEqualTo("u-new-42")
                .jsonPath("$.lastRole").isEqualTo("user");
    }

    @Test
    void usersOfTwoIssuersWithTheSameIdAreTwoPeople() {
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-twin")
                .header(IdentityHeaders.USER_ROLE, "auditor")
                .header(IdentityHeaders.USER_ISSUER, "corp-keycloak")
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.issuer").isEqualTo("corp-keycloak").jsonPath("$.role").isEqualTo("auditor");

        // Portcullis' own u-twin has never called: the Keycloak user's visit did not create or change it
        client.get().uri("/users/u-twin")
                .header(IdentityHeaders.USER_ID, "admin")
                .header(IdentityHeaders.USER_ROLE, "admin")
                .exchange()
                .expectStatus().isNotFound();
        client.get().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "u-twin")
                .header(IdentityHeaders.USER_ROLE, "user")
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.issuer").doesNotExist().jsonPath("$.role").isEqualTo("user");
    }

    @Test
    void answers404ProblemWhenAnAdminAsksForAnUnknownUser() {
        client.get().uri("/users/nobody")
                .header(IdentityHeaders.USER_ID, "admin")
                .header(IdentityHeaders.USER_ROLE, "admin")
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.NOT_FOUND.toString())
                .jsonPath("$.status").isEqualTo(404);
    }

    @Test
    void answersUnknownPathsAndWrongMethodsWithProblemJson() {
        client.get().uri("/no/such/path")
                .header(IdentityHeaders.USER_ID, "alice")
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemTypes.NOT_FOUND.toString());

        client.delete().uri("/users/me")
                .header(IdentityHeaders.USER_ID, "alice")
                .exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemTypes.METHOD_NOT_ALLOWED.toString());
    }

    @Test
    void servesHealthAndPrometheusOnTheManagementPortOnly() {
        WebTestClient management = TestClients.localhost(managementPort).build();
        management.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        management.get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(containsString("http_server_requests"));

        client.get().uri("/actuator/health").exchange().expectStatus().isNotFound();
    }
}
