package dev.portcullis.benchmarks.pipeline;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.identity.IdentitySigningKeys;
import dev.portcullis.gateway.identity.IdentitySigningProperties;
import dev.portcullis.gateway.identity.UpstreamIdentityHeadersFilter;
import dev.portcullis.gateway.keys.JwksKeyStore;
import dev.portcullis.gateway.keys.JwksProperties;
import dev.portcullis.gateway.policy.RoutePolicies;
import dev.portcullis.gateway.policy.RoutePolicyGlobalFilter;
import dev.portcullis.gateway.policy.ShadowPolicyMonitor;
import dev.portcullis.gateway.revocation.FallbackRevocationChecker;
import dev.portcullis.gateway.revocation.RedisRevocationLookup;
import dev.portcullis.gateway.revocation.RevocationProperties;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.revocation.RevocationSet;
import dev.portcullis.gateway.resilience.RedisBreakerProperties;
import dev.portcullis.gateway.security.JwtAccessTokenVerifier;
import dev.portcullis.gateway.security.AuthenticationGlobalFilter;
import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.gateway.security.TrustedIssuers;
import dev.portcullis.gateway.security.VerificationFailureBudget;
import dev.portcullis.gateway.security.VerifiedTokenCache;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.RedisServerProcess;
import dev.portcullis.testsupport.TestRevocations;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import reactor.core.publisher.Mono;

/**
 * The per-request work of an authenticated request, in-process and without HTTP, done by the gateway's own classes
 * as its auto-configuration wires them: {@link RoutePolicyGlobalFilter} (the route's policy from
 * {@link RoutePolicies}), {@link AuthenticationGlobalFilter} (bearer token, {@link JwtAccessTokenVerifier} with its
 * real {@link JwksKeyStore} and {@link VerifiedTokenCache}, revocation through {@link FallbackRevocationChecker}
 * answered by a live {@link RevocationSet} its {@link RevocationFeed} fills, the access rule), then
 * {@link UpstreamIdentityHeadersFilter} on the headers that would leave for the upstream (identity headers set and
 * signed with the route's identity key). The feed is subscribed to a real
 * redis-server of its own, filled with revocations through the issuer's script before the run, so its lookups are
 * those of a gateway holding a realistic revocation set.
 *
 * <p>Not included: the HTTP server and client, the route lookup, the rate limiter (a Redis script per lease, measured
 * by the load test) and the access log. A request's exchange is built per call, as the server builds one per request
 * (with spring-test's mock request and response: no connection behind them).
 */
public final class EdgePipeline implements AutoCloseable {

    public static final String ISSUER = "http://localhost:8080";
    public static final String AUDIENCE = "portcullis";
    public static final String PATH = "/api/orders/o-1";
    private static final URI UPSTREAM = URI.create("http://orders:8083/orders/o-1");
    private static final String FORWARDED = EdgePipeline.class.getName() + ".forwarded";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.1", 50_000);
    private static final ServerCodecConfigurer CODECS = ServerCodecConfigurer.create();
    private static final DefaultWebSessionManager SESSIONS = new DefaultWebSessionManager();
    private static final AcceptHeaderLocaleContextResolver LOCALES = new AcceptHeaderLocaleContextResolver();

    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RedisServerProcess redisServer;
    private final RedisConnections redis;
    private final RedisClient issuerClient;
    private final StatefulRedisConnection<String, String> issuer;
    private final JwksKeyStore keys;
    private final VerifiedTokenCache cache;
    private final JwtAccessTokenVerifier verifier;
    private final RevocationFeed view;
    private final RoutePolicyGlobalFilter routePolicy;
    private final AuthenticationGlobalFilter authentication;
    private final UpstreamIdentityHeadersFilter identity;
    private final Route route;
    private final HttpHeaders incoming;

