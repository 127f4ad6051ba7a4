package dev.portcullis.servicesupport;

import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Makes the bean validator read its message bundles at start-up. Left alone, it reads them from the jar on the first
 * constraint violation, which happens on an event-loop thread: blocking file IO that BlockHound rightly refuses.
 * One violation here, on the main thread, puts the bundles into the JDK's resource-bundle cache for good.
 */
final class ValidationWarmUp implements SmartInitializingSingleton {

    private final Validator validator;

    ValidationWarmUp(Validator validator) {
        this.validator = validator;
    }

    @Override
    public void afterSingletonsInstantiated() {
        validator.validate(new Probe(null)).forEach(violation -> violation.getMessage().length());
    }

    private record Probe(@NotNull String value) {
    }
}
