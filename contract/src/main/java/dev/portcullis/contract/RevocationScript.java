package dev.portcullis.contract;

import java.time.Duration;
import java.util.Arrays;

/**
 * The one way a revocation is written: a Lua script that, in a single atomic step, bumps
 * {@link RevocationKeys#SEQUENCE_KEY}, writes the revocation key and publishes its {@link RevocationMessage} with the
 * new sequence. No crash or timeout can leave a key without its message or a message without its key; and the
 * sequence is bumped first, so even a script failing half-way (a write refused under memory pressure) leaves a
 * sequence that no message brought, which every gateway notices and answers with a resync.
 *
 * <p>Both keys carry {@link RevocationKeys#HASH_TAG}, so the script is cluster-safe; {@code PUBLISH} inside a script
 * reaches subscribers on every cluster node. Lives in the contract so that the issuer and the tests of the gateway run
 * the very same script.
 */
public final class RevocationScript {

    /**
     * KEYS: revocation key, sequence key. ARGV: value, TTL ms, channel, message without its sequence, and optionally the
     * issue instant (epoch ms), published after the sequence. Returns the sequence.
     */
    public static final String LUA = """
            local seq = redis.call('INCR', KEYS[2])
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            local line = ARGV[4] .. ' ' .. string.format('%d', seq)
            if ARGV[5] then
              line = line .. ' ' .. ARGV[5]
            end
            redis.call('PUBLISH', ARGV[3], line)
            return seq
            """;

    private RevocationScript() {
    }

    /** The script's KEYS for {@code revocation}. */
    public static String[] keys(RevocationMessage revocation) {
        return new String[] {revocation.key(), RevocationKeys.SEQUENCE_KEY};
    }

    /**
     * The script's ARGV: {@code revocation} kept for {@code ttl}, announced on {@code channel}, with its issue instant
     * when it has one.
     */
    public static String[] arguments(RevocationMessage revocation, Duration ttl, String channel) {
        if (ttl.toMillis() <= 0) {
            throw new IllegalArgumentException("a revocation needs a positive TTL, was " + ttl);
        }
        String[] arguments = {revocation.value(), Long.toString(ttl.toMillis()), channel, revocation.encodeWithoutSequence()};
        if (revocation.issuedAtEpochMilli() == RevocationMessage.NO_ISSUE_INSTANT) {
            return arguments;
        }
        String[] withInstant = Arrays.copyOf(arguments, 5);
        withInstant[4] = Long.toString(revocation.issuedAtEpochMilli());
        return withInstant;
    }
}
