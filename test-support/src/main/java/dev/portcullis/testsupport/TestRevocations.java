package dev.portcullis.testsupport;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.RevocationScript;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.time.Duration;

/**
 * Revocations written as the auth service writes them: the contract's script sets the key, bumps the sequence and
 * publishes the message in one step ({@link RevocationScript}), so a gateway under test sees exactly what production
 * would send it.
 */
public final class TestRevocations {

    /** The key's time to live: longer than any test token's 15 minutes, as the issuer adds the clock skew. */
    public static final Duration KEY_TTL = Duration.ofMinutes(16);

    private TestRevocations() {
    }

    /** Writes {@code revocation} and publishes it on {@link RevocationKeys#CHANNEL}. */
    public static void write(RedisScriptingCommands<String, String> redis, RevocationMessage revocation) {
        write(redis, revocation, RevocationKeys.CHANNEL);
    }

    /** Writes {@code revocation} and publishes it on {@code channel} (one nobody listens to: a lost message). */
    public static void write(RedisScriptingCommands<String, String> redis, RevocationMessage revocation, String channel) {
        redis.eval(RevocationScript.LUA, ScriptOutputType.INTEGER, RevocationScript.keys(revocation),
                RevocationScript.arguments(revocation, KEY_TTL, channel));
    }
}
