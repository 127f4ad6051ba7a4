package dev.portcullis.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

/** One simulated client machine: every request it sends names its own address in {@code X-Forwarded-For}. */
public final class Client {

    private final String baseUrl;
    private final String address;

    Client(String baseUrl, String address) {
        this.baseUrl = baseUrl;
        this.address = address;
    }

    public Request get(String path) {
        return new Request(baseUrl, address, "GET", path);
    }

    public Request post(String path) {
        return new Request(baseUrl, address, "POST", path);
    }

    /** {@code POST /auth/login} (cookie flow); whatever the answer. */
    public Response attemptLogin(String username, String password) {
        return post("/auth/login").json(Map.of("username", username, "password", password)).send();
    }

    /** A successful login: the access token from the body, the refresh token from the {@code refresh_token} cookie. */
    public Session login(String username, String password) {
        Response response = attemptLogin(username, password);
        assertThat(response.status()).as("login of %s: %s", username, response.body()).isEqualTo(200);
        return new Session(response.json().path("access_token").asString(), response.refreshCookie().orElseThrow(),
                response.json().path("user").path("id").asString());
    }

    /** The browser's refresh: the cookie plus the CSRF header the cookie flow requires. */
    public Response refresh(String refreshCookie) {
        return post("/auth/refresh").cookie("refresh_token", refreshCookie).header("X-Requested-With", "e2e-test").send();
    }

    public String address() {
        return address;
    }
}
