package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The shared Dockerfile builds any app module into a layered, non-root JRE image on glibc with explicit memory and GC
 * settings and a working health check. No Docker engine runs where these tests run: they read the Dockerfile.
 */
class DockerfileTest {

    private final List<String> instructions = instructions();

    @Test
    void buildsWithTheMavenWrapperOnAJdkAndRunsOnAJre() {
        List<String> froms = startingWith("FROM ");
        assertThat(froms).hasSize(2);
        assertThat(froms.getFirst()).matches("FROM eclipse-temurin:21-jdk\\S* AS build");
        assertThat(froms.getLast()).matches("FROM eclipse-temurin:21-jre\\S*");
        assertThat(String.join("\n", startingWith("RUN "))).contains("./mvnw -B -ntp -pl \"${MODULE}\" -am -DskipTests package")
            .contains("\"${MODULE}\"/target/*-exec.jar");
    }

    @Test
    void copiesTheBootJarsLayersIntoImageLayersOfTheirOwnLeastChangingFirstAndRunsTheBootLauncher() {
        // Boot 3.3+/4's jar tools: one directory per layer of the jar's layers.idx, the launcher included
        assertThat(String.join("\n", startingWith("RUN ")))
            .contains("java -Djarmode=tools -jar /tmp/app.jar extract --layers --launcher --destination /tmp/layers");
        assertThat(startingWith("COPY --from=build")).containsExactly(
                "COPY --from=build /tmp/layers/dependencies/ ./",
                "COPY --from=build /tmp/layers/spring-boot-loader/ ./",
                "COPY --from=build /tmp/layers/snapshot-dependencies/ ./",
                "COPY --from=build /tmp/layers/application/ ./");
        assertThat(startingWith("WORKDIR ")).last().isEqualTo("WORKDIR /app");
        assertThat(startingWith("ENTRYPOINT")).singleElement().asString()
            .endsWith("\"org.springframework.boot.loader.launch.JarLauncher\"]").doesNotContain("-jar");
    }

    @Test
    void runsOnAGlibcBaseSoThatNettysNativeEpollTransportLoads() {
        String runtime = startingWith("FROM ").getLast();
        // netty-transport-native-epoll's linux-x86_64 library is linked against glibc: on musl it does not load
        assertThat(runtime).doesNotContainIgnoringCase("alpine").doesNotContainIgnoringCase("musl");
        assertThat(runtime).matches("FROM eclipse-temurin:21-jre-(jammy|noble|ubi9-minimal)");
    }

    @Test
    void setsTheHeapAsAShareOfTheContainerLimitAndTheCollectorExplicitly() {
        String entrypoint = startingWith("ENTRYPOINT").getFirst();
        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(entrypoint);
        assertThat(percentage.find()).as("MaxRAMPercentage in " + entrypoint).isTrue();
        int heapPercent = Integer.parseInt(percentage.group(1));
        assertThat(heapPercent).isBetween(50, 75);
        // the JVM would pick Serial GC under 2 CPUs or 1792 MB: the collector is named, not left to ergonomics
        assertThat(entrypoint).containsAnyOf("\"-XX:+UseG1GC\"", "\"-XX:+UseParallelGC\"", "\"-XX:+UseZGC\"");
        assertThat(entrypoint).contains("\"-XX:+ExitOnOutOfMemoryError\"");
        assertThat(entrypoint).doesNotContain("-Xmx", "-Xms");
        // what the heap leaves of every container's limit for metaspace, code cache, threads and direct buffers
        long nonHeapFloor = 150L * 1024 * 1024;
        for (String render : RenderedManifests.RENDERS) {
            RenderedManifests manifests = RenderedManifests.of(render);
            for (PortcullisApp app : PortcullisApp.values()) {
                long limit = bytes(Yamls.stringAt(manifests.appContainer(app.appName()), "resources.limits.memory"));
                assertThat(limit * (100 - heapPercent) / 100).as(render + " " + app.appName() + " non-heap headroom")
                    .isGreaterThanOrEqualTo(nonHeapFloor);
            }
        }
    }

