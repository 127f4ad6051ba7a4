package dev.portcullis.auth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.contract.TokenLifetime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

class AuthPropertiesTest {

    private static final String BCRYPT = "$2a$04$5vQ2WyMpKHPq4Whgoz8yE.l1.dgDwP4jRGu2SN0bfo.K8gekbRuM6";

    private static AuthProperties defaults() {
        return BoundAuthProperties.of();
    }

    @Test
    void productionDefaultsFollowTheContractAndOwasp() {
        AuthProperties p = defaults();
        assertThat(p.passwords().bcryptCost()).isGreaterThanOrEqualTo(12);
        assertThat(p.issuer()).isEqualTo("http://localhost:8080");
        assertThat(p.audience()).isEqualTo("portcullis");
        assertThat(p.accessTokenLifetime()).isEqualTo(Duration.ofMinutes(15));
        assertThat(p.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(p.refresh().lifetime()).isEqualTo(Duration.ofDays(7));
        assertThat(p.refresh().absoluteLifetime()).isEqualTo(Duration.ofDays(30));
        assertThat(p.clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.keys().algorithm()).isEqualTo("RS256");
        assertThat(p.keys().rsaKeySize()).isGreaterThanOrEqualTo(2048);
        assertThat(p.keys().generate()).isFalse();
        assertThat(p.keys().jwksMaxAge()).isLessThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(p.mfa().generateEncryptionKey()).isFalse();
        assertThat(p.redis().url()).isEqualTo("redis://localhost:6379");
        assertThat(p.trustedProxies()).containsExactly("127.0.0.0/8", "::1/128");
        assertThat(p.issuerOrigin()).isEqualTo("http://localhost:8080");
    }

    @Test
    void wrongValuesFailNamingTheirKey() {
        assertThatThrownBy(() -> new AuthProperties.Passwords(3)).hasMessageContaining("portcullis.auth.passwords.bcrypt-cost");
        assertThatThrownBy(() -> new AuthProperties.Keys(null, null, "HS256", null, null, null, null, null))
                .hasMessageContaining("portcullis.auth.keys.algorithm");
        assertThatThrownBy(() -> new AuthProperties.Keys(null, null, null, 1024, null, null, null, null))
                .hasMessageContaining("portcullis.auth.keys.rsa-key-size");
        assertThatThrownBy(() -> new AuthProperties.Refresh(Duration.ZERO, null, null, null, null))
                .hasMessageContaining("portcullis.auth.refresh.lifetime");
        assertThatThrownBy(() -> new AuthProperties.Refresh(null, Duration.ZERO, null, null, null))
                .hasMessageContaining("portcullis.auth.refresh.absolute-lifetime");
        assertThatThrownBy(() -> new AuthProperties.Refresh(Duration.ofDays(7), Duration.ofDays(6), null, null, null))
                .hasMessageContaining("portcullis.auth.refresh.absolute-lifetime")
                .hasMessageContaining("portcullis.auth.refresh.lifetime");
        assertThatThrownBy(() -> new AuthProperties.Client("svc", "plain-secret", List.of(), List.of("x"), null))
                .hasMessageContaining("secret-hash");
        assertThatThrownBy(() -> new AuthProperties("ftp://x", null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null)).hasMessageContaining("portcullis.auth.issuer");
    }

    @Test
    void theApplicationRefusesToStartWithAWrongValueAndNamesTheKey() {
        new ApplicationContextRunner()
                .withUserConfiguration(Enabler.class)
                .withPropertyValues("portcullis.auth.access-token-lifetime=-5m")
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("portcullis.auth.access-token-lifetime"));
    }