    /**
     * @param revokedTokens   revoked tokens written before the view starts (each a key the view holds)
     * @param revokedSubjects revoke-all markers written before the view starts
     */
    public EdgePipeline(URI jwksUri, Set<String> algorithms, int revokedTokens, int revokedSubjects) {
        Clock clock = Clock.systemUTC();
        JwtProperties properties = new JwtProperties(jwksUri, ISSUER, Set.of(AUDIENCE), algorithms, Duration.ofSeconds(30),
                8192, Duration.ofHours(1), new JwksProperties(Duration.ofSeconds(15), Duration.ofSeconds(30),
                Duration.ofHours(12), Duration.ofSeconds(2), Duration.ofSeconds(2)),
                new JwtProperties.Cache(true, 100_000), new JwtProperties.FailureBudget(false, 1, Duration.ofMinutes(1), 0),
                Map.of());
        TrustedIssuers issuers = TrustedIssuers.of(properties, clock, meters);
        this.keys = issuers.keys(JwtProperties.DEFAULT_ISSUER_ID);
        this.cache = new VerifiedTokenCache(properties.cache(), clock, meters);
        // No failure budget: it needs the rate limiter's Redis script; in the gateway a cache miss takes a unit of the
        // budget from a local lease, a counter decrement.
        this.verifier = new JwtAccessTokenVerifier(issuers, properties.maxTokenLength(), cache,
                VerificationFailureBudget.disabled(meters), clock, meters);

        this.redisServer = RedisServerProcess.startStandalone();
        this.issuerClient = RedisClient.create(redisServer.url());
        this.issuer = issuerClient.connect();
        fill(issuer.sync(), revokedTokens, revokedSubjects);
        this.redis = RedisConnections.connect(redisServer.url(), Duration.ofSeconds(2), Duration.ofSeconds(2));
        RevocationProperties revocation = new RevocationProperties(RevocationProperties.Mode.VIEW, Duration.ofMillis(250),
                Duration.ofSeconds(1), Duration.ofMinutes(5), 1_000_000, Duration.ofMillis(250),
                new RedisBreakerProperties(50, 5, 20, Duration.ofSeconds(5)));
        RevocationSet revoked = new RevocationSet();
        this.view = new RevocationFeed(redis, revocation, revoked, properties.maxTokenLifetime(), properties.clockSkew(), clock, meters);
        RedisRevocationLookup lookup = new RedisRevocationLookup(redis, CircuitBreaker.ofDefaults("bench-revocation"),
                revocation.lookupTimeout(), meters);
        view.onRedisAnswered(lookup::redisAnswered);
        FallbackRevocationChecker checker = FallbackRevocationChecker.viewFirst(view, revoked, lookup, meters);

        IdentitySigningKeys signingKeys = IdentitySigningKeys.load(
                new IdentitySigningProperties(Map.of("orders", GatewayIdentity.key("orders"))));
        RouteDefinition definition = new RouteDefinition();
        definition.setId("orders");
        definition.setUri(URI.create("http://orders:8083"));
        definition.setMetadata(Map.of("policy", Map.of("permissions", List.of("orders:read"), "identity-key", "orders")));
        GatewayProperties gateway = new GatewayProperties();
        gateway.setRoutes(List.of(definition));
        RoutePolicies policies = RoutePolicies.load(gateway,
                new RoutePolicies.Context(Set.of(JwtProperties.DEFAULT_ISSUER_ID), signingKeys.names()), meters);
        this.route = Route.async(definition).predicate(exchange -> true).build();
        this.routePolicy = new RoutePolicyGlobalFilter(policies);
        this.authentication = new AuthenticationGlobalFilter(verifier, checker,
                new ClientAddressResolver("portcullis.http.trusted-proxies", List.of()), new ShadowPolicyMonitor(meters), clock,
                meters);
        this.identity = new UpstreamIdentityHeadersFilter(signingKeys, clock);

        this.incoming = new HttpHeaders();
        incoming.set("Host", "localhost:8080");
        incoming.set("User-Agent", "wrk");
        incoming.set("Accept", "application/json");
        incoming.set("x-request-id", "bench-0001");
    }

