package dev.portcullis.auth.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * The auth service's counters, named as docs/contract.md#metrics fixes them (Prometheus renders dots as underscores and adds
 * {@code _total}). Tags carry a small, fixed set of outcome values, never user data.
 */
@Component
public final class AuthMetrics {

    private final MeterRegistry registry;
    private final Counter refreshReuse;
    private final Counter keyRotations;
    private final Counter passwordChecks;

    public AuthMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.refreshReuse = Counter.builder("portcullis.auth.refresh.reuse")
                .description("Rotated refresh tokens presented again; each one revoked its family").register(registry);
        this.keyRotations = Counter.builder("portcullis.auth.key.rotations")
                .description("Signing key rotations started").register(registry);
        this.passwordChecks = Counter.builder("portcullis.auth.password.checks")
                .description("BCrypt verifications performed (passwords and client secrets); locked-out attempts get none")
                .register(registry);
    }

    /** {@code outcome}: success, invalid_credentials, rate_limited, invalid_request. */
    public void login(String outcome) {
        Counter.builder("portcullis.auth.logins").description("Login attempts by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** {@code outcome}: success, invalid, reused, race, csrf_rejected. */
    public void refresh(String outcome) {
        Counter.builder("portcullis.auth.refreshes").description("Refresh attempts by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    public void refreshReuse() {
        refreshReuse.increment();
    }

    /** {@code kind}: token, subject, family. */
    public void revocation(String kind) {
        Counter.builder("portcullis.auth.revocations").description("Revocations written by kind")
                .tag("kind", kind).register(registry).increment();
    }

    public void passwordChecked() {
        passwordChecks.increment();
    }

    public void keyRotated() {
        keyRotations.increment();
    }

    /** A key pulled from the key set; {@code signing}: whether it was the key signing then (a fresh one took over). */
    public void keyRevoked(boolean signing) {
        Counter.builder("portcullis.auth.key.revocations").description("Signing keys pulled from the key set (leaked)")
                .tag("signing", Boolean.toString(signing)).register(registry).increment();
    }

    /** {@code outcome}: success, invalid_code, reused_code, rate_limited, not_enrolled. */
    public void mfaVerification(String outcome) {
        Counter.builder("portcullis.auth.mfa.verifications").description("TOTP verifications by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** {@code outcome}: success, invalid_client, invalid_scope, invalid_target, rate_limited. */
    public void clientToken(String outcome) {
        Counter.builder("portcullis.auth.client.tokens").description("Client-credentials token requests by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }
}
