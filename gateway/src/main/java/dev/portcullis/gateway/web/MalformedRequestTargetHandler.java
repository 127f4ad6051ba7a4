package dev.portcullis.gateway.web;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.ProblemTypes;
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
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.http.MediaType;
import reactor.netty.NettyPipeline;

/**
 * Answers 400 with a problem document when the request target is not a URI at all (a backslash, {@code |}, {@code "},
 * {@code {}...): Spring's Reactor Netty adapter cannot build a request from it and would answer an empty 400 before any
 * filter runs, breaking the promise that every error body is problem+json. Such a request reaches no filter and no
 * route; the connection is closed after the answer. Sits in the Netty pipeline just before reactor-netty's HTTP/1.1
 * handler.
 */
public final class MalformedRequestTargetHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "portcullis.malformedRequestTarget";

    /** Installs the handler on every HTTP/1.1 connection of the public server. */
    public static NettyServerCustomizer customizer() {
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
                channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, NAME, new MalformedRequestTargetHandler());
            }
        });
    }

    private boolean discarding;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && !isUri(request.uri())) {
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(problem()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (discarding) {
            // the rest of the refused request's body
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    static boolean isUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static FullHttpResponse problem() {
        String requestId = RequestIds.generate();
        RejectionReason reason = RejectionReason.BAD_PATH;
        String json = "{\"type\":\"" + ProblemTypes.BAD_REQUEST + "\",\"title\":\"" + reason.title() + "\",\"status\":400,"
                + "\"detail\":\"The request target is not a valid URI\",\"request_id\":\"" + requestId + "\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_REQUEST, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(IdentityHeaders.REQUEST_ID, requestId);
        return response;
    }
}
