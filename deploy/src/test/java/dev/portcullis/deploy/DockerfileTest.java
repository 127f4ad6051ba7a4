package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The shared Dockerfile builds any app module into a small non-root JRE image with a working health check. */
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
        assertThat(startingWith("COPY --from=build")).singleElement().asString().endsWith("/app/app.jar");
        assertThat(startingWith("ENTRYPOINT")).singleElement().asString().contains("\"-jar\", \"/app/app.jar\"");
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
        assertThat(startingWith("FROM ").getLast()).contains("alpine"); // busybox wget
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
        assertThat(ignored).contains(".git", "**/target", ".local-stack", "deploy/*", "!deploy/pom.xml");
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
