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
 * service (local profile), user-, product- and order-service and the gateway, each its own {@code java -jar} process
 * on free ports, wired by the environment variables an operator would set. Tests see only {@link #gatewayUrl()}.
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
 *       would put one per service into a Secret), so the services believe only the gateway's identity headers.</li>
 * </ul>
 */
public final class PortcullisStack implements AutoCloseable {

    private static final System.Logger log = System.getLogger(PortcullisStack.class.getName());
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(240);
    private static PortcullisStack running;
    private static RuntimeException startFailure;

    private final List<ServiceProcess> processes = new ArrayList<>();
    private RedisServerProcess ownRedis;
    private String gatewayUrl;
    private String issuer;
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
        processes.forEach(process -> urls.put(process.name(), "http://127.0.0.1:" + process.managementPort()));
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

        int[] ports = freePorts(10);
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
        // The test plays the load balancer in front of the gateway: its X-Forwarded-For is believed, the gateway
        // appends the peer, and the auth service, walking the chain from the right, finds each simulated client.

        // All five start at once (the gateway becomes ready once it has loaded the auth service's keys).
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
        processes.add(ServiceProcess.start("gateway", jar(root, "gateway", "portcullis-gateway", version),
                gatewayEnv, List.of(), ports[1], logDir));
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

    private static Map<String, String> env(int port, int managementPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("MANAGEMENT_SERVER_PORT", Integer.toString(managementPort));
        // plain-text logs in target/e2e-logs, easier to read than structured JSON when a test fails
        env.put("LOG_FORMAT", "");
        return env;
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
