package dev.portcullis.gateway.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.revocation.RevocationChecker;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class OpenStreamsTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T03:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicReference<RevocationStatus> recheck = new AtomicReference<>(RevocationStatus.ACTIVE);
    private final OpenStreams streams = new OpenStreams(new StreamProperties(2, Duration.ofMillis(250)),
            new RevocationChecker() {
                @Override
                public Mono<RevocationStatus> check(VerifiedToken token) {
                    return Mono.fromSupplier(recheck::get);
                }

                @Override
                public Duration retryAfterUnknown() {
                    return Duration.ofSeconds(5);
                }
            }, issuer -> Duration.ofSeconds(30), clock, meters);
    private final Map<String, List<StreamCloseCause>> closes = new ConcurrentHashMap<>();

    private VerifiedToken token(String subject, String jti, Instant issuedAt) {
        return VerifiedToken.of(subject, jti, issuedAt.getEpochSecond(), issuedAt.plus(Duration.ofMinutes(15)), "user",
                List.of(), List.of(), List.of("pwd"), "web");
    }

    private OpenStreams.Stream open(String name, VerifiedToken token) {
        return streams.open(OpenStreams.Kind.SSE, token,
                cause -> closes.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(cause));
    }

    private double closed(StreamCloseCause cause) {
        return meters.get("portcullis.streams.closed").tag("kind", "sse").tag("cause", cause.tag()).counter().count();
    }

    @Test
    void aStreamBeyondTheBoundIsRefusedAndCountedAndOneEndedMakesRoomAgain() {
        OpenStreams.Stream first = open("a", token("u-a", "j-a", clock.instant()));
        assertThat(open("b", token("u-b", "j-b", clock.instant()))).isNotNull();

        assertThat(open("c", token("u-c", "j-c", clock.instant()))).isNull();
        assertThat(closed(StreamCloseCause.CAPACITY)).isEqualTo(1);

        first.ended();
        assertThat(streams.size()).isEqualTo(1);
        assertThat(closed(StreamCloseCause.ENDED)).isEqualTo(1);
        assertThat(open("c", token("u-c", "j-c", clock.instant()))).isNotNull();
        assertThat(meters.get("portcullis.streams.open").tag("kind", "sse").gauge().value()).isEqualTo(2);
    }

    @Test
    void aRevokeAllClosesOnlyTheStreamsOfTokensIssuedUpToItsInstant() {
        Instant before = clock.instant();
        open("old", token("u-1", "j-old", before));
        open("new", token("u-1", "j-new", before.plusSeconds(5)));

        streams.subjectRevoked(RevocationKeys.subjectKey("u-1"), before.plusMillis(500).toEpochMilli());

        assertThat(closes).containsOnlyKeys("old");
        assertThat(closes.get("old")).containsExactly(StreamCloseCause.REVOKED);
        assertThat(streams.size()).isEqualTo(1);
    }

    @Test
    void aStreamIsClosedOnceHoweverManyCausesArriveAndLeavesTheIndexes() {
        OpenStreams.Stream stream = open("s", token("u-2", "j-2", clock.instant()));

        streams.tokenRevoked(RevocationKeys.jtiKey("j-2"));
        streams.tokenRevoked(RevocationKeys.jtiKey("j-2")); // a resync tells the same key again
        clock.advance(Duration.ofHours(1));
        streams.closeExpired();
        stream.ended();

        assertThat(closes.get("s")).containsExactly(StreamCloseCause.REVOKED);
        assertThat(streams.size()).isZero();
        assertThat(closed(StreamCloseCause.REVOKED)).isEqualTo(1);
        assertThat(closed(StreamCloseCause.ENDED)).isZero();
    }

    @Test
    void expiryHonoursTheIssuersClockSkew() {
        Instant issued = clock.instant();
        open("e", token("u-3", "j-3", issued));

        clock.set(issued.plus(Duration.ofMinutes(15)).plusSeconds(29));
        streams.closeExpired();
        assertThat(closes).isEmpty();

        clock.set(issued.plus(Duration.ofMinutes(15)).plusSeconds(30));
        streams.closeExpired();
        assertThat(closes.get("e")).containsExactly(StreamCloseCause.EXPIRED);
    }

    @Test
    void aRevocationThatLandedBeforeTheRegistrationIsCaughtByTheRecheck() {
        recheck.set(RevocationStatus.REVOKED_TOKEN);
        open("late", token("u-4", "j-4", clock.instant()));

        assertThat(closes.get("late")).containsExactly(StreamCloseCause.REVOKED);
        assertThat(streams.size()).isZero();
    }
}
