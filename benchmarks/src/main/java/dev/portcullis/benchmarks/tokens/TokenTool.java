package dev.portcullis.benchmarks.tokens;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * Makes the load test's key and tokens: a fresh RS256 key (kid {@code bench-rsa-1}) whose public JWKS goes to
 * {@code jwks.json}, {@code valid.txt} (one signed access token per line, user {@code user-<i mod users>}) and
 * {@code forged.txt} (well-formed tokens with the trusted kid that do not verify). Signing uses every core.
 *
 * <pre>
 * java -cp benchmarks.jar dev.portcullis.benchmarks.tokens.TokenTool DIR VALID FORGED [USERS] [LIFETIME_MINUTES] [FORGERY]
 *   FORGERY: attacker (default; signed by another key with the same kid) or random (random signature bytes:
 *            as costly for the gateway to refuse, and free to make, for the memory run's million)
 * env AUTH_ISSUER (default http://localhost:8080), AUTH_AUDIENCE (default portcullis)
 * </pre>
 */
public final class TokenTool {

    private static final int CHUNK = 10_000;

    private TokenTool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: TokenTool DIR VALID FORGED [USERS] [LIFETIME_MINUTES] [attacker|random]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int valid = Integer.parseInt(args[1]);
        int forged = Integer.parseInt(args[2]);
        int users = args.length > 3 ? Integer.parseInt(args[3]) : Math.max(1, valid);
        Duration lifetime = Duration.ofMinutes(args.length > 4 ? Long.parseLong(args[4]) : 60);
        boolean randomForgery = args.length > 5 && "random".equals(args[5]);
        String issuer = System.getenv().getOrDefault("AUTH_ISSUER", "http://localhost:8080");
        String audience = System.getenv().getOrDefault("AUTH_AUDIENCE", "portcullis");
        Files.createDirectories(dir);

        RSAKey key = TestKeys.rsa("bench-rsa-1");
        RSAKey attacker = TestKeys.rsa("bench-rsa-1");
        Files.writeString(dir.resolve("jwks.json"), TestKeys.jwksJson(key));
        TokenFactory tokens = new TokenFactory(key, issuer, audience, Clock.systemUTC());
        TokenFactory forger = new TokenFactory(attacker, issuer, audience, Clock.systemUTC());
        Instant expiresAt = Instant.now().plus(lifetime);

        long started = System.nanoTime();
        write(dir.resolve("valid.txt"), valid, i -> sign(tokens, i % users, expiresAt));
        long validNanos = System.nanoTime() - started;
        started = System.nanoTime();
        write(dir.resolve("forged.txt"), forged, i -> randomForgery
                ? withRandomSignature(unsignedShape(tokens, i, expiresAt))
                : sign(forger, i % users, expiresAt));
        long forgedNanos = System.nanoTime() - started;
        System.out.printf("tokens: %d valid in %.1f s (%.0f µs each, %d threads), %d forged (%s) in %.1f s; expire %s%n",
                valid, validNanos / 1e9, valid == 0 ? 0 : validNanos / 1e3 / valid,
                Runtime.getRuntime().availableProcessors(), forged, randomForgery ? "random signature" : "attacker key",
                forgedNanos / 1e9, expiresAt);
    }

    private static String sign(TokenFactory factory, int user, Instant expiresAt) {
        return factory.forUser("user-" + user)
                .permissions("orders:read", "products:read")
                .scope("openid profile")
                .expiresAt(expiresAt)
                .sign();
    }

    /** A signed token of the right shape; only its header and payload are kept. */
    private static String unsignedShape(TokenFactory factory, int i, Instant expiresAt) {
        // Signing a throwaway token per forgery would cost as much as a valid one; take the header once and build the
        // payload from the claims instead.
        TokenFactory.Token token = factory.forUser("forged-" + i).permissions("orders:read", "products:read")
                .scope("openid profile").expiresAt(expiresAt);
        String header = Base64URL.encode("{\"kid\":\"bench-rsa-1\",\"typ\":\"at+jwt\",\"alg\":\"RS256\"}").toString();
        return header + "." + token.claimsSet().toPayload().toBase64URL();
    }

    private static String withRandomSignature(String signingInput) {
        byte[] signature = new byte[256];
        ThreadLocalRandom.current().nextBytes(signature);
        return signingInput + "." + Base64URL.encode(signature);
    }

    private static void write(Path file, int count, java.util.function.IntFunction<String> make) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int from = 0; from < count; from += CHUNK) {
                int to = Math.min(count, from + CHUNK);
                String[] chunk = IntStream.range(from, to).parallel().mapToObj(make).toArray(String[]::new);
                for (String token : chunk) {
                    out.write(token);
                    out.write('\n');
                }
            }
        }
    }
}