    /** A Kubernetes memory quantity (Mi, Gi, M, G or bytes) in bytes. */
    static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?").matcher(quantity);
        assertThat(m.matches()).as("memory quantity " + quantity).isTrue();
        long value = Long.parseLong(m.group(1));
        return value * switch (m.group(2) == null ? "" : m.group(2)) {
            case "Ki" -> 1024L;
            case "Mi" -> 1024L * 1024;
            case "Gi" -> 1024L * 1024 * 1024;
            case "k" -> 1000L;
            case "M" -> 1000L * 1000;
            case "G" -> 1000L * 1000 * 1000;
            default -> 1L;
        };
    }

    @Test
    void runsAsANumericNonRootUser() {
        assertThat(startingWith("USER ")).singleElement().asString().matches("USER [1-9][0-9]{3,}:[1-9][0-9]{3,}");
        int user = Integer.parseInt(startingWith("USER ").getFirst().substring(5).split(":")[0]);
        // The same uid the Kubernetes pods declare in runAsUser.
        RenderedManifests local = RenderedManifests.of("local");
        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(Yamls.at(RenderedManifests.podSpec(local.get("Deployment", app.appName())), "securityContext.runAsUser"))
                .isEqualTo(user);
        }
    }

    @Test
    void checksReadinessOnTheManagementPortWithAToolTheImageHas() {
        String healthcheck = String.join(" ", startingWith("HEALTHCHECK"));
        assertThat(healthcheck).contains("wget").doesNotContain("curl")
            .contains("http://127.0.0.1:${MANAGEMENT_SERVER_PORT}/actuator/health/readiness");
        // wget is installed explicitly, whatever the base image brings
        assertThat(String.join("\n", startingWith("RUN "))).contains("apt-get install -y --no-install-recommends wget");
        assertThat(String.join(" ", startingWith("ENV "))).contains("MANAGEMENT_SERVER_PORT=${MANAGEMENT_PORT}")
            .contains("SERVER_PORT=${SERVER_PORT}");
    }

    @Test
    void packagesEveryAppModuleAsAnExecJar() throws IOException {
        for (PortcullisApp app : PortcullisApp.values()) {
            String pom = Files.readString(Repo.file(app.module() + "/pom.xml"));
            // The classifier may sit in the module's pom or in its parent's pluginManagement (sample-services).
            String parentPom = app.module().contains("/")
                    ? Files.readString(Repo.file(app.module().substring(0, app.module().indexOf('/')) + "/pom.xml")) : "";
            // Modules still being written get checked once they declare the Boot plugin.
            if (pom.contains("spring-boot-maven-plugin")) {
                assertThat(pom + parentPom).as(app.module() + ": the Dockerfile copies target/*-exec.jar")
                    .contains("<classifier>exec</classifier>");
            }
            else {
                assertThat(Repo.file("pom.xml")).content().contains("<module>" + app.module().split("/")[0] + "</module>");
            }
        }
    }

    @Test
    void keepsBuildOutputAndVcsOutOfTheContextButTheDeployPomIn() throws IOException {
        List<String> ignored = Files.readAllLines(Repo.file(".dockerignore")).stream()
            .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains(".git", "**/target", ".local-stack", "deploy/*", "!deploy/pom.xml", "secrets");
        assertThat(ignored).noneMatch(pattern -> pattern.equals("mvnw") || pattern.startsWith(".mvn")
                || pattern.equals("pom.xml") || pattern.contains("src"));
    }

    private List<String> startingWith(String prefix) {
        return instructions.stream().filter(i -> i.startsWith(prefix)).toList();
    }

    /** Instructions with continuation lines joined and comments dropped. */
    private static List<String> instructions() {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        try {
            for (String line : Files.readAllLines(Repo.file("Dockerfile"))) {
                String trimmed = line.trim();
                if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                    continue;
                }
                current.append(trimmed);
                result.add(current.toString().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return result;
    }
}
