package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java kustomize subset behaves like kustomize on the features the overlays rely on. */
class KustomizeRendererTest {

    @TempDir
    Path dir;

    @Test
    void namesGeneratedObjectsWithKustomizesContentHash() {
        // Expected values printed by kubectl v1.32 (kustomize v5.5.0) for the same generators.
        assertThat(KustomizeRenderer.nameSuffixHash("ConfigMap", Map.of("routes.yml", "x: 1\n"), null))
            .isEqualTo("8ttgk455k6");
        assertThat(KustomizeRenderer.nameSuffixHash("ConfigMap", Map.of("a", "b"), null)).isEqualTo("4h2mbtbbt6");
        assertThat(KustomizeRenderer.nameSuffixHash("Secret", Map.of("a", "Yg=="), "Opaque")).isEqualTo("k695gkmbtk");
    }

    @Test
    void rewritesReferencesToAGeneratedConfigMapAndSecretInPodTemplates() throws IOException {
        write("kustomization.yaml", """
                resources: [app.yaml]
                configMapGenerator:
                  - name: routes
                    files: [routes.yml]
                secretGenerator:
                  - name: creds
                    literals: [a=b]
                """);
        write("routes.yml", "x: 1\n");
        write("app.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app}
                spec:
                  template:
                    spec:
                      containers:
                        - name: app
                          image: app:1
                          env:
                            - name: A
                              valueFrom: {secretKeyRef: {name: creds, key: a}}
                      volumes:
                        - name: routes
                          configMap: {name: routes}
                """);

        List<Map<String, Object>> objects = KustomizeRenderer.render(dir);

        Map<String, Object> pod = RenderedManifests.podSpec(deployment(objects));
        assertThat(Yamls.stringAt(Yamls.maps(pod.get("volumes")).getFirst(), "configMap.name")).isEqualTo("routes-8ttgk455k6");
        assertThat(RenderedManifests.env(Yamls.maps(pod.get("containers")).getFirst()))
            .containsEntry("A", "valueFrom:Secret/creds-k695gkmbtk/a");
    }

    @Test
    void mergesEnvByNameAndDeletesKeysPatchedToNull() throws IOException {
        write("kustomization.yaml", """
                resources: [app.yaml]
                namespace: ns
                patches:
                  - path: patch.yaml
                images:
                  - name: app
                    newName: registry.example.com/app
                    newTag: "2"
                """);
        write("app.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: app
                          image: app:1
                          env:
                            - {name: KEEP, value: kept}
                            - {name: URL, value: redis://redis:6379}
                """);
        write("patch.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app}
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: app
                          env:
                            - name: URL
                              value: null
                              valueFrom: {secretKeyRef: {name: redis, key: url}}
                """);

        Map<String, Object> deployment = deployment(KustomizeRenderer.render(dir));

        Map<String, Object> container = Yamls.maps(RenderedManifests.podSpec(deployment).get("containers")).getFirst();
        assertThat(RenderedManifests.env(container))
            .isEqualTo(new TreeMap<>(Map.of("KEEP", "kept", "URL", "valueFrom:Secret/redis/url")));
        assertThat(Yamls.at(deployment, "spec.replicas")).isEqualTo(3);
        assertThat(Yamls.at(deployment, "metadata.namespace")).isEqualTo("ns");
        assertThat(container.get("image")).isEqualTo("registry.example.com/app:2");
    }

    @Test
    void refusesKustomizeFeaturesOutsideTheRenderedSubset() throws IOException {
        write("kustomization.yaml", """
                resources: []
                commonLabels: {team: edge}
                """);

        assertThatThrownBy(() -> KustomizeRenderer.render(dir))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("commonLabels");
    }

    private static Map<String, Object> deployment(List<Map<String, Object>> objects) {
        return objects.stream().filter(o -> "Deployment".equals(o.get("kind"))).findFirst().orElseThrow();
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }
}
