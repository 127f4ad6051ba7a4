package dev.portcullis.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of Kubernetes' strategic merge patch that the overlays use: mappings merge recursively, a null
 * value deletes the key, lists of containers, env vars, volumes, mounts and ports merge item by item on their
 * merge key (name, mountPath, containerPort, topologyKey), and any other list is replaced.
 */
final class StrategicMerge {

    private static final Map<String, String> MERGE_KEYS = Map.of(
            "containers", "name",
            "initContainers", "name",
            "env", "name",
            "envFrom", "",
            "volumes", "name",
            "volumeMounts", "mountPath",
            "imagePullSecrets", "name",
            "topologySpreadConstraints", "topologyKey");

    private StrategicMerge() {
    }

    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (Map.Entry<String, Object> entry : patch.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            Object current = target.get(key);
            if (value == null) {
                target.remove(key);
            }
            else if (current instanceof Map<?, ?> currentMap && value instanceof Map<?, ?> patchMap) {
                merge(Yamls.map(currentMap), Yamls.map(patchMap));
            }
            else if (current instanceof List<?> currentList && value instanceof List<?> patchList) {
                target.put(key, mergeList(key, Yamls.list(currentList), Yamls.list(patchList)));
            }
            else {
                target.put(key, value);
            }
        }
    }

    private static List<Object> mergeList(String field, List<Object> current, List<Object> patch) {
        String mergeKey = mergeKey(field, current, patch);
        if (mergeKey == null) {
            return patch;
        }
        List<Object> merged = new ArrayList<>(current);
        for (Object item : patch) {
            Map<String, Object> patchItem = Yamls.map(item);
            Object id = patchItem.get(mergeKey);
            Map<String, Object> existing = merged.stream()
                .map(Yamls::map)
                .filter(m -> Objects.equals(m.get(mergeKey), id))
                .findFirst()
                .orElse(null);
            if (existing == null) {
                merged.add(patchItem);
            }
            else {
                merge(existing, patchItem);
            }
        }
        return merged;
    }

    private static String mergeKey(String field, List<Object> current, List<Object> patch) {
        String key = MERGE_KEYS.get(field);
        if ("ports".equals(field)) {
            key = patch.stream().allMatch(p -> p instanceof Map<?, ?> m && m.containsKey("containerPort"))
                    ? "containerPort" : "port";
        }
        if (key == null || key.isEmpty()) {
            return null;
        }
        String k = key;
        boolean keyed = current.stream().allMatch(i -> i instanceof Map<?, ?> m && m.containsKey(k))
                && patch.stream().allMatch(i -> i instanceof Map<?, ?> m && m.containsKey(k));
        return keyed ? key : null;
    }
}
