package dev.portcullis.deploy;

import java.util.Set;

/**
 * The Prometheus series the applications export (docs/contract.md and the team brief: Micrometer names with dots,
 * rendered with underscores, counters with _total, timers as _seconds_count/_sum/_max and, where a histogram
 * is published, _bucket). The alert rules and the dashboard may name only these; a test against a running
 * app's /actuator/prometheus can check {@link MetricReferences#referencedMetricNames()} directly.
 */
final class DocumentedMetrics {

    /** Series Prometheus makes itself for every target. */
    static final Set<String> SYNTHETIC = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

    static final Set<String> EXPORTED = Set.of(
            // gateway
            "portcullis_gateway_requests_seconds_bucket",
            "portcullis_gateway_requests_seconds_count",
            "portcullis_gateway_requests_seconds_sum",
            "portcullis_gateway_requests_seconds_max",
            "portcullis_gateway_rejections_total",
            "portcullis_jwks_fetches_total",
            "portcullis_revocation_checks_seconds_count",
            "portcullis_revocation_checks_seconds_sum",
            "portcullis_revocation_checks_seconds_max",
            "portcullis_revocation_view_live",
            "portcullis_ratelimit_decisions_total",
            "resilience4j_circuitbreaker_state",
            // auth-service
            "portcullis_auth_logins_total",
            "portcullis_auth_refreshes_total",
            "portcullis_auth_refresh_reuse_total",
            "portcullis_auth_revocations_total",
            "portcullis_auth_key_rotations_total",
            "portcullis_auth_mfa_verifications_total",
            // every Spring Boot app
            "jvm_memory_used_bytes",
            "http_server_requests_seconds_count",
            "http_server_requests_seconds_sum");

    private DocumentedMetrics() {
    }
}
