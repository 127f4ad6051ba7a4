package dev.portcullis.testsupport;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The two places a module's configuration keys are described, side by side, so that a test can keep them equal: the
 * metadata {@code spring-boot-configuration-processor} generated from the {@code @ConfigurationProperties} records
 * (what IDEs complete and document), and the configuration reference tables of the module's README.
 */
public final class ConfigurationReference {

    private static final Pattern LEADING_CODE = Pattern.compile("^`([^`]*)`\\s*(?:,|/)?\\s*");

    private ConfigurationReference() {
    }

    /** One key of the generated metadata; {@code defaultValue} is normalised (see {@link #normalise}). */
    public record Metadata(String key, String type, String description, String defaultValue) {

        /** A {@code Map} property: its entries are keys below it ({@code prefix.<name>}). */
        public boolean isMap() {
            return type != null && type.startsWith("java.util.Map<");
        }
    }

    /**
     * The properties of the metadata generated for the module that holds {@code anyClassOfTheModule} (its own
     * {@code META-INF/spring-configuration-metadata.json}, not the ones of the jars on the class path).
     */
    public static Map<String, Metadata> metadata(Class<?> anyClassOfTheModule) {
        Map<String, Object> json = read(anyClassOfTheModule);
        Map<String, Metadata> properties = new LinkedHashMap<>();
        for (Object entry : (List<?>) json.getOrDefault("properties", List.of())) {
            Map<?, ?> property = (Map<?, ?>) entry;
            String key = (String) property.get("name");
            properties.put(key, new Metadata(key, (String) property.get("type"), (String) property.get("description"),
                    normalise(property.get("defaultValue"))));
        }
        return properties;
    }

    /**
     * The value hints of the metadata generated for the module that holds {@code anyClassOfTheModule}: hint name (a
     * key, or a map key's {@code <key>.keys}) to each value and its description ({@code null}: none).
     */
    public static Map<String, Map<String, String>> hints(Class<?> anyClassOfTheModule) {
        Map<String, Map<String, String>> hints = new LinkedHashMap<>();
        for (Object entry : (List<?>) read(anyClassOfTheModule).getOrDefault("hints", List.of())) {
            Map<?, ?> hint = (Map<?, ?>) entry;
            Map<String, String> values = new LinkedHashMap<>();
            Object listed = hint.get("values");
            for (Object value : listed == null ? List.of() : (List<?>) listed) {
                values.put(String.valueOf(((Map<?, ?>) value).get("value")), (String) ((Map<?, ?>) value).get("description"));
            }
            hints.put((String) hint.get("name"), values);
        }
        return hints;
    }

    /** How many fallbacks were compared with the metadata, and those that differ from its default. */
    public record FallbackComparison(int compared, List<String> differences) {
    }

