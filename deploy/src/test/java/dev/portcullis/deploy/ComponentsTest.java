package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each kustomize component adds when composed onto the production overlay (the invariants every render keeps
 * are in {@link KubernetesManifestsTest} and {@link OverlaysTest}, which render these compositions too).
 */
class ComponentsTest {

    @Test
    void issuersComeFromAHashedConfigMapAndTheGatewayMayFetchTheirKeysOverHttps() {
        RenderedManifests manifests = RenderedManifests.of("production+issuers");

        Map<String, Object> issuers = manifests.gatewayConfigFiles().get("/etc/portcullis/issuers");
        assertThat(issuers).as("application.yml at /etc/portcullis/issuers").isNotNull();
        Map<String, Object> configured = Yamls.map(Yamls.property(issuers, "portcullis.jwt.issuers"));
        assertThat(configured).isNotEmpty().allSatisfy((id, value) -> {
            Map<String, Object> issuer = Yamls.map(value);
            assertThat(id).matches("[a-z0-9][a-z0-9-]*").isNotEqualTo("portcullis");
            assertThat(URI.create(issuer.get("issuer").toString()).getScheme()).isEqualTo("https");
            assertThat(Yamls.list(issuer.get("audiences"))).isNotEmpty();
            assertThat(issuer.containsKey("jwks-uri") || Boolean.TRUE.equals(issuer.get("discovery")))
                .as(id + " has a jwks-uri or discovery").isTrue();
            if (issuer.containsKey("jwks-uri")) {
                assertThat(URI.create(issuer.get("jwks-uri").toString()).getScheme()).isEqualTo("https");
            }
        });
        // read at start-up only: a content hash in the name rolls the pods when the issuers change
        assertThat(manifests.ofKind("ConfigMap")).extracting(RenderedManifests::name)
            .anySatisfy(name -> assertThat(name).matches("gateway-issuers-[a-z0-9]{10}"));
        NetworkReachability network = new NetworkReachability(manifests);
        assertThat(network.egressDestinations(manifests.get("Deployment", "gateway"), 443)).contains("ip:0.0.0.0/0");
        assertThat(new NetworkReachability(RenderedManifests.of("production"))
            .egressDestinations(RenderedManifests.of("production").get("Deployment", "gateway"), 443)).isEmpty();
        for (String other : List.of("auth-service", "user-service", "product-service", "order-service")) {
            assertThat(network.egressDestinations(manifests.get("Deployment", other), 443)).as(other).isEmpty();
        }
    }

    @Test
    void trustedProxiesComponentReplacesTheVariableWithAFile() {
        RenderedManifests manifests = RenderedManifests.of("production+trusted-proxies");

        assertThat(RenderedManifests.env(manifests.appContainer("gateway"))).doesNotContainKey("GATEWAY_TRUSTED_PROXIES");
        assertThat(manifests.gatewayConfigFiles()).containsKey("/etc/portcullis/trusted-proxies");
        assertThat(manifests.gatewayTrustedProxies()).isNotEmpty().allMatch(OverlaysTest::isPrivateBlock);
    }

    @Test
    void routesComponentKeepsTheConfigMapNameSoThatAnEditIsHotReloadedInsteadOfRollingThePods() {
        RenderedManifests manifests = RenderedManifests.of("production+routes");

        Map<String, Object> routes = manifests.get("ConfigMap", "gateway-routes");
        assertThat(Yamls.mapAt(routes, "metadata.labels")).containsEntry("portcullis.dev/hot-reload", "true");
        assertThat(RenderedManifests.env(manifests.appContainer("gateway")))
            .containsEntry("PORTCULLIS_CONFIG_RELOAD_PATHS", "/etc/portcullis");
        assertThat(manifests.gatewayConfigFiles()).containsKey("/etc/portcullis/routes");
    }

    @Test
    void anOperatorReplacesTheComponentsExamplesWithTheirOwnFilesFromAComponentListedLast() {
        // docs/deploy.md's overlay: the shipped components, then one of the operator's own with their files. (An
        // overlay's own configMapGenerator runs before the components it lists, so it could not replace theirs.)
        String dir = "operator-overlay";
        String fromDir = Kustomize.relative(Repo.file("deploy/target/kustomize/" + dir), Repo.file("deploy/k8s"));
        String issuers = """
                portcullis.jwt.issuers:
                  mine:
                    issuer: https://sso.mine.example
                    jwks-uri: https://sso.mine.example/jwks
                    audiences: [portcullis]
                """;
        String trusted = "portcullis.http.trusted-proxies: [10.42.0.0/16]\n";
        String routes = """
                spring.cloud.gateway.server.webflux.routes:
                  - id: only-mine
                    uri: http://user-service:8081
                    predicates: [Path=/mine/**]
                """;
        List<Map<String, Object>> objects = Kustomize.renderWritten(dir, Map.of(
                "mine/issuers.yml", issuers, "mine/trusted-proxies.yml", trusted, "mine/routes.yml", routes,
                "mine/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1alpha1
                kind: Component
                configMapGenerator:
                  - name: gateway-issuers
                    behavior: replace
                    files: [application.yml=issuers.yml]
                  - name: gateway-trusted-proxies
                    behavior: replace
                    files: [application.yml=trusted-proxies.yml]
                  - name: gateway-routes
                    behavior: replace
                    files: [application.yml=routes.yml]
                    options: {disableNameSuffixHash: true}
                """,
                "kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [%1$s/overlays/production]
                components:
                  - %1$s/components/issuers
                  - %1$s/components/trusted-proxies
                  - %1$s/components/routes
                  - mine
                """.formatted(fromDir)));
        RenderedManifests manifests = new RenderedManifests(dir, objects);

        Map<String, Map<String, Object>> files = manifests.gatewayConfigFiles();
        assertThat(files.get("/etc/portcullis/issuers")).isEqualTo(Yamls.parseAll(issuers).getFirst());
        assertThat(files.get("/etc/portcullis/routes")).isEqualTo(Yamls.parseAll(routes).getFirst());
        assertThat(manifests.gatewayTrustedProxies()).containsExactly("10.42.0.0/16");
        assertThat(manifests.get("ConfigMap", "gateway-routes")).isNotNull();
        assertThat(manifests.ofKind("ConfigMap")).allSatisfy(configMap ->
            assertThat(Yamls.stringAt(configMap, "metadata.namespace")).isEqualTo("portcullis"));
    }

