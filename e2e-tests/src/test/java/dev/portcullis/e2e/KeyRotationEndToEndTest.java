package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Rotating the signing key while clients keep logging in and calling services: the new key is published before it
 * signs, the gateway picks it up (cache expiry or refetch on the unknown kid), and the old key keeps verifying the
 * tokens it signed. The stack runs with publish-ahead 2 s and a 3 s JWKS cache so that this happens within seconds.
 */
@EndToEndTest
class KeyRotationEndToEndTest {

    private static final int WORKERS = 4;
    private static final int NEW_KEY_REQUESTS_WANTED = 8;

    @Test
    void rotatingTheSigningKeyDuringTrafficLosesNoRequest(Gateway gateway) throws Exception {
        Client adminClient = gateway.newClient();
        String admin = Accounts.adminToken(gateway); // the admin API requires an MFA step-up
        String oldKid = Jwt.keyId(admin);
        List<Session> oldSessions = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            oldSessions.add(gateway.newClient().login(ALICE, ALICE_PASSWORD));
        }

        Traffic traffic = new Traffic(gateway, oldSessions);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                int worker = i;
                workers.add(pool.submit(() -> traffic.run(worker)));
            }
            await("traffic before the rotation").atMost(Duration.ofSeconds(60)).until(() -> traffic.requests.get() >= 8);

            Response rotation = adminClient.post("/auth/admin/keys/rotate").bearer(admin).send();
            assertThat(rotation.status()).as("%s", rotation).isEqualTo(202);
            String newKid = rotation.json().path("kid").asString();
            assertThat(newKid).isNotBlank().isNotEqualTo(oldKid);

            await("requests with tokens signed by the new key").atMost(Duration.ofSeconds(60))
                    .until(() -> traffic.newKeyAccepted(oldKid) >= NEW_KEY_REQUESTS_WANTED || !traffic.failures.isEmpty());
            traffic.stop.set(true);
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }

            assertThat(traffic.failures).as("requests that did not get 200 (of %d)", traffic.requests.get()).isEmpty();
            assertThat(traffic.kidsSeen).contains(oldKid, newKid);
            // tokens signed by the old key, issued before the rotation, still work after it
            assertThat(adminClient.get("/auth/me").bearer(admin).send().status()).isEqualTo(200);
            assertThat(adminClient.get("/.well-known/jwks.json").send().json().path("keys").findValuesAsString("kid"))
                    .contains(oldKid, newKid);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each worker loops: a fresh login (from a new client), a call with the new token, a call with an old token. */
    private static final class Traffic {
        final Gateway gateway;
        final List<Session> oldSessions;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger requests = new AtomicInteger();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final Set<String> kidsSeen = ConcurrentHashMap.newKeySet();
        final ConcurrentHashMap<String, AtomicInteger> acceptedByKid = new ConcurrentHashMap<>();

        Traffic(Gateway gateway, List<Session> oldSessions) {
            this.gateway = gateway;
            this.oldSessions = oldSessions;
        }

        void run(int worker) {
            while (!stop.get()) {
                Client client = gateway.newClient();
                Response login = record(client.attemptLogin(ALICE, ALICE_PASSWORD));
                if (login.status() != 200) {
                    continue;
                }
                String token = login.json().path("access_token").asString();
                String kid = Jwt.keyId(token);
                kidsSeen.add(kid);
                if (record(client.get("/api/products").bearer(token).send()).status() == 200) {
                    acceptedByKid.computeIfAbsent(kid, k -> new AtomicInteger()).incrementAndGet();
                }
                record(client.get("/api/users/me").bearer(oldSessions.get(worker).accessToken()).send());
            }
        }

        int newKeyAccepted(String oldKid) {
            return acceptedByKid.entrySet().stream().filter(entry -> !entry.getKey().equals(oldKid))
                    .mapToInt(entry -> entry.getValue().get()).sum();
        }

        private Response record(Response response) {
            requests.incrementAndGet();
            if (response.status() != 200) {
                failures.add(response.toString());
            }
            return response;
        }
    }
}
