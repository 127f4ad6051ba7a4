package dev.portcullis.e2e.support;

import dev.portcullis.testsupport.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system, started once per test JVM: a real Redis ({@code REDIS_URL}, else an own redis-server), the auth
 * service (local profile), user-, product- and order-service, a third-party issuer (Spring Authorization Server,
 * standing in for a team's own identity provider) and the gateway, each its own {@code java -jar} process on free
 * ports, wired by the environment variables and arguments an operator would set. Clients see only
 * {@link #gatewayUrl()} and, for tokens of the other issuer, {@link #thirdPartyIssuerUrl()}.
 *
 * <p>Settings that differ from the defaults, and why:
 * <ul>
 *   <li>the auth service publishes a new signing key 2 s (not 10 min) before it signs with it, and re-reads its key
 *       file every second (its validation requires publish-ahead &gt; reload-interval), and the gateway refetches
 *       the JWKS for an unknown kid after 1 s (not 30 s) and keeps it 40 s (not 5 min), so that a key rotation
 *       completes while the test watches;</li>
 *   <li>the gateway trusts loopback as a proxy and forwards {@code X-Forwarded-For} to the services (the auth
 *       service trusts loopback by default): the test client plays the load balancer in front of the gateway and
 *       names each simulated client's address in {@code X-Forwarded-For}, so that per-client limits (the login rate
 *       limits of the gateway and the auth service, the account lock-out) apply per client, as in production,
 *       instead of to the whole suite;</li>
 *   <li>each service and the gateway share an identity signing key generated at random for the run (as an operator
 *       would put one per service into a Secret), so the services believe only the gateway's identity headers;</li>
 *   <li>the gateway trusts a second issuer, {@value #THIRD_PARTY_ISSUER_ID}: the third-party issuer, found by OIDC
 *       discovery, with its own claim mapping ({@code scope} becomes permissions and scopes, {@code roles} the roles);
 *       its key is generated into a file for the run, so that tests can sign with it as only that issuer could;</li>
 *   <li>where the system properties {@code portcullis.e2e.access-token-lifetime} and {@code portcullis.e2e.clock-skew}
 *       are set (the browser tests' own run, e2e-tests/pom.xml), user access tokens live that long and the gateway
 *       allows that much clock skew, so that a token expires while a test watches;</li>
 *   <li>the auth service knows one more service client than its local profile, {@value #PORTCULLIS_CLIENT_ID}, whose
 *       tokens are meant for the gateway ({@code aud portcullis}), next to the profile's {@code order-service}.</li>
 * </ul>
 */
public final class PortcullisStack implements AutoCloseable {

    private static final System.Logger log = System.getLogger(PortcullisStack.class.getName());
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(240);

    /** The {@code max-age} of the orders-cancel route in this run ({@code ORDERS_CANCEL_MAX_AGE}; 5 minutes as shipped). */
    public static final Duration ORDERS_CANCEL_MAX_AGE = Duration.ofSeconds(5);
    /** The gateway's id for the third-party issuer ({@code portcullis.jwt.issuers.<id>}), sent as {@code x-user-issuer}. */
    public static final String THIRD_PARTY_ISSUER_ID = "partner-sas";
    /** The process name of the third-party issuer (its log: {@code third-party-issuer.log}). */
    static final String THIRD_PARTY_PROCESS = "third-party-issuer";
    /** A client of the third-party issuer whose tokens are meant for the gateway ({@code aud portcullis}). */
    public static final String THIRD_PARTY_CLIENT_ID = "partner-app";
    /** The roles the third-party issuer writes into {@link #THIRD_PARTY_CLIENT_ID}'s tokens ({@code roles} claim). */
    public static final List<String> THIRD_PARTY_CLIENT_ROLES = List.of("partner", "auditor");
    /** A client of the third-party issuer whose tokens are meant for another API ({@code aud another-api}). */
    public static final String THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID = "partner-elsewhere";
    /** A service client of Portcullis' auth service whose tokens are meant for the gateway ({@code aud portcullis}). */
    public static final String PORTCULLIS_CLIENT_ID = "reporting-job";
    public static final String PORTCULLIS_CLIENT_SECRET = "reporting-job-secret";
    // BCrypt (cost 10) of PORTCULLIS_CLIENT_SECRET, as an operator puts it into the auth service's configuration
    private static final String PORTCULLIS_CLIENT_SECRET_HASH = "$2a$10$t7/3.hKtrH3qbv2nwkEP4e9KKJBwgN2wMlzd3YQZDUT9BhnTPd0qe";
    // the local profile's client (auth-service application-local.yml), repeated: a list set by environment replaces it
    private static final String ORDER_SERVICE_SECRET_HASH = "$2a$12$PVOmJTCqzdTKigIsIPfmBeyXnquL566UlcdwF3G/SIJCn3J6BEv56";
    private static PortcullisStack running;
    private static RuntimeException startFailure;

    private final List<ServiceProcess> processes = new ArrayList<>();
    private RedisServerProcess ownRedis;
    private String gatewayUrl;
    private String issuer;
    private String thirdPartyIssuerUrl;
    private com.nimbusds.jose.jwk.RSAKey thirdPartyKey;
    private Path portcullisKeyFile;
    private final Map<String, String> thirdPartySecrets = new java.util.LinkedHashMap<>();
    private final Map<String, String> serviceUrls = new java.util.LinkedHashMap<>();
    private final Map<String, String> identityKeys = new java.util.LinkedHashMap<>();

    private PortcullisStack() {
    }

    /** The stack of this JVM, started on first use; stopped by {@link #close()} or, at the latest, when the JVM exits. */
    public static synchronized PortcullisStack get() {
        if (startFailure != null) {
            // one failed start is enough: every further test class fails at once with the same cause
            throw new IllegalStateException("the stack failed to start earlier in this run", startFailure);
        }
        if (running == null) {
            PortcullisStack stack = new PortcullisStack();
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "portcullis-e2e-stop"));
            try {
                stack.start();
            } catch (RuntimeException e) {
                stack.close();
                startFailure = e;
                throw e;
            }
            running = stack;
        }
        return running;
    }

    /** The public URL, as clients use it, e.g. {@code http://127.0.0.1:41234}. */
    public String gatewayUrl() {
        return gatewayUrl;
    }

    /** Each application's management URL (actuator), by process name, e.g. {@code gateway -> http://127.0.0.1:40123}. */
    public Map<String, String> managementUrls() {
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        // the third-party issuer stands in for a team's identity provider: not one of Portcullis' applications
        processes.stream().filter(process -> !THIRD_PARTY_PROCESS.equals(process.name()))
                .forEach(process -> urls.put(process.name(), "http://127.0.0.1:" + process.managementPort()));
        return urls;
    }

    /**
     * A service's own URL, bypassing the gateway ({@code user-service}, {@code product-service}, {@code order-service}),
     * for tests that play another peer on the network.
     */
    public String serviceUrl(String name) {
        return serviceUrls.get(name);
    }

    /** The identity signing key the gateway and this one service share (generated for this run), by service name. */
    public String identityKey(String service) {
        return identityKeys.get(service);
    }

    /** {@code AUTH_ISSUER}: the {@code iss} of every token. */
    public String issuer() {
        return issuer;
    }

    /**
     * The third-party issuer's URL: its {@code iss}, discovery at {@code /.well-known/openid-configuration}, tokens
     * at {@code /oauth2/token}.
     */
    public String thirdPartyIssuerUrl() {
        return thirdPartyIssuerUrl;
    }

    /** The client secret of a third-party issuer's client (generated for this run), by client id. */
    public String thirdPartyClientSecret(String clientId) {
        return thirdPartySecrets.get(clientId);
    }

    /** The third-party issuer's signing key, private part included: for tests that sign as only that issuer could. */
    public com.nimbusds.jose.jwk.RSAKey thirdPartySigningKey() {
        return thirdPartyKey;
    }

    /**
     * Portcullis' auth service's key set as it is now (private parts included, read from its key file): for tests that
     * sign as only Portcullis' issuer could.
     */
    public com.nimbusds.jose.jwk.JWKSet portcullisSigningKeys() {
        try {
            return com.nimbusds.jose.jwk.JWKSet.parse(Files.readString(portcullisKeyFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("the auth service's key file is not a JWK set", e);
        }
    }

    private void start() {
        long started = System.nanoTime();
        Path root = Path.of(System.getProperty("portcullis.e2e.root", "..")).toAbsolutePath().normalize();
        String version = System.getProperty("portcullis.e2e.version", "0.1.0-SNAPSHOT");
        Path logDir = Path.of(System.getProperty("portcullis.e2e.logs", "target/e2e-logs")).toAbsolutePath();
        Path keysDir;
        try {
            Files.createDirectories(logDir);
            keysDir = Files.createTempDirectory("portcullis-e2e-keys");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        String redisUrl = System.getenv("REDIS_URL");
        if (redisUrl == null || redisUrl.isBlank()) {
            ownRedis = RedisServerProcess.startStandalone();
            redisUrl = ownRedis.url();
        }

        int[] ports = freePorts(12);
        int gateway = ports[0], auth = ports[2], users = ports[4], products = ports[6], orders = ports[8];
        gatewayUrl = "http://127.0.0.1:" + gateway;
        issuer = gatewayUrl;
        String authUrl = "http://127.0.0.1:" + auth;
        String jwksUri = authUrl + "/.well-known/jwks.json";

        Map<String, String> authEnv = env(auth, ports[3]);
        authEnv.put("AUTH_ISSUER", issuer);
        authEnv.put("AUTH_AUDIENCE", "portcullis");
        authEnv.put("REDIS_URL", redisUrl);
        authEnv.put("AUTH_KEYS_DIR", keysDir.toString());
        authEnv.put("PORTCULLIS_AUTH_KEYS_PUBLISHAHEAD", "2s");
        authEnv.put("PORTCULLIS_AUTH_KEYS_RELOADINTERVAL", "1s");
        portcullisKeyFile = keysDir.resolve("signing-keys.json");
        accessTokenLifetime().ifPresent(lifetime -> authEnv.put("PORTCULLIS_AUTH_ACCESSTOKENLIFETIME", lifetime.toSeconds() + "s"));
        putClient(authEnv, 0, "order-service", ORDER_SERVICE_SECRET_HASH, "products:read", "product-service");
        putClient(authEnv, 1, PORTCULLIS_CLIENT_ID, PORTCULLIS_CLIENT_SECRET_HASH, "products:read", "portcullis");

        // One random identity signing key per service and run, known to the gateway and that service only.
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (String service : List.of("user-service", "product-service", "order-service")) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            identityKeys.put(service, java.util.Base64.getEncoder().encodeToString(key));
        }
        serviceUrls.put("user-service", "http://127.0.0.1:" + users);
        serviceUrls.put("product-service", "http://127.0.0.1:" + products);
        serviceUrls.put("order-service", "http://127.0.0.1:" + orders);

        Map<String, String> userEnv = env(users, ports[5]);
        userEnv.put("GATEWAY_IDENTITY_KEY", identityKeys.get("user-service"));

        Map<String, String> productEnv = env(products, ports[7]);
        productEnv.put("AUTH_JWKS_URI", jwksUri);
        productEnv.put("AUTH_ISSUER", issuer);
        productEnv.put("GATEWAY_IDENTITY_KEY", identityKeys.get("product-service"));

        Map<String, String> orderEnv = env(orders, ports[9]);
        orderEnv.put("AUTH_SERVICE_URL", authUrl);
        orderEnv.put("PRODUCT_SERVICE_URL", "http://127.0.0.1:" + products);
        orderEnv.put("ORDER_SERVICE_CLIENT_SECRET", "order-service-secret");
        orderEnv.put("GATEWAY_IDENTITY_KEY", identityKeys.get("order-service"));

        // The third-party issuer: its own key (written to a file the test can read), two clients with secrets of this run.
        int thirdParty = ports[10];
        thirdPartyIssuerUrl = "http://127.0.0.1:" + thirdParty;
        Map<String, String> thirdPartyEnv = env(thirdParty, ports[11]);
        thirdPartyEnv.put("THIRD_PARTY_ISSUER", thirdPartyIssuerUrl);
        thirdPartyKey = newRsaKey();
        Path thirdPartyKeyFile = keysDir.resolve("third-party-key.json");
        try {
            Files.writeString(thirdPartyKeyFile, thirdPartyKey.toJSONString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thirdPartyEnv.put("THIRD_PARTY_KEY_FILE", thirdPartyKeyFile.toString());
        for (String client : List.of(THIRD_PARTY_CLIENT_ID, THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID)) {
            byte[] secret = new byte[24];
            random.nextBytes(secret);
            thirdPartySecrets.put(client, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        }
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_0_ID", THIRD_PARTY_CLIENT_ID);
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_0_SECRET", thirdPartySecrets.get(THIRD_PARTY_CLIENT_ID));
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_0_SCOPES", "products:read");
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_0_AUDIENCES", "portcullis");
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_0_ROLES", String.join(",", THIRD_PARTY_CLIENT_ROLES));
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_1_ID", THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID);
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_1_SECRET", thirdPartySecrets.get(THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID));
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_1_SCOPES", "products:read");
        thirdPartyEnv.put("THIRDPARTY_CLIENTS_1_AUDIENCES", "another-api");

        Map<String, String> gatewayEnv = env(gateway, ports[1]);
        gatewayEnv.put("AUTH_JWKS_URI", jwksUri);
        gatewayEnv.put("AUTH_ISSUER", issuer);
        gatewayEnv.put("AUTH_AUDIENCE", "portcullis");
        gatewayEnv.put("REDIS_URL", redisUrl);
        gatewayEnv.put("AUTH_SERVICE_URL", authUrl);
        gatewayEnv.put("USER_SERVICE_URL", "http://127.0.0.1:" + users);
        gatewayEnv.put("PRODUCT_SERVICE_URL", "http://127.0.0.1:" + products);
        gatewayEnv.put("ORDER_SERVICE_URL", "http://127.0.0.1:" + orders);
        gatewayEnv.put("USER_SERVICE_IDENTITY_KEY", identityKeys.get("user-service"));
        gatewayEnv.put("PRODUCT_SERVICE_IDENTITY_KEY", identityKeys.get("product-service"));
        gatewayEnv.put("ORDER_SERVICE_IDENTITY_KEY", identityKeys.get("order-service"));
        // The key set is fetched every second (the gateway has no key-set cache besides its poll).
        gatewayEnv.put("PORTCULLIS_JWT_JWKS_MINREFETCHINTERVAL", "1s");
        gatewayEnv.put("PORTCULLIS_JWT_JWKS_POLLINTERVAL", "1s");
        gatewayEnv.put("PORTCULLIS_HTTP_TRUSTEDPROXIES", "127.0.0.1/32,::1/128");
        duration("portcullis.e2e.clock-skew").ifPresent(skew -> gatewayEnv.put("PORTCULLIS_JWT_CLOCKSKEW", skew.toSeconds() + "s"));
        // The shipped orders-cancel route wants a step-up within 5 minutes; the run shortens it to what a test can wait
        // for (the route, its policy and the challenge are otherwise exactly as shipped).
        gatewayEnv.put("ORDERS_CANCEL_MAX_AGE", ORDERS_CANCEL_MAX_AGE.toSeconds() + "s");
        // The test plays the load balancer in front of the gateway: its X-Forwarded-For is believed, the gateway
        // appends the peer, and the auth service, walking the chain from the right, finds each simulated client.
        // The second issuer (README: "Trusting another issuer"); a map key with a dash cannot be spelled as an
        // environment variable, so these are arguments. Spring Authorization Server writes no `typ` and `scope` as an
        // array; its `roles` come from the token customizer a team would add.
        String partner = "--portcullis.jwt.issuers." + THIRD_PARTY_ISSUER_ID + ".";
        List<String> gatewayArguments = List.of(
                partner + "issuer=" + thirdPartyIssuerUrl,
                partner + "discovery=true",
                partner + "audiences=portcullis",
                partner + "typ=jwt",
                partner + "claims.subject=sub",
                partner + "claims.roles=roles",
                partner + "claims.permissions=scope",
                partner + "claims.scopes=scope",
                partner + "claims.client-id=client_id");

        // All six start at once (the gateway becomes ready once it has loaded every trusted issuer's keys).
        processes.add(ServiceProcess.start("auth-service", jar(root, "auth-service", "portcullis-auth-service", version),
                authEnv, List.of("--spring.profiles.active=local"), ports[3], logDir));
        processes.add(ServiceProcess.start("user-service",
                jar(root, "sample-services/user-service", "portcullis-user-service", version),
                userEnv, List.of(), ports[5], logDir));
        processes.add(ServiceProcess.start("product-service",
                jar(root, "sample-services/product-service", "portcullis-product-service", version),
                productEnv, List.of(), ports[7], logDir));
        processes.add(ServiceProcess.start("order-service",
                jar(root, "sample-services/order-service", "portcullis-order-service", version),
                orderEnv, List.of(), ports[9], logDir));
        processes.add(ServiceProcess.start(THIRD_PARTY_PROCESS,
                jar(root, "third-party-issuer", "portcullis-third-party-issuer", version),
                thirdPartyEnv, List.of(), ports[11], logDir));
        processes.add(ServiceProcess.start("gateway", jar(root, "gateway", "portcullis-gateway", version),
                gatewayEnv, gatewayArguments, ports[1], logDir));
        for (ServiceProcess process : processes) {
            process.awaitReady(READY_TIMEOUT);
        }
        log.log(System.Logger.Level.INFO, "Portcullis stack ready in {0} ms at {1} (logs in {2})",
                Duration.ofNanos(System.nanoTime() - started).toMillis(), gatewayUrl, logDir);
    }

    /** Stops the applications (gateway first) and the own Redis. Idempotent. */
    @Override
    public synchronized void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        processes.clear();
        if (ownRedis != null) {
            ownRedis.stop();
            ownRedis = null;
        }
    }

    /** The user access-token lifetime of this run, when it is not the auth service's default (15 min). */
    public static java.util.Optional<Duration> accessTokenLifetime() {
        return duration("portcullis.e2e.access-token-lifetime");
    }

    /** The gateway's clock skew of this run, when it is not the default (30 s). */
    public static java.util.Optional<Duration> clockSkew() {
        return duration("portcullis.e2e.clock-skew");
    }

    private static java.util.Optional<Duration> duration(String property) {
        String value = System.getProperty(property, "").strip();
        if (value.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (!value.matches("[0-9]+s")) {
            throw new IllegalArgumentException(property + " must be whole seconds such as 15s, not " + value);
        }
        return java.util.Optional.of(Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1))));
    }

    private static Map<String, String> env(int port, int managementPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("MANAGEMENT_SERVER_PORT", Integer.toString(managementPort));
        // plain-text logs in target/e2e-logs, easier to read than structured JSON when a test fails
        env.put("LOG_FORMAT", "");
        return env;
    }

    /** One service client of the auth service, as {@code portcullis.auth.clients[i]} set by environment. */
    private static void putClient(Map<String, String> env, int index, String clientId, String secretHash, String scopes,
            String audiences) {
        String prefix = "PORTCULLIS_AUTH_CLIENTS_" + index + "_";
        env.put(prefix + "CLIENTID", clientId);
        env.put(prefix + "SECRETHASH", secretHash);
        env.put(prefix + "SCOPES", scopes);
        env.put(prefix + "AUDIENCES", audiences);
        env.put(prefix + "TOKENLIFETIME", "5m");
    }

    private static com.nimbusds.jose.jwk.RSAKey newRsaKey() {
        try {
            return new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyIDFromThumbprint(true)
                    .keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path jar(Path root, String module, String artifactId, String version) {
        return root.resolve(module).resolve("target").resolve(artifactId + "-" + version + "-exec.jar");
    }

    /** Distinct free ports: all sockets are held open together so that no port is handed out twice. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is released either way
                }
            }
        }
    }
}
