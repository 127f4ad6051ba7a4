package dev.portcullis.gateway.keys;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URL;

/**
 * Counts one issuer's JWKS (and OpenID metadata) HTTP fetches by outcome ({@code portcullis.jwks.fetches}), the
 * figure an operator alerts on.
 */
final class CountingResourceRetriever implements ResourceRetriever {

    private final ResourceRetriever delegate;
    private final Counter success;
    private final Counter failure;

    CountingResourceRetriever(ResourceRetriever delegate, String issuerId, MeterRegistry meters) {
        this.delegate = delegate;
        this.success = Counter.builder("portcullis.jwks.fetches").tag("outcome", "success").tag("issuer", issuerId)
                .description("JWKS fetches by outcome").register(meters);
        this.failure = Counter.builder("portcullis.jwks.fetches").tag("outcome", "failure").tag("issuer", issuerId)
                .description("JWKS fetches by outcome").register(meters);
    }

    @Override
    public Resource retrieveResource(URL url) throws IOException {
        try {
            Resource resource = delegate.retrieveResource(url);
            success.increment();
            return resource;
        } catch (IOException | RuntimeException e) {
            failure.increment();
            throw e;
        }
    }
}
