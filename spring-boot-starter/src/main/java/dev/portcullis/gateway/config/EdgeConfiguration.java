package dev.portcullis.gateway.config;

import dev.portcullis.gateway.explain.ExplainProperties;
import dev.portcullis.gateway.explain.TokenExplainer;
import dev.portcullis.gateway.identity.UpstreamIdentityHeadersFilter;
import dev.portcullis.gateway.identity.IdentitySigningKeys;
import dev.portcullis.gateway.identity.IdentitySigningProperties;
import dev.portcullis.gateway.keys.JwksHealthIndicator;
import dev.portcullis.gateway.observability.AccessLogWebFilter;
import dev.portcullis.gateway.observability.EdgeMetrics;
import dev.portcullis.gateway.observability.ExportingRequestTracing;
import dev.portcullis.gateway.observability.PropagatingRequestTracing;
import dev.portcullis.gateway.observability.RequestTracing;
import dev.portcullis.gateway.observability.TraceContextHeadersFilter;
import dev.portcullis.gateway.policy.RouteMethodsGlobalFilter;
import dev.portcullis.gateway.policy.RoutePolicies;
import dev.portcullis.gateway.policy.RoutePolicyGlobalFilter;
import dev.portcullis.gateway.policy.ShadowPolicyMonitor;
import dev.portcullis.gateway.ratelimit.LeasingRateLimiter;
import dev.portcullis.gateway.ratelimit.RateLimitGlobalFilter;
import dev.portcullis.gateway.ratelimit.RateLimitProperties;
import dev.portcullis.gateway.ratelimit.RedisGcraLimiter;
import dev.portcullis.gateway.resilience.ResilienceProperties;
import dev.portcullis.gateway.resilience.UpstreamResilienceGlobalFilter;
import dev.portcullis.gateway.revocation.FallbackRevocationChecker;
import dev.portcullis.gateway.revocation.RedisRevocationLookup;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.revocation.RevocationProperties;
import dev.portcullis.gateway.revocation.RevocationSet;
import dev.portcullis.gateway.reload.ConfigFileWatcher;
import dev.portcullis.gateway.reload.ConfigReloadProperties;
import dev.portcullis.gateway.reload.PolicyReloadListener;
import dev.portcullis.gateway.security.JwtAccessTokenVerifier;
import dev.portcullis.gateway.security.AuthenticationGlobalFilter;
import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.gateway.security.TrustedIssuer;
import dev.portcullis.gateway.security.TrustedIssuers;
import dev.portcullis.gateway.security.VerificationFailureBudget;
import dev.portcullis.gateway.security.VerifiedTokenCache;
import dev.portcullis.gateway.streams.EventStreamLifetimeGlobalFilter;
import dev.portcullis.gateway.streams.OpenStreams;
import dev.portcullis.gateway.streams.StreamClosingWebSocketService;
import dev.portcullis.gateway.streams.StreamProperties;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.gateway.web.ForwardedHopHeadersFilter;
import dev.portcullis.gateway.web.RequestHeadScreen;
import dev.portcullis.gateway.web.HttpEdgeProperties;
import dev.portcullis.gateway.web.PathNormalizationWebFilter;
import dev.portcullis.gateway.web.EdgeErrorHandler;
import dev.portcullis.gateway.web.RequestIdWebFilter;
import dev.portcullis.gateway.web.RequestLineGuard;
import dev.portcullis.gateway.web.RequestMethods;
import dev.portcullis.redis.RedisConnections;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.util.StringUtils;

/**
 * Portcullis' auto-configuration: wires the edge into any Spring Cloud Gateway (WebFlux) application, the standalone
 * gateway included. One place that shows every part of the request path and what it depends on.
 * The order of every step, and why it sits there: {@link dev.portcullis.gateway.web.EdgeFilterOrder}; the README's
 * request-path section draws it.
 */
@AutoConfiguration
@EnableConfigurationProperties({JwtProperties.class, RedisProperties.class, RevocationProperties.class,
        RateLimitProperties.class, IdentitySigningProperties.class, HttpEdgeProperties.class, ResilienceProperties.class,
        ConfigReloadProperties.class, ExplainProperties.class, StreamProperties.class})
