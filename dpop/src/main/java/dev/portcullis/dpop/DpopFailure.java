package dev.portcullis.dpop;

/**
 * Why a DPoP proof (RFC 9449) was refused. The {@link #tag()} is the metric tag, the log field and the problem
 * document's {@code reason}; {@link #error()} is the RFC 9449 error code the client is answered with.
 */
public enum DpopFailure {

    /** No {@code DPoP} header although one is needed. */
    MISSING("missing"),
    /** More than one {@code DPoP} header (RFC 9449 4.3, check 1). */
    MULTIPLE("multiple"),
    /** Not a compact JWS, or its header or claims are not JSON of the right types. */
    MALFORMED("malformed"),
    WRONG_TYPE("wrong_type"),
    /** {@code none}, a symmetric algorithm, or an asymmetric one outside the allow-list. */
    DISALLOWED_ALGORITHM("disallowed_algorithm"),
    /** The {@code jwk} header is missing, of the wrong key type for the algorithm, or too weak. */
    BAD_KEY("bad_key"),
    /** The {@code jwk} header carries private key material. */
    PRIVATE_KEY("private_key"),
    BAD_SIGNATURE("bad_signature"),
    METHOD_MISMATCH("method_mismatch"),
    URL_MISMATCH("url_mismatch"),
    /** {@code iat} older than the window allows. */
    EXPIRED("expired"),
    /** {@code iat} further in the future than the skew allows. */
    ISSUED_IN_FUTURE("issued_in_future"),
    /** {@code jti} missing, empty or too long. */
    BAD_JTI("bad_jti"),
    /** {@code ath} missing or not the hash of the presented access token. */
    ATH_MISMATCH("ath_mismatch"),
    /** The proof's key is not the one the access token is bound to ({@code cnf.jkt}). */
    KEY_MISMATCH("key_mismatch"),
    /** The same proof ({@code jti}, per key) was seen before within the window. */
    REPLAYED("replayed"),
    /** The replay cache could not answer: the proof cannot be shown to be fresh, so it is refused (fail closed). */
    REPLAY_CHECK_UNAVAILABLE("replay_check_unavailable"),
    /** Server nonces are required and the proof has none, or a stale or foreign one: {@code use_dpop_nonce}. */
    NONCE_REQUIRED("nonce_required");

    /** RFC 9449 error code of a bad proof. */
    public static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";
    /** RFC 9449 error code asking the client to retry with the server's {@code DPoP-Nonce}. */
    public static final String USE_DPOP_NONCE = "use_dpop_nonce";

    private final String tag;

    DpopFailure(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }

    /** {@code use_dpop_nonce} for a missing or stale nonce, {@code invalid_dpop_proof} for everything else. */
    public String error() {
        return this == NONCE_REQUIRED ? USE_DPOP_NONCE : INVALID_DPOP_PROOF;
    }
}
