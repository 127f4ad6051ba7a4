package dev.portcullis.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions on RFC 9457 problem documents, the shape every error of the system has. */
public final class Problems {

    private Problems() {
    }

    /** The response is {@code status} with an {@code application/problem+json} body naming that status. */
    public static void assertProblem(Response response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.contentType()).as("content type of %s", response).startsWith("application/problem+json");
        assertThat(response.json().path("status").asInt()).as("%s", response).isEqualTo(status);
        assertThat(response.json().path("type").asString()).as("%s", response).isNotBlank();
        assertThat(response.json().path("title").asString()).as("%s", response).isNotBlank();
        assertThat(response.body()).as("%s", response).doesNotContain("Exception", "\tat ");
    }

    /** A 401 from the gateway for a token it refused (RFC 6750 {@code invalid_token}). */
    public static void assertInvalidToken(Response response) {
        assertProblem(response, 401);
        assertThat(response.header("WWW-Authenticate")).as("%s", response).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer").contains("error=\"invalid_token\""));
    }
}
