package dev.portcullis.contract;

/**
 * Headers the gateway sets from a verified token and the services behind it trust
 * (docs/contract.md, "Identity headers forwarded to services"). Lower case, as HTTP/2 sends them.
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
    /**
     * The id of the trusted issuer that signed the token, for tokens of issuers other than Portcullis' own auth
     * service; absent for Portcullis' own. Two issuers may have users of the same {@code sub}: a service that serves
     * several issuers' users keys them by issuer and subject.
     */
    public static final String USER_ISSUER = "x-user-issuer";
    public static final String REQUEST_ID = "x-request-id";

    public static final String LIST_SEPARATOR = ",";

    private IdentityHeaders() {
    }

    /**
     * Whether a header of this name is one only the gateway may set: its name, lower-cased with {@code _} read as
     * {@code -}, starts with {@link #PREFIX}. CGI, PHP, Rack and WSGI stacks map {@code x_user_id} and {@code X-User-Id}
     * to the same variable, so both are the gateway's.
     */
    public static boolean isIdentityHeader(CharSequence name) {
        return startsWithNormalized(name, PREFIX);
    }

    /**
     * Whether {@code name}, lower-cased (ASCII) with {@code _} read as {@code -}, starts with {@code prefix} (written in
     * lower case with dashes). Allocates nothing: it runs for every header of every request.
     */
    public static boolean startsWithNormalized(CharSequence name, String prefix) {
        int length = prefix.length();
        if (name.length() < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            if (c == '_') {
                c = '-';
            } else if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code name} is {@code expected} once lower-cased with {@code _} read as {@code -}. */
    public static boolean equalsNormalized(CharSequence name, String expected) {
        return name.length() == expected.length() && startsWithNormalized(name, expected);
    }
}