public class EdgeConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    RedisConnections redisConnections(RedisProperties redis) {
        return RedisConnections.connect(redis.url(), redis.settings());
    }

    /** Portcullis' breakers (Redis, upstreams); an application's own registry is used instead when it has one. */
    @Bean
    @ConditionalOnMissingBean
    CircuitBreakerRegistry circuitBreakerRegistry(MeterRegistry meters) {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    // --- token verification -------------------------------------------------------------------------------

    /** Every trusted issuer with its own key set; starts their pollers. */
    @Bean
    TrustedIssuers trustedIssuers(JwtProperties jwt, Clock clock, MeterRegistry meters) {
        return TrustedIssuers.of(jwt, clock, meters);
    }

    @Bean
    JwksHealthIndicator jwksHealthIndicator(TrustedIssuers issuers) {
        return new JwksHealthIndicator(issuers.all().stream().map(TrustedIssuer::keys).toList());
    }

    @Bean
    VerifiedTokenCache verifiedTokenCache(JwtProperties jwt, Clock clock, MeterRegistry meters) {
        return new VerifiedTokenCache(jwt.cache(), clock, meters);
    }

    @Bean
    VerificationFailureBudget verificationFailureBudget(JwtProperties jwt, LeasingRateLimiter limiter, MeterRegistry meters) {
        return new VerificationFailureBudget(jwt.failureBudget(), limiter, meters);
    }

    @Bean
    JwtAccessTokenVerifier jwtAccessTokenVerifier(JwtProperties jwt, TrustedIssuers issuers, VerifiedTokenCache cache,
                                            VerificationFailureBudget budget, Clock clock, MeterRegistry meters) {
        return new JwtAccessTokenVerifier(issuers, jwt.maxTokenLength(), cache, budget, clock, meters);
    }

    // --- revocation ---------------------------------------------------------------------------------------

    /** The local revocation set, kept in {@code view} mode only: in {@code lookup} mode nothing reads one. */
    @Bean
    @ConditionalOnProperty(prefix = "portcullis.revocation", name = "mode", havingValue = "view", matchIfMissing = true)
    RevocationSet revocationSet() {
        return new RevocationSet();
    }

    /**
     * The revocation feed: fills the set in {@code view} mode; in {@code lookup} mode it runs for its listeners alone
     * (open streams close on a revocation heard on the channel).
     */
    @Bean
    RevocationFeed revocationFeed(RedisConnections redis, RevocationProperties revocation, ObjectProvider<RevocationSet> set,
                                  JwtProperties jwt, Clock clock, MeterRegistry meters) {
        // revoke-all markers must outlive the longest-lived token of any issuer
        RevocationFeed feed = new RevocationFeed(redis, revocation, set.getIfAvailable(), jwt.longestTokenLifetime(),
                jwt.largestClockSkew(), clock, meters);
        Gauge.builder("portcullis.revocation.view.live", feed, f -> f.isSubscriptionLive() ? 1 : 0)
                .description("1 while the local revocation view is synced and its subscription is alive").register(meters);
        return feed;
    }

    @Bean
    FallbackRevocationChecker revocationChecker(RedisConnections redis, RevocationProperties revocation,
                                                RevocationFeed feed, ObjectProvider<RevocationSet> set,
                                                CircuitBreakerRegistry breakers, MeterRegistry meters) {
        CircuitBreaker breaker = breakers.circuitBreaker("redis-revocation", revocation.circuitBreaker().toConfig());
        RedisRevocationLookup lookup = new RedisRevocationLookup(redis, breaker, revocation.lookupTimeout(), meters);
        feed.onRedisAnswered(lookup::redisAnswered);
        RevocationSet local = set.getIfAvailable();
        return local != null ? FallbackRevocationChecker.viewFirst(feed, local, lookup, meters)
                : FallbackRevocationChecker.lookupOnly(lookup, meters);
    }

    // --- streams that end with their token ------------------------------------------------------------------

    @Bean
    OpenStreams openStreams(StreamProperties streams, FallbackRevocationChecker revocation, RevocationFeed feed,
                            JwtProperties jwt, Clock clock, MeterRegistry meters) {
        var issuers = jwt.trustedIssuers();
        Duration largestSkew = jwt.largestClockSkew();
        OpenStreams open = new OpenStreams(streams, revocation,
                issuer -> issuers.containsKey(issuer) ? issuers.get(issuer).clockSkew() : largestSkew, clock, meters);
        // the feed hears every revocation on every instance (in lookup mode too), and resyncs repair missed messages
        feed.addListener(open);
        return open;
    }

    @Bean
    EventStreamLifetimeGlobalFilter eventStreamLifetimeGlobalFilter(OpenStreams streams) {
        return new EventStreamLifetimeGlobalFilter(streams);
    }

    /** Static, as a post-processor must be; the registry is looked up at the first upgrade. */
    @Bean
    static StreamClosingWebSocketService.PostProcessor streamClosingWebSocketService(ObjectProvider<OpenStreams> streams) {
        return new StreamClosingWebSocketService.PostProcessor(streams::getObject);
    }

    // --- policy, rate limits, identity, upstreams -----------------------------------------------------------

    @Bean
    RoutePolicies routePolicies(GatewayProperties gateway, TrustedIssuers issuers, IdentitySigningKeys keys, MeterRegistry meters) {
        return RoutePolicies.load(gateway, new RoutePolicies.Context(issuers.ids(), keys.names()), meters);
    }

    /** Recompiles the policies whenever Spring Cloud Gateway has refreshed its routes (hot reload). */
    @Bean
    PolicyReloadListener policyReloadListener(RoutePolicies policies, RouteLocator routes, GatewayProperties gateway) {
        return new PolicyReloadListener(policies, routes, gateway);
    }

    /** Watches {@code portcullis.config-reload.paths} and refreshes the context when they change. */
    @Bean
    ConfigFileWatcher configFileWatcher(ConfigReloadProperties reload, ObjectProvider<ContextRefresher> refresher,
                                        MeterRegistry meters) {
        return new ConfigFileWatcher(reload, () -> {
            ContextRefresher contextRefresher = refresher.getIfAvailable();
            if (contextRefresher == null) {
                throw new IllegalStateException("no ContextRefresher: spring.cloud.refresh.enabled is false");
            }
            contextRefresher.refresh();
        }, meters);
    }

    @Bean
    RoutePolicyGlobalFilter routePolicyGlobalFilter(RoutePolicies policies) {
        return new RoutePolicyGlobalFilter(policies);
    }

    @Bean
    RouteMethodsGlobalFilter routeMethodsGlobalFilter() {
        return new RouteMethodsGlobalFilter();
    }

    @Bean
    ClientAddressResolver clientAddressResolver(HttpEdgeProperties http) {
        return new ClientAddressResolver("portcullis.http.trusted-proxies", http.trustedProxies());
    }

    @Bean
    RedisGcraLimiter redisGcraLimiter(RedisConnections redis, RateLimitProperties rateLimit, CircuitBreakerRegistry breakers) {
        CircuitBreakerConfig breaker = rateLimit.circuitBreaker().toConfig();
        // one breaker per Redis node ("redis-ratelimit-single" off a cluster): one lost shard leaves the others checked
        return new RedisGcraLimiter(redis, node -> breakers.circuitBreaker("redis-ratelimit-" + node, breaker),
                rateLimit.timeout());
    }

    @Bean
    LeasingRateLimiter leasingRateLimiter(RedisGcraLimiter shared, RateLimitProperties rateLimit) {
        return new LeasingRateLimiter(shared, rateLimit.maxLease(), rateLimit.maxParties());
    }

    @Bean
    AuthenticationGlobalFilter authenticationGlobalFilter(JwtAccessTokenVerifier verifier,
                                                          FallbackRevocationChecker revocation,
                                                          ClientAddressResolver clientAddresses, Clock clock,
                                                          MeterRegistry meters) {
        return new AuthenticationGlobalFilter(verifier, revocation, clientAddresses,
                new ShadowPolicyMonitor(meters), clock, meters);
    }

    @Bean
    RateLimitGlobalFilter rateLimitGlobalFilter(LeasingRateLimiter limiter, RateLimitProperties rateLimit,
                                                ClientAddressResolver clientAddresses, MeterRegistry meters) {
        return new RateLimitGlobalFilter(limiter, rateLimit, clientAddresses, meters);
    }

    /** The explain endpoint's logic; its HTTP side lives in the management context only (ExplainManagementConfiguration). */
    @Bean
    @ConditionalOnProperty(prefix = "portcullis.explain", name = "enabled", havingValue = "true", matchIfMissing = true)
    TokenExplainer tokenExplainer(RouteLocator routes, RoutePolicies policies, JwtAccessTokenVerifier verifier,
                                  FallbackRevocationChecker revocation, RedisConnections redis,
                                  RateLimitGlobalFilter rateLimits, LeasingRateLimiter limiter) {
        return new TokenExplainer(routes, policies, verifier, revocation, redis, rateLimits, limiter);
    }

    @Bean
    IdentitySigningKeys identitySigningKeys(IdentitySigningProperties signing) {
        return IdentitySigningKeys.load(signing);
    }

    /** Appends the gateway's hop to the forwarded headers of what leaves (see its javadoc). */
    @Bean
    ForwardedHopHeadersFilter forwardedHopHeadersFilter() {
        return new ForwardedHopHeadersFilter();
    }

    /** Sets and signs the identity on the headers that leave, after the route filters rewrote the path (see its javadoc). */
    @Bean
    UpstreamIdentityHeadersFilter upstreamIdentityHeadersFilter(IdentitySigningKeys keys, Clock clock) {
        return new UpstreamIdentityHeadersFilter(keys, clock);
    }

    @Bean
    UpstreamResilienceGlobalFilter upstreamResilienceGlobalFilter(CircuitBreakerRegistry breakers, ResilienceProperties resilience) {
        return new UpstreamResilienceGlobalFilter(breakers, resilience);
    }

    // --- the HTTP edge ------------------------------------------------------------------------------------

    @Bean
    EdgeMetrics edgeMetrics(MeterRegistry meters) {
        return new EdgeMetrics(meters);
    }

    @Bean
    RequestMethods requestMethods(RoutePolicies policies) {
        return RequestMethods.of(policies.listedMethods());
    }

    /**
     * A Micrometer span per request only when a span exporter is configured (README: tracing); otherwise trace ids
     * alone, continued or started and sent upstream, at the cost of two random numbers per request.
     */
    @Bean
    RequestTracing requestTracing(ObjectProvider<Tracer> tracer, ObjectProvider<SpanExporter> exporters) {
        Tracer available = tracer.getIfAvailable();
        return available != null && exporters.stream().findAny().isPresent()
                ? new ExportingRequestTracing(available) : new PropagatingRequestTracing();
    }

    /** Writes traceparent / tracestate on the headers that leave (see its javadoc). */
    @Bean
    TraceContextHeadersFilter traceContextHeadersFilter() {
        return new TraceContextHeadersFilter();
    }

    @Bean
    AccessLogWebFilter accessLogWebFilter(EdgeMetrics metrics, RequestMethods methods, RequestTracing tracing,
                                          Environment environment) {
        boolean structured = StringUtils.hasText(environment.getProperty("logging.structured.format.console"));
        return new AccessLogWebFilter(metrics, methods, tracing, structured);
    }

    @Bean
    RequestIdWebFilter requestIdWebFilter() {
        return new RequestIdWebFilter();
    }

    @Bean
    PathNormalizationWebFilter pathNormalizationWebFilter() {
        return new PathNormalizationWebFilter();
    }

    /**
     * The request line and the header screen, in Netty before the HTTP handler. HTTP/2 connections would bypass them
     * (and with them the removal of a client's identity and forwarded headers): refused at start-up.
     */
    @Bean
    NettyServerCustomizer requestLineGuard(RequestMethods methods, HttpEdgeProperties http, ClientAddressResolver clientAddresses,
                                           AccessLogWebFilter accessLog, Environment environment) {
        RequestLineGuard.requireHttp11Only(environment);
        return RequestLineGuard.customizer(methods, new RequestHeadScreen(http.maxHeaderBytes(), clientAddresses), accessLog);
    }

    @Bean
    EdgeErrorHandler edgeErrorHandler() {
        return new EdgeErrorHandler();
    }
}
