package dev.portcullis.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Parses YAML into plain maps and lists, and walks them without a cast on every line. */
final class Yamls {

    private Yamls() {
    }

    static Map<String, Object> load(Path file) {
        List<Map<String, Object>> documents = loadAll(file);
        if (documents.size() != 1) {
            throw new IllegalArgumentException(file + " holds " + documents.size() + " documents, expected one");
        }
        return documents.getFirst();
    }

    static List<Map<String, Object>> loadAll(Path file) {
        try {
            return parseAll(Files.readString(file));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Map<String, Object>> parseAll(String text) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new LoaderOptions()).loadAll(text)) {
            if (document != null) {
                documents.add(map(document));
            }
        }
        return documents;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("expected a mapping, got " + value);
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("expected a sequence, got " + value);
        }
        return (List<Object>) value;
    }

    static List<Map<String, Object>> maps(Object value) {
        return list(value).stream().map(Yamls::map).toList();
    }

    /** The value at a dotted path of mapping keys, or null. */
    static Object at(Map<String, Object> root, String dottedPath) {
        Object current = root;
        for (String key : dottedPath.split("\\.")) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    /**
     * A Spring property from a parsed YAML file, whichever way the file writes its key: nested mappings
     * ({@code portcullis: {http: ...}}), dotted keys ({@code portcullis.http: ...}) or a mix; null when absent.
     */
    static Object property(Map<String, Object> root, String dottedKey) {
        if (root.containsKey(dottedKey)) {
            return root.get(dottedKey);
        }
        String[] parts = dottedKey.split("\\.");
        for (int i = parts.length - 1; i >= 1; i--) {
            String head = String.join(".", java.util.Arrays.copyOfRange(parts, 0, i));
            if (root.get(head) instanceof Map<?, ?> child) {
                Object value = property(map(child), String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)));
                if (value != null) {
                    return value;
                }
            }
        }
        return null;
    }

    static Map<String, Object> mapAt(Map<String, Object> root, String dottedPath) {
        return map(at(root, dottedPath));
    }

    static String stringAt(Map<String, Object> root, String dottedPath) {
        Object value = at(root, dottedPath);
        return value == null ? null : value.toString();
    }
}
