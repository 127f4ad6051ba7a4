package dev.portcullis.gateway.keys;

/** The answer to "which key has this kid": found, not in the trusted set, or no trusted set to ask. */
public sealed interface KeyLookup {

    record Found(TrustedKey key) implements KeyLookup {
    }

    record Unknown() implements KeyLookup {
    }

    /** No key set was ever loaded, or the last good one is older than the outage tolerance. */
    record Unavailable() implements KeyLookup {
    }

    KeyLookup UNKNOWN = new Unknown();
    KeyLookup UNAVAILABLE = new Unavailable();
}
