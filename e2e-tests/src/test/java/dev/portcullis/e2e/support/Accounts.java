package dev.portcullis.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The demo users of the local profile, and fresh users made through the admin API for tests that change a user. */
public final class Accounts {

    public static final String ALICE = "alice";
    public static final String ALICE_PASSWORD = "alice-password";
    public static final String ALICE_ID = "u-alice";
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-password";
    public static final List<String> ALICE_PERMISSIONS = List.of("orders:read", "orders:write", "products:read", "users:read");

    private Accounts() {
    }

    /** A user of its own (role {@code user}, alice's permissions), so that revoking or enrolling it touches no one else. */
    public static Credentials createUser(Gateway gateway, String prefix) {
        Client adminClient = gateway.newClient();
        Session admin = adminClient.login(ADMIN, ADMIN_PASSWORD);
        String username = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Response created = adminClient.post("/auth/admin/users").bearer(admin.accessToken())
                .json(Map.of("username", username, "password", password, "role", "user",
                        "permissions", ALICE_PERMISSIONS))
                .send();
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        return new Credentials(username, password, created.json().path("id").asString());
    }

    /** A user made for one test. */
    public record Credentials(String username, String password, String id) {
        @Override
        public String toString() {
            return "Credentials[" + username + "]";
        }
    }
}
