package dev.portcullis.gateway.web;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Request hygiene at the edge ({@code portcullis.http.*}).
 *
 * @param trustedProxies  addresses or CIDR blocks of proxies in front of the gateway (behind an ingress: the
 *                        controller's range; environment {@code GATEWAY_TRUSTED_PROXIES}) whose {@code Forwarded},
 *                        {@code X-Forwarded-*} and {@code X-Real-IP} are believed and passed on; from any other peer
 *                        they are dropped before routing. Empty (the default) believes none
 * @param maxHeaderBytes  total size of the request's header names and values; above it 431
 */
@Validated
@ConfigurationProperties("portcullis.http")
public record HttpEdgeProperties(
        @DefaultValue List<String> trustedProxies,
        @DefaultValue("16384") @Min(1024) @Max(1048576) int maxHeaderBytes) {
}
