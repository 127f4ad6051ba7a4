package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Renders kustomizations with the real {@code kubectl kustomize}, the way an operator's {@code kubectl apply -k}
 * does. Where kubectl is missing the rendering tests are skipped with one line, except in CI (env {@code CI} set),
 * where a missing kubectl fails them: the build machines have it.
 */
final class Kustomize {

    /** kubectl from the PATH, or the one the system property {@code portcullis.kubectl} names. */
    static final String KUBECTL = System.getProperty("portcullis.kubectl", "kubectl");

    private static final Map<String, List<Map<String, Object>>> RENDERED = new ConcurrentHashMap<>();
    private static volatile Boolean available;

    private Kustomize() {
    }

    /**
     * The objects of {@code deploy/k8s/overlays/<overlay>}, or of that overlay with components composed onto it
     * when the name reads {@code production+issuers+routes} (components from {@code deploy/k8s/components}).
     */
    static List<Map<String, Object>> render(String name) {
        requireKubectl();
        return RENDERED.computeIfAbsent(name, Kustomize::build);
    }

    /** Skips the calling test outside CI when kubectl is not installed; fails it in CI. */
    static void requireKubectl() {
        String message = "kubectl is not on the PATH: the kustomize renders are not checked here (they are in CI)";
        if (available == null) {
            available = kubectlAnswers();
            if (!available && System.getenv("CI") == null) {
                // the one line in the build log; each skipped test carries it as its reason too
                System.err.println("[deploy] " + message);
            }
        }
        if (!available) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(message.replace("not checked here (they are in CI)",
                        "required in CI (env CI is set)"));
            }
            assumeTrue(false, message);
        }
    }

    private static boolean kubectlAnswers() {
        try {
            Process process = new ProcessBuilder(KUBECTL, "version", "--client").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (IOException notInstalled) {
            return false;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<Map<String, Object>> build(String name) {
        String[] parts = name.split("\\+");
        Path overlay = Repo.file("deploy/k8s/overlays/" + parts[0]);
        if (parts.length == 1) {
            return Yamls.parseAll(kustomize(overlay));
        }
        // An operator's overlay: the shipped one as its resource, the components composed onto it. kustomize wants
        // paths relative to the kustomization, so it lives under target/.
        Path dir = Repo.file("deploy/target/kustomize/" + name.replace('+', '_'));
        String components = List.of(parts).subList(1, parts.length).stream()
            .map(component -> "  - " + relative(dir, Repo.file("deploy/k8s/components/" + component)))
            .collect(Collectors.joining("\n"));
        return Yamls.parseAll(kustomize(write(dir, Map.of("kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                components:
                %s
                """.formatted(relative(dir, overlay), components)))));
    }

    /** Renders a kustomization written for one test (files by relative path; {@code kustomization.yaml} among them). */
    static List<Map<String, Object>> renderWritten(String name, Map<String, String> files) {
        requireKubectl();
        return Yamls.parseAll(kustomize(write(Repo.file("deploy/target/kustomize/" + name), files)));
    }

    /** A path from the kustomization directory to a repository path, with forward slashes. */
    static String relative(Path from, Path to) {
        return from.toAbsolutePath().normalize().relativize(to.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    private static Path write(Path dir, Map<String, String> files) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = dir.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            }
            return dir;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kustomize(Path dir) {
        try {
            Process process = new ProcessBuilder(KUBECTL, "kustomize", dir.toString()).start();
            // stderr is small; read it after stdout (kustomize writes its error, if any, before exiting)
            byte[] out = process.getInputStream().readAllBytes();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("kubectl kustomize " + dir + " finished").isTrue();
            assertThat(process.exitValue()).as("kubectl kustomize " + dir + ": " + err).isZero();
            return new String(out, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
