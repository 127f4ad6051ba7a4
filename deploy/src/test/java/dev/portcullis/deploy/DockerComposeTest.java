package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** docker-compose.yml parses and agrees with the applications, the Dockerfile and the Prometheus config. */
class DockerComposeTest {

    private static final Pattern DEFAULTED = Pattern.compile("\\$\\{[A-Z_]+:-([^}]*)}");

    private final Map<String, Object> compose = Yamls.load(Repo.file("docker-compose.yml"));
    private final Map<String, Object> services = Yamls.map(compose.get("services"));

    @Test
    void publishesOnlyTheGatewayAndTheOperatorsLoopbackPorts() {
        services.forEach((name, service) -> {
            List<String> ports = Yamls.list(Yamls.map(service).get("ports")).stream().map(Object::toString).toList();
            switch (name) {
                case "gateway" -> assertThat(ports).containsExactly("8080:8080");
                case "prometheus" -> assertThat(ports).containsExactly("127.0.0.1:9091:9090");
                case "grafana" -> assertThat(ports).containsExactly("127.0.0.1:3000:3000");
                default -> assertThat(ports).as(name + " publishes nothing").isEmpty();
            }
        });
    }

    @Test
    void keepsEveryAppOnTheInternalNetworkAndOnlyTheGatewayAtTheEdge() {
        assertThat(Yamls.mapAt(compose, "networks.backend")).containsEntry("internal", true);
        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(networks(app.appName())).as(app.appName())
                .isEqualTo(app == PortcullisApp.GATEWAY ? List.of("backend", "edge") : List.of("backend"));
        }
        assertThat(networks("redis")).containsExactly("backend");
    }

    @Test
    void buildsEachAppFromTheSharedDockerfileWithItsModuleAndPorts() {
        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> service = service(app.appName());
            Map<String, Object> args = Yamls.mapAt(service, "build.args");
            assertThat(Yamls.stringAt(service, "build.context")).isEqualTo(".");
            assertThat(args).containsEntry("MODULE", app.module())
                .containsEntry("SERVER_PORT", String.valueOf(app.port()))
                .containsEntry("MANAGEMENT_PORT", String.valueOf(app.managementPort()));
            assertThat(service.get("image")).isEqualTo("portcullis/" + app.appName() + ":local");
            assertThat(Repo.file(app.module() + "/pom.xml")).as("Maven module " + app.module()).exists();
        }
    }

    @Test
    void setsThePortsAndOnlyTheEnvironmentVariablesEachAppReads() {
        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, String> env = env(app.appName());
            assertThat(env).as(app.appName())
                .containsEntry("SERVER_PORT", String.valueOf(app.port()))
                .containsEntry("MANAGEMENT_SERVER_PORT", String.valueOf(app.managementPort()));
            assertThat(app.allowedEnv()).as(app.appName()).containsAll(env.keySet());
            assertThat(env.keySet()).as(app.appName() + " variables missing from its application.yml").allMatch(app::reads);
        }
    }

    @Test
    void trustsForwardedHeadersOnlyFromTheEdgeNetworksContainersNotFromTheBridgeAddress() {
        String trusted = env("gateway").get("GATEWAY_TRUSTED_PROXIES");
        Map<String, Object> ipam = Yamls.maps(Yamls.at(compose, "networks.edge.ipam.config")).getFirst();

        assertThat(trusted).isEqualTo(ipam.get("ip_range"));
        assertThat(OverlaysTest.isPrivateBlock(trusted)).isTrue();
        // clients reaching the published port through Docker's userland proxy come from the bridge address
        String bridge = ipam.get("gateway").toString();
        String rangeStart = trusted.substring(0, trusted.indexOf('/'));
        int prefix = Integer.parseInt(trusted.substring(trusted.indexOf('/') + 1));
        long size = 1L << (32 - prefix);
        long first = toLong(rangeStart);
        long bridgeAddress = toLong(bridge);
        assertThat(bridgeAddress >= first && bridgeAddress < first + size)
            .as("the bridge address %s is inside %s", bridge, trusted).isFalse();
        assertThat(ipam.get("subnet").toString()).isNotEqualTo(trusted);
    }

    private static long toLong(String address) {
        long value = 0;
        for (String octet : address.split("\\.")) {
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }

    @Test
    void givesEachServiceTheIdentityKeyTheGatewaySignsItsRoutesWithAndRequiresThemAll() {
        Map<String, String> gateway = env("gateway");
        for (String service : List.of("user-service", "product-service", "order-service")) {
            String variable =
                service.substring(0, service.indexOf('-')).toUpperCase(java.util.Locale.ROOT) + "_SERVICE_IDENTITY_KEY";
            // ${VAR:?message}: compose refuses to start without the key instead of running with a known one
            assertThat(env(service).get("GATEWAY_IDENTITY_KEY")).as(service).startsWith("${" + variable + ":?");
            assertThat(gateway.get(variable)).isEqualTo(env(service).get("GATEWAY_IDENTITY_KEY"));
        }
    }

    @Test
    void pointsEveryUrlAtAComposeServiceOnItsPort() {
        for (PortcullisApp app : PortcullisApp.values()) {
            env(app.appName()).forEach((name, value) -> {
                if (name.endsWith("_URL") || name.endsWith("_URI")) {
                    URI uri = URI.create(resolved(value));
                    if (uri.getHost().equals("localhost")) {
                        return;
                    }
                    assertThat(services).as(name + "=" + value).containsKey(uri.getHost());
                    int expected = uri.getHost().equals("redis") ? 6379
                            : PortcullisApp.named(uri.getHost()).orElseThrow().port();
                    assertThat(uri.getPort()).as(name + "=" + value).isEqualTo(expected);
                }
            });
        }
        Set<String> issuers = new java.util.HashSet<>(List.of(env("gateway").get("AUTH_ISSUER"),
                env("auth-service").get("AUTH_ISSUER"), env("product-service").get("AUTH_ISSUER")));
        assertThat(issuers).hasSize(1);
        assertThat(resolved(issuers.iterator().next())).isEqualTo("http://localhost:8080");
    }

    @Test
    void checksEachAppsReadinessOnItsManagementPortAndWaitsForHealthyDependencies() {
        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> service = service(app.appName());
            String test = String.join(" ", Yamls.list(Yamls.at(service, "healthcheck.test")).stream().map(Object::toString).toList());
            assertThat(test).as(app.appName())
                .contains("wget")
                .doesNotContain("curl")
                .contains("http://127.0.0.1:" + app.managementPort() + "/actuator/health/readiness");
            Yamls.map(service.get("depends_on")).values().forEach(dependency ->
                assertThat(Yamls.map(dependency)).containsEntry("condition", "service_healthy"));
            assertThat(service.get("read_only")).isEqualTo(true);
            assertThat(Yamls.list(service.get("tmpfs"))).contains("/tmp");
            assertThat(Yamls.list(service.get("cap_drop"))).contains("ALL");
            // above spring.lifecycle.timeout-per-shutdown-phase (30 s by default): in-flight requests finish
            assertThat(service.get("stop_grace_period")).as(app.appName()).isEqualTo("35s");
        }
        assertThat(Yamls.mapAt(service("gateway"), "depends_on")).containsKeys("redis", "auth-service");
    }

    @Test
    void persistsRedisWithAppendOnlyFileOnANamedVolume() {
        Map<String, Object> redis = service("redis");

        assertThat(redis.get("image").toString()).startsWith("redis:7");
        assertThat(String.join(" ", Yamls.list(redis.get("command")).stream().map(Object::toString).toList()))
            .contains("--appendonly yes");
        assertThat(namedVolumeAt(redis, "/data")).isNotNull();
        assertThat(String.join(" ", Yamls.list(Yamls.at(redis, "healthcheck.test")).stream().map(Object::toString).toList()))
            .contains("redis-cli", "ping");
    }

    @Test
    void keepsTheAuthServiceKeysOnANamedVolumeAtAuthKeysDir() {
        Map<String, Object> auth = service("auth-service");
        String keysDir = env("auth-service").get("AUTH_KEYS_DIR");

        assertThat(keysDir).isEqualTo("/keys");
        assertThat(namedVolumeAt(auth, keysDir)).isEqualTo("auth-keys");
        // The local profile generates the key file into that volume on first start.
        assertThat(env("auth-service")).containsEntry("SPRING_PROFILES_ACTIVE", "local");
    }

    @Test
    void mountsThePrometheusConfigRulesAndGrafanaProvisioningFromTheRepository() {
        assertThat(Yamls.list(service("prometheus").get("volumes"))).contains(
                "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                "./deploy/prometheus/rules:/etc/prometheus/rules:ro");
        assertThat(Yamls.list(service("grafana").get("volumes"))).contains(
                "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./deploy/grafana/dashboards:/etc/grafana/dashboards:ro");
        Map<String, Object> provider = Yamls.maps(Yamls.load(
                Repo.file("deploy/grafana/provisioning/dashboards/portcullis.yml")).get("providers")).getFirst();
        assertThat(Yamls.stringAt(provider, "options.path")).isEqualTo("/etc/grafana/dashboards");
        assertThat(networks("prometheus")).contains("backend");
    }

    private Map<String, Object> service(String name) {
        assertThat(services).containsKey(name);
        return Yamls.map(services.get(name));
    }

    private List<String> networks(String name) {
        return Yamls.list(service(name).get("networks")).stream().map(Object::toString).toList();
    }

    private Map<String, String> env(String name) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        Yamls.map(service(name).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    /** The named volume mounted at the path, or null. */
    private String namedVolumeAt(Map<String, Object> service, String path) {
        Set<String> declared = Yamls.map(compose.get("volumes")).keySet();
        for (Object volume : Yamls.list(service.get("volumes"))) {
            String[] parts = volume.toString().split(":");
            if (parts.length >= 2 && parts[1].equals(path) && declared.contains(parts[0])) {
                return parts[0];
            }
        }
        return null;
    }

    private static String resolved(String value) {
        Matcher m = DEFAULTED.matcher(value);
        return m.matches() ? m.group(1) : value;
    }
}