    @Test
    void refusesToStartWithAnAccessTokenLifetimeTheGatewayWouldRefuse() {
        new ApplicationContextRunner()
                .withUserConfiguration(Enabler.class)
                .withPropertyValues("portcullis.auth.access-token-lifetime=61m")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.access-token-lifetime")
                        .hasMessageContaining("portcullis.auth.max-token-lifetime")
                        .hasMessageContaining(TokenLifetime.ENVIRONMENT_VARIABLE));
    }

    @Test
    void refusesToStartWithAClientTokenLifetimeTheGatewayWouldRefuse() {
        new ApplicationContextRunner()
                .withUserConfiguration(Enabler.class)
                .withPropertyValues("portcullis.auth.max-token-lifetime=10m",
                        "portcullis.auth.access-token-lifetime=5m",
                        "portcullis.auth.clients[0].client-id=reporting",
                        "portcullis.auth.clients[0].secret-hash=" + BCRYPT,
                        "portcullis.auth.clients[0].audiences[0]=order-service",
                        "portcullis.auth.clients[0].token-lifetime=11m")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.clients[reporting].token-lifetime"));
    }

    @Test
    void theBoundIsTheSharedEnvironmentVariableOfTheContractAndDefaultsToOneHour() {
        ApplicationContextRunner withApplicationYml = new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(Enabler.class);
        withApplicationYml.run(context -> assertThat(context).hasNotFailed()
                .getBean(AuthProperties.class).extracting(AuthProperties::maxTokenLifetime)
                .isEqualTo(Duration.parse("PT" + TokenLifetime.DEFAULT_MAX.toUpperCase())));
        withApplicationYml.withPropertyValues("portcullis.auth.access-token-lifetime=1h")
                .run(context -> assertThat(context).hasNotFailed());
        // the operator sets AUTH_MAX_TOKEN_LIFETIME below the 15 min default lifetime: the service refuses to start
        withApplicationYml.withPropertyValues(TokenLifetime.ENVIRONMENT_VARIABLE + "=10m")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.access-token-lifetime (PT15M)")
                        .hasMessageContaining("portcullis.auth.max-token-lifetime (PT10M"));
    }

    @Test
    void aValueOutsideItsConstraintFailsStartUpNamingItsKey() {
        ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Enabler.class);
        // Jakarta constraints, checked while binding (@Validated)
        runner.withPropertyValues("portcullis.auth.limits.ip-attempts=0")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.limits.ip-attempts must be at least 1"));
        runner.withPropertyValues("portcullis.auth.redis.revocation-replicas=-1")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.redis.revocation-replicas must not be negative"));
        runner.withPropertyValues("portcullis.auth.audience= ")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.audience").hasMessageContaining("must not be blank"));
        // checks of the compact constructors, which run while binding too
        runner.withPropertyValues("portcullis.auth.keys.reload-interval=0s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.keys.reload-interval must be positive"));
        runner.withPropertyValues("portcullis.auth.passwords.bcrypt-cost=32")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.passwords.bcrypt-cost must be between 4 and 31"));
        runner.withPropertyValues("portcullis.auth.max-request-size=512B")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("portcullis.auth.max-request-size must be at least 1KB"));
    }

    @Test
    void everyEnvironmentVariableOfApplicationYmlStillReachesItsKey() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(Enabler.class)
                .withPropertyValues("AUTH_ISSUER=https://id.example.com", "AUTH_AUDIENCE=shop",
                        TokenLifetime.ENVIRONMENT_VARIABLE + "=30m", "AUTH_TRUSTED_PROXIES=10.0.0.0/8,fd00::/8",
                        "REDIS_URL=redis://redis.internal:6380", "AUTH_KEYS_DIR=/var/lib/portcullis/keys",
                        "AUTH_MFA_ENCRYPTION_KEY=" + "A".repeat(43) + "=", "AUTH_USERS_FILE=file:/etc/portcullis/users.yml")
                .run(context -> {
                    AuthProperties p = context.getBean(AuthProperties.class);
                    assertThat(p.issuer()).isEqualTo("https://id.example.com");
                    assertThat(p.audience()).isEqualTo("shop");
                    assertThat(p.maxTokenLifetime()).isEqualTo(Duration.ofMinutes(30));
                    assertThat(p.trustedProxies()).containsExactly("10.0.0.0/8", "fd00::/8");
                    assertThat(p.redis().url()).isEqualTo("redis://redis.internal:6380");
                    assertThat(p.keys().dir()).isEqualTo("/var/lib/portcullis/keys");
                    assertThat(p.mfa().encryptionKey()).isEqualTo("A".repeat(43) + "=");
                    assertThat(p.users().bootstrapFile()).isEqualTo("file:/etc/portcullis/users.yml");
                });
    }

    @Test
    void unsetOptionalVariablesMeanNoneAndEveryOtherKeyKeepsTheRecordsDefault() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(Enabler.class)
                .run(context -> {
                    AuthProperties p = context.getBean(AuthProperties.class);
                    // application.yml maps AUTH_MFA_ENCRYPTION_KEY and AUTH_USERS_FILE to "" when unset
                    assertThat(p.mfa().encryptionKey()).isNull();
                    assertThat(p.users().bootstrapFile()).isNull();
                    // (only groups no variable reaches: the machine running the test may set REDIS_URL and the like)
                    AuthProperties defaults = BoundAuthProperties.of();
                    assertThat(p.refresh()).isEqualTo(defaults.refresh());
                    assertThat(p.limits()).isEqualTo(defaults.limits());
                    assertThat(p.passwords()).isEqualTo(defaults.passwords());
                    assertThat(p.keys().generate()).isFalse();
                    assertThat(p.mfa().generateEncryptionKey()).isFalse();
                });
    }

    @EnableConfigurationProperties(AuthProperties.class)
    static class Enabler {
    }
}
