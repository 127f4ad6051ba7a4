package dev.portcullis.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The five Portcullis applications as the deployment files must see them: Maven module, default ports
 * (docs/contract.md, "Ports") and the environment variables each one reads. When an application's own
 * {@code application.yml} exists, the defaults are read from it instead, so a changed default shows up here.
 */
enum PortcullisApp {

    GATEWAY("gateway", "gateway", 8080, 8090,
            Set.of("SERVER_PORT", "MANAGEMENT_SERVER_PORT", "REDIS_URL", "AUTH_JWKS_URI", "AUTH_ISSUER",
                    "AUTH_AUDIENCE", "AUTH_SERVICE_URL", "USER_SERVICE_URL", "PRODUCT_SERVICE_URL",
                    "ORDER_SERVICE_URL", "GATEWAY_TRUSTED_PROXIES", "SPRING_CONFIG_ADDITIONAL_LOCATION",
                    "USER_SERVICE_IDENTITY_KEY", "PRODUCT_SERVICE_IDENTITY_KEY", "ORDER_SERVICE_IDENTITY_KEY",
                    "PORTCULLIS_CONFIG_RELOAD_PATHS", "REDIS_USERNAME", "REDIS_PASSWORD", PortcullisApp.SHUTDOWN_TIMEOUT,
                    "SPRING_CONFIG_IMPORT")),
    AUTH_SERVICE("auth-service", "auth-service", 9000, 9090,
            Set.of("SERVER_PORT", "MANAGEMENT_SERVER_PORT", "REDIS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE",
                    "AUTH_KEYS_DIR", "AUTH_MFA_ENCRYPTION_KEY", "AUTH_TRUSTED_PROXIES", "SPRING_PROFILES_ACTIVE",
                    "REDIS_USERNAME", "REDIS_PASSWORD", PortcullisApp.SHUTDOWN_TIMEOUT, "SPRING_CONFIG_IMPORT",
                    "SPRING_CONFIG_ADDITIONAL_LOCATION", "AUTH_USERS_FILE", "PORTCULLIS_AUTH_KEYS_GENERATE")),
    // Believes the identity headers the gateway signs with the key they share: no token settings.
    USER_SERVICE("user-service", "sample-services/user-service", 8081, 9081,
            Set.of("SERVER_PORT", "MANAGEMENT_SERVER_PORT", "GATEWAY_IDENTITY_KEY", "GATEWAY_IDENTITY_PREVIOUS_KEY",
                    PortcullisApp.SHUTDOWN_TIMEOUT, "SPRING_CONFIG_IMPORT")),
    PRODUCT_SERVICE("product-service", "sample-services/product-service", 8082, 9082,
            Set.of("SERVER_PORT", "MANAGEMENT_SERVER_PORT", "AUTH_JWKS_URI", "AUTH_ISSUER", "GATEWAY_IDENTITY_KEY",
                    "GATEWAY_IDENTITY_PREVIOUS_KEY", PortcullisApp.SHUTDOWN_TIMEOUT, "SPRING_CONFIG_IMPORT")),
    ORDER_SERVICE("order-service", "sample-services/order-service", 8083, 9083,
            Set.of("SERVER_PORT", "MANAGEMENT_SERVER_PORT", "AUTH_SERVICE_URL", "PRODUCT_SERVICE_URL",
                    "ORDER_SERVICE_CLIENT_SECRET", "GATEWAY_IDENTITY_KEY", "GATEWAY_IDENTITY_PREVIOUS_KEY",
                    PortcullisApp.SHUTDOWN_TIMEOUT, "SPRING_CONFIG_IMPORT"));

    /** spring.lifecycle.timeout-per-shutdown-phase: how long graceful shutdown waits for in-flight requests. */
    static final String SHUTDOWN_TIMEOUT = "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}");

    private final String name;
    private final String module;
    private final int documentedPort;
    private final int documentedManagementPort;
    private final Set<String> allowedEnv;

    PortcullisApp(String name, String module, int port, int managementPort, Set<String> allowedEnv) {
        this.name = name;
        this.module = module;
        this.documentedPort = port;
        this.documentedManagementPort = managementPort;
        this.allowedEnv = allowedEnv;
    }

    /** The name of the Deployment, Service, compose service and image. */
    String appName() {
        return name;
    }

    /** The Maven module directory, the Dockerfile's MODULE build argument. */
    String module() {
        return module;
    }

    /** Every environment variable the deployment files may set for this app (SPRING_* ones are Boot's own). */
    Set<String> allowedEnv() {
        return allowedEnv;
    }

    /** The application's public port: its application.yml's default for server.port when present. */
    int port() {
        return applicationDefault("server.port", "SERVER_PORT").orElse(documentedPort);
    }

    int managementPort() {
        return applicationDefault("management.server.port", "MANAGEMENT_SERVER_PORT").orElse(documentedManagementPort);
    }

    Optional<Path> applicationYml() {
        Path file = Repo.file(module + "/src/main/resources/application.yml");
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Whether the application's own configuration reads the variable (as a {@code ${NAME...}} placeholder).
     * True when the application.yml does not exist yet, for Spring Boot's own SPRING_* variables, and for PORTCULLIS_*
     * ones, which Spring binds to the portcullis.* key of that name (PORTCULLIS_CONFIG_RELOAD_PATHS:
     * portcullis.config-reload.paths) without a placeholder.
     */
    boolean reads(String env) {
        if (env.startsWith("SPRING_") || env.startsWith("PORTCULLIS_")) {
            return true;
        }
        return applicationYml().map(file -> text(file).contains("${" + env)).orElse(true);
    }

    private Optional<Integer> applicationDefault(String dottedKey, String env) {
        return applicationYml().flatMap(file -> {
            for (var document : Yamls.loadAll(file)) {
                Object value = Yamls.at(document, dottedKey);
                if (value == null) {
                    value = document.get(dottedKey);
                }
                if (value instanceof Integer number) {
                    return Optional.of(number);
                }
                if (value != null) {
                    Matcher m = PLACEHOLDER.matcher(value.toString());
                    if (m.matches() && m.group(1).equals(env)) {
                        return Optional.of(Integer.parseInt(m.group(2).trim()));
                    }
                }
            }
            return Optional.empty();
        });
    }

    static Optional<PortcullisApp> named(String name) {
        return List.of(values()).stream().filter(app -> app.name.equals(name)).findFirst();
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
