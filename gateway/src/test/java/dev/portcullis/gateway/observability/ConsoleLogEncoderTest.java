package dev.portcullis.gateway.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.event.KeyValuePair;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;

/** The console encoder of logback-spring.xml: Spring Boot's JSON for each structured format, its pattern otherwise. */
class ConsoleLogEncoderTest {

    @ParameterizedTest
    @CsvSource({"ecs, route", "logstash, route", "gelf, _route"})
    void writesKeyValuePairsAsJsonMembersInEachStructuredFormat(String format, String routeMember) {
        ConsoleLogEncoder encoder = encoder(format, "%m%n");

        Map<String, Object> line = JsonParserFactory.getJsonParser().parseMap(encode(encoder));

        assertThat(encoder.isStructured()).isTrue();
        assertThat(line).containsEntry(routeMember, "users");
        assertThat(line.get(routeMember.replace("route", "status"))).isEqualTo(200);
    }

    @Test
    void writesThePlainPatternWhenNoFormatIsSet() {
        ConsoleLogEncoder encoder = encoder("", "%level %m%n");

        assertThat(encoder.isStructured()).isFalse();
        assertThat(encode(encoder)).isEqualTo("INFO GET /x 200\n");
    }

    private static ConsoleLogEncoder encoder(String format, String pattern) {
        LoggerContext context = new LoggerContext();
        MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "test");
        context.putObject(Environment.class.getName(), environment);
        ConsoleLogEncoder encoder = new ConsoleLogEncoder();
        encoder.setContext(context);
        encoder.setFormat(format);
        encoder.setPattern(pattern);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        return encoder;
    }

    private static String encode(ConsoleLogEncoder encoder) {
        LoggingEvent event = new LoggingEvent();
        event.setLoggerName("portcullis.access");
        event.setLevel(Level.INFO);
        event.setMessage("GET /x 200");
        event.setThreadName("main");
        event.setTimeStamp(System.currentTimeMillis());
        event.setKeyValuePairs(List.of(new KeyValuePair("route", "users"), new KeyValuePair("status", 200)));
        event.setLoggerContext((LoggerContext) encoder.getContext());
        event.setMDCPropertyMap(Map.of());
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }
}
