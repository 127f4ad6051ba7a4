package dev.portcullis.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RevocationContractTest {

    @Test
    void keysFollowTheDesignSchema() {
        assertThat(RevocationKeys.jtiKey("abc")).isEqualTo("revoked:jti:abc");
        assertThat(RevocationKeys.subjectKey("u-1")).isEqualTo("revoked:sub:u-1");
    }

    @Test
    void aTokenIssuedInTheSameSecondAfterRevokeAllSurvivesAndOneBeforeDoesNot() {
        long revokedAt = 1_700_000_000_500L;
        long sameSecond = 1_700_000_000L;
        assertThat(RevocationKeys.issuedBeforeRevokeAll(sameSecond, revokedAt)).isTrue();
        long bumped = RevocationKeys.earliestIssuedAtAfter(revokedAt);
        assertThat(bumped).isEqualTo(1_700_000_001L);
        assertThat(RevocationKeys.issuedBeforeRevokeAll(bumped, revokedAt)).isFalse();
    }

    @Test
    void aRevokeAllOnASecondBoundaryStillRefusesTokensOfThatSecond() {
        long revokedAt = 1_700_000_000_000L;
        assertThat(RevocationKeys.issuedBeforeRevokeAll(1_700_000_000L, revokedAt)).isTrue();
        assertThat(RevocationKeys.issuedBeforeRevokeAll(RevocationKeys.earliestIssuedAtAfter(revokedAt), revokedAt)).isFalse();
    }

    @Test
    void messagesRoundTripAndGarbageIsIgnored() {
        var token = new RevocationMessage.TokenRevoked("j1", 42L);
        var subject = new RevocationMessage.SubjectRevoked("s1", 43L);
        assertThat(RevocationMessage.decode(token.encode())).contains(token);
        assertThat(RevocationMessage.decode(subject.encode())).contains(subject);
        assertThat(RevocationMessage.decode("jti j1")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 x")).isEmpty();
        assertThat(RevocationMessage.decode("xyz j1 1")).isEmpty();
        assertThat(RevocationMessage.decode("jti  1")).isEmpty();
        assertThat(RevocationMessage.decode(null)).isEmpty();
    }

    @Test
    void identityHeadersAreRecognisedInAnyCase() {
        assertThat(IdentityHeaders.isIdentityHeader("X-User-Id")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-USER-anything")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-use")).isFalse();
        assertThat(IdentityHeaders.isIdentityHeader("x-request-id")).isFalse();
    }
}
