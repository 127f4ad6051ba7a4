package dev.portcullis.auth.client;

import dev.portcullis.auth.config.AuthProperties;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** The services allowed to use {@code client_credentials}, from {@code portcullis.auth.clients} (secrets as BCrypt hashes). */
@Component
final class ClientRegistry {

    private final Map<String, AuthProperties.Client> clients;

    ClientRegistry(AuthProperties properties) {
        this.clients = properties.clients().stream()
                .collect(Collectors.toUnmodifiableMap(AuthProperties.Client::clientId, Function.identity(), (a, b) -> {
                    throw new IllegalArgumentException("portcullis.auth.clients: duplicate client-id " + a.clientId());
                }));
    }

    Optional<AuthProperties.Client> find(String clientId) {
        return Optional.ofNullable(clients.get(clientId));
    }
}
