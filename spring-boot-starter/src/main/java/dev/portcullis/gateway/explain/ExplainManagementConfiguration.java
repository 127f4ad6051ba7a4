package dev.portcullis.gateway.explain;

import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The explain endpoint, in the management server's own (child) context only: it exists only when the management port
 * differs from the public one (the gateway's default, 8090 against 8080), so it can never be reached through the
 * public port; with one shared port it does not exist at all (fail closed). Not an actuator {@code @Endpoint}: an
 * operation could not read the {@code Authorization} header the optional admin token comes in, nor answer problem
 * documents. Its path follows {@code management.endpoints.web.base-path}: {@code /actuator/portcullis/explain}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBean(TokenExplainer.class)
public class ExplainManagementConfiguration {

    public static final String PATH = "/portcullis/explain";

    @Bean
    RouterFunction<ServerResponse> portcullisExplainRoute(TokenExplainer explainer, ExplainProperties properties,
                                                         WebEndpointProperties endpoints) {
        ExplainHandler handler = new ExplainHandler(explainer, properties);
        String basePath = endpoints.getBasePath().endsWith("/")
                ? endpoints.getBasePath().substring(0, endpoints.getBasePath().length() - 1) : endpoints.getBasePath();
        return RouterFunctions.route(RequestPredicates.POST(basePath + PATH), handler::explain);
    }
}
