package dev.portcullis.contract;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context {@code traceparent} (version {@code 00}): {@code 00-<trace id>-<parent id>-<flags>}, with a
 * 32-digit trace id and a 16-digit span id in lower-case hex, neither all zeros. The gateway continues a client's trace
 * only when its header is exactly this; anything else (another version, upper case, a short id, zeros, extra text) starts
 * a new trace, so a malformed value never reaches a service. The services read the same header the same way.
 *
 * @param traceId 32 lower-case hex digits, not all zeros
 * @param spanId  16 lower-case hex digits, not all zeros: the span of whoever sent the header
 * @param sampled whether the sender recorded its span (flag bit 0)
 */
public record TraceParent(String traceId, String spanId, boolean sampled) {

    /** The header names, lower case as HTTP/2 sends them. */
    public static final String HEADER = "traceparent";
    public static final String STATE_HEADER = "tracestate";

    /** {@code 00-} + 32 + {@code -} + 16 + {@code -} + 2. */
    static final int LENGTH = 55;

    private static final HexFormat HEX = HexFormat.of();

    /** Reads a header value; null when it is absent or not a well-formed version-00 {@code traceparent}. */
    public static TraceParent parse(String header) {
        if (header == null || header.length() != LENGTH || header.charAt(0) != '0' || header.charAt(1) != '0'
                || header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        if (!isId(header, 3, 35) || !isId(header, 36, 52) || !isLowerHex(header, 53, 55)) {
            return null;
        }
        boolean sampled = (Character.digit(header.charAt(54), 16) & 1) == 1;
        return new TraceParent(header.substring(3, 35), header.substring(36, 52), sampled);
    }

    /** A new trace: random 128-bit trace id and 64-bit span id (never zero), not sampled. */
    public static TraceParent generate() {
        return new TraceParent(newTraceId(), newSpanId(), false);
    }

    /** The same trace with a new span of the caller's own, which becomes the parent of the next hop. */
    public TraceParent child(boolean childSampled) {
        return new TraceParent(traceId, newSpanId(), childSampled);
    }

    /** The header value. */
    public String header() {
        return "00-" + traceId + '-' + spanId + (sampled ? "-01" : "-00");
    }

    /** 32 hex digits from {@link ThreadLocalRandom} (no entropy-pool read on the event loop), never all zeros. */
    public static String newTraceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        if (high == 0 && low == 0) {
            low = 1;
        }
        return HEX.toHexDigits(high) + HEX.toHexDigits(low);
    }

    /** 16 hex digits, never all zeros. */
    public static String newSpanId() {
        long id = ThreadLocalRandom.current().nextLong();
        return HEX.toHexDigits(id == 0 ? 1 : id);
    }

    /**
     * Whether a {@code tracestate} value may be passed on with a continued trace: at most 512 characters (the
     * specification's minimum that every hop must keep) of printable ASCII. Its list members are not interpreted.
     */
    public static boolean isForwardableState(String state) {
        if (state == null || state.isEmpty() || state.length() > 512) {
            return false;
        }
        for (int i = 0; i < state.length(); i++) {
            char c = state.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isId(String header, int from, int to) {
        if (!isLowerHex(header, from, to)) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (header.charAt(i) != '0') {
                return true;
            }
        }
        return false;
    }

    private static boolean isLowerHex(String header, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = header.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
