package dev.portcullis.contract;

/**
 * Headers the gateway sets from a verified token and the services behind it trust
 * (DESIGN.md, "Identity headers forwarded to services"). Lower case, as HTTP/2 sends them.
 */
public final class IdentityHeaders {

    /** Every incoming header starting with this prefix (any case) is removed at the edge. */
    public static final String PREFIX = "x-user-";

    public static final String USER_ID = "x-user-id";
    public static final String USER_ROLE = "x-user-role";
    /** Permissions joined by {@link #LIST_SEPARATOR}. */
    public static final String USER_PERMISSIONS = "x-user-permissions";
    /** Scopes joined by {@link #LIST_SEPARATOR}. */
    public static final String USER_SCOPES = "x-user-scopes";
    /** Authentication methods ({@code amr}) joined by {@link #LIST_SEPARATOR}. */
    public static final String USER_AMR = "x-user-amr";
    public static final String REQUEST_ID = "x-request-id";

    public static final String LIST_SEPARATOR = ",";

    private IdentityHeaders() {
    }

    /** Whether a header of this name is one only the gateway may set. */
    public static boolean isIdentityHeader(String name) {
        return name.length() >= PREFIX.length() && name.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }
}
