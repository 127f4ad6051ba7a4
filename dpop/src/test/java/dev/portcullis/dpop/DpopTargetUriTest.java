package dev.portcullis.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DpopTargetUriTest {

    @Test
    void normalisesSchemeHostDefaultPortEmptyPathPercentEncodingAndDotSegments() {
        assertThat(DpopTargetUri.normalize("HTTPS://Api.Example.COM:443")).isEqualTo("https://api.example.com/");
        assertThat(DpopTargetUri.normalize("http://h:80/a/./b/../c?q=1#f")).isEqualTo("http://h/a/c");
        assertThat(DpopTargetUri.normalize("http://h:8080/%7euser/%2f")).isEqualTo("http://h:8080/~user/%2F");
    }

    @Test
    void refusesWhatIsNotAnAbsoluteHttpUri() {
        assertThat(DpopTargetUri.normalize("/relative")).isNull();
        assertThat(DpopTargetUri.normalize("ftp://h/x")).isNull();
        assertThat(DpopTargetUri.normalize("http://user@h/x")).isNull();
        assertThat(DpopTargetUri.normalize("http://h/ x")).isNull();
        assertThat(DpopTargetUri.normalize(null)).isNull();
    }

    @Test
    void usesTheConfiguredPublicOriginFirst() {
        String uri = DpopTargetUri.publicUri(URI.create("https://api.example.com"), true, "http", "evil.example", null,
                URI.create("http://10.0.0.5:8080/api/orders?x=1"));

        assertThat(uri).isEqualTo("https://api.example.com/api/orders");
    }

    @Test
    void believesTheLeftMostForwardedSchemeHostAndPrefixOfATrustedProxyOnly() {
        URI received = URI.create("http://auth-service:9000/auth/login");

        assertThat(DpopTargetUri.publicUri(null, true, "https,http", "api.example.com,gateway:8080", "/edge", received))
                .isEqualTo("https://api.example.com/edge/auth/login");
        assertThat(DpopTargetUri.publicUri(null, false, "https", "api.example.com", null, received))
                .isEqualTo("http://auth-service:9000/auth/login");
        assertThat(DpopTargetUri.publicUri(null, true, "https", null, null, URI.create("http://gw:8080/x")))
                .isEqualTo("https://gw/x");
    }
}
