package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Password guessing is cut off with 429 + Retry-After, without locking the account's owner out. */
@EndToEndTest
class AbuseLimitsEndToEndTest {

    /** The auth service locks account+IP after 5 failures; the gateway's login route allows a burst of 10 per IP. */
    private static final int MAX_ATTEMPTS_BEFORE_429 = 11;

    @Test
    void guessingPasswordsGets429WithRetryAfterWhileTheOwnerCanStillLogIn(Gateway gateway) {
        Client attacker = gateway.newClient();
        List<Integer> statuses = new ArrayList<>();
        Response last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS_BEFORE_429; attempt++) {
            last = attacker.attemptLogin(ALICE, "guess-" + attempt);
            statuses.add(last.status());
            if (last.status() == 429) {
                break;
            }
            assertProblem(last, 401);
        }

        assertThat(statuses).as("answers to the guesses").endsWith(429);
        assertProblem(last, 429);
        assertThat(last.header("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Long.parseLong(seconds)).isPositive());
        // even the right password does not get through from the attacker's address now ...
        assertThat(attacker.attemptLogin(ALICE, ALICE_PASSWORD).status()).isEqualTo(429);
        // ... while alice, from her own address, logs in
        assertThat(gateway.newClient().attemptLogin(ALICE, ALICE_PASSWORD).status()).isEqualTo(200);
    }
}
