package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The revocation set on its own: what a lookup answers, and what a sweep forgets. No Redis, no feed. */
class RevocationSetTest {

    private static final Instant ISSUED = Instant.parse("2026-12-02T05:00:00Z");
    private final RevocationSet set = new RevocationSet();

    private static VerifiedToken token(String subject, String jti, Instant issuedAt) {
        return VerifiedToken.of(subject, jti, issuedAt.getEpochSecond(), issuedAt.plus(Duration.ofMinutes(15)), "user",
                List.of(), List.of(), List.of("pwd"), "web");
    }

    @Test
    void aRevokedJtiRefusesThatTokenAndNoOther() {
        VerifiedToken revoked = token("alice", "jti-1", ISSUED);
        set.tokenRevoked(revoked.revokedTokenKey(), ISSUED.plus(Duration.ofMinutes(16)).toEpochMilli());

        assertThat(set.statusOf(revoked)).isEqualTo(RevocationStatus.REVOKED_TOKEN);
        assertThat(set.statusOf(token("alice", "jti-2", ISSUED))).isEqualTo(RevocationStatus.ACTIVE);
        assertThat(set.tokenCount()).isEqualTo(1);
    }

    @Test
    void aRevokeAllRefusesTokensIssuedBeforeItOnly() {
        set.subjectRevoked(RevocationKeys.subjectKey(null, "alice"), ISSUED.plusSeconds(60).toEpochMilli());

        assertThat(set.statusOf(token("alice", "a", ISSUED))).isEqualTo(RevocationStatus.REVOKED_SUBJECT);
        assertThat(set.statusOf(token("alice", "b", ISSUED.plusSeconds(120)))).isEqualTo(RevocationStatus.ACTIVE);
        assertThat(set.statusOf(token("bob", "c", ISSUED))).isEqualTo(RevocationStatus.ACTIVE);
    }

    @Test
    void theLaterInstantWinsWhenARevocationArrivesTwice() {
        String subject = RevocationKeys.subjectKey(null, "alice");
        set.subjectRevoked(subject, ISSUED.plusSeconds(120).toEpochMilli());
        set.subjectRevoked(subject, ISSUED.plusSeconds(60).toEpochMilli()); // an older message, late

        assertThat(set.statusOf(token("alice", "a", ISSUED.plusSeconds(90)))).isEqualTo(RevocationStatus.REVOKED_SUBJECT);
    }

    @Test
    void aSweepForgetsOnlyWhatHasExpired() {
        VerifiedToken expired = token("alice", "old", ISSUED);
        VerifiedToken current = token("bob", "new", ISSUED);
        long now = ISSUED.plus(Duration.ofMinutes(20)).toEpochMilli();
        set.tokenRevoked(expired.revokedTokenKey(), now - 1);
        set.tokenRevoked(current.revokedTokenKey(), now + 60_000);
        set.subjectRevoked(RevocationKeys.subjectKey(null, "carol"), now - 3_600_001);
        set.subjectRevoked(RevocationKeys.subjectKey(null, "dave"), now - 60_000);

        set.sweep(now, Duration.ofHours(1).toMillis());

        assertThat(set.statusOf(expired)).isEqualTo(RevocationStatus.ACTIVE);
        assertThat(set.statusOf(current)).isEqualTo(RevocationStatus.REVOKED_TOKEN);
        assertThat(set.statusOf(token("carol", "c", ISSUED.minus(Duration.ofHours(2))))).isEqualTo(RevocationStatus.ACTIVE);
        assertThat(set.statusOf(token("dave", "d", ISSUED))).isEqualTo(RevocationStatus.REVOKED_SUBJECT);
        assertThat(set.size()).isEqualTo(2);
    }
}
