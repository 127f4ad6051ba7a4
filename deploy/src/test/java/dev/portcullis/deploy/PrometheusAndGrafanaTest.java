package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** The alert rules load and page on what matters; the dashboard shows what they watch; every name is exported. */
class PrometheusAndGrafanaTest {

    static final String RUNBOOKS = "docs/runbooks.md";
    static final String RUNBOOKS_URL = "https://github.com/portcullis/portcullis/blob/main/" + RUNBOOKS;

    @Test
    void rulesFileHasTheShapePrometheusLoads() {
        Map<String, Object> rules = Yamls.load(Repo.file(MetricReferences.RULES));

        assertThat(rules).containsOnlyKeys("groups");
        Set<String> groupNames = new HashSet<>();
        Set<String> alertNames = new HashSet<>();
        for (Map<String, Object> group : Yamls.maps(rules.get("groups"))) {
            assertThat(groupNames.add(String.valueOf(group.get("name")))).as("unique group name " + group.get("name")).isTrue();
            assertThat(Yamls.maps(group.get("rules"))).isNotEmpty().allSatisfy(rule -> {
                assertThat(rule).containsKeys("alert", "expr", "labels", "annotations");
                assertThat(rule.keySet()).isSubsetOf("alert", "expr", "for", "keep_firing_for", "labels", "annotations");
                assertThat(alertNames.add(rule.get("alert").toString())).as("unique alert " + rule.get("alert")).isTrue();
                assertThat(rule.get("alert").toString()).matches("[A-Z][A-Za-z0-9]+");
                assertThat(rule.get("expr").toString()).isNotBlank().satisfies(PrometheusAndGrafanaTest::balanced);
                if (rule.containsKey("for")) {
                    assertThat(rule.get("for").toString()).matches("\\d+[smhd]");
                }
                assertThat(Yamls.map(rule.get("labels")).get("severity")).isIn("critical", "warning");
                assertThat(Yamls.map(rule.get("annotations"))).containsKeys("summary", "description", "runbook_url");
            });
        }
    }

