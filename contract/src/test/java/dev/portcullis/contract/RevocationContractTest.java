package dev.portcullis.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RevocationContractTest {

    @Test
    void keysFollowTheContractsSchema() {
        assertThat(RevocationKeys.jtiKey("abc")).isEqualTo("{revoked}:jti:abc");
        assertThat(RevocationKeys.subjectKey("u-1")).isEqualTo("{revoked}:sub:u-1");
        assertThat(RevocationKeys.SEQUENCE_KEY).isEqualTo("{revoked}:seq");
    }

    @Test
    void everyRevocationKeySharesTheSequenceKeysClusterSlotSoOneScriptMayTouchThem() {
        // Redis Cluster hashes only what is inside the first {...}: the same tag means the same slot
        for (String key : new String[] {RevocationKeys.jtiKey("a}b{c"), RevocationKeys.subjectKey("{u}"), RevocationKeys.SEQUENCE_KEY}) {
            int open = key.indexOf('{');
            assertThat(key.substring(open, key.indexOf('}', open) + 1)).isEqualTo(RevocationKeys.HASH_TAG);
        }
        var token = new RevocationMessage.TokenRevoked("j1", 42L);
        assertThat(RevocationScript.keys(token)).containsExactly("{revoked}:jti:j1", "{revoked}:seq");
        assertThat(RevocationScript.arguments(token, java.time.Duration.ofSeconds(2), "revocations"))
                .containsExactly("1", "2000", "revocations", "jti j1 42");
        assertThat(RevocationScript.arguments(new RevocationMessage.SubjectRevoked("u-1", 43L), java.time.Duration.ofMillis(5), "c"))
                .containsExactly("43", "5", "c", "sub u-1 43");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RevocationScript.arguments(token, java.time.Duration.ZERO, "c"))
                .isInstanceOf(IllegalArgumentException.class);
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
    void messagesRoundTripWithTheirSequenceAndGarbageIsIgnored() {
        var token = new RevocationMessage.TokenRevoked("j1", 42L, 7L);
        var subject = new RevocationMessage.SubjectRevoked("s1", 43L, 8L);
        assertThat(token.encode()).isEqualTo("jti j1 42 7");
        assertThat(subject.encode()).isEqualTo("sub s1 43 8");
        assertThat(RevocationMessage.decode(token.encode())).contains(token);
        assertThat(RevocationMessage.decode(subject.encode())).contains(subject);
        assertThat(RevocationMessage.decode("jti j1 42 0")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 42 -3")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 42 x")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 42 7 9 1")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 x")).isEmpty();
        assertThat(RevocationMessage.decode("xyz j1 1")).isEmpty();
        assertThat(RevocationMessage.decode("jti  1")).isEmpty();
        assertThat(RevocationMessage.decode(null)).isEmpty();
    }

    @Test
    void anotherIssuersRevocationsLiveInItsOwnNamespaceAndNeverMeetPortcullisOwn() {
        var own = new RevocationMessage.TokenRevoked("j1", 42L, 7L);
        var partner = new RevocationMessage.TokenRevoked("j1", 42L, 8L, "partner-sas");
        var partnerSubject = new RevocationMessage.SubjectRevoked("u-1", 43L, 9L, "partner-sas");

        assertThat(own.key()).isEqualTo("{revoked}:jti:j1");
        assertThat(partner.key()).isEqualTo("{revoked}:iss:partner-sas:jti:j1");
        assertThat(partnerSubject.key()).isEqualTo("{revoked}:iss:partner-sas:sub:u-1");
        assertThat(partner.encode()).isEqualTo("jti@partner-sas j1 42 8");
        assertThat(partnerSubject.encode()).isEqualTo("sub@partner-sas u-1 43 9");
        assertThat(RevocationMessage.decode(partner.encode())).contains(partner);
        assertThat(RevocationMessage.decode(partnerSubject.encode())).contains(partnerSubject);
        assertThat(RevocationMessage.decode("jti@Partner j1 42 8")).isEmpty();
        assertThat(RevocationMessage.decode("jti@ j1 42 8")).isEmpty();
        assertThat(RevocationMessage.decode("jti@a:b j1 42 8")).isEmpty();
        // a jti that looks like a namespace is still Portcullis' own, in its own key space
        assertThat(new RevocationMessage.TokenRevoked("iss:partner-sas:jti:j1", 1L).key())
                .isEqualTo("{revoked}:jti:iss:partner-sas:jti:j1").isNotEqualTo(partner.key());
        assertThat(RevocationKeys.isJtiKey(partner.key())).isTrue();
        assertThat(RevocationKeys.isSubjectKey(partner.key())).isFalse();
        assertThat(RevocationKeys.isSubjectKey(partnerSubject.key())).isTrue();
        assertThat(RevocationKeys.isJtiKey("{revoked}:iss:partner-sas:sub:x:jti:y")).isFalse();
        // one slot for all of them: the script that writes them stays atomic on a cluster
        assertThat(partner.key()).startsWith(RevocationKeys.HASH_TAG);
    }

    @Test
    void messagesOfTheFormatWithoutASequenceStillDecodeAndSayNothingAboutGaps() {
        assertThat(RevocationMessage.decode("jti j1 42"))
                .contains(new RevocationMessage.TokenRevoked("j1", 42L, RevocationMessage.NO_SEQUENCE));
        assertThat(RevocationMessage.decode("sub s1 43")).get().extracting(RevocationMessage::sequence)
                .isEqualTo(RevocationMessage.NO_SEQUENCE);
    }

    @Test
    void theIssueInstantRidesAfterTheSequenceAndMessagesWithoutItStillDecode() {
        var token = new RevocationMessage.TokenRevoked("j1", 42L, 7L).issuedAt(1_700_000_000_123L);
        var partner = new RevocationMessage.SubjectRevoked("u-1", 43L, 9L, "partner-sas").issuedAt(1_700_000_000_456L);
        assertThat(token.encode()).isEqualTo("jti j1 42 7 1700000000123");
        assertThat(partner.encode()).isEqualTo("sub@partner-sas u-1 43 9 1700000000456");
        assertThat(RevocationMessage.decode(token.encode())).contains(token);
        assertThat(RevocationMessage.decode(partner.encode())).contains(partner);
        // the four-field format of the previous release: applied, with no instant to measure from
        assertThat(RevocationMessage.decode("jti j1 42 7")).get().extracting(RevocationMessage::issuedAtEpochMilli)
                .isEqualTo(RevocationMessage.NO_ISSUE_INSTANT);
        assertThat(RevocationMessage.decode("jti j1 42 7 0")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 42 7 x")).isEmpty();
        assertThat(RevocationMessage.decode("jti j1 42 7 1 2")).isEmpty();
        // the script publishes the instant after the sequence it assigns, and writers without one are unchanged
        assertThat(RevocationScript.arguments(new RevocationMessage.TokenRevoked("j1", 42L).issuedAt(41L),
                java.time.Duration.ofSeconds(1), "c")).containsExactly("1", "1000", "c", "jti j1 42", "41");
        assertThat(RevocationScript.arguments(new RevocationMessage.TokenRevoked("j1", 42L), java.time.Duration.ofSeconds(1), "c"))
                .hasSize(4);
    }

    @Test
    void identityHeadersAreRecognisedInAnyCase() {
        assertThat(IdentityHeaders.isIdentityHeader("X-User-Id")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-USER-anything")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-use")).isFalse();
        assertThat(IdentityHeaders.isIdentityHeader("x-request-id")).isFalse();
    }
}
