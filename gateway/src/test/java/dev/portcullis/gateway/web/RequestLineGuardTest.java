package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class RequestLineGuardTest {

    @Test
    void refusesToStartAGatewayConfiguredForHttp2WhoseConnectionsWouldBypassTheScreen() {
        MockEnvironment http2 = new MockEnvironment().withProperty("server.http2.enabled", "true");

        assertThatThrownBy(() -> RequestLineGuard.requireHttp11Only(http2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("server.http2.enabled=true is not supported");
    }

    @Test
    void startsWithHttp11Only() {
        assertThatCode(() -> RequestLineGuard.requireHttp11Only(new MockEnvironment().withProperty("server.http2.enabled", "false")))
                .doesNotThrowAnyException();
        assertThatCode(() -> RequestLineGuard.requireHttp11Only(new MockEnvironment())).doesNotThrowAnyException();
    }
}
