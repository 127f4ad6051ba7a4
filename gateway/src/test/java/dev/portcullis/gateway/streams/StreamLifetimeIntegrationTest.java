package dev.portcullis.gateway.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.StreamUpstream;
import dev.portcullis.testsupport.TestRevocations;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * WebSocket sessions and Server-Sent Events streams through the gateway, to a real upstream of each kind
 * ({@link StreamUpstream}), with a real client of each kind: authenticated at the upgrade or request, identity
 * forwarded, and ended when their token is revoked (within the one second of any revocation) or expires.
 */
class StreamLifetimeIntegrationTest extends GatewayIntegrationTest {

    private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS = new ParameterizedTypeReference<>() {
    };

    @Autowired
    OpenStreams openStreams;

    private final List<Disposable> sessions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void forgetUpstream() {
        StreamUpstream.reset();
    }

    @AfterEach
    void closeSessions() {
        sessions.forEach(Disposable::dispose);
        await().atMost(Duration.ofSeconds(5)).until(() -> openStreams.size() == 0);
    }

    /** A WebSocket session through the gateway, recording what it received and how it was closed. */
    private final class Session {
        final List<String> received = new CopyOnWriteArrayList<>();
        final AtomicReference<CloseStatus> closed = new AtomicReference<>();
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final Sinks.Many<String> outgoing = Sinks.many().unicast().onBackpressureBuffer();

        Session(String path, String token) {
            HttpHeaders headers = new HttpHeaders();
            if (token != null) {
                headers.setBearerAuth(token);
            }
            sessions.add(new ReactorNettyWebSocketClient().execute(URI.create("ws://localhost:" + port + path), headers,
                    session -> {
                        session.closeStatus().subscribe(closed::set);
                        return session.send(outgoing.asFlux().map(session::textMessage))
                                .and(session.receive().map(message -> message.getPayloadAsText()).doOnNext(received::add));
                    }).subscribe(null, failed::set));
        }

        Session send(String text) {
            outgoing.tryEmitNext(text);
            return this;
        }
    }

    private static void write(RevocationMessage revocation) {
        TestRevocations.write(redis(), revocation);
    }

    private Flux<ServerSentEvent<String>> events(String path, String token) {
        return WebClient.create("http://localhost:" + port).get().uri(path).header("Authorization", "Bearer " + token)
                .retrieve().bodyToFlux(EVENTS);
    }

    @Test
    void aWebSocketIsProxiedAndTheUpstreamReceivesTheIdentityOnTheUpgrade() {
        String token = tokens.forUser("u-ws").role("admin").sign();
        Session session = new Session("/it/ws/echo", token).send("hello");

        await().atMost(Duration.ofSeconds(5)).until(() -> session.received.contains("echo:hello"));
        HttpHeaders upgrade = StreamUpstream.requests.getFirst();
        assertThat(upgrade.getFirst(IdentityHeaders.USER_ID)).isEqualTo("u-ws");
        assertThat(upgrade.getFirst(IdentityHeaders.USER_ROLE)).isEqualTo("admin");
        assertThat(openStreams.size()).isEqualTo(1);
        assertThat(metric("portcullis_streams_open", "kind=\"websocket\"")).isEqualTo(1.0);
    }

    @Test
    void aWebSocketUpgradeWithoutATokenIsRefusedAndNeverReachesTheUpstream() {
        Session session = new Session("/it/ws/echo", null);

        await().atMost(Duration.ofSeconds(5)).until(() -> session.failed.get() != null);
        assertThat(session.failed.get()).hasMessageContaining("401");
        assertThat(StreamUpstream.requests).isEmpty();
    }

    @Test
    void aTokenRevokedMidSessionClosesTheWebSocketWith1008WithinASecond() {
        String jti = "ws-" + UUID.randomUUID(); // the view remembers a revoked jti until its token would expire
        String token = tokens.forUser("u-ws-revoked").jti(jti).sign();
        Session session = new Session("/it/ws/echo", token).send("before");
        await().atMost(Duration.ofSeconds(5)).until(() -> session.received.contains("echo:before"));
        double revokedBefore = metric("portcullis_streams_closed_total", "cause=\"revoked\"", "kind=\"websocket\"");

        write(new RevocationMessage.TokenRevoked(jti, clock.millis() + 900_000).issuedAt(clock.millis()));

        await().atMost(Duration.ofSeconds(1)).until(() -> session.closed.get() != null);
        assertThat(session.closed.get().getCode()).isEqualTo(1008);
        assertThat(session.closed.get().getReason()).isEqualTo("token revoked");
        // the proxy passed the close on: the upstream's session ended too
        await().atMost(Duration.ofSeconds(5)).until(() -> StreamUpstream.closeCodes.size() == 1);
        assertThat(metric("portcullis_streams_closed_total", "cause=\"revoked\"", "kind=\"websocket\""))
                .isEqualTo(revokedBefore + 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> openStreams.size() == 0);
    }

