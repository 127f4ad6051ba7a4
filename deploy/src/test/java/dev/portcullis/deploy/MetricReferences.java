package dev.portcullis.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metric names the alert rules and the Grafana dashboard query. Usable from any test: compare
 * {@link #referencedMetricNames()} with the names a running application exports.
 */
public final class MetricReferences {

    static final String RULES = "deploy/prometheus/rules/portcullis-alerts.yml";
    static final String DASHBOARD = "deploy/grafana/dashboards/portcullis.json";

    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    private MetricReferences() {
    }

    /** Every metric name the rules and the dashboard query, without Prometheus' own (up, scrape_*). */
    public static Set<String> referencedMetricNames() {
        Set<String> names = new TreeSet<>();
        alertExpressions().values().forEach(expr -> names.addAll(metricNames(expr)));
        dashboardExpressions().forEach(expr -> names.addAll(metricNames(expr)));
        names.removeAll(DocumentedMetrics.SYNTHETIC);
        return names;
    }

    /** Alert name to its expression. */
    static Map<String, String> alertExpressions() {
        Map<String, String> alerts = new LinkedHashMap<>();
        for (Map<String, Object> group : Yamls.maps(Yamls.load(Repo.file(RULES)).get("groups"))) {
            for (Map<String, Object> rule : Yamls.maps(group.get("rules"))) {
                alerts.put(String.valueOf(rule.get("alert")), String.valueOf(rule.get("expr")));
            }
        }
        return alerts;
    }

    static List<String> dashboardExpressions() {
        return dashboard().findValues("expr").stream().map(JsonNode::asString).toList();
    }

    static JsonNode dashboard() {
        return JsonMapper.builder().build().readTree(Repo.file(DASHBOARD).toFile());
    }

    /** The metric names in a PromQL expression: identifiers that are not functions, keywords or label names. */
    static Set<String> metricNames(String expr) {
        String stripped = STRING.matcher(expr).replaceAll(" ");
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGE.matcher(stripped).replaceAll(" ");
        stripped = GROUPING.matcher(stripped).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String word = m.group(1);
            boolean function = m.group(2) != null;
            if (!function && !PROMQL_WORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }
}
