package dev.portcullis.auth.refresh;

import dev.portcullis.auth.config.AuthProperties;
import java.time.Duration;
import java.util.Optional;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * The refresh cookie: {@code HttpOnly} (no script reads it), {@code Secure}, {@code SameSite=Strict} (never sent on a
 * cross-site request) and {@code Path=/auth} (never sent to the APIs behind the gateway), living as long as the token.
 */
@Component
public final class RefreshCookies {

    public static final String PATH = "/auth";

    private final String name;
    private final Duration lifetime;

    RefreshCookies(AuthProperties properties) {
        this.name = properties.refresh().cookieName();
        this.lifetime = properties.refresh().lifetime();
    }

    public ResponseCookie issue(RefreshToken token) {
        return base(token.value()).maxAge(lifetime).build();
    }

    /** Tells the browser to drop the cookie. */
    public ResponseCookie clear() {
        return base("").maxAge(Duration.ZERO).build();
    }

    public Optional<String> read(ServerHttpRequest request) {
        HttpCookie cookie = request.getCookies().getFirst(name);
        return cookie == null || cookie.getValue().isEmpty() ? Optional.empty() : Optional.of(cookie.getValue());
    }

    private ResponseCookie.ResponseCookieBuilder base(String value) {
        return ResponseCookie.from(name, value).httpOnly(true).secure(true).sameSite("Strict").path(PATH);
    }
}
