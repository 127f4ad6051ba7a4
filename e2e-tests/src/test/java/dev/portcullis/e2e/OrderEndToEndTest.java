package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Placing an order makes order-service fetch a client-credentials token from the auth service and price every item
 * by calling product-service with it (product-service verifies that token against the JWKS itself).
 */
@EndToEndTest
class OrderEndToEndTest {

    @Test
    void placingAnOrderPricesEveryItemWithProductServiceThroughAServiceToken(Gateway gateway) {
        // a product whose price exists nowhere but in product-service: order-service can only learn it by asking
        Client adminClient = gateway.newClient();
        Session admin = adminClient.login(Accounts.ADMIN, Accounts.ADMIN_PASSWORD);
        BigDecimal price = BigDecimal.valueOf(ThreadLocalRandom.current().nextInt(1_000, 99_999), 2);
        String name = "E2E lamp " + price;
        Response created = adminClient.post("/api/products").bearer(admin.accessToken())
                .json(Map.of("name", name, "price", price)).send();
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        String newProduct = created.json().path("id").asString();

        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);
        JsonNode mug = browser.get("/api/products/p-1").bearer(alice.accessToken()).send().json();

        Response placed = browser.post("/api/orders").bearer(alice.accessToken())
                .json(Map.of("items", List.of(Map.of("productId", newProduct, "quantity", 3),
                        Map.of("productId", "p-1", "quantity", 2))))
                .send();

        assertThat(placed.status()).as("%s", placed).isEqualTo(201);
        JsonNode order = placed.json();
        assertThat(order.path("ownerId").asString()).isEqualTo(ALICE_ID);
        assertThat(order.path("status").asString()).isEqualTo("PLACED");
        JsonNode lamp = order.path("items").path(0);
        assertThat(lamp.path("name").asString()).isEqualTo(name);
        assertThat(lamp.path("unitPrice").decimalValue()).isEqualByComparingTo(price);
        assertThat(lamp.path("lineTotal").decimalValue()).isEqualByComparingTo(price.multiply(BigDecimal.valueOf(3)));
        JsonNode mugs = order.path("items").path(1);
        assertThat(mugs.path("name").asString()).isEqualTo(mug.path("name").asString());
        assertThat(mugs.path("unitPrice").decimalValue()).isEqualByComparingTo(mug.path("price").decimalValue());
        assertThat(order.path("total").decimalValue()).isEqualByComparingTo(price.multiply(BigDecimal.valueOf(3))
                .add(mug.path("price").decimalValue().multiply(BigDecimal.valueOf(2))));

        Response mine = browser.get("/api/orders").bearer(alice.accessToken()).send();
        assertThat(mine.json().findValuesAsString("id")).contains(order.path("id").asString());
    }

    @Test
    void anOrderForAProductThatDoesNotExistIsAnUnprocessableProblem(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);

        Response placed = browser.post("/api/orders").bearer(alice.accessToken())
                .json(Map.of("items", List.of(Map.of("productId", "p-nonexistent", "quantity", 1)))).send();

        assertProblem(placed, 422);
    }
}
