package dev.portcullis.thirdparty;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.portcullis.thirdparty.ThirdPartyIssuerProperties.Client;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Authorization Server as a team would set it up for machine clients: the protocol endpoints with OpenID
 * Connect discovery ({@code /.well-known/openid-configuration}, {@code /oauth2/jwks}, {@code /oauth2/token}), one RSA
 * key, and the {@code client_credentials} grant for the configured clients. The server finds the beans below by type.
 */
@Configuration(proxyBeanMethods = false)
class AuthorizationServerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AuthorizationServerConfiguration.class);

    @Bean
    SecurityFilterChain authorizationServer(HttpSecurity http) {
        http.oauth2AuthorizationServer(server -> server.oidc(Customizer.withDefaults()))
                // health on the management port for probes; every other path is refused: this application serves
                // the protocol endpoints only (their own rules come with the configurer above)
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
                        .anyRequest().authenticated())
                // machine clients authenticate on every request; nothing to remember between requests
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(ThirdPartyIssuerProperties properties) {
        // a fixed issuer: the `iss` and the discovery document do not depend on the Host a caller used
        return AuthorizationServerSettings.builder().issuer(properties.issuer().toString()).build();
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(ThirdPartyIssuerProperties properties) {
        RSAKey key = SigningKey.load(properties.keyFile());
        log.info("Third-party issuer {} signs with RSA key kid={} ({})", properties.issuer(), key.getKeyID(),
                properties.keyFile() == null ? "generated at start" : "from " + properties.keyFile());
        return new ImmutableJWKSet<>(new JWKSet(key));
    }

    /** OpenID Connect's user-info endpoint reads its bearer tokens with this; the clients here never call it. */
    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> jwkSource) {
        return OAuth2AuthorizationServerConfiguration.jwtDecoder(jwkSource);
    }

    @Bean
    RegisteredClientRepository registeredClientRepository(ThirdPartyIssuerProperties properties) {
        // the server checks client secrets with the delegating encoder: store them as bcrypt hashes, never as text
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        TokenSettings tokens = TokenSettings.builder()
                .accessTokenFormat(OAuth2TokenFormat.SELF_CONTAINED)
                .accessTokenTimeToLive(properties.tokenLifetime())
                .build();
        List<RegisteredClient> clients = properties.clients().stream()
                .map(client -> registered(client, encoder.encode(client.secret()), tokens))
                .toList();
        log.info("Third-party issuer clients: {}", properties.clients());
        return new InMemoryRegisteredClientRepository(clients);
    }

    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> clientTokenCustomizer(ThirdPartyIssuerProperties properties) {
        return new ClientTokenCustomizer(properties.clients());
    }

    private static RegisteredClient registered(Client client, String secretHash, TokenSettings tokens) {
        return RegisteredClient.withId(client.id())
                .clientId(client.id())
                .clientSecret(secretHash)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scopes(scopes -> scopes.addAll(client.scopes()))
                .tokenSettings(tokens)
                .build();
    }
}
