package dev.portcullis.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TraceParentTest {

    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void readsAWellFormedVersionZeroHeader() {
        TraceParent parent = TraceParent.parse(VALID);

        assertThat(parent).isEqualTo(new TraceParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
        assertThat(parent.header()).isEqualTo(VALID);
        assertThat(TraceParent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").sampled()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // another version
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // the forbidden version
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero span id
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // trailing text
            "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",   // wrong separator
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",   // flags not hex
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n"
    })
    void refusesAnythingButAWellFormedVersionZeroHeader(String header) {
        assertThat(TraceParent.parse(header)).isNull();
    }

    @Test
    void aChildKeepsTheTraceAndGetsASpanOfItsOwn() {
        TraceParent parent = TraceParent.parse(VALID);
        TraceParent child = parent.child(parent.sampled());

        assertThat(child.traceId()).isEqualTo(parent.traceId());
        assertThat(child.spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}");
        assertThat(TraceParent.parse(child.header())).isEqualTo(child);
    }

    @Test
    void generatedTracesAreWellFormedAndUnsampled() {
        TraceParent generated = TraceParent.generate();

        assertThat(TraceParent.parse(generated.header())).isEqualTo(generated);
        assertThat(generated.sampled()).isFalse();
    }

    @Test
    void forwardsOnlyABoundedPrintableTraceState() {
        assertThat(TraceParent.isForwardableState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")).isTrue();
        assertThat(TraceParent.isForwardableState("a=" + "x".repeat(511))).isFalse();
        assertThat(TraceParent.isForwardableState("a=b\r\nx-user-id: admin")).isFalse();
        assertThat(TraceParent.isForwardableState(null)).isFalse();
    }
}
