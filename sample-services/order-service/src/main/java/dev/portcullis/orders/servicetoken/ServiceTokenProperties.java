package dev.portcullis.orders.servicetoken;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code portcullis.service-token.*}: how the order-service obtains its client-credentials token for product-service.
 *
 * @param authServiceUrl     base URL of the auth service; the token endpoint is {@code /oauth2/token} below it
 *                           ({@code AUTH_SERVICE_URL})
 * @param clientId           this service's OAuth client id
 * @param clientSecret       its secret ({@code ORDER_SERVICE_CLIENT_SECRET}); required, never logged
 * @param audience           the {@code audience} asked for: the service to be called
 * @param scope              the space-separated scopes asked for
 * @param refreshBeforeExpiry a cached token is replaced this long before it expires (at most half its lifetime)
 * @param timeout            limit of one token request, connection included
 */
@Validated
@ConfigurationProperties("portcullis.service-token")
public record ServiceTokenProperties(
        @NotNull @DefaultValue("http://localhost:9000") URI authServiceUrl,
        @NotBlank @DefaultValue("order-service") String clientId,
        @NotBlank String clientSecret,
        @NotBlank @DefaultValue("product-service") String audience,
        @NotBlank @DefaultValue("products:read") String scope,
        @NotNull @DefaultValue("30s") Duration refreshBeforeExpiry,
        @NotNull @DefaultValue("3s") Duration timeout) {

    /** Keeps the secret out of any log line or error message that prints this record. */
    @Override
    public String toString() {
        return "ServiceTokenProperties[authServiceUrl=" + authServiceUrl + ", clientId=" + clientId
                + ", clientSecret=***, audience=" + audience + ", scope=" + scope + ", refreshBeforeExpiry="
                + refreshBeforeExpiry + ", timeout=" + timeout + "]";
    }
}
