package dev.portcullis.gateway.web;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.TraceParent;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import reactor.netty.NettyPipeline;

/**
 * Answers, with a problem document and before any filter, route or observation exists for the request, every request
 * line the gateway will not serve:
 * <ul>
 *   <li>a method outside {@link RequestMethods} (any token of letters is a method to Netty): 501, counted as
 *       {@value RequestMethods#OTHER}. Refusing here, not in a filter, is what keeps the made-up name out of every
 *       meter (Spring's server observation, Spring Cloud Gateway's route and client metrics, Portcullis' own);</li>
 *   <li>{@code TRACE} and {@code CONNECT}: 405 with {@code Allow};</li>
 *   <li>a request target that is not a URI at all (a backslash, {@code |}, {@code "}, {@code {}...): 400. Spring's
 *       Reactor Netty adapter cannot build a request from it and would answer an empty 400, breaking the promise that
 *       every error body is problem+json.</li>
 * </ul>
 * The connection is closed after the answer (the rest of a refused request's body is discarded unread). Each refusal is
 * reported to a {@link Refusals} listener (the access log and metrics). Sits in the Netty pipeline just before
 * reactor-netty's HTTP/1.1 handler; the public server speaks HTTP/1.1 only.
 *
 * <p>The same handler, with the {@link RequestHeadScreen} as its check, is the next step in the pipeline: it refuses
 * headers that are too large (431) and removes, in place, the headers a client may not send (identity, and proxy
 * headers from an untrusted peer), so nothing after it sees them. Two handlers, each with one job, answering alike.
 */
public final class RequestLineGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "portcullis.requestLineGuard";
    static final String SCREEN_NAME = "portcullis.requestHeadScreen";

    /** One step's decision on a request: its refusal, or null when the request goes on. */
    @FunctionalInterface
    interface Check {
        @Nullable Refusal check(HttpRequest request, @Nullable InetAddress peer);
    }

    /** A refused request: why, and the {@code Allow} header of the answer (null without one). */
    record Refusal(Rejection rejection, @Nullable String allow) {
    }

    /** Where refusals are logged and counted; {@code method} is already bounded ({@link RequestMethods#tag}). */
    @FunctionalInterface
    public interface Refusals {
        void refused(String requestId, TraceParent trace, String method, String target, Rejection rejection, int status);
    }

    /**
     * Installs the guard on every HTTP/1.1 connection of the public server. A connection without reactor-netty's
     * HTTP/1.1 handler (HTTP/2) would bypass it, and with it the header screen: it is refused (and the gateway does not
     * start with {@code server.http2.enabled: true}, see EdgeConfiguration).
     */
    public static NettyServerCustomizer customizer(RequestMethods methods, RequestHeadScreen screen, Refusals refusals) {
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) == null) {
                // fail closed: a request that skipped the screen could carry a client's x-user-* or X-Forwarded-*
                throw new IllegalStateException("Portcullis' public server speaks HTTP/1.1 only (server.http2.enabled must be false)");
            }
            channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, NAME,
                    new RequestLineGuard(methods, (request, peer) -> requestLine(methods, request), refusals));
            // after the request line: a request refused for its line needs no header screen
            channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, SCREEN_NAME, new RequestLineGuard(methods,
                    (request, peer) -> {
                        Rejection rejection = screen.screen(request.headers(), peer);
                        return rejection == null ? null : new Refusal(rejection, null);
                    }, refusals));
        });
    }

    /** Refuses to start a gateway configured for HTTP/2, whose connections would bypass the guard. */
    public static void requireHttp11Only(Environment environment) {
        if (environment.getProperty("server.http2.enabled", Boolean.class, false)) {
            throw new IllegalStateException("server.http2.enabled=true is not supported: the public server speaks HTTP/1.1, "
                    + "where every request passes Portcullis' request-line and header screen (terminate HTTP/2 at the ingress)");
        }
    }

    private final RequestMethods methods;
    private final Check check;
    private final Refusals refusals;
    private boolean discarding;

    RequestLineGuard(RequestMethods methods, Check check, Refusals refusals) {
        this.methods = methods;
        this.check = check;
        this.refusals = refusals;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            FullHttpResponse refusal = refusal(request, peer(ctx));
            if (refusal != null) {
                discarding = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        if (discarding) {
            // the rest of the refused request's body
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** The request line's refusal: an unknown or never-served method, or a target that is no URI; else null. */
    static @Nullable Refusal requestLine(RequestMethods methods, HttpRequest request) {
        String method = request.method().name();
        return switch (methods.verdict(method)) {
            case UNKNOWN -> new Refusal(Rejection.of(RejectionReason.UNKNOWN_METHOD,
                    "The request method is not one this gateway serves"), null);
            case NOT_ALLOWED -> new Refusal(Rejection.of(RejectionReason.METHOD_NOT_ALLOWED,
                    "The " + method + " method is never served"), methods.allowHeader());
            default -> isUri(request.uri()) ? null
                    : new Refusal(Rejection.of(RejectionReason.BAD_PATH, "The request target is not a valid URI"), null);
        };
    }

    /** @return the answer to a refused request, or null when the request may go on */
    private @Nullable FullHttpResponse refusal(HttpRequest request, @Nullable InetAddress peer) {
        Refusal refusal = check.check(request, peer);
        if (refusal == null) {
            return null;
        }
        Rejection rejection = refusal.rejection();
        String requestId = RequestIds.generate();
        // no span to record and nothing sent upstream: the trace id only ties the answer to the log line (and the client's trace)
        TraceParent client = TraceParent.parse(request.headers().get(TraceParent.HEADER));
        TraceParent trace = client != null ? client.child(client.sampled()) : TraceParent.generate();
        refusals.refused(requestId, trace, methods.tag(request.method().name()), request.uri(), rejection,
                rejection.reason().status().value());
        return problem(rejection, requestId, trace, refusal.allow());
    }

    private static @Nullable InetAddress peer(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address.getAddress() : null;
    }

    static boolean isUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static FullHttpResponse problem(Rejection rejection, String requestId, TraceParent trace, String allow) {
        RejectionReason reason = rejection.reason();
        int status = reason.status().value();
        String json = "{\"type\":\"" + reason.problemType() + "\",\"title\":\"" + reason.title() + "\",\"status\":" + status
                + ",\"detail\":\"" + ProblemWriter.escape(rejection.detail()) + "\",\"request_id\":\"" + requestId
                + "\",\"trace_id\":\"" + trace.traceId() + "\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(IdentityHeaders.REQUEST_ID, requestId);
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        return response;
    }
}
