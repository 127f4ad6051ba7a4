package dev.portcullis.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
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

    /** Access tokens live 15 min; a cached step-up is used for at most this long, then the admin steps up again. */
    private static final Duration STEP_UP_REUSE = Duration.ofMinutes(10);
    private static String adminTotpSecret;
    private static String adminToken;
    private static Instant adminTokenAt = Instant.EPOCH;
    // a run with short-lived tokens (the browser tests') reuses the token only while it has a few seconds left
    private static Instant adminTokenUsableUntil = Instant.EPOCH;
    private static long adminLastStep = -1;

    private Accounts() {
    }

    /**
     * An admin access token with {@code mfa} in {@code amr}, as the admin API requires. The first call in this JVM
     * enrols TOTP for the demo admin (the stack starts with a fresh Redis, so the admin has none yet); the token is
     * reused for a few minutes, since each TOTP code works only once.
     */
    public static synchronized String adminToken(Gateway gateway) {
        Instant now = Instant.now();
        if (adminToken != null && now.isBefore(adminTokenAt.plus(STEP_UP_REUSE)) && now.isBefore(adminTokenUsableUntil)) {
            return adminToken;
        }
        Client adminClient = gateway.newClient();
        Session admin = adminClient.login(ADMIN, ADMIN_PASSWORD);
        if (adminTotpSecret == null) {
            Response enrolment = adminClient.post("/auth/mfa/enroll").bearer(admin.accessToken()).send();
            assertThat(enrolment.status()).as("TOTP enrolment of the demo admin (needs a fresh Redis): %s", enrolment)
                    .isEqualTo(201);
            adminTotpSecret = enrolment.json().path("secret").asString();
        }
        // A step is accepted once, and the auth service also takes the next one: a second step-up within the same
        // 30 s (after forgetAdminToken) uses the next step's code, or waits until that is within reach.
        long step = Math.max(Instant.now().getEpochSecond() / 30, adminLastStep + 1);
        await("a TOTP step not used yet").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> step <= Instant.now().getEpochSecond() / 30 + 1);
        Response verified = adminClient.post("/auth/mfa/verify").bearer(admin.accessToken())
                .json(Map.of("code", Totp.code(adminTotpSecret, Instant.ofEpochSecond(step * 30)))).send();
        assertThat(verified.status()).as("step-up of the demo admin: %s", verified).isEqualTo(200);
        adminToken = verified.json().path("access_token").asString();
        adminTokenAt = Instant.now();
        adminTokenUsableUntil = adminTokenAt.plusSeconds(verified.json().path("expires_in").asLong() - 5);
        adminLastStep = step;
        return adminToken;
    }

    /** Drops the cached admin token (its signing key was revoked, say): the next {@link #adminToken} steps up anew. */
    public static synchronized void forgetAdminToken() {
        adminToken = null;
    }

    /** A user of its own (role {@code user}, alice's permissions), so that revoking or enrolling it touches no one else. */
    public static Credentials createUser(Gateway gateway, String prefix) {
        Client adminClient = gateway.newClient();
        String admin = adminToken(gateway);
        String username = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Response created = adminClient.post("/auth/admin/users").bearer(admin)
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
