package dev.portcullis.thirdparty;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * The issuer's one RSA signing key: read from {@code third-party.key-file} when set (so that tokens survive a restart
 * of a hand-run instance), else generated at start. Its {@code kid} is the RFC 7638 thumbprint unless the file names
 * one, so no two keys share a {@code kid} by accident.
 */
final class SigningKey {

    private static final int KEY_SIZE = 2048;

    private SigningKey() {
    }

    static RSAKey load(Path keyFile) {
        return keyFile == null ? generate() : read(keyFile);
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(KEY_SIZE)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyIDFromThumbprint(true)
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an RSA signing key", e);
        }
    }

    private static RSAKey read(Path keyFile) {
        String json;
        try {
            json = Files.readString(keyFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("third-party.key-file: cannot read " + keyFile, e);
        }
        JWK jwk;
        try {
            jwk = JWK.parse(json);
        } catch (ParseException e) {
            // the parser's message may quote the file's content, a private key: it is left out
            throw new IllegalArgumentException("third-party.key-file: " + keyFile + " is not a JWK (JSON)");
        }
        if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate()) {
            throw new IllegalArgumentException("third-party.key-file: " + keyFile + " must hold a private RSA key");
        }
        if (rsa.size() < KEY_SIZE) {
            throw new IllegalArgumentException("third-party.key-file: the RSA key must have at least " + KEY_SIZE
                    + " bits, has " + rsa.size());
        }
        if (rsa.getKeyID() != null) {
            return rsa;
        }
        try {
            return new RSAKey.Builder(rsa).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the key's thumbprint", e);
        }
    }
}
