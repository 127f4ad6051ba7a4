package dev.portcullis.gateway.reload;

import dev.portcullis.gateway.policy.RoutePolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationListener;

/**
 * Recompiles every route's policy each time Spring Cloud Gateway has refreshed its routes (at start-up, after a
 * context refresh, or on any {@code RefreshRoutesEvent} an application publishes), from the routes as they are now
 * served: YAML and Java-DSL routes alike. {@link RoutePolicies#reload} validates the whole set before it replaces the
 * old one.
 */
public final class PolicyReloadListener implements ApplicationListener<RefreshRoutesResultEvent> {

    private static final Logger log = LoggerFactory.getLogger(PolicyReloadListener.class);

    private final RoutePolicies policies;
    private final RouteLocator routes;
    private final GatewayProperties gateway;

    public PolicyReloadListener(RoutePolicies policies, RouteLocator routes, GatewayProperties gateway) {
        this.policies = policies;
        this.routes = routes;
        this.gateway = gateway;
    }

    @Override
    public void onApplicationEvent(RefreshRoutesResultEvent event) {
        if (!event.isSuccess()) {
            // Spring Cloud Gateway kept its previous routes; the policies stay with them
            log.warn("event=routes_refresh_failed error=\"{}\"", String.valueOf(event.getThrowable()));
            return;
        }
        routes.getRoutes().collectList()
                .subscribe(current -> policies.reload(current, gateway),
                        error -> log.warn("event=policy_reload_failed error=\"{}\"", error.toString()));
    }
}
