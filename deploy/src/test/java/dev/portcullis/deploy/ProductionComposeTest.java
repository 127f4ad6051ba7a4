package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docker-compose.prod.yml: the single-host stack with production defaults. Parsed, not run (no Docker engine where
 * these tests run): no demo users, every secret from a file, Redis with an ACL user and persistence.
 */
class ProductionComposeTest {

    private static final String FILE = "docker-compose.prod.yml";
    private static final String CONFIGTREE = "optional:configtree:/run/secrets/";
    /** Variables that carry a secret: they may reach an application only as a file. */
    private static final Pattern SECRET_VARIABLE = Pattern.compile(".*_KEY|.*SECRET|.*PASSWORD|REDIS_URL");

    private final Map<String, Object> compose = Yamls.load(Repo.file(FILE));
    private final Map<String, Object> services = Yamls.map(compose.get("services"));

    @Test
    void runsNoDemoUsersNoDemoSecretsAndNoLocalProfile() throws IOException {
        String text = Files.readString(Repo.file(FILE));

        services.keySet().forEach(name -> assertThat(env(name)).as(name).doesNotContainKey("SPRING_PROFILES_ACTIVE"));
        assertThat(text).doesNotContain("alice", "admin-password", "order-service-secret", "local-users");
        assertThat(env("auth-service")).containsEntry("AUTH_USERS_FILE", "/run/secrets/auth-users.yml");
        assertThat(targets("auth-service")).contains("auth-users.yml");
    }

    @Test
    void givesEverySecretToTheApplicationsAsAFileNeverAsAnEnvironmentVariable() {
        Map<String, Object> declared = Yamls.map(compose.get("secrets"));
        assertThat(declared).isNotEmpty().allSatisfy((name, secret) ->
            assertThat(Yamls.map(secret).get("file").toString()).as(name).startsWith("./secrets/"));
        Set<String> used = new TreeSet<>();

        services.keySet().forEach(name -> {
            env(name).forEach((variable, value) -> {
                boolean pointsAtAFile = variable.endsWith("_FILE") && value.startsWith("/run/secrets/");
                assertThat(SECRET_VARIABLE.matcher(variable).matches() && !pointsAtAFile)
                    .as(name + " sets " + variable + " in its environment").isFalse();
            });
            Yamls.list(service(name).get("secrets")).forEach(secret ->
                used.add(secret instanceof Map<?, ?> m ? m.get("source").toString() : secret.toString()));
        });
        assertThat(used).as("every declared secret is mounted somewhere").isEqualTo(declared.keySet());

        for (PortcullisApp app : PortcullisApp.values()) {
            // each file is mounted under the name of the variable the application reads; configtree turns it into a
            // property of that name, which the application's ${VARIABLE} placeholder finds
            assertThat(env(app.appName())).containsEntry("SPRING_CONFIG_IMPORT", CONFIGTREE);
            for (String target : targets(app.appName())) {
                if (target.matches("[A-Z][A-Z0-9_]*")) {
                    assertThat(app.allowedEnv()).as(app.appName() + " reads " + target).contains(target);
                    assertThat(app.reads(target)).as(app.appName() + " application.yml reads ${" + target + "}").isTrue();
                }
            }
        }
        assertThat(targets("gateway")).contains("REDIS_URL", "USER_SERVICE_IDENTITY_KEY", "PRODUCT_SERVICE_IDENTITY_KEY",
                "ORDER_SERVICE_IDENTITY_KEY");
        assertThat(targets("auth-service")).contains("REDIS_URL", "AUTH_MFA_ENCRYPTION_KEY");
        assertThat(targets("order-service")).contains("GATEWAY_IDENTITY_KEY", "ORDER_SERVICE_CLIENT_SECRET");
        // each service's key is the very file the gateway signs its routes with, and no other service's
        for (String service : List.of("user-service", "product-service", "order-service")) {
            String gatewayTarget = service.substring(0, service.indexOf('-')).toUpperCase(java.util.Locale.ROOT)
                    + "_SERVICE_IDENTITY_KEY";
            assertThat(sourceOf(service, "GATEWAY_IDENTITY_KEY")).isEqualTo(sourceOf("gateway", gatewayTarget))
                .isEqualTo(service + "-identity-key");
        }
        assertThat(sourceOf("gateway", "REDIS_URL")).isEqualTo(sourceOf("auth-service", "REDIS_URL"));
    }