    @Test
    void alertsCoverRejectionsJwksRedisCircuitsLatencyRefreshReuseAndDownInstances() {
        Map<String, String> alerts = MetricReferences.alertExpressions();

        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("portcullis_gateway_rejections_total").contains("by (reason)"));
        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("portcullis_jwks_fetches_total").contains("outcome=\"failure\""));
        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("portcullis_revocation_view_live").contains("redis"));
        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("resilience4j_circuitbreaker_state").contains("state=\"open\""));
        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("histogram_quantile(0.99").contains("portcullis_gateway_requests_seconds_bucket"));
        assertThat(alerts.values()).anySatisfy(expr -> assertThat(expr).contains("portcullis_auth_refresh_reuse_total"));
        assertThat(alerts.values()).anySatisfy(expr -> assertThat(expr).startsWith("up{").endsWith("== 0"));
        assertThat(alerts.values()).anySatisfy(expr ->
                assertThat(expr).contains("portcullis_gateway_rejections_total{reason=\"keys_unavailable\"}"));
        // fail-open: requests a fail-open route let through with the revocation status unknown, counted by the gateway
        assertThat(alerts.values()).anySatisfy(expr -> assertThat(expr).contains("portcullis_revocation_fail_open_total"));
        assertThat(alerts.values()).anySatisfy(expr -> assertThat(expr).contains("portcullis_revocation_view_gaps_total"));
        assertThat(alerts.values()).anySatisfy(expr -> assertThat(expr).contains("portcullis_identity_refused_total"));
    }

    @Test
    void everyRunbookUrlPointsAtASectionOfTheRunbooks() throws java.io.IOException {
        Set<String> anchors = headingAnchors(java.nio.file.Files.readAllLines(Repo.file(RUNBOOKS)));
        Set<String> linked = new HashSet<>();

        for (Map<String, Object> group : Yamls.maps(Yamls.load(Repo.file(MetricReferences.RULES)).get("groups"))) {
            for (Map<String, Object> rule : Yamls.maps(group.get("rules"))) {
                String url = Yamls.map(rule.get("annotations")).get("runbook_url").toString();
                assertThat(url).as(rule.get("alert") + " runbook_url").startsWith(RUNBOOKS_URL + "#");
                String anchor = url.substring(url.indexOf('#') + 1);
                assertThat(anchors).as(rule.get("alert") + ": section #" + anchor + " in " + RUNBOOKS).contains(anchor);
                linked.add(anchor);
            }
        }
        assertThat(linked).as("every alert has a section of its own").hasSize(MetricReferences.alertExpressions().size());
    }

    @Test
    void makesHeadingAnchorsTheWayGitHubDoes() {
        assertThat(headingAnchors(List.of("# Runbooks", "## PortcullisKeysUnavailable", "### What to check: Redis & keys",
                "```", "## not a heading inside a code block", "```")))
            .containsExactlyInAnyOrder("runbooks", "portculliskeysunavailable", "what-to-check-redis--keys");
    }

    /** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces to dashes. */
    static Set<String> headingAnchors(List<String> lines) {
        Set<String> anchors = new HashSet<>();
        boolean code = false;
        for (String line : lines) {
            if (line.startsWith("```")) {
                code = !code;
            }
            else if (!code && line.matches("#{1,6} .*")) {
                String text = line.replaceFirst("#{1,6} ", "").trim().toLowerCase(java.util.Locale.ROOT);
                anchors.add(text.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    @Test
    void everyReferencedMetricIsOneTheApplicationsExport() {
        assertThat(MetricReferences.referencedMetricNames()).isNotEmpty().isSubsetOf(DocumentedMetrics.EXPORTED);
    }

    @Test
    void readsMeterNamesOutOfTheSourcesAsPrometheusRendersThem() {
        assertThat(DocumentedMetrics.meterNames("""
                Counter.builder("a.b").tag("route", route).register(r);
                Timer.builder("c.d")
                    .serviceLevelObjectives(SLO).register(r);
                Timer.builder("e").register(r); Gauge.builder("f.g", x, X::get).register(r);
                CaffeineCacheMetrics.monitor(meters, cache, "h");
                """)).containsExactlyInAnyOrder("a_b_total", "c_d_seconds_count", "c_d_seconds_sum", "c_d_seconds_max",
                "c_d_seconds_bucket", "e_seconds_count", "e_seconds_sum", "e_seconds_max", "f_g", "h_size",
                "h_gets_total", "h_puts_total", "h_evictions_total");
        // and from the real code: the request timer publishes buckets, the revocation-check timer does not
        assertThat(DocumentedMetrics.EXPORTED).contains("portcullis_gateway_requests_seconds_bucket",
                "portcullis_revocation_view_gaps_total", "portcullis_identity_refused_total", "portcullis_auth_logins_total")
            .doesNotContain("portcullis_revocation_checks_seconds_bucket");
        assertThat(DocumentedMetrics.ROUTE_TAGGED).contains("portcullis_gateway_requests_seconds_count",
                "portcullis_gateway_rejections_total", "portcullis_ratelimit_decisions_total")
            .doesNotContain("portcullis_jwks_fetches_total");
    }

    @Test
    void readsMetricNamesOutOfPromQl() {
        assertThat(MetricReferences.metricNames(
                "sum by (le, route) (rate(a_seconds_bucket{status=~\"5..\", x=\"y\"}[5m] offset 5m)) > 0.5 and on(instance) b_total"))
            .containsExactlyInAnyOrder("a_seconds_bucket", "b_total");
    }

    @Test
    void dashboardShowsEveryMetricAnAlertWatches() {
        Set<String> onDashboard = MetricReferences.dashboardExpressions().stream()
            .flatMap(expr -> MetricReferences.metricNames(expr).stream())
            .collect(Collectors.toCollection(TreeSet::new));

        MetricReferences.alertExpressions().forEach((alert, expr) ->
            assertThat(onDashboard).as(alert).containsAll(MetricReferences.metricNames(expr)));
    }

    @Test
    void dashboardQueriesTheDatasourceItsVariableNamesDefaultingToTheProvisionedOne() {
        Map<String, Object> datasources = Yamls.load(Repo.file("deploy/grafana/provisioning/datasources/prometheus.yml"));
        Map<String, Object> datasource = Yamls.maps(datasources.get("datasources")).getFirst();
        JsonNode dashboard = MetricReferences.dashboard();

        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        assertThat(dashboard.get("uid").asString()).isNotBlank();
        JsonNode variable = variable(dashboard, "datasource");
        assertThat(variable.get("type").asString()).isEqualTo("datasource");
        assertThat(variable.get("query").asString()).isEqualTo("prometheus");
        assertThat(variable.at("/current/value").asString()).isEqualTo(datasource.get("uid").toString());
        // every panel, every query and the other variables: the selected datasource, never a fixed uid
        List<String> uids = dashboard.findValues("datasource").stream()
            .filter(JsonNode::isObject).map(ds -> ds.get("uid").asString()).toList();
        assertThat(uids).isNotEmpty().containsOnly("${datasource}");
        List<JsonNode> panels = panels(dashboard);
        assertThat(panels).allSatisfy(panel -> {
            assertThat(panel.at("/datasource/uid").asString()).as(panel.get("title").asString()).isEqualTo("${datasource}");
            assertThat(panel.get("targets").size()).isPositive();
            panel.get("targets").valueStream().forEach(target ->
                assertThat(target.at("/datasource/uid").asString()).isEqualTo("${datasource}"));
        });
        assertThat(panels.stream().map(p -> p.get("id").asInt()).distinct().count()).isEqualTo(panels.size());
    }

    @Test
    void everyPanelFiltersByTheInstanceVariableAndRouteTaggedSeriesByTheRouteVariable() {
        JsonNode dashboard = MetricReferences.dashboard();

        for (String name : List.of("instance", "route")) {
            JsonNode variable = variable(dashboard, name);
            assertThat(variable.get("type").asString()).isEqualTo("query");
            assertThat(variable.get("multi").asBoolean()).isTrue();
            assertThat(variable.get("includeAll").asBoolean()).isTrue();
            assertThat(variable.get("allValue").asString()).isEqualTo(".*");
            assertThat(variable.at("/query/query").asString()).startsWith("label_values(").contains(", " + name + ")");
        }
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.get("targets").valueStream().toList()) {
                String expr = target.get("expr").asString();
                for (String metric : MetricReferences.metricNames(expr)) {
                    Matcher selector = Pattern.compile("(?<![\\w:])" + metric + "(\\{[^}]*})?(?![\\w:])").matcher(expr);
                    while (selector.find()) {
                        String matchers = selector.group(1) == null ? "" : selector.group(1);
                        assertThat(matchers).as(panel.get("title").asString() + ": " + metric).contains("instance=~\"$instance\"");
                        if (DocumentedMetrics.ROUTE_TAGGED.contains(metric)) {
                            assertThat(matchers).as(panel.get("title").asString() + ": " + metric).contains("route=~\"$route\"");
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyMetricTheDashboardQueriesIsOneTheApplicationsCodeRegisters() {
        Set<String> queried = MetricReferences.dashboardExpressions().stream()
            .flatMap(expr -> MetricReferences.metricNames(expr).stream())
            .filter(name -> !DocumentedMetrics.SYNTHETIC.contains(name))
            .collect(Collectors.toCollection(TreeSet::new));

        assertThat(queried).isNotEmpty().isSubsetOf(DocumentedMetrics.EXPORTED);
    }

    @Test
    void prometheusOperatorRuleCarriesExactlyTheRulesFile() {
        Map<String, Object> rule = Yamls.load(Repo.file("deploy/k8s/components/monitoring/prometheus-rule.yaml"));

        assertThat(rule).containsEntry("kind", "PrometheusRule");
        assertThat(Yamls.at(rule, "spec.groups")).isEqualTo(Yamls.load(Repo.file(MetricReferences.RULES)).get("groups"));
    }

    private static JsonNode variable(JsonNode dashboard, String name) {
        return dashboard.at("/templating/list").valueStream().filter(v -> name.equals(v.get("name").asString()))
            .findFirst().orElseThrow(() -> new AssertionError("no dashboard variable " + name));
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        return dashboard.get("panels").valueStream().filter(p -> !"row".equals(p.get("type").asString())).toList();
    }

    @Test
    void composeScrapesEveryManagementPortAndLoadsTheRules() {
        Map<String, Object> prometheus = Yamls.load(Repo.file("deploy/prometheus/prometheus.yml"));

        Set<String> targets = Yamls.maps(prometheus.get("scrape_configs")).stream()
            .filter(job -> "portcullis".equals(job.get("job_name")))
            .peek(job -> assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus"))
            .flatMap(job -> Yamls.maps(job.get("static_configs")).stream())
            .flatMap(config -> Yamls.list(config.get("targets")).stream().map(Object::toString))
            .collect(Collectors.toSet());
        assertThat(targets).containsExactlyInAnyOrderElementsOf(List.of(PortcullisApp.values()).stream()
            .map(app -> app.appName() + ":" + app.managementPort()).toList());
        assertThat(Yamls.list(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/rules/*.yml");
    }

    @Test
    void kubernetesScrapeJobFollowsThePodAnnotations() {
        Map<String, Object> prometheus = Yamls.load(Repo.file("deploy/prometheus/prometheus-kubernetes.yml"));
        Map<String, Object> job = Yamls.maps(prometheus.get("scrape_configs")).getFirst();

        assertThat(Yamls.maps(job.get("kubernetes_sd_configs")).getFirst()).containsEntry("role", "pod");
        String relabels = job.get("relabel_configs").toString();
        assertThat(relabels).contains("__meta_kubernetes_pod_annotation_prometheus_io_scrape",
                "__meta_kubernetes_pod_annotation_prometheus_io_port", "__meta_kubernetes_pod_annotation_prometheus_io_path");
        assertThat(Yamls.list(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/rules/*.yml");
    }

    private static void balanced(String expr) {
        int depth = 0;
        for (char c : expr.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            assertThat(depth).as("parentheses in " + expr).isNotNegative();
        }
        assertThat(depth).as("parentheses in " + expr).isZero();
    }
}
