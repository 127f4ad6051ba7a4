package dev.portcullis.auth.keys;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Every {@code reload-interval}: re-reads the key file (to see another replica's rotation) and rotates when
 * {@code rotation-period} says so. Runs on boundedElastic because both touch the file system. A failure is logged and
 * retried at the next tick: the keys already loaded keep working meanwhile.
 */
@Component
final class KeyMaintenance implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KeyMaintenance.class);

    private final KeyManager keys;
    private volatile Disposable task;

    KeyMaintenance(KeyManager keys) {
        this.keys = keys;
    }

    @Override
    public void start() {
        task = Flux.interval(keys.reloadInterval(), keys.reloadInterval(), Schedulers.boundedElastic())
                .concatMap(tick -> Mono.fromRunnable(this::tick).onErrorResume(e -> {
                    log.atWarn().addKeyValue("error", e.toString()).log("Key maintenance failed; will retry");
                    return Mono.empty();
                }))
                .subscribe();
    }

    private void tick() {
        keys.reload();
        keys.rotateIfDue();
    }

    @Override
    public void stop() {
        Disposable running = task;
        if (running != null) {
            running.dispose();
        }
        task = null;
    }

    @Override
    public boolean isRunning() {
        return task != null;
    }
}
