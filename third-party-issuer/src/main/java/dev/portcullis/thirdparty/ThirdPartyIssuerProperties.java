package dev.portcullis.thirdparty;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything the test issuer can be told, under {@code third-party}. Defaults live here; each compact constructor
 * rejects a wrong value with the name of its key, so that a bad configuration stops the start-up.
 *
 * @param issuer        the {@code iss} of every token and the base of the discovery document (env
 *                      {@code THIRD_PARTY_ISSUER}); an http(s) URL without query or fragment
 * @param keyFile       a JSON file holding the private RSA signing key as a JWK (env {@code THIRD_PARTY_KEY_FILE});
 *                      unset: a new 2048-bit key is generated at every start
 * @param tokenLifetime lifetime of an access token, 5 minutes by default
 * @param clients       the clients allowed the {@code client_credentials} grant; at least one
 */
@ConfigurationProperties("third-party")
public record ThirdPartyIssuerProperties(URI issuer, Path keyFile, Duration tokenLifetime, List<Client> clients) {

    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ThirdPartyIssuerProperties {
        if (issuer == null || !("http".equals(issuer.getScheme()) || "https".equals(issuer.getScheme()))
                || issuer.getHost() == null || issuer.getQuery() != null || issuer.getFragment() != null) {
            throw new IllegalArgumentException("third-party.issuer must be an http(s) URL without query or fragment, was '"
                    + issuer + "'");
        }
        tokenLifetime = tokenLifetime == null ? Duration.ofMinutes(5) : tokenLifetime;
        if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
            throw new IllegalArgumentException("third-party.token-lifetime must be positive, was " + tokenLifetime);
        }
        if (clients == null || clients.isEmpty()) {
            throw new IllegalArgumentException("third-party.clients must name at least one client");
        }
        clients = List.copyOf(clients);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < clients.size(); i++) {
            Client client = clients.get(i);
            String key = "third-party.clients[" + i + "]";
            if (client.id() == null || !CLIENT_ID.matcher(client.id()).matches()) {
                throw new IllegalArgumentException(key + ".id must be 1 to 64 letters, digits, '.', '_' or '-', was '"
                        + client.id() + "'");
            }
            if (!ids.add(client.id())) {
                throw new IllegalArgumentException(key + ".id '" + client.id() + "' is configured twice");
            }
            // the value itself is never part of a message
            if (client.secret() == null || client.secret().isBlank()) {
                throw new IllegalArgumentException(key + ".secret must be set (env THIRD_PARTY_CLIENT_SECRET for the "
                        + "default client)");
            }
            if (client.audiences().isEmpty()) {
                throw new IllegalArgumentException(key + ".audiences must name at least one audience");
            }
        }
    }

    /**
     * One client of the {@code client_credentials} grant.
     *
     * @param id        its {@code client_id}, also the {@code sub} of its tokens
     * @param secret    its client secret (basic or post authentication); never logged, never printed by
     *                  {@link #toString()}
     * @param scopes    the scopes it may ask for; a token request without {@code scope} gets none
     * @param audiences the {@code aud} of its tokens (the resource servers it may call)
     * @param roles     a {@code roles} claim (array) put into its tokens when not empty: what a team's own IdP adds
     *                  with a token customizer, so that the gateway's claim mapping has something to map
     */
    public record Client(String id, String secret, Set<String> scopes, List<String> audiences, List<String> roles) {

        public Client {
            scopes = scopes == null ? Set.of() : Set.copyOf(scopes.stream().filter(s -> !s.isBlank()).toList());
            audiences = audiences == null ? List.of() : audiences.stream().filter(a -> !a.isBlank()).toList();
            roles = roles == null ? List.of() : roles.stream().filter(r -> !r.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "Client[id=" + id + ", secret=(hidden), scopes=" + scopes + ", audiences=" + audiences + ", roles="
                    + roles + "]";
        }
    }
}