    /** Revocations as the auth service writes them, so that the view's resync at start loads them all. */
    private static void fill(RedisCommands<String, String> redis, int revokedTokens, int revokedSubjects) {
        long later = System.currentTimeMillis() + 900_000;
        for (int i = 0; i < revokedTokens; i++) {
            TestRevocations.write(redis, new RevocationMessage.TokenRevoked(UUID.randomUUID().toString(), later));
        }
        for (int i = 0; i < revokedSubjects; i++) {
            TestRevocations.write(redis, new RevocationMessage.SubjectRevoked("revoked-user-" + i, System.currentTimeMillis()));
        }
    }

    /**
     * Loads the key set and starts the revocation view (blocking, set-up only), as the gateway does at start-up, and
     * waits until the view is live: from then on no request reads Redis.
     */
    public void start(String keyId, Duration timeout) {
        keys.poll().block(timeout);
        keys.find(keyId).block(timeout);
        if (!keys.isReady()) {
            throw new IllegalStateException("JWKS not loaded");
        }
        view.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!view.isLive()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the revocation view did not become live within " + timeout);
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // set-up only, never in a measured call
        }
    }

    /**
     * One authenticated request's edge work.
     *
     * @return the headers forwarded upstream; throws when the request is refused, so that a broken set-up cannot pass
     *         as a fast one
     */
    public HttpHeaders handle(String token) {
        ServerWebExchange exchange = run(token);
        HttpHeaders forwarded = exchange.getAttribute(FORWARDED);
        if (forwarded == null) {
            throw new IllegalStateException("request refused: " + exchange.getResponse().getStatusCode());
        }
        return forwarded;
    }

    /**
     * A request expected to be refused (a forged token): the status the client gets, problem document written.
     *
     * @throws IllegalStateException when the request reached the upstream
     */
    public HttpStatusCode refuse(String token) {
        ServerWebExchange exchange = run(token);
        if (exchange.getAttribute(FORWARDED) != null) {
            throw new IllegalStateException("a request that should have been refused was forwarded");
        }
        return exchange.getResponse().getStatusCode();
    }

    /**
     * The filter's answer, waited for. With the token cached and the view live it completes while it is subscribed to
     * (the block costs one latch, which the gateway does not pay); a first sight of a token may look its key up.
     */
    private ServerWebExchange run(String token) {
        // DefaultServerWebExchange with shared codecs: MockServerWebExchange builds a codec configurer per exchange,
        // which would cost more than the whole edge
        ServerWebExchange exchange = new DefaultServerWebExchange(MockServerHttpRequest.get(PATH).headers(incoming)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token).remoteAddress(CLIENT).build(),
                new MockServerHttpResponse(), SESSIONS, CODECS, LOCALES);
        exchange.getAttributes().put(GATEWAY_ROUTE_ATTR, route);
        exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, UPSTREAM);
        exchange.getAttributes().put(EdgeAttributes.REQUEST_ID, "bench-0001");
        GatewayFilterChain proxy = forwarded -> {
            forwarded.getAttributes().put(FORWARDED, identity.filter(forwarded.getRequest().getHeaders(), forwarded));
            return Mono.empty();
        };
        routePolicy.filter(exchange, resolved -> authentication.filter(resolved, proxy)).block(Duration.ofSeconds(10));
        return exchange;
    }

    /** Revokes {@code jti} as the auth service does; the view applies it when its message arrives. */
    public void revoke(String jti) {
        TestRevocations.write(issuer.sync(), new RevocationMessage.TokenRevoked(jti, System.currentTimeMillis() + 900_000));
    }

    /**
     * How many revocation checks were answered from {@code source} ({@code view} or {@code redis}): a run whose
     * checks went to Redis measured the fallback, not the gateway's request path.
     */
    public long revocationChecks(String source) {
        return meters.find("portcullis.revocation.checks").tag("source", source).timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count).sum();
    }

    /** Forgets every verified token: the next request of each is a first sight again. */
    public void forgetVerifiedTokens() {
        cache.clear();
    }

    @Override
    public void close() {
        view.stop();
        keys.stop();
        redis.close();
        issuer.close();
        issuerClient.shutdown();
        redisServer.stop();
        meters.close();
    }
}
