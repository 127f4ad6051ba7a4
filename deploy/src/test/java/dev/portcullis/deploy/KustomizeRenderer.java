package dev.portcullis.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset of kustomize the Portcullis
 * manifests use, so that the deploy tests need no kubectl: {@code resources} (files and directories),
 * {@code namespace}, {@code patches} (strategic merge from a file, target taken from the patch's kind and
 * name), {@code images} and {@code configMapGenerator}/{@code secretGenerator} ({@code files} and
 * {@code literals}, with kustomize's content-hash name suffix and the rewriting of references to it).
 * Anything else in a kustomization fails loudly: the manifests must stay within what is checked here.
 */
final class KustomizeRenderer {

    static final Set<String> SUPPORTED_FIELDS = Set.of("apiVersion", "kind", "namespace", "resources", "patches",
            "images", "configMapGenerator", "secretGenerator");

    private static final Set<String> CLUSTER_SCOPED_KINDS = Set.of("Namespace", "ClusterRole",
            "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass", "IngressClass",
            "PriorityClass");

    private static final Set<String> WORKLOAD_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job",
            "ReplicaSet");

    private KustomizeRenderer() {
    }

    /** The objects {@code kubectl kustomize dir} would print, in no particular order. */
    static List<Map<String, Object>> render(Path dir) {
        Map<String, String> generatedNames = new LinkedHashMap<>();
        List<Map<String, Object>> objects = build(dir.toAbsolutePath().normalize(), generatedNames);
        objects.forEach(object -> rewriteGeneratedNameReferences(object, generatedNames));
        return objects;
    }

    private static List<Map<String, Object>> build(Path dir, Map<String, String> generatedNames) {
        Map<String, Object> kustomization = Yamls.load(kustomizationFile(dir));
        for (String field : kustomization.keySet()) {
            if (!SUPPORTED_FIELDS.contains(field)) {
                throw new IllegalArgumentException("kustomization field '" + field + "' in " + dir
                        + " is outside the subset the deploy tests render: " + SUPPORTED_FIELDS);
            }
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object entry : Yamls.list(kustomization.get("resources"))) {
            Path resource = dir.resolve(entry.toString()).normalize();
            if (Files.isDirectory(resource)) {
                objects.addAll(build(resource, generatedNames));
            }
            else {
                Yamls.loadAll(resource).forEach(object -> objects.add(Yamls.deepCopy(object)));
            }
        }
        for (Map<String, Object> generator : Yamls.maps(kustomization.get("configMapGenerator"))) {
            objects.add(generate("ConfigMap", dir, generator, generatedNames));
        }
        for (Map<String, Object> generator : Yamls.maps(kustomization.get("secretGenerator"))) {
            objects.add(generate("Secret", dir, generator, generatedNames));
        }
        for (Map<String, Object> patch : Yamls.maps(kustomization.get("patches"))) {
            applyPatch(dir, patch, objects);
        }
        Object namespace = kustomization.get("namespace");
        if (namespace != null) {
            objects.stream()
                .filter(object -> !CLUSTER_SCOPED_KINDS.contains(kind(object)))
                .forEach(object -> metadata(object).put("namespace", namespace.toString()));
        }
        for (Map<String, Object> image : Yamls.maps(kustomization.get("images"))) {
            objects.forEach(object -> setImage(object, image));
        }
        return objects;
    }

    private static Path kustomizationFile(Path dir) {
        for (String name : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new IllegalArgumentException("no kustomization file in " + dir);
    }

    // ---- generators

    private static Map<String, Object> generate(String kind, Path dir, Map<String, Object> generator,
            Map<String, String> generatedNames) {
        for (String field : generator.keySet()) {
            if (!Set.of("name", "files", "literals").contains(field)) {
                throw new IllegalArgumentException(kind + " generator field '" + field + "' in " + dir
                        + " is outside the subset the deploy tests render");
            }
        }
        String name = generator.get("name").toString();
        Map<String, String> data = new TreeMap<>();
        for (Object literal : Yamls.list(generator.get("literals"))) {
            String[] keyValue = literal.toString().split("=", 2);
            data.put(keyValue[0], keyValue[1]);
        }
        for (Object file : Yamls.list(generator.get("files"))) {
            String[] keyPath = file.toString().split("=", 2);
            Path path = dir.resolve(keyPath.length == 2 ? keyPath[1] : keyPath[0]);
            String key = keyPath.length == 2 ? keyPath[0] : path.getFileName().toString();
            data.put(key, read(path));
        }
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", "v1");
        object.put("kind", kind);
        Map<String, String> stored = new TreeMap<>();
        if (kind.equals("Secret")) {
            data.forEach((k, v) -> stored.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
            object.put("type", "Opaque");
        }
        else {
            stored.putAll(data);
        }
        object.put("data", stored);
        String hashed = name + "-" + nameSuffixHash(kind, stored, kind.equals("Secret") ? "Opaque" : null);
        object.put("metadata", new LinkedHashMap<>(Map.of("name", hashed)));
        generatedNames.put(kind + "/" + name, hashed);
        return object;
    }

    /**
     * kustomize's name suffix: the first ten hex digits of the SHA-256 of a JSON document with sorted keys
     * holding kind, data (and type for a Secret) and an empty name (kustomize v5 looks the name up under a
     * path it never finds), with 0, 1, 3, a, e replaced so that the suffix never reads as a word or a number.
     */
    static String nameSuffixHash(String kind, Map<String, String> data, String secretType) {
        Map<String, Object> encoded = new TreeMap<>();
        encoded.put("data", new TreeMap<>(data));
        encoded.put("kind", kind);
        encoded.put("name", "");
        if (secretType != null) {
            encoded.put("type", secretType);
        }
        String hex;
        try {
            hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(GoJson.write(encoded).getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder suffix = new StringBuilder();
        for (char c : hex.substring(0, 10).toCharArray()) {
            suffix.append(switch (c) {
                case '0' -> 'g';
                case '1' -> 'h';
                case '3' -> 'k';
                case 'a' -> 'm';
                case 'e' -> 't';
                default -> c;
            });
        }
        return suffix.toString();
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces references to a generator's name (volumes, env and envFrom) with the hashed name. */
    private static void rewriteGeneratedNameReferences(Object node, Map<String, String> generatedNames) {
        if (node instanceof Map<?, ?> raw) {
            Map<String, Object> map = Yamls.map(raw);
            for (Map.Entry<String, Object> entry : map.entrySet()) {
                if (entry.getValue() instanceof Map<?, ?> child) {
                    Map<String, Object> ref = Yamls.map(child);
                    switch (entry.getKey()) {
                        case "configMap", "configMapKeyRef", "configMapRef" -> rename(ref, "name", "ConfigMap", generatedNames);
                        case "secretKeyRef", "secretRef" -> rename(ref, "name", "Secret", generatedNames);
                        case "secret" -> {
                            rename(ref, "secretName", "Secret", generatedNames);
                            rename(ref, "name", "Secret", generatedNames);
                        }
                        default -> {
                        }
                    }
                }
                rewriteGeneratedNameReferences(entry.getValue(), generatedNames);
            }
        }
        else if (node instanceof List<?> list) {
            list.forEach(item -> rewriteGeneratedNameReferences(item, generatedNames));
        }
    }

    private static void rename(Map<String, Object> ref, String field, String kind, Map<String, String> generatedNames) {
        Object name = ref.get(field);
        if (name != null && generatedNames.containsKey(kind + "/" + name)) {
            ref.put(field, generatedNames.get(kind + "/" + name));
        }
    }

    // ---- patches

    private static void applyPatch(Path dir, Map<String, Object> patchEntry, List<Map<String, Object>> objects) {
        if (!patchEntry.keySet().equals(Set.of("path"))) {
            throw new IllegalArgumentException("patch " + patchEntry + " in " + dir
                    + ": only `path:` strategic-merge patches are in the rendered subset");
        }
        for (Map<String, Object> patch : Yamls.loadAll(dir.resolve(patchEntry.get("path").toString()))) {
            String kind = kind(patch);
            String name = Yamls.stringAt(patch, "metadata.name");
            List<Map<String, Object>> targets = objects.stream()
                .filter(object -> kind.equals(kind(object)) && name.equals(Yamls.stringAt(object, "metadata.name")))
                .toList();
            if (targets.size() != 1) {
                throw new IllegalArgumentException("patch for " + kind + "/" + name + " in " + dir + " matches "
                        + targets.size() + " objects");
            }
            StrategicMerge.merge(targets.getFirst(), Yamls.deepCopy(patch));
        }
    }

    // ---- images

    private static void setImage(Map<String, Object> object, Map<String, Object> image) {
        if (!WORKLOAD_KINDS.contains(kind(object)) && !"Pod".equals(kind(object))) {
            return;
        }
        Map<String, Object> podSpec = "Pod".equals(kind(object)) ? Yamls.mapAt(object, "spec")
                : Yamls.mapAt(object, "spec.template.spec");
        List<Map<String, Object>> containers = new ArrayList<>(Yamls.maps(podSpec.get("containers")));
        containers.addAll(Yamls.maps(podSpec.get("initContainers")));
        for (Map<String, Object> container : containers) {
            String current = container.get("image").toString();
            int at = current.indexOf('@');
            int colon = current.lastIndexOf(':');
            int cut = at >= 0 ? at : (colon > current.lastIndexOf('/') ? colon : current.length());
            String repository = current.substring(0, cut);
            if (!repository.equals(image.get("name"))) {
                continue;
            }
            String tagOrDigest = current.substring(cut);
            String newRepository = image.containsKey("newName") ? image.get("newName").toString() : repository;
            if (image.containsKey("digest")) {
                tagOrDigest = "@" + image.get("digest");
            }
            else if (image.containsKey("newTag")) {
                tagOrDigest = ":" + image.get("newTag");
            }
            container.put("image", newRepository + tagOrDigest);
        }
    }

    static String kind(Map<String, Object> object) {
        return String.valueOf(object.get("kind"));
    }

    private static Map<String, Object> metadata(Map<String, Object> object) {
        return Yamls.map(object.computeIfAbsent("metadata", k -> new LinkedHashMap<>()));
    }
}
