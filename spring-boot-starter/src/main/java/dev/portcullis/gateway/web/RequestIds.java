package dev.portcullis.gateway.web;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: a client's own {@code x-request-id} is kept when it is well-formed (1-64 of {@code [A-Za-z0-9._:-]}),
 * so that a trace can start at the client; anything else is replaced. Generated ids are 128 random bits in hex from
 * {@link ThreadLocalRandom}: unique enough to correlate, and no entropy-pool read on the event loop.
 */
public final class RequestIds {

    static final int MAX_LENGTH = 64;

    private RequestIds() {
    }

    public static boolean isWellFormed(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // HexFormat, not String.format: this runs for nearly every request, and format parses its pattern each time
        return HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    private static final HexFormat HEX = HexFormat.of();
}
