package dev.portcullis.gateway.explain;

import jakarta.validation.constraints.Pattern;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The explain endpoint ({@code POST /actuator/portcullis/explain}, management port only).
 *
 * @param enabled          whether the endpoint exists (on the management port only, in any case)
 * @param adminTokenSha256 the SHA-256 (hex) of a secret the caller must send as {@code Authorization: Bearer <secret>};
 *                         empty (the default): reaching the management port is the access control. Only the hash is
 *                         configured, so the secret is in no file or environment of the gateway.
 */
@Validated
@ConfigurationProperties("portcullis.explain")
public record ExplainProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("") @Pattern(regexp = "|[0-9a-fA-F]{64}", message = "must be the 64 hex digits of a SHA-256")
        String adminTokenSha256) {

    /** Whether callers must present the admin secret. */
    public boolean requiresAdminToken() {
        return !adminTokenSha256.isEmpty();
    }

    /** Compares the presented secret's hash with the configured one in constant time. */
    boolean acceptsAdminToken(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), HexFormat.of().parseHex(adminTokenSha256.toLowerCase(java.util.Locale.ROOT)));
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
