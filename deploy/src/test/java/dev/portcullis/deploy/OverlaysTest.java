package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What sets the overlays apart: local against production, with and without components. */
class OverlaysTest {

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void everyOverlayTellsTheGatewayTheIngressControllersRangeAndNothingWider(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        List<String> trusted = manifests.gatewayTrustedProxies();
        assertThat(trusted).as("the gateway's trusted proxies in %s", overlay).isNotEmpty();
        for (String block : trusted) {
            assertThat(isPrivateBlock(block.trim())).as("'%s' is a private IPv4 block of /8 or narrower", block).isTrue();
        }
        // only the ingress controller's namespace reaches the gateway's public port: what makes a pod range safe
        Map<String, Object> policy = manifests.get("NetworkPolicy", "gateway");
        assertThat(Yamls.maps(Yamls.at(policy, "spec.ingress"))).singleElement().satisfies(rule ->
            assertThat(Yamls.maps(rule.get("from"))).singleElement().satisfies(from ->
                assertThat(Yamls.mapAt(from, "namespaceSelector.matchLabels"))
                    .containsEntry("kubernetes.io/metadata.name", "ingress-nginx")));
    }

    /** An RFC 1918 block such as 10.244.0.0/16, with a prefix of at least 8 bits and no host bits set. */
    static boolean isPrivateBlock(String block) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})")
            .matcher(block);
        if (!m.matches()) {
            return false;
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                return false;
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix < 8 || prefix > 32 || (prefix < 32 && (address & ((1L << (32 - prefix)) - 1)) != 0)) {
            return false;
        }
        return within(address, prefix, 10L << 24, 8) || within(address, prefix, (172L << 24) | (16L << 16), 12)
            || within(address, prefix, (192L << 24) | (168L << 16), 16);
    }

    private static boolean within(long address, int prefix, long network, int networkPrefix) {
        return prefix >= networkPrefix && (address >>> (32 - networkPrefix)) == (network >>> (32 - networkPrefix));
    }

    @Test
    void localRunsOneRedisWithAppendOnlyPersistenceOnAVolumeClaim() {
        RenderedManifests local = RenderedManifests.of("local");

        Map<String, Object> redis = local.get("StatefulSet", "redis");
        Map<String, Object> container = RenderedManifests.containers(redis).getFirst();
        assertThat(container.get("image").toString()).startsWith("redis:7");
        assertThat(String.join(" ", Yamls.list(container.get("args")).stream().map(Object::toString).toList()))
            .contains("--appendonly yes");
        String dataVolume = KubernetesManifestsTest.mountAt(container, "/data").get("name").toString();
        assertThat(Yamls.maps(Yamls.at(redis, "spec.volumeClaimTemplates")))
            .anySatisfy(claim -> assertThat(Yamls.stringAt(claim, "metadata.name")).isEqualTo(dataVolume));
        assertThat(local.get("Service", "redis")).isNotNull();
        for (String app : List.of("gateway", "auth-service")) {
            assertThat(RenderedManifests.env(local.appContainer(app))).containsEntry("REDIS_URL", "redis://redis:6379");
        }
    }

    @Test
    void localUsesTheImagesDockerComposeBuildsAndTheDemoProfile() {
        RenderedManifests local = RenderedManifests.of("local");

        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(local.appContainer(app.appName()).get("image")).isEqualTo("portcullis/" + app.appName() + ":local");
        }
        assertThat(RenderedManifests.env(local.appContainer("auth-service")))
            .containsEntry("SPRING_PROFILES_ACTIVE", "local");
        assertThat(RenderedManifests.env(local.appContainer("order-service")).get("ORDER_SERVICE_CLIENT_SECRET"))
            .matches("valueFrom:Secret/order-service-client-[a-z0-9]{10}/secret");
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#productionRenders")
    void productionTakesRedisAndItsCredentialsFromASecretAndRunsNoRedisItself(String overlay) {
        RenderedManifests production = RenderedManifests.of(overlay);

        assertThat(production.find("StatefulSet", "redis")).isEmpty();
        assertThat(production.find("Service", "redis")).isEmpty();
        for (String app : List.of("gateway", "auth-service")) {
            Map<String, String> env = RenderedManifests.env(production.appContainer(app));
            String url = env.get("REDIS_URL");
            if (url.startsWith("valueFrom:")) {
                assertThat(url).isEqualTo("valueFrom:Secret/portcullis-redis/url");
                continue;
            }
            // a URL written in the manifest names hosts only; every credential is $(VAR) of an earlier variable that
            // comes from the Secret, never a literal
            Matcher reference = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(url);
            List<String> names = List.copyOf(env.keySet());
            int referenced = 0;
            while (reference.find()) {
                String variable = reference.group(1);
                assertThat(names.indexOf(variable)).as(app + ": " + variable + " defined before REDIS_URL")
                    .isBetween(0, names.indexOf("REDIS_URL") - 1);
                assertThat(env.get(variable)).startsWith("valueFrom:Secret/portcullis-redis/");
                referenced++;
            }
            assertThat(referenced).as(app + " REDIS_URL credentials").isPositive();
            for (String seed : url.split(",")) {
                if (seed.contains("@")) {
                    assertThat(seed.substring(seed.indexOf("://") + 3, seed.indexOf('@')))
                        .as("credentials in " + seed).matches("\\$\\(REDIS_USERNAME\\):\\$\\(REDIS_PASSWORD\\)");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#productionRenders")
    void productionHasNoDemoUsersNoDemoSecretsAndNoLocalProfile(String overlay) {
        RenderedManifests production = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(RenderedManifests.env(production.appContainer(app.appName())))
                .as(app.appName()).doesNotContainKey("SPRING_PROFILES_ACTIVE");
        }
        assertThat(production.ofKind("Secret")).isEmpty();
        // the local profile's published passwords and client secret (auth-service README) appear nowhere
        String rendered = production.objects().toString();
        assertThat(rendered).doesNotContain("alice-password", "admin-password", "order-service-secret");
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#productionRenders")
    void productionScalesTheGatewayAndProtectsItFromDisruption(String overlay) {
        RenderedManifests production = RenderedManifests.of(overlay);

        Map<String, Object> hpa = production.get("HorizontalPodAutoscaler", "gateway");
        assertThat(Yamls.mapAt(hpa, "spec.scaleTargetRef")).containsEntry("kind", "Deployment").containsEntry("name", "gateway");
        assertThat((Integer) Yamls.at(hpa, "spec.minReplicas")).isGreaterThanOrEqualTo(2);
        assertThat((Integer) Yamls.at(hpa, "spec.maxReplicas")).isGreaterThan((Integer) Yamls.at(hpa, "spec.minReplicas"));
        // the HPA alone sets the gateway's count
        assertThat(Yamls.mapAt(production.get("Deployment", "gateway"), "spec")).doesNotContainKey("replicas");
        for (String app : List.of("gateway", "auth-service")) {
            Map<String, Object> pdb = production.get("PodDisruptionBudget", app);
            assertThat(NetworkReachability.selects(Yamls.mapAt(pdb, "spec.selector"),
                    RenderedManifests.podLabels(production.get("Deployment", app)))).isTrue();
        }
        assertThat((Integer) Yamls.at(production.get("Deployment", "auth-service"), "spec.replicas")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void productionIssuerIsTheHttpsUrlOfTheIngressHost() {
        RenderedManifests production = RenderedManifests.of("production");

        Map<String, Object> ingress = production.ofKind("Ingress").getFirst();
        String host = Yamls.stringAt(Yamls.maps(Yamls.at(ingress, "spec.rules")).getFirst(), "host");
        assertThat(Yamls.maps(Yamls.at(ingress, "spec.tls"))).anySatisfy(tls ->
            assertThat(Yamls.list(tls.get("hosts"))).contains(host));
        assertThat(RenderedManifests.env(production.appContainer("gateway"))).containsEntry("AUTH_ISSUER", "https://" + host);
        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(production.appContainer(app.appName()).get("image").toString())
                .doesNotEndWith(":local").doesNotEndWith(":latest").doesNotContain("SNAPSHOT");
        }
    }
}
