package dev.portcullis.gateway.resilience;

import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Per-route protection of and from upstreams: a Resilience4j circuit breaker per route (named {@code route-<id>}),
 * retries of idempotent, body-less requests when the connection fails (never after the upstream has started to
 * answer), and a problem+json 503 with {@code Retry-After} when the upstream is down or its breaker is open.
 * Upstream 502/503/504 answers and connection failures count as failures; 5xx from application logic (500) is the
 * service's business and passes through untouched.
 */
public final class UpstreamResilienceGlobalFilter implements GlobalFilter, Ordered {

    private static final Set<Integer> UPSTREAM_FAILURES = Set.of(502, 503, 504);

    private final CircuitBreakerRegistry breakers;
    private final CircuitBreakerConfig config;
    private final ResilienceProperties properties;
    private final Set<HttpMethod> retryMethods;
    private final Map<String, CircuitBreaker> byRoute = new ConcurrentHashMap<>();

    public UpstreamResilienceGlobalFilter(CircuitBreakerRegistry breakers, ResilienceProperties properties) {
        this.breakers = breakers;
        this.properties = properties;
        this.retryMethods = properties.retryMethods().stream().map(HttpMethod::valueOf).collect(java.util.stream.Collectors.toSet());
        this.config = CircuitBreakerConfig.custom()
                .failureRateThreshold(properties.failureRateThreshold())
                .slowCallDurationThreshold(properties.slowCallThreshold())
                .minimumNumberOfCalls(properties.minimumCalls())
                .slidingWindowSize(properties.windowSize())
                .waitDurationInOpenState(properties.openFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.UPSTREAM_RESILIENCE;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        if (route == null) {
            return chain.filter(exchange);
        }
        CircuitBreaker breaker = breakerOf(route.getId());
        if (!breaker.tryAcquirePermission()) {
            return ProblemWriter.reject(exchange, Rejection.retryable(RejectionReason.UPSTREAM_UNAVAILABLE,
                    "The service behind this route is unavailable (circuit open)", properties.openFor()));
        }
        long start = breaker.getCurrentTimestamp();
        RoutePolicy policy = RoutePolicy.of(exchange);
        int retries = policy.retries() != null ? policy.retries() : properties.retries();
        boolean retryable = retries > 0 && retryMethods.contains(exchange.getRequest().getMethod());
        Mono<Void> call = retryable
                ? withRetries(exchange, chain, retries, properties.retryBackoff())
                : chain.filter(exchange);
        // A stream (a WebSocket session, an SSE response) is judged when its response starts: it lasts as long as the
        // client stays, and judged at its end every stream would be a slow call that opens the route's breaker.
        AtomicBoolean judged = new AtomicBoolean();
        exchange.getResponse().beforeCommit(() -> {
            if (isStream(exchange) && judged.compareAndSet(false, true)) {
                judge(exchange, breaker, start);
            }
            return Mono.empty();
        });
        return call
                .then(Mono.<Void>fromRunnable(() -> {
                    if (judged.compareAndSet(false, true)) {
                        judge(exchange, breaker, start);
                    }
                }))
                .onErrorResume(error -> {
                    if (judged.compareAndSet(false, true)) {
                        breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), error);
                    }
                    if (exchange.getResponse().isCommitted()) {
                        return Mono.error(error);
                    }
                    if (isTimeout(error)) {
                        return ProblemWriter.reject(exchange, Rejection.of(RejectionReason.UPSTREAM_TIMEOUT,
                                "The service behind this route did not answer in time"));
                    }
                    if (isConnectFailure(error)) {
                        return ProblemWriter.reject(exchange, Rejection.retryable(RejectionReason.UPSTREAM_UNAVAILABLE,
                                "The service behind this route cannot be reached", properties.openFor()));
                    }
                    return Mono.error(error);
                })
                // a stream the client left was judged already; any other call cancelled gives its permission back
                .doOnCancel(() -> {
                    if (!judged.get()) {
                        breaker.releasePermission();
                    }
                });
    }

    private static void judge(ServerWebExchange exchange, CircuitBreaker breaker, long start) {
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        long took = breaker.getCurrentTimestamp() - start;
        if (status != null && UPSTREAM_FAILURES.contains(status.value())) {
            breaker.onError(took, breaker.getTimestampUnit(), new UpstreamStatusException(status.value()));
        } else {
            breaker.onSuccess(took, breaker.getTimestampUnit());
        }
    }

    private static boolean isStream(ServerWebExchange exchange) {
        if ("websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade())) {
            return true;
        }
        MediaType type = exchange.getResponse().getHeaders().getContentType();
        return type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type);
    }

    /**
     * The route's breaker, looked up once per route id: the registry's own lookup builds the name and takes the
     * registry's map on every request.
     */
    private CircuitBreaker breakerOf(String routeId) {
        return byRoute.computeIfAbsent(routeId, id -> breakers.circuitBreaker("route-" + id, config));
    }

    /**
     * The call, and when it fails to connect (and nothing was sent to the client yet) up to {@code left} more calls,
     * the first {@code backoff} (plus up to half of it at random, so that gateways do not retry in step) after the
     * failure, doubling. Nothing of the retry exists until a call fails: the request that succeeds the
     * first time (nearly every one) pays for one error handler, not for a retry operator and its signal machinery.
     */
    private static Mono<Void> withRetries(ServerWebExchange exchange, GatewayFilterChain chain, int left, Duration backoff) {
        return chain.filter(exchange).onErrorResume(
                error -> left > 0 && isConnectFailure(error) && !exchange.getResponse().isCommitted(),
                error -> Mono.delay(jittered(backoff)).then(Mono.defer(() -> {
                    ServerWebExchangeUtils.reset(exchange);
                    return withRetries(exchange, chain, left - 1, backoff.multipliedBy(2));
                })));
    }

    private static Duration jittered(Duration backoff) {
        return backoff.plusNanos(ThreadLocalRandom.current().nextLong(backoff.toNanos() / 2 + 1));
    }

    static boolean isConnectFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            // A connection reset by the upstream is a socket error: SocketException on NIO, Netty's
            // NativeIoException ("Connection reset by peer") on the native epoll/kqueue transports.
            if (cause instanceof ConnectException || cause instanceof java.nio.channels.ClosedChannelException
                    || cause.getClass().getName().endsWith("PrematureCloseException")
                    || cause instanceof java.net.UnknownHostException || cause instanceof java.net.SocketException
                    || cause.getClass().getName().equals("io.netty.channel.unix.Errors$NativeIoException")) {
                return true;
            }
        }
        return false;
    }

    static boolean isTimeout(Throwable error) {
        if (error instanceof ResponseStatusException status && status.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value()) {
            return true;
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException || cause.getClass().getName().endsWith("ReadTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /** Records an upstream's own 502/503/504 as a breaker failure. */
    static final class UpstreamStatusException extends RuntimeException {
        UpstreamStatusException(int status) {
            super("upstream answered " + status, null, false, false);
        }
    }
}
