package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.identity.UpstreamIdentityHeadersFilter;
import dev.portcullis.gateway.observability.TraceContextHeadersFilter;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;

/**
 * The header filters every proxied request runs through: the ones a vanilla Spring Cloud Gateway runs, minus gRPC's
 * (no HTTP/2), plus Portcullis' three (hop, trace context, identity), last. Spring Cloud Gateway's own forwarded
 * filters (which would append a second
 * hop) and its client observation are absent; the request-path behaviour of each is covered by the integration tests
 * of forwarded and identity headers.
 */
class UpstreamHeaderFiltersIntegrationTest extends GatewayIntegrationTest {

    @Autowired
    List<HttpHeadersFilter> filters;

    @Test
    void theRoutingFilterRunsVanillaGatewayHeaderFiltersAndPortcullisThreeLast() {
        List<HttpHeadersFilter> ordered = new java.util.ArrayList<>(filters);
        AnnotationAwareOrderComparator.sort(ordered);
        List<Class<?>> requestFilters = ordered.stream().filter(filter -> filter.supports(HttpHeadersFilter.Type.REQUEST))
                .<Class<?>>map(Object::getClass).toList();

        assertThat(requestFilters).containsExactlyInAnyOrder(RemoveForwardedHeadersFilter.class,
                RemoveXForwardedHeadersFilter.class, TransferEncodingNormalizationHeadersFilter.class,
                RemoveHopByHopHeadersFilter.class, ForwardedHopHeadersFilter.class, TraceContextHeadersFilter.class,
                UpstreamIdentityHeadersFilter.class);
        assertThat(requestFilters.subList(requestFilters.size() - 3, requestFilters.size()))
                .containsExactlyInAnyOrder(ForwardedHopHeadersFilter.class, TraceContextHeadersFilter.class,
                        UpstreamIdentityHeadersFilter.class);
    }
}