    @ParameterizedTest
    @CsvSource({
        "redis-standalone, rediss, 6379",
        "redis-sentinel, redis-sentinel, 6379 26379",
        "redis-cluster, rediss, 6379"})
    void eachRedisComponentNamesItsTopologyInTheUrlAndOpensOnlyItsPorts(String component, String scheme, String ports) {
        RenderedManifests manifests = RenderedManifests.of("production+" + component);

        for (String app : List.of("gateway", "auth-service")) {
            String url = RenderedManifests.env(manifests.appContainer(app)).get("REDIS_URL");
            List<String> seeds = List.of(url.split(","));
            switch (component) {
                case "redis-standalone" -> assertThat(seeds).singleElement().asString().startsWith(scheme + "://");
                // one URL listing the Sentinels, then the database and the master set
                case "redis-sentinel" -> assertThat(url).startsWith(scheme + "://").matches(".*/\\d+#[A-Za-z0-9_-]+");
                // one URL per seed node, each with TLS and the credentials: Lettuce reads each on its own
                default -> assertThat(seeds).hasSizeGreaterThanOrEqualTo(3)
                    .allSatisfy(seed -> assertThat(seed).startsWith(scheme + "://$(REDIS_USERNAME):$(REDIS_PASSWORD)@"));
            }
        }
        Map<String, Object> policy = manifests.get("NetworkPolicy", "allow-external-redis");
        Set<Integer> opened = new TreeSet<>();
        Yamls.maps(Yamls.at(policy, "spec.egress")).forEach(rule ->
            Yamls.maps(rule.get("ports")).forEach(port -> opened.add((Integer) port.get("port"))));
        Set<Integer> expected = new TreeSet<>();
        for (String port : ports.split(" ")) {
            expected.add(Integer.parseInt(port));
        }
        assertThat(opened).isEqualTo(expected);
        NetworkReachability network = new NetworkReachability(manifests);
        for (PortcullisApp app : PortcullisApp.values()) {
            boolean mayUseRedis = app == PortcullisApp.GATEWAY || app == PortcullisApp.AUTH_SERVICE;
            for (int port : expected) {
                assertThat(network.egressDestinations(manifests.get("Deployment", app.appName()), port).isEmpty())
                    .as(app + " to " + port).isEqualTo(!mayUseRedis);
            }
        }
    }

    @Test
    void monitoringScrapesEveryManagementPortThroughAServiceMonitorAndLoadsTheSameRules() {
        RenderedManifests manifests = RenderedManifests.of("production+monitoring");

        Map<String, Object> monitor = manifests.get("ServiceMonitor", "portcullis");
        Map<String, Object> selector = Yamls.mapAt(monitor, "spec.selector");
        List<Map<String, Object>> selected = manifests.ofKind("Service").stream()
            .filter(service -> NetworkReachability.selects(selector, labels(service))).toList();
        assertThat(selected).extracting(RenderedManifests::name).containsExactlyInAnyOrderElementsOf(
            List.of(PortcullisApp.values()).stream().map(app -> app.appName() + "-metrics").toList());
        // the operator names the job after the Services' jobLabel label: the job the rules and the dashboard select
        String jobLabel = Yamls.stringAt(monitor, "spec.jobLabel");
        assertThat(selected).allSatisfy(service -> assertThat(labels(service).get(jobLabel)).isEqualTo("portcullis"));
        assertThat(MetricReferences.alertExpressions().values()).anySatisfy(expr -> assertThat(expr).contains("job=\"portcullis\""));
        Map<String, Object> endpoint = Yamls.maps(Yamls.at(monitor, "spec.endpoints")).getFirst();
        assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/actuator/prometheus");
        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> service = manifests.get("Service", app.appName() + "-metrics");
            assertThat(NetworkReachability.selects(Yamls.mapAt(service, "spec.selector"),
                    RenderedManifests.podLabels(manifests.get("Deployment", app.appName())))).as(app.appName()).isTrue();
            assertThat(Yamls.maps(Yamls.at(service, "spec.ports"))).singleElement().satisfies(port -> {
                assertThat(port).containsEntry("name", "management").containsEntry("targetPort", "management");
                assertThat(port.get("port")).isEqualTo(app.managementPort());
            });
        }
        Map<String, Object> rule = manifests.get("PrometheusRule", "portcullis");
        assertThat(Yamls.at(rule, "spec.groups")).isEqualTo(Yamls.load(Repo.file(MetricReferences.RULES)).get("groups"));
        assertThat(RenderedManifests.of("production").ofKind("ServiceMonitor")).isEmpty();
    }

    private static Map<String, String> labels(Map<String, Object> object) {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        Yamls.mapAt(object, "metadata.labels").forEach((k, v) -> labels.put(k, v.toString()));
        return labels;
    }
}
