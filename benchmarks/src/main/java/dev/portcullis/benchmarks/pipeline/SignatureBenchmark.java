package dev.portcullis.benchmarks.pipeline;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.text.ParseException;
import java.time.Clock;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under the cold pipeline: nimbus' signature check alone for RS256 and ES256 on a parsed token, parsing
 * alone, and the JDK's Ed25519 check (the gateway does not accept EdDSA; this shows what it would cost).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class SignatureBenchmark {

    private String rsToken;
    private SignedJWT rsJwt;
    private JWSVerifier rsVerifier;
    private SignedJWT esJwt;
    private JWSVerifier esVerifier;
    private Signature ed25519;
    private KeyPair edKeys;
    private byte[] edMessage;
    private byte[] edSignature;

    @Setup(Level.Trial)
    public void setUp() throws JOSEException, ParseException, GeneralSecurityException {
        RSAKey rsa = TestKeys.rsa("sig-rsa");
        ECKey ec = TestKeys.ec("sig-ec");
        rsToken = new TokenFactory(rsa, EdgePipeline.ISSUER, EdgePipeline.AUDIENCE, Clock.systemUTC()).forUser("u1").sign();
        rsJwt = SignedJWT.parse(rsToken);
        rsVerifier = new RSASSAVerifier(rsa.toRSAPublicKey());
        esJwt = SignedJWT.parse(new TokenFactory(ec, EdgePipeline.ISSUER, EdgePipeline.AUDIENCE, Clock.systemUTC())
                .forUser("u1").sign());
        esVerifier = new ECDSAVerifier(ec.toECPublicKey());
        edKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        edMessage = rsToken.substring(0, rsToken.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(edKeys.getPrivate());
        signer.update(edMessage);
        edSignature = signer.sign();
        ed25519 = Signature.getInstance("Ed25519");
    }

    @Benchmark
    public SignedJWT parseOnly() throws ParseException {
        return SignedJWT.parse(rsToken);
    }

    @Benchmark
    public boolean rs256SignatureOnly() throws JOSEException {
        return check(rsJwt.getHeader(), rsJwt, rsVerifier);
    }

    @Benchmark
    public boolean es256SignatureOnly() throws JOSEException {
        return check(esJwt.getHeader(), esJwt, esVerifier);
    }

    @Benchmark
    public boolean ed25519JdkSignatureOnly() throws GeneralSecurityException {
        ed25519.initVerify(edKeys.getPublic());
        ed25519.update(edMessage);
        if (!ed25519.verify(edSignature)) {
            throw new IllegalStateException("Ed25519 signature did not verify");
        }
        return true;
    }

    private static boolean check(com.nimbusds.jose.JWSHeader header, SignedJWT jwt, JWSVerifier verifier) throws JOSEException {
        // verifier.verify directly: SignedJWT.verify would refuse a second call on an already verified object.
        if (!verifier.verify(header, jwt.getSigningInput(), jwt.getSignature())) {
            throw new IllegalStateException("signature did not verify");
        }
        return true;
    }
}
