package dev.portcullis.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Queries over the objects an overlay renders to (with {@code kubectl kustomize}, see {@link Kustomize}): workloads,
 * their containers, env and ports.
 */
record RenderedManifests(String overlay, List<Map<String, Object>> objects) {

    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet");

    /** Every component in deploy/k8s/components, each to be composed onto the production overlay. */
    static final List<String> COMPONENTS = List.of("issuers", "trusted-proxies", "routes", "redis-standalone",
            "redis-sentinel", "redis-cluster", "monitoring");

    /** What an operator may deploy: both overlays, production with each component, and with a full set at once. */
    static final List<String> RENDERS = renders();

    private static List<String> renders() {
        List<String> renders = new ArrayList<>(List.of("local", "production"));
        COMPONENTS.forEach(component -> renders.add("production+" + component));
        renders.add("production+issuers+trusted-proxies+routes+redis-cluster+monitoring");
        return List.copyOf(renders);
    }

    /** For {@code @MethodSource}: every render. */
    static List<String> allRenders() {
        return RENDERS;
    }

    /** The renders that are production: every composition onto the production overlay. */
    static List<String> productionRenders() {
        return RENDERS.stream().filter(name -> name.startsWith("production")).toList();
    }

    /** An overlay ({@code local}, {@code production}) or an overlay with components ({@code production+routes}). */
    static RenderedManifests of(String overlay) {
        return new RenderedManifests(overlay, Kustomize.render(overlay));
    }

    boolean composes(String component) {
        return List.of(overlay.split("\\+")).contains(component);
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(kind(o))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(Yamls.stringAt(o, "metadata.name"))).findFirst();
    }

    Map<String, Object> get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + " renders no " + kind + "/" + name));
    }

    List<Map<String, Object>> workloads() {
        return objects.stream().filter(o -> WORKLOADS.contains(kind(o))).toList();
    }

    static String kind(Map<String, Object> object) {
        return String.valueOf(object.get("kind"));
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

    /**
     * The gateway's trusted proxies: from GATEWAY_TRUSTED_PROXIES, or from portcullis.http.trusted-proxies in an
     * application.yml mounted under /etc/portcullis (the trusted-proxies component), never from both (the file
     * would silently outrank the variable).
     */
    List<String> gatewayTrustedProxies() {
        String variable = env(appContainer("gateway")).get("GATEWAY_TRUSTED_PROXIES");
        List<String> fromFiles = new ArrayList<>();
        gatewayConfigFiles().values().forEach(yml -> {
            Object value = Yamls.property(yml, "portcullis.http.trusted-proxies");
            // Spring binds a list from a YAML sequence or from a comma-separated string
            List<Object> cidrs = value instanceof String text ? List.of((Object[]) text.split("\\s*,\\s*")) : Yamls.list(value);
            cidrs.forEach(cidr -> fromFiles.add(cidr.toString()));
        });
        if (variable != null && !fromFiles.isEmpty()) {
            throw new AssertionError(overlay + " sets the trusted proxies both by GATEWAY_TRUSTED_PROXIES and in a file");
        }
        return variable != null ? List.of(variable.split("\\s*,\\s*")) : fromFiles;
    }

    /** Mount path under /etc/portcullis to the application.yml of the ConfigMap mounted there. */
    Map<String, Map<String, Object>> gatewayConfigFiles() {
        Map<String, Object> deployment = get("Deployment", "gateway");
        Map<String, Map<String, Object>> files = new java.util.TreeMap<>();
        for (Map<String, Object> mount : Yamls.maps(appContainer("gateway").get("volumeMounts"))) {
            String path = mount.get("mountPath").toString();
            if (!path.startsWith("/etc/portcullis/")) {
                continue;
            }
            Map<String, Object> volume = Yamls.maps(podSpec(deployment).get("volumes")).stream()
                .filter(v -> mount.get("name").equals(v.get("name"))).findFirst().orElseThrow();
            Map<String, Object> configMap = get("ConfigMap", Yamls.stringAt(volume, "configMap.name"));
            files.put(path, Yamls.parseAll(Yamls.mapAt(configMap, "data").get("application.yml").toString()).getFirst());
        }
        return files;
    }

    /** Whether a later variable of the same container expands {@code $(name)} (Kubernetes' dependent variables). */
    static boolean expandedIntoALaterVariable(Map<String, String> env, String name) {
        List<String> names = List.copyOf(env.keySet());
        return names.subList(names.indexOf(name) + 1, names.size()).stream()
            .anyMatch(later -> env.get(later).contains("$(" + name + ")"));
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