    @Test
    void aSignOutOfAllSessionsClosesEveryWebSocketOfThatUserAndNoOther() {
        String user = "u-all-" + UUID.randomUUID();
        Session mine = new Session("/it/ws/a", tokens.forUser(user).sign());
        Session otherUsers = new Session("/it/ws/b", tokens.forUser("u-other").sign());
        mine.send("x");
        otherUsers.send("y");
        await().atMost(Duration.ofSeconds(5)).until(() -> mine.received.contains("echo:x") && otherUsers.received.contains("echo:y"));

        write(new RevocationMessage.SubjectRevoked(user, clock.millis() + 1000).issuedAt(clock.millis()));

        await().atMost(Duration.ofSeconds(1)).until(() -> mine.closed.get() != null);
        assertThat(mine.closed.get().getCode()).isEqualTo(1008);
        otherUsers.send("still-there");
        await().atMost(Duration.ofSeconds(5)).until(() -> otherUsers.received.contains("echo:still-there"));
        assertThat(otherUsers.closed.get()).isNull();
    }

    @Test
    void aWebSocketClosesWhenItsTokenExpiresAfterTheClockSkew() {
        Instant exp = clock.instant().plusSeconds(60);
        Session session = new Session("/it/ws/echo", tokens.forUser("u-ws-exp").expiresAt(exp).sign()).send("hi");
        await().atMost(Duration.ofSeconds(5)).until(() -> session.received.contains("echo:hi"));

        // past exp, but within the issuer's 30 s skew: the token would still pass, so the session stays
        clock.set(exp.plusSeconds(20));
        session.send("in-grace");
        await().atMost(Duration.ofSeconds(5)).until(() -> session.received.contains("echo:in-grace"));
        assertThat(session.closed.get()).isNull();

        clock.set(exp.plusSeconds(31));
        await().atMost(Duration.ofSeconds(1)).until(() -> session.closed.get() != null);
        assertThat(session.closed.get().getCode()).isEqualTo(1008);
        assertThat(session.closed.get().getReason()).isEqualTo("token expired");
        assertThat(metric("portcullis_streams_closed_total", "cause=\"expired\"", "kind=\"websocket\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void anEventStreamFlowsEventByEventWithTheIdentityForwarded() {
        // the upstream never ends its stream: events arrive only if nothing on the way buffers the body
        StepVerifier.create(events("/it/sse/ticks", tokens.forUser("u-sse").sign()).map(ServerSentEvent::data).take(3))
                .expectNext("tick-0", "tick-1", "tick-2")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(StreamUpstream.requests.getFirst().getFirst(IdentityHeaders.USER_ID)).isEqualTo("u-sse");
    }

    @Test
    void aTokenRevokedMidStreamEndsTheEventStreamWithinASecondAndReleasesTheUpstream() {
        String jti = "sse-" + UUID.randomUUID();
        String token = tokens.forUser("u-sse-revoked").jti(jti).sign();
        AtomicReference<Instant> revokedAt = new AtomicReference<>();

        StepVerifier.create(events("/it/sse/ticks", token).map(ServerSentEvent::data))
                .expectNext("tick-0")
                .then(() -> {
                    revokedAt.set(Instant.now());
                    write(new RevocationMessage.TokenRevoked(jti, clock.millis() + 900_000).issuedAt(clock.millis()));
                })
                .thenConsumeWhile(data -> data.startsWith("tick-"))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(Duration.between(revokedAt.get(), Instant.now())).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> StreamUpstream.cancelledEventStreams.get() == 1);
        assertThat(metric("portcullis_streams_closed_total", "cause=\"revoked\"", "kind=\"sse\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void anEventStreamEndsWhenItsTokenExpires() {
        Instant exp = clock.instant().plusSeconds(60);
        String token = tokens.forUser("u-sse-exp").expiresAt(exp).sign();

        StepVerifier.create(events("/it/sse/ticks", token).map(ServerSentEvent::data))
                .expectNext("tick-0")
                .then(() -> clock.set(exp.plusSeconds(31)))
                .thenConsumeWhile(data -> data.startsWith("tick-"))
                .expectComplete()
                .verify(Duration.ofSeconds(2));
        assertThat(metric("portcullis_streams_closed_total", "cause=\"expired\"", "kind=\"sse\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void aRevokedTokenCannotOpenAStream() {
        String jti = "pre-" + UUID.randomUUID();
        String token = tokens.forUser("u-pre-revoked").jti(jti).sign();
        write(new RevocationMessage.TokenRevoked(jti, clock.millis() + 900_000));
        // a plain request proves the revocation has arrived (an event stream that opened would never end by itself)
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());

        StepVerifier.create(events("/it/sse/ticks", token)).expectErrorMatches(error -> error.getMessage().contains("401"))
                .verify(Duration.ofSeconds(5));
        Session session = new Session("/it/ws/echo", token);
        await().atMost(Duration.ofSeconds(5)).until(() -> session.failed.get() != null);
        assertThat(session.failed.get()).hasMessageContaining("401");
        assertThat(StreamUpstream.requests).isEmpty();
    }

    @Test
    void aPlainResponseOfAnAuthenticatedRouteIsNotTrackedAsAStream() {
        getWithToken("/api/users/me", tokens.forUser("u-plain").sign()).exchange().expectStatus().isOk();
        assertThat(openStreams.size()).isZero();
        assertThat(metric("portcullis_streams_open")).isZero();
    }
}
