package dev.portcullis.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * BlockHound for a test JVM, set up the same way in every module: installed once, with Reactor's and Netty's
 * integrations (which threads are non-blocking, what they may do), and every blocking call on a non-blocking thread
 * both thrown (the request fails) and recorded with its thread and stack, so that a test sees the calls a fail-open
 * path would otherwise swallow. The agent is JVM-wide and stays installed; the build gives {@code *BlockHound*Test}
 * classes a JVM of their own.
 */
public final class BlockHoundCheck {

    private static final List<String> DETECTED = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private BlockHoundCheck() {
    }

    /** Installs the agent (once per JVM; later calls do nothing). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        BlockHound.builder()
                .loadIntegrations()
                // Logging writes to the console synchronously: that is the logging set-up's business, not the code's.
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
                .blockingMethodCallback(method -> {
                    BlockingOperationError error = new BlockingOperationError(method);
                    StringBuilder report = new StringBuilder(Thread.currentThread().getName()).append(": ").append(method);
                    for (StackTraceElement frame : error.getStackTrace()) {
                        report.append("\n\tat ").append(frame);
                    }
                    DETECTED.add(report.toString());
                    throw error;
                })
                .install();
        installed = true;
    }

    /** Every blocking call seen since the last {@link #clear()}: thread, method and where it was called from. */
    public static List<String> detected() {
        return List.copyOf(DETECTED);
    }

    public static void clear() {
        DETECTED.clear();
    }

    /**
     * Proves the agent is live: a deliberate park on Reactor's parallel scheduler must fail with
     * {@link BlockingOperationError} and be recorded. The recorded call is removed again, so {@link #detected()} stays
     * what the code under test did.
     *
     * @throws AssertionError when the blocking call went through unseen
     */
    public static void assertCatchesABlockingCall() {
        install();
        int before = DETECTED.size();
        Mono<Boolean> blocking = Mono.fromCallable(() -> {
            LockSupport.parkNanos(1_000_000); // deliberately blocking, where it must never happen
            return true;
        }).subscribeOn(Schedulers.parallel());
        Throwable failure = null;
        try {
            blocking.block(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            failure = Exceptions.unwrap(e);
        }
        if (!(failure instanceof BlockingOperationError)) {
            throw new AssertionError("BlockHound did not stop a blocking call on a parallel thread: " + failure);
        }
        if (DETECTED.size() != before + 1) {
            throw new AssertionError("BlockHound stopped the blocking call but did not record it: " + DETECTED);
        }
        DETECTED.remove(DETECTED.size() - 1);
    }
}
