package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** The alert rules load and page on what matters; the dashboard shows what they watch; every name is exported. */
class PrometheusAndGrafanaTest {

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
                assertThat(Yamls.map(rule.get("annotations"))).containsKeys("summary", "description");
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
    }

    @Test
    void everyReferencedMetricIsOneTheApplicationsExport() {
        assertThat(MetricReferences.referencedMetricNames()).isNotEmpty().isSubsetOf(DocumentedMetrics.EXPORTED);
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
    void dashboardQueriesTheProvisionedDatasource() {
        Map<String, Object> datasources = Yamls.load(Repo.file("deploy/grafana/provisioning/datasources/prometheus.yml"));
        Map<String, Object> datasource = Yamls.maps(datasources.get("datasources")).getFirst();
        JsonNode dashboard = MetricReferences.dashboard();

        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        assertThat(dashboard.get("uid").asString()).isNotBlank();
        List<String> uids = dashboard.findValues("datasource").stream().map(ds -> ds.get("uid").asString()).toList();
        assertThat(uids).isNotEmpty().containsOnly(datasource.get("uid").toString());
        List<JsonNode> panels = dashboard.get("panels").valueStream().filter(p -> !"row".equals(p.get("type").asString())).toList();
        assertThat(panels).allSatisfy(panel -> assertThat(panel.get("targets").size()).isPositive());
        assertThat(panels.stream().map(p -> p.get("id").asInt()).distinct().count()).isEqualTo(panels.size());
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
