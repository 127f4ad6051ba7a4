package dev.portcullis.benchmarks.pipeline;

import com.nimbusds.jose.jwk.ECKey;
import dev.portcullis.dpop.DpopCheck;
import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.dpop.DpopRules;
import dev.portcullis.dpop.DpopTargetUri;
import dev.portcullis.testsupport.DpopProofs;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What DPoP adds to a request whose token is already in the verified-token cache: the warm edge pipeline alone (a
 * cached Bearer token), the same plus the proof check a bound token needs on every request (parse, ES256 signature,
 * claims, thumbprint), and the proof check alone. The replay check's Redis round trip (one {@code SET NX PX}) is
 * network time, not CPU, and is not part of these figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class DpopBenchmark {

    private static final String URL = "https://api.example.com/api/users/me";

    private Fixture fixture;
    private String token;
    private List<String> proof;
    private String requestUri;
    private Instant now;
    private DpopProofVerifier verifier;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture("ES256", 1);
        token = fixture.tokens[0];
        fixture.pipeline.handle(token);
        ECKey key = DpopProofs.newKey();
        now = Instant.now();
        proof = List.of(DpopProofs.of(key).method("GET").url(URL).token(token).issuedAt(now).sign());
        requestUri = DpopTargetUri.normalize(URL);
        verifier = new DpopProofVerifier(DpopRules.defaults(), null);
        if (!(check() instanceof DpopCheck.Accepted)) {
            throw new IllegalStateException("the benchmark's proof is refused: " + check());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    private DpopCheck check() {
        return verifier.verify(proof, "GET", requestUri, token, now);
    }

    @Benchmark
    public Object cachedBearer() {
        return fixture.pipeline.handle(token);
    }

    @Benchmark
    public void cachedTokenWithProof(Blackhole hole) {
        hole.consume(fixture.pipeline.handle(token));
        hole.consume(check());
    }

    @Benchmark
    public DpopCheck proofOnly() {
        return check();
    }
}
