package dev.portcullis.benchmarks.pipeline;

import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * A JWKS server, a pipeline trusting it (with a revocation set of {@value #REVOKED_TOKENS} tokens and
 * {@value #REVOKED_SUBJECTS} revoke-alls), and pools of valid and forged tokens for one algorithm.
 */
final class Fixture implements AutoCloseable {

    static final int REVOKED_TOKENS = 10_000;
    static final int REVOKED_SUBJECTS = 1_000;

    final JwksServer jwks;
    final EdgePipeline pipeline;
    final String[] tokens;
    final String[] forgedTokens;

    Fixture(String algorithm, int poolSize) {
        boolean ec = "ES256".equals(algorithm);
        JWK key = ec ? TestKeys.ec("bench-ec-1") : TestKeys.rsa("bench-rsa-1");
        // Same kid, another key: a forgery the gateway must run the signature check on to refuse.
        JWK attacker = ec ? TestKeys.ec("bench-ec-1") : TestKeys.rsa("bench-rsa-1");
        jwks = new JwksServer(TestKeys.jwksJson(key));
        pipeline = new EdgePipeline(jwks.uri(), Set.of(algorithm), REVOKED_TOKENS, REVOKED_SUBJECTS);
        pipeline.start(key.getKeyID(), Duration.ofSeconds(30));
        TokenFactory factory = new TokenFactory(key, EdgePipeline.ISSUER, EdgePipeline.AUDIENCE, Clock.systemUTC());
        TokenFactory forger = new TokenFactory(attacker, EdgePipeline.ISSUER, EdgePipeline.AUDIENCE, Clock.systemUTC());
        tokens = new String[poolSize];
        forgedTokens = new String[poolSize];
        for (int i = 0; i < poolSize; i++) {
            tokens[i] = token(factory, i);
            forgedTokens[i] = token(forger, i);
        }
    }

    private static String token(TokenFactory factory, int i) {
        return factory.forUser("user-" + i).permissions("orders:read", "products:read").scope("openid profile").sign();
    }

    @Override
    public void close() {
        pipeline.close();
        jwks.close();
    }
}
