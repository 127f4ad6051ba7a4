package dev.portcullis.testsupport;

import java.util.HashMap;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Runs a Spring Boot test application as it runs in a pod: its system environment has {@code KUBERNETES_SERVICE_HOST}
 * and {@code KUBERNETES_SERVICE_PORT}, from which Spring Boot detects Kubernetes (and would, by itself, turn on Reactor
 * Netty's forwarded-header handling). Use it as {@code @ContextConfiguration(initializers = KubernetesPod.class)}, or
 * call {@link #enter} from an initializer of your own to add the variables a deployment sets.
 */
public final class KubernetesPod implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        enter(context, Map.of());
    }

    /** Replaces the system environment property source with the JVM's environment, a pod's and {@code deployment}. */
    public static void enter(ConfigurableApplicationContext context, Map<String, String> deployment) {
        Map<String, Object> variables = new HashMap<>(System.getenv());
        variables.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        variables.put("KUBERNETES_SERVICE_PORT", "443");
        variables.putAll(deployment);
        context.getEnvironment().getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    }
}
