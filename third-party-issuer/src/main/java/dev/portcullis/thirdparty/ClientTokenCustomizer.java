package dev.portcullis.thirdparty;

import dev.portcullis.thirdparty.ThirdPartyIssuerProperties.Client;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * What a team adds to Spring Authorization Server's access tokens so that a resource server can use them: the
 * {@code aud} the client's tokens are meant for (by default the server puts the client's own id there), the
 * {@code client_id} (RFC 9068; not added by default) and, where configured, a {@code roles} array. The {@code sub},
 * {@code iss}, {@code iat}/{@code exp}/{@code nbf}, {@code jti} and {@code scope} (an array) stay as the server
 * writes them.
 */
final class ClientTokenCustomizer implements OAuth2TokenCustomizer<JwtEncodingContext> {

    static final String CLIENT_ID_CLAIM = "client_id";
    static final String ROLES_CLAIM = "roles";

    private final Map<String, Client> clients;

    ClientTokenCustomizer(Iterable<Client> clients) {
        this.clients = java.util.stream.StreamSupport.stream(clients.spliterator(), false)
                .collect(Collectors.toUnmodifiableMap(Client::id, Function.identity()));
    }

    @Override
    public void customize(JwtEncodingContext context) {
        if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
            return;
        }
        Client client = clients.get(context.getRegisteredClient().getClientId());
        if (client == null) {
            // cannot happen: the client repository holds the configured clients only; refuse rather than guess
            throw new IllegalStateException("no configuration for client " + context.getRegisteredClient().getId());
        }
        context.getClaims().audience(client.audiences()).claim(CLIENT_ID_CLAIM, client.id());
        if (!client.roles().isEmpty()) {
            context.getClaims().claim(ROLES_CLAIM, client.roles());
        }
    }
}
