package dev.portcullis.gateway.web;

import org.springframework.core.Ordered;

/**
 * The request path in one place: every order of Portcullis' filters, in the sequence a request meets them, each with
 * why it sits there. No filter computes its order from another's; a filter names its constant here. The README's
 * request-path section lists the same steps in the same order (a test compares the two).
 *
 * <p>Before these, in the Netty pipeline and not ordered by Spring: {@link RequestLineGuard} (method and request
 * target) and then {@link RequestHeadScreen} (header size, and removal of the headers a client may not send).
 */
public final class EdgeFilterOrder {

    // --- web filters: every request, before a route is matched -------------------------------------------------

    /** First of all: every later step's outcome, early rejections included, must be logged and counted. */
    public static final int ACCESS_LOG = Ordered.HIGHEST_PRECEDENCE;
    /** Right after the access log: every answer from here on, a rejection included, carries the request id. */
    public static final int REQUEST_ID = Ordered.HIGHEST_PRECEDENCE + 10;
    /** Before routing and before anything reads the path: an ambiguous path must match no route. */
    public static final int PATH_NORMALIZATION = Ordered.HIGHEST_PRECEDENCE + 20;

    // --- what escapes the filters ------------------------------------------------------------------------------

    /** Before Spring Boot's default handler (-1), which would answer with its own JSON shape. */
    public static final int ERROR_HANDLER = -2;

    // --- global filters: a matched route, after Spring Cloud Gateway's body-caching filters ---------------------

    /** Before every filter that reads the route's policy: it is resolved once here, for all of them. */
    public static final int ROUTE_POLICY = -400;
    /**
     * Before authentication: a method the route never serves is refused without paying for a token check, and the
     * answer (which methods exist) is configuration, not a secret.
     */
    public static final int ROUTE_METHODS = -350;
    /**
     * Before every route filter (those are ordered 1..n), before rate limiting, which needs the user, and identity
     * propagation, which needs the token.
     */
    public static final int AUTHENTICATION = -300;
    /**
     * Right after authentication, which leaves the verified token in the exchange (a bound token is held to its key
     * here), and before rate limiting: a request refused here spends no rate-limit budget and reaches no upstream.
     */
    public static final int DPOP = -290;
    /** After authentication (quotas are per user when a token was verified) and before any upstream work. */
    public static final int RATE_LIMIT = -250;
    /** After the rate limit (a refused stream is never registered), before the upstream is called. */
    public static final int EVENT_STREAM_LIFETIME = -240;
    /**
     * After the checks that refuse a request (a refusal is not the upstream's failure) and before the route filters
     * and the routing filter: the breaker and the retries wrap the upstream call alone.
     */
    public static final int UPSTREAM_RESILIENCE = -150;

    // --- header filters: the headers that leave for the upstream, inside the routing filter ---------------------

    /**
     * The three header filters share the last order, after Spring Cloud Gateway's hop-by-hop filter
     * ({@code LOWEST_PRECEDENCE - 1}, the last one that copies the headers): what they add is not copied again, and a
     * client's {@code Connection: x-user-id} cannot make the hop-by-hop filter remove it. Their relative order does not
     * matter: they write different headers (forwarded hop, trace context, identity and its signature).
     */
    public static final int UPSTREAM_HEADERS = Ordered.LOWEST_PRECEDENCE;

    private EdgeFilterOrder() {
    }
}