    /**
     * Compares each {@code ${VAR:fallback}} of application.yml ({@link #variableFallbacks}) whose key starts with
     * {@code keyPrefix} with the metadata's default of that key; keys the metadata does not name (map entries, other
     * libraries' keys) are left out.
     */
    public static FallbackComparison compareFallbacks(Map<String, String> fallbacks, Map<String, Metadata> metadata,
                                                      String keyPrefix) {
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, String> fallback : fallbacks.entrySet()) {
            Metadata property = metadata.get(fallback.getKey());
            if (property == null || !fallback.getKey().startsWith(keyPrefix)) {
                continue;
            }
            compared++;
            if (!java.util.Objects.equals(fallback.getValue(), property.defaultValue())) {
                differences.add(fallback.getKey() + ": application.yml " + fallback.getValue() + ", metadata "
                        + property.defaultValue());
            }
        }
        return new FallbackComparison(compared, List.copyOf(differences));
    }

    /**
     * The keys whose value is one environment variable with a fallback, {@code ${VARIABLE:fallback}} (as in an
     * {@code application.yml}), to the normalised fallback ({@code null} for an empty one).
     */
    public static Map<String, String> variableFallbacks(Map<String, ?> properties) {
        Pattern placeholder = Pattern.compile("^\\$\\{[A-Z][A-Z0-9_]*:(.*)}$");
        Map<String, String> fallbacks = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            Matcher matcher = placeholder.matcher(String.valueOf(value).trim());
            if (matcher.matches()) {
                fallbacks.put(key, normalise(matcher.group(1)));
            }
        });
        return fallbacks;
    }

    /**
     * The rows of every table in the section of a Markdown file under {@code heading} (until the next heading of the
     * same or a higher level), each as header name to cell text; {@code \|} inside a cell is kept as {@code |}.
     */
    public static List<Map<String, String>> tableRows(Path markdown, String heading) {
        List<String> lines;
        try {
            lines = Files.readAllLines(markdown);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int level = -1;
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> header = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher title = Pattern.compile("^(#+)\\s+(.*)$").matcher(line);
            if (title.matches()) {
                if (level < 0 && title.group(2).trim().equals(heading)) {
                    level = title.group(1).length();
                } else if (level > 0 && title.group(1).length() <= level) {
                    break;
                }
                continue;
            }
            if (level < 0) {
                continue;
            }
            if (!line.startsWith("|")) {
                header = null;
                continue;
            }
            List<String> cells = cells(line);
            if (header == null) {
                header = cells;
                i++; // the |---| line
                continue;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.size() && c < cells.size(); c++) {
                row.put(header.get(c), cells.get(c));
            }
            rows.add(row);
        }
        if (level < 0) {
            throw new IllegalArgumentException("no heading '" + heading + "' in " + markdown);
        }
        return rows;
    }

    /**
     * The back-quoted values a cell starts with, separated by {@code ,} or {@code /}: {@code `30s` / `5m` (cap)} gives
     * {@code 30s, 5m}; a cell that does not start with one (prose, "none", "required"), or no cell, gives none.
     */
    public static List<String> leadingValues(String cell) {
        List<String> values = new ArrayList<>();
        if (cell == null) {
            return values; // a row of another table of the section, without that column
        }
        String rest = cell.trim();
        Matcher code = LEADING_CODE.matcher(rest);
        while (code.find()) {
            values.add(code.group(1));
            rest = rest.substring(code.end());
            code = LEADING_CODE.matcher(rest);
        }
        return values;
    }

    /**
     * The keys a cell names: {@code `a.b.c`, `.d`} gives {@code a.b.c, a.b.d} (a leading dot replaces the last part of
     * the key before it); {@code clients[]} gives {@code clients}; {@code keys.<name>} gives {@code keys}.
     */
    public static List<String> keys(String cell, String prefix) {
        List<String> keys = new ArrayList<>();
        String previous = null;
        for (String value : leadingValues(cell)) {
            String key;
            if (value.startsWith(".") && previous != null) {
                key = previous.substring(0, previous.lastIndexOf('.')) + value;
            } else {
                key = prefix + value;
            }
            previous = key;
            keys.add(key.replace("[]", "").replaceAll("\\.<[^>]+>$", ""));
        }
        return keys;
    }

    /**
     * A default as text, to compare the README's with the metadata's: lists (and {@code [a, b]} strings) become
     * {@code a,b}; an empty list or string is no default ({@code null}); numbers lose a {@code .0}.
     */
    public static String normalise(Object value) {
        if (value == null) {
            return null;
        }
        String text;
        if (value instanceof List<?> list) {
            text = list.stream().map(String::valueOf).collect(Collectors.joining(","));
        } else if (value instanceof Double number && number == Math.rint(number)) {
            text = Long.toString(number.longValue());
        } else {
            text = String.valueOf(value).trim();
            if (text.startsWith("[") && text.endsWith("]")) {
                text = text.substring(1, text.length() - 1);
            }
        }
        text = Pattern.compile("\\s*,\\s*").splitAsStream(text.trim()).collect(Collectors.joining(","));
        return text.isEmpty() ? null : text;
    }

    /** The module's generated metadata, from its classes directory or, in a reactor build, its jar. */
    private static Map<String, Object> read(Class<?> anyClassOfTheModule) {
        Path classes;
        try {
            classes = Path.of(anyClassOfTheModule.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String entry = "META-INF/spring-configuration-metadata.json";
        try {
            String json;
            if (Files.isDirectory(classes)) {
                json = Files.readString(classes.resolve(entry));
            } else {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(classes.toFile())) {
                    java.util.jar.JarEntry found = jar.getJarEntry(entry);
                    if (found == null) {
                        throw new IOException(entry + " is not in " + classes);
                    }
                    json = new String(jar.getInputStream(found).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
            return JSONObjectUtils.parse(json);
        } catch (IOException e) {
            throw new UncheckedIOException("no configuration metadata in " + classes
                    + ": is spring-boot-configuration-processor on the compiler's annotation processor path?", e);
        } catch (ParseException e) {
            throw new IllegalStateException(classes + ": " + entry + " is not JSON", e);
        }
    }

    private static List<String> cells(String line) {
        String body = line.trim();
        body = body.substring(1, body.endsWith("|") ? body.length() - 1 : body.length());
        List<String> cells = new ArrayList<>();
        for (String cell : body.replace("\\|", "\u0000").split("\\|", -1)) {
            cells.add(cell.replace('\u0000', '|').trim());
        }
        return cells;
    }
}
