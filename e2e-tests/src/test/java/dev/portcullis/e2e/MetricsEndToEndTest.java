package dev.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.deploy.MetricReferences;
import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Session;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and the Grafana dashboard query only series the running applications really export: after a
 * representative flow (login, calls, a rejection, a refresh, an MFA attempt, a logout), every metric name they use
 * appears on some application's {@code /actuator/prometheus}.
 */
@EndToEndTest
class MetricsEndToEndTest {

    @Test
    void everyMetricTheAlertsAndTheDashboardUseIsExportedByTheRunningApplications(Gateway gateway) throws Exception {
        Client client = gateway.newClient();
        Session session = client.login(Accounts.ALICE, Accounts.ALICE_PASSWORD);
        client.get("/api/users/me").bearer(session.accessToken()).send();
        client.get("/api/products").bearer(session.accessToken()).send();
        client.get("/api/orders").send();
        client.post("/auth/mfa/verify").bearer(session.accessToken()).json(Map.of("code", "000000")).send();
        Session refreshed = client.login(Accounts.ALICE, Accounts.ALICE_PASSWORD);
        client.refresh(refreshed.refreshCookie());
        client.post("/auth/logout").bearer(session.accessToken()).send();

        Set<String> exported = new TreeSet<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (Map.Entry<String, String> app : gateway.managementUrls().entrySet()) {
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(app.getValue() + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).as("%s scrape", app.getKey()).isEqualTo(200);
            scrape.body().lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> line.split("[{ ]", 2)[0])
                    .forEach(exported::add);
        }

        assertThat(exported).as("series exported by %s", gateway.managementUrls().keySet())
                .containsAll(MetricReferences.referencedMetricNames());
    }
}
