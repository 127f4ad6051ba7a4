package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What sets the two overlays apart, and their parity with the real kustomize when kubectl is installed. */
class OverlaysTest {

    @ParameterizedTest
    @ValueSource(strings = {"local", "production"})
    void everyOverlayTellsTheGatewayTheIngressControllersRangeAndNothingWider(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        String trusted = RenderedManifests.env(manifests.appContainer("gateway")).get("GATEWAY_TRUSTED_PROXIES");
        assertThat(trusted).as("GATEWAY_TRUSTED_PROXIES of the %s overlay", overlay).isNotBlank();
        for (String block : trusted.split(",")) {
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

    @Test
    void productionTakesRedisFromASecretAndRunsNoRedisItself() {
        RenderedManifests production = RenderedManifests.of("production");

        assertThat(production.find("StatefulSet", "redis")).isEmpty();
        assertThat(production.find("Service", "redis")).isEmpty();
        for (String app : List.of("gateway", "auth-service")) {
            assertThat(RenderedManifests.env(production.appContainer(app)))
                .containsEntry("REDIS_URL", "valueFrom:Secret/portcullis-redis/url");
        }
        assertThat(RenderedManifests.env(production.appContainer("auth-service"))).doesNotContainKey("SPRING_PROFILES_ACTIVE");
    }

    @Test
    void productionScalesTheGatewayAndProtectsItFromDisruption() {
        RenderedManifests production = RenderedManifests.of("production");

        Map<String, Object> hpa = production.get("HorizontalPodAutoscaler", "gateway");
        assertThat(Yamls.mapAt(hpa, "spec.scaleTargetRef")).containsEntry("kind", "Deployment").containsEntry("name", "gateway");
        assertThat((Integer) Yamls.at(hpa, "spec.minReplicas")).isGreaterThanOrEqualTo(2);
        assertThat((Integer) Yamls.at(hpa, "spec.maxReplicas")).isGreaterThan((Integer) Yamls.at(hpa, "spec.minReplicas"));
        assertThat((Integer) Yamls.at(production.get("Deployment", "gateway"), "spec.replicas"))
            .isEqualTo(Yamls.at(hpa, "spec.minReplicas"));
        for (String app : List.of("gateway", "auth-service")) {
            Map<String, Object> pdb = production.get("PodDisruptionBudget", app);
            assertThat(NetworkReachability.selects(Yamls.mapAt(pdb, "spec.selector"),
                    RenderedManifests.podLabels(production.get("Deployment", app)))).isTrue();
            assertThat((Integer) Yamls.at(production.get("Deployment", app), "spec.replicas")).isGreaterThanOrEqualTo(2);
        }
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

    @ParameterizedTest
    @ValueSource(strings = {"local", "production"})
    void rendersExactlyWhatKubectlKustomizeRendersWhenKubectlIsInstalled(String overlay) throws Exception {
        Path dir = Repo.file("deploy/k8s/overlays/" + overlay);
        String kubectlOutput = kubectlKustomize(dir);
        assumeTrue(kubectlOutput != null, "kubectl is not on the PATH; the Java renderer's tests stand in for it");

        assertThat(normalized(KustomizeRenderer.render(dir))).isEqualTo(normalized(Yamls.parseAll(kubectlOutput)));
    }

    /** Objects keyed by kind/namespace/name, with lists of named items in name order (kustomize reorders them). */
    private static Map<String, Object> normalized(List<Map<String, Object>> objects) {
        Map<String, Object> byId = new TreeMap<>();
        for (Map<String, Object> object : objects) {
            String id = object.get("kind") + "/" + Yamls.stringAt(object, "metadata.namespace") + "/"
                    + Yamls.stringAt(object, "metadata.name");
            byId.put(id, sortNamedLists(Yamls.deepCopy(object)));
        }
        return byId;
    }

    private static Object sortNamedLists(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> m = Yamls.map(map);
            m.replaceAll((k, v) -> sortNamedLists(v));
            return new TreeMap<>(m);
        }
        if (node instanceof List<?> list) {
            List<Object> sorted = new ArrayList<>(list.stream().map(OverlaysTest::sortNamedLists).toList());
            if (sorted.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") instanceof String)) {
                sorted.sort((a, b) -> ((Map<?, ?>) a).get("name").toString().compareTo(((Map<?, ?>) b).get("name").toString()));
            }
            return sorted;
        }
        return node;
    }

    private static String kubectlKustomize(Path dir) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
        }
        catch (IOException notInstalled) {
            return null;
        }
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("kubectl kustomize " + dir + ": " + err).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    static boolean exists(Path path) {
        return Files.exists(path);
    }
}