    @Test
    void readsTheAuthServicesClientsFromAMountedFileUnderTheWildcardConfigLocation() {
        assertThat(env("auth-service")).containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:/etc/portcullis/*/")
            .containsEntry("PORTCULLIS_AUTH_KEYS_GENERATE", "true")
            .containsEntry("AUTH_KEYS_DIR", "/keys");
        assertThat(targets("auth-service")).contains("/etc/portcullis/clients/application.yml");
        assertThat(Yamls.list(service("auth-service").get("volumes"))).contains("auth-keys:/keys");
    }

    @Test
    void runsRedisWithAnAclFileNoDefaultPasswordlessAccessAndAppendOnlyPersistence() {
        Map<String, Object> redis = service("redis");
        String command = String.join(" ", Yamls.list(redis.get("command")).stream().map(Object::toString).toList());

        assertThat(redis.get("image").toString()).startsWith("redis:7");
        assertThat(command).contains("--aclfile /run/secrets/redis-users.acl", "--appendonly yes")
            .doesNotContain("--requirepass", "--protected-mode no");
        assertThat(Yamls.list(redis.get("secrets"))).contains("redis-users.acl");
        assertThat(Yamls.list(redis.get("volumes"))).contains("redis-data:/data");
        assertThat(Yamls.map(compose.get("volumes"))).containsKey("redis-data");
        // the health check logs in as the PING-only user: no password in the compose file or `docker inspect`
        assertThat(String.join(" ", Yamls.list(Yamls.at(redis, "healthcheck.test")).stream().map(Object::toString).toList()))
            .contains("redis-cli", "--user healthcheck", "ping");
        assertThat(Yamls.list(redis.get("networks"))).containsExactly("backend");
    }

    @Test
    void readsGrafanasAdminPasswordFromAFile() {
        Map<String, String> env = env("grafana");

        assertThat(env).doesNotContainKey("GF_SECURITY_ADMIN_PASSWORD")
            .containsEntry("GF_SECURITY_ADMIN_PASSWORD__FILE", "/run/secrets/grafana-password");
        assertThat(Yamls.list(service("grafana").get("secrets"))).contains("grafana-password");
    }

    @Test
    void letsEveryAppDrainItsRequestsBeforeDockerKillsIt() {
        for (PortcullisApp app : PortcullisApp.values()) {
            String timeout = env(app.appName()).get(PortcullisApp.SHUTDOWN_TIMEOUT);
            String grace = String.valueOf(service(app.appName()).get("stop_grace_period"));
            assertThat(timeout).as(app.appName()).matches("\\d+s");
            assertThat(grace).as(app.appName() + " stop_grace_period (Docker's default is 10 s)").matches("\\d+s");
            assertThat(Integer.parseInt(timeout.replace("s", ""))).as(app.appName())
                .isLessThan(Integer.parseInt(grace.replace("s", "")));
        }
    }

    @Test
    void keepsTheHardeningTheNetworksAndThePublishedPortsOfTheTryOutStack() {
        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> service = service(app.appName());
            assertThat(service.get("read_only")).as(app.appName()).isEqualTo(true);
            assertThat(Yamls.list(service.get("cap_drop"))).contains("ALL");
            assertThat(Yamls.list(service.get("tmpfs"))).contains("/tmp");
            assertThat(Yamls.list(service.get("networks"))).isEqualTo(
                    app == PortcullisApp.GATEWAY ? List.of("backend", "edge") : List.of("backend"));
            assertThat(env(app.appName()))
                .containsEntry("SERVER_PORT", String.valueOf(app.port()))
                .containsEntry("MANAGEMENT_SERVER_PORT", String.valueOf(app.managementPort()));
            assertThat(app.allowedEnv()).as(app.appName()).containsAll(env(app.appName()).keySet());
        }
        services.forEach((name, service) -> {
            List<String> ports = Yamls.list(Yamls.map(service).get("ports")).stream().map(Object::toString).toList();
            switch (name) {
                case "gateway" -> assertThat(ports).containsExactly("8080:8080");
                case "prometheus" -> assertThat(ports).containsExactly("127.0.0.1:9091:9090");
                case "grafana" -> assertThat(ports).containsExactly("127.0.0.1:3000:3000");
                default -> assertThat(ports).as(name + " publishes nothing").isEmpty();
            }
        });
        assertThat(Yamls.mapAt(compose, "networks.backend")).containsEntry("internal", true);
    }

    @Test
    void keepsTheSecretsDirectoryOutOfGitAndOutOfTheBuildContext() throws IOException {
        assertThat(Files.readAllLines(Repo.file(".gitignore"))).contains("secrets/");
        assertThat(Files.readAllLines(Repo.file(".dockerignore"))).contains("secrets");
    }

    private Map<String, Object> service(String name) {
        assertThat(services).containsKey(name);
        return Yamls.map(services.get(name));
    }

    private Map<String, String> env(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        Yamls.map(service(name).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    /** Where each secret of the service is mounted: a name under /run/secrets, or an absolute path. */
    private List<String> targets(String name) {
        return Yamls.list(service(name).get("secrets")).stream()
            .map(secret -> secret instanceof Map<?, ?> m && m.get("target") != null ? m.get("target").toString()
                    : secret instanceof Map<?, ?> m ? m.get("source").toString() : secret.toString())
            .toList();
    }

    private String sourceOf(String service, String target) {
        return Yamls.list(service(service).get("secrets")).stream()
            .filter(secret -> secret instanceof Map<?, ?> m && target.equals(m.get("target")))
            .map(secret -> ((Map<?, ?>) secret).get("source").toString())
            .findFirst().orElseThrow(() -> new AssertionError(service + " mounts no secret at " + target));
    }
}
