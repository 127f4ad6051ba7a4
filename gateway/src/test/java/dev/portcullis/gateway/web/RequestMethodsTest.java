package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.web.RequestMethods.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestMethodsTest {

    private final RequestMethods methods = RequestMethods.of(List.of("PROPFIND", "MKCOL"));

    @Test
    void servesTheStandardMethodsAndThoseRoutesListExactlyAsWritten() {
        for (String method : List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "MKCOL")) {
            assertThat(methods.verdict(method)).as(method).isEqualTo(Verdict.SERVED);
            assertThat(methods.tag(method)).isEqualTo(method);
        }
        assertThat(methods.allowHeader()).isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, MKCOL, PROPFIND");
    }

    @Test
    void neverServesTraceOrConnect() {
        assertThat(methods.verdict("TRACE")).isEqualTo(Verdict.NOT_ALLOWED);
        assertThat(methods.verdict("CONNECT")).isEqualTo(Verdict.NOT_ALLOWED);
        assertThat(RequestMethods.of(List.of("TRACE")).verdict("TRACE")).isEqualTo(Verdict.NOT_ALLOWED);
    }

    @Test
    void everyOtherMethodIsUnknownAndTaggedOther() {
        for (String method : List.of("get", "Post", "propfind", "BREW", "XQZJWKD")) {
            assertThat(methods.verdict(method)).as(method).isEqualTo(Verdict.UNKNOWN);
            assertThat(methods.tag(method)).isEqualTo(RequestMethods.OTHER);
        }
    }

    @Test
    void routesMayListOnlyHttpTokens() {
        assertThat(RequestMethods.isToken("PROPFIND")).isTrue();
        assertThat(RequestMethods.isToken("get")).isTrue();
        assertThat(RequestMethods.isToken("GE T")).isFalse();
        assertThat(RequestMethods.isToken("GET,POST")).isFalse();
        assertThat(RequestMethods.isToken("")).isFalse();
        assertThat(RequestMethods.isToken("A".repeat(33))).isFalse();
    }
}
