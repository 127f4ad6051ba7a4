package dev.portcullis.benchmarks.pipeline;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;

/**
 * The gateway's per-request edge work for one authenticated request (see {@link EdgePipeline}), per algorithm:
 * <ul>
 *   <li>{@code warm}: the same token every time, answered from the verified-token cache;</li>
 *   <li>{@code cold}: a token the cache has not seen (the cache is emptied before each call, outside the timing), so
 *       parse, key lookup, signature check, claim validation and the cache insert are all paid;</li>
 *   <li>{@code forged}: a well-formed token with the trusted kid signed by another key: the cost of each forgery in a
 *       flood, up to the 401 problem document written (refusals are never cached).</li>
 * </ul>
 * EdDSA is absent: the gateway's algorithm allow-list has no EdDSA (start-up fails if it is configured), and nimbus'
 * {@code Ed25519Verifier} needs Google Tink on the class path, which Portcullis does not ship.
 * {@link SignatureBenchmark} measures the JDK's own Ed25519 check for comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EdgePipelineBenchmark {

    private static final int POOL = 64;

    /** Warm: one token, verified once during set-up. */
    @State(Scope.Thread)
    public static class Warm {

        @Param({"RS256", "ES256"})
        public String algorithm;

        Fixture fixture;
        String token;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new Fixture(algorithm, 1);
            token = fixture.tokens[0];
            fixture.pipeline.handle(token);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            fixture.close();
        }
    }

    /** Cold: a pool of tokens, and a cache emptied before every call. */
    @State(Scope.Thread)
    public static class Cold {

        @Param({"RS256", "ES256"})
        public String algorithm;

        Fixture fixture;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new Fixture(algorithm, POOL);
        }

        /** Level.Invocation is acceptable here: every call costs tens of microseconds or more. */
        @Setup(Level.Invocation)
        public void forget() {
            fixture.pipeline.forgetVerifiedTokens();
        }

        String nextToken() {
            String token = fixture.tokens[next];
            next = (next + 1) % POOL;
            return token;
        }

        String nextForged() {
            String token = fixture.forgedTokens[next];
            next = (next + 1) % POOL;
            return token;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            fixture.close();
        }
    }

    @Benchmark
    public HttpHeaders warm(Warm state) {
        return state.fixture.pipeline.handle(state.token);
    }

    @Benchmark
    public HttpHeaders cold(Cold state) {
        return state.fixture.pipeline.handle(state.nextToken());
    }

    @Benchmark
    public HttpStatusCode forged(Cold state) {
        HttpStatusCode status = state.fixture.pipeline.refuse(state.nextForged());
        if (status == null || status.value() != 401) {
            throw new IllegalStateException("a forged token got " + status);
        }
        return status;
    }
}
