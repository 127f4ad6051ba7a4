package dev.portcullis.auth.user;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** One spelling per account: usernames are compared after Unicode NFKC normalisation and lower-casing. */
public final class Usernames {

    /** What a new account may be called: short, printable, no separators that confuse keys or logs. */
    public static final Pattern ALLOWED = Pattern.compile("^[a-z0-9][a-z0-9._@-]{0,63}$");

    private Usernames() {
    }

    public static String normalize(String username) {
        return Normalizer.normalize(username.strip(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }
}
