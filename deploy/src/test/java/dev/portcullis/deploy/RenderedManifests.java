package dev.portcullis.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Queries over the objects an overlay renders to: workloads, their containers, env and ports. */
record RenderedManifests(String overlay, List<Map<String, Object>> objects) {

    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet");

    static RenderedManifests of(String overlay) {
        return new RenderedManifests(overlay, KustomizeRenderer.render(Repo.file("deploy/k8s/overlays/" + overlay)));
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(KustomizeRenderer.kind(o))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(Yamls.stringAt(o, "metadata.name"))).findFirst();
    }

    Map<String, Object> get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + " renders no " + kind + "/" + name));
    }

    List<Map<String, Object>> workloads() {
        return objects.stream().filter(o -> WORKLOADS.contains(KustomizeRenderer.kind(o))).toList();
    }

    static String name(Map<String, Object> object) {
        return Yamls.stringAt(object, "metadata.name");
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return Yamls.mapAt(workload, "spec.template.spec");
    }

    static Map<String, String> podLabels(Map<String, Object> workload) {
        Map<String, String> labels = new LinkedHashMap<>();
        Yamls.mapAt(workload, "spec.template.metadata.labels").forEach((k, v) -> labels.put(k, v.toString()));
        return labels;
    }

    static List<Map<String, Object>> containers(Map<String, Object> workload) {
        List<Map<String, Object>> all = new ArrayList<>(Yamls.maps(podSpec(workload).get("containers")));
        all.addAll(Yamls.maps(podSpec(workload).get("initContainers")));
        return all;
    }

    /** The one container of an app's pod. */
    Map<String, Object> appContainer(String app) {
        List<Map<String, Object>> containers = containers(get("Deployment", app));
        return containers.stream().filter(c -> app.equals(c.get("name"))).findFirst()
            .orElseThrow(() -> new AssertionError(app + " has no container named " + app));
    }

    /** Env var name to its literal value; a valueFrom shows as "valueFrom:<kind>/<name>/<key>". */
    static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> var : Yamls.maps(container.get("env"))) {
            String name = var.get("name").toString();
            if (env.containsKey(name)) {
                throw new AssertionError("env " + name + " set twice in container " + container.get("name"));
            }
            if (var.containsKey("value") && var.containsKey("valueFrom")) {
                throw new AssertionError("env " + name + " has both value and valueFrom");
            }
            if (var.containsKey("valueFrom")) {
                Map<String, Object> from = Yamls.map(var.get("valueFrom"));
                String refKind = from.containsKey("secretKeyRef") ? "secretKeyRef" : "configMapKeyRef";
                Map<String, Object> ref = Yamls.map(from.get(refKind));
                env.put(name, "valueFrom:" + (refKind.equals("secretKeyRef") ? "Secret" : "ConfigMap") + "/"
                        + ref.get("name") + "/" + ref.get("key"));
            }
            else {
                env.put(name, String.valueOf(var.get("value")));
            }
        }
        return env;
    }

    /** A container port number from its name or number, as a probe or a NetworkPolicy writes it. */
    static int resolvePort(Map<String, Object> container, Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return Yamls.maps(container.get("ports")).stream()
            .filter(p -> String.valueOf(port).equals(p.get("name")))
            .map(p -> (Integer) p.get("containerPort"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("container " + container.get("name") + " has no port " + port));
    }
}
