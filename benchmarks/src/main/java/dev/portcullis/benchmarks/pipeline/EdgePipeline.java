package dev.portcullis.benchmarks.pipeline;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.gateway.keys.JwksKeyStore;
import dev.portcullis.gateway.keys.JwksProperties;
import dev.portcullis.gateway.policy.AccessRule;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.security.JwtAccessTokenVerifier;
import dev.portcullis.gateway.security.TrustedIssuers;
import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.gateway.security.Verification;
import dev.portcullis.gateway.security.VerificationFailureBudget;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.security.VerifiedTokenCache;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import reactor.core.publisher.Mono;

/**
 * The per-request work of an authenticated request, in-process and without HTTP: the gateway's own
 * {@link JwtAccessTokenVerifier} (with its real {@link JwksKeyStore} and {@link VerifiedTokenCache}), the live-view
 * revocation answer, the route's access rule, and the identity headers as {@code UpstreamIdentityHeadersFilter} writes them
 * (scan incoming names for spoofed {@code x-user-*}, copy the headers, set five values).
 */
public final class EdgePipeline implements AutoCloseable {

    public static final String ISSUER = "http://localhost:8080";
    public static final String AUDIENCE = "portcullis";
    private static final Supplier<String> CLIENT = () -> "203.0.113.1";

    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JwksKeyStore keys;
    private final VerifiedTokenCache cache;
    private final JwtAccessTokenVerifier verifier;
    private final LocalRevocationLookup revocation;
    private final AccessRule rule;
    private final HttpHeaders incoming;

    public EdgePipeline(URI jwksUri, Set<String> algorithms) {
        Clock clock = Clock.systemUTC();
        JwtProperties properties = new JwtProperties(jwksUri, ISSUER, Set.of(AUDIENCE), algorithms, Duration.ofSeconds(30),
                8192, Duration.ofHours(1), new JwksProperties(Duration.ofSeconds(15), Duration.ofSeconds(30),
                Duration.ofHours(12), Duration.ofSeconds(2), Duration.ofSeconds(2)),
                new JwtProperties.Cache(true, 100_000), new JwtProperties.FailureBudget(false, 1, Duration.ofMinutes(1), 0),
                Map.of());
        TrustedIssuers issuers = TrustedIssuers.of(properties, clock, meters);
        this.keys = issuers.keys(JwtProperties.DEFAULT_ISSUER_ID);
        this.cache = new VerifiedTokenCache(properties.cache(), clock, meters);
        // no failure budget: it needs Redis, and the benchmark measures verification (a cache miss takes a unit of the
        // budget from a local lease in the gateway, a counter decrement)
        this.verifier = new JwtAccessTokenVerifier(issuers, properties.maxTokenLength(), cache, VerificationFailureBudget.disabled(meters), clock, meters);
        this.revocation = new LocalRevocationLookup(10_000, 1_000, meters);
        this.rule = new AccessRule(Set.of(HttpMethod.GET), false, Set.of(), Set.of("orders:read"), Set.of(), Set.of(), false);
        this.incoming = new HttpHeaders();
        incoming.set("Host", "localhost:8080");
        incoming.set("User-Agent", "wrk");
        incoming.set("Accept", "application/json");
        incoming.set("x-request-id", "bench-0001");
    }

    /** Loads the key set (blocking, set-up only), as the gateway's poller does at start-up. */
    public void loadKeys(String keyId) {
        keys.poll().block(Duration.ofSeconds(10));
        keys.find(keyId).block(Duration.ofSeconds(10));
        if (!keys.isReady()) {
            throw new IllegalStateException("JWKS not loaded");
        }
    }

    /**
     * One authenticated request's edge work.
     *
     * @return the headers forwarded upstream; throws when the token is refused, so that a broken set-up cannot pass as
     *         a fast one
     */
    public HttpHeaders handle(String token) {
        Verification verification = resolve(verifier.verify(token, CLIENT));
        if (!(verification instanceof Verification.Verified verified)) {
            throw new IllegalStateException("token refused: " + verification);
        }
        VerifiedToken identity = verified.token();
        RevocationStatus status = revocation.check(identity);
        if (status != RevocationStatus.ACTIVE) {
            throw new IllegalStateException("token revoked: " + status);
        }
        if (rule.check(identity) != null) {
            throw new IllegalStateException("access rule refused the token");
        }
        return identityHeaders(identity);
    }

    /** Verification only, for tokens expected to fail (forged): returns the outcome without throwing. */
    public Verification verifyOnly(String token) {
        return resolve(verifier.verify(token, CLIENT));
    }

    /**
     * The verifier's answer as the gateway's filter gets it. A cache hit (and a refusal) is a {@code Mono.just}, which
     * Reactor's {@code flatMap} in {@code AuthenticationGlobalFilter} unwraps directly (scalar fast path) without
     * subscribing; {@code block()} would add a subscriber and a latch the gateway never pays. Anything else (a key
     * lookup on first sight) is subscribed to and waited for.
     */
    private static Verification resolve(Mono<Verification> answer) {
        if (answer instanceof Callable<?> scalar) {
            try {
                return (Verification) scalar.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return answer.block(Duration.ofSeconds(10));
    }

    public void revoke(String jti) {
        revocation.revoke(jti);
    }

    private HttpHeaders identityHeaders(VerifiedToken token) {
        for (String name : incoming.headerNames()) {
            if (IdentityHeaders.isIdentityHeader(name)) {
                throw new IllegalStateException("unexpected identity header " + name);
            }
        }
        HttpHeaders forwarded = new HttpHeaders();
        forwarded.addAll(incoming);
        forwarded.set(IdentityHeaders.USER_ID, token.subject());
        if (token.roleHeader() != null) {
            forwarded.set(IdentityHeaders.USER_ROLE, token.roleHeader());
        }
        forwarded.set(IdentityHeaders.USER_PERMISSIONS, token.permissionsHeader());
        forwarded.set(IdentityHeaders.USER_SCOPES, token.scopesHeader());
        forwarded.set(IdentityHeaders.USER_AMR, token.amrHeader());
        return forwarded;
    }

    /** Forgets every verified token: the next request of each is a first sight again. */
    public void forgetVerifiedTokens() {
        cache.clear();
    }

    @Override
    public void close() {
        keys.stop();
        meters.close();
    }
}
