package dev.portcullis.e2e.support;

/** What a login gave a client: an access token, the refresh token (from the cookie) and the user's id. */
public record Session(String accessToken, String refreshCookie, String userId) {

    @Override
    public String toString() {
        return "Session[userId=" + userId + "]"; // never print tokens, not even in a failing test's report
    }
}
