package dev.portcullis.benchmarks.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.gateway.security.Verification;
import java.text.ParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The benchmarked pipeline does the real work: a fast wrong answer must not pass as a fast right one. */
class EdgePipelineTest {

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void aValidTokenIsVerifiedAndBecomesIdentityHeaders(String algorithm) {
        try (Fixture fixture = new Fixture(algorithm, 2)) {
            var headers = fixture.pipeline.handle(fixture.tokens[1]);

            assertThat(headers.getFirst(IdentityHeaders.USER_ID)).isEqualTo("user-1");
            assertThat(headers.getFirst(IdentityHeaders.USER_PERMISSIONS)).contains("orders:read");
            assertThat(headers.getFirst("Host")).isEqualTo("localhost:8080");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void aForgedTokenIsRefusedEvenAfterTheRealOneWasCached(String algorithm) {
        try (Fixture fixture = new Fixture(algorithm, 1)) {
            fixture.pipeline.handle(fixture.tokens[0]);

            assertThat(fixture.pipeline.verifyOnly(fixture.forgedTokens[0])).isInstanceOf(Verification.Rejected.class);
            assertThatThrownBy(() -> fixture.pipeline.handle(fixture.forgedTokens[0])).hasMessageContaining("refused");
        }
    }

    @Test
    void aRevokedTokenIsRefusedFromTheCacheToo() throws ParseException {
        try (Fixture fixture = new Fixture("RS256", 1)) {
            String token = fixture.tokens[0];
            fixture.pipeline.handle(token);

            fixture.pipeline.revoke(SignedJWT.parse(token).getJWTClaimsSet().getJWTID());

            assertThatThrownBy(() -> fixture.pipeline.handle(token)).hasMessageContaining("revoked");
        }
    }
}
