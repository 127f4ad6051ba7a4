package dev.portcullis.gateway.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The access log never makes the event loop wait: its lines go through a bounded, non-blocking asynchronous appender. */
class AccessLogAppenderIntegrationTest extends GatewayIntegrationTest {

    @Test
    void accessLogLinesGoThroughABoundedNonBlockingAsynchronousAppender() {
        Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        access.iteratorForAppenders().forEachRemaining(appenders::add);

        assertThat(access.isAdditive()).isFalse();
        assertThat(appenders).singleElement().isInstanceOfSatisfying(AsyncAppender.class, async -> {
            assertThat(async.isNeverBlock()).isTrue();
            assertThat(async.getQueueSize()).isEqualTo(8192);
            assertThat(async.getDiscardingThreshold()).isZero();
            assertThat(async.isStarted()).isTrue();
        });
    }
}
