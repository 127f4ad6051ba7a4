package dev.portcullis.gateway.web;

/** Exchange attribute names the edge filters share. */
public final class EdgeAttributes {

    /** The request id (String) chosen for this request. */
    public static final String REQUEST_ID = "portcullis.requestId";
    /** The {@link Rejection} that answered this request, if any. */
    public static final String REJECTION = "portcullis.rejection";
    /** The verified token ({@code dev.portcullis.gateway.token.VerifiedToken}) of an authenticated request. */
    public static final String TOKEN = "portcullis.token";
    /** The compiled policy ({@code dev.portcullis.gateway.policy.RoutePolicy}) of the matched route. */
    public static final String POLICY = "portcullis.policy";
    /** The gateway's span of this request ({@code dev.portcullis.contract.TraceParent}): trace id and span id. */
    public static final String TRACE = "portcullis.trace";
    /** The client's {@code tracestate} (String), when its trace was continued and the state may be forwarded. */
    public static final String TRACE_STATE = "portcullis.traceState";
    /** A note for the access log, e.g. that revocation failed open. */
    public static final String NOTE = "portcullis.note";

    private EdgeAttributes() {
    }
}
