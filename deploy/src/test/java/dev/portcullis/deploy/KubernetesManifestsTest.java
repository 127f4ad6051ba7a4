package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Invariants every overlay must keep, asserted on the objects it renders to. */
class KubernetesManifestsTest {

    private static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void exposesOnlyTheGatewayAndOnlyThroughTheIngress(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        assertThat(manifests.ofKind("Service"))
            .allSatisfy(service -> assertThat(Yamls.stringAt(service, "spec.type")).isIn(null, "ClusterIP"));
        assertThat(manifests.ofKind("Ingress")).hasSize(1);
        List<Map<String, Object>> backends = manifests.ofKind("Ingress").stream()
            .flatMap(ingress -> Yamls.maps(Yamls.at(ingress, "spec.rules")).stream())
            .flatMap(rule -> Yamls.maps(Yamls.at(rule, "http.paths")).stream())
            .map(path -> Yamls.mapAt(path, "backend.service"))
            .toList();
        assertThat(backends).isNotEmpty().allSatisfy(backend -> {
            assertThat(backend.get("name")).isEqualTo("gateway");
            assertThat(Yamls.stringAt(backend, "port.name")).isEqualTo("http");
        });
        assertThat(manifests.get("Service", "gateway"))
            .satisfies(gateway -> assertThat(Yamls.maps(Yamls.at(gateway, "spec.ports")))
                .extracting(p -> p.get("name")).containsExactly("http"));
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void runsEveryContainerAsNonRootOnAReadOnlyRootWithoutCapabilities(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        assertThat(manifests.workloads()).isNotEmpty().allSatisfy(workload -> {
            Map<String, Object> pod = RenderedManifests.podSpec(workload);
            assertThat(Yamls.at(pod, "securityContext.runAsNonRoot")).isEqualTo(true);
            assertThat((Integer) Yamls.at(pod, "securityContext.runAsUser")).isPositive();
            assertThat(Yamls.at(pod, "securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
            assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
            assertThat(RenderedManifests.containers(workload)).allSatisfy(container -> {
                assertThat(Yamls.at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
                assertThat(Yamls.at(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
                assertThat(Yamls.list(Yamls.at(container, "securityContext.capabilities.drop"))).containsExactly("ALL");
                assertThat(Yamls.at(container, "securityContext.privileged")).isNotEqualTo(true);
            });
        });
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void givesEveryContainerResourceRequestsLimitsAndProbes(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        assertThat(manifests.workloads()).allSatisfy(workload -> assertThat(RenderedManifests.containers(workload))
            .allSatisfy(container -> {
                for (String bound : List.of("requests", "limits")) {
                    assertThat(Yamls.at(container, "resources." + bound + ".cpu")).as(bound + " cpu").isNotNull();
                    assertThat(Yamls.at(container, "resources." + bound + ".memory")).as(bound + " memory").isNotNull();
                }
                assertThat(container).containsKeys("readinessProbe", "livenessProbe");
            }));
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void probesEachAppOnTheManagementPortItIsToldToListenOn(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> container = manifests.appContainer(app.appName());
            Map<String, String> env = RenderedManifests.env(container);
            assertThat(env).as(app.appName())
                .containsEntry("SERVER_PORT", String.valueOf(app.port()))
                .containsEntry("MANAGEMENT_SERVER_PORT", String.valueOf(app.managementPort()));
            assertThat(RenderedManifests.resolvePort(container, "http")).isEqualTo(app.port());
            assertThat(RenderedManifests.resolvePort(container, "management")).isEqualTo(app.managementPort());
            Map<String, String> probePaths = Map.of("readinessProbe", "/actuator/health/readiness",
                    "livenessProbe", "/actuator/health/liveness", "startupProbe", "/actuator/health/liveness");
            probePaths.forEach((probe, path) -> {
                assertThat(Yamls.stringAt(container, probe + ".httpGet.path")).as(app + " " + probe).isEqualTo(path);
                assertThat(RenderedManifests.resolvePort(container, Yamls.at(container, probe + ".httpGet.port")))
                    .as(app + " " + probe + " port").isEqualTo(app.managementPort());
            });
            Map<String, Object> annotations = Yamls.mapAt(manifests.get("Deployment", app.appName()),
                    "spec.template.metadata.annotations");
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", String.valueOf(app.managementPort()))
                .containsEntry("prometheus.io/path", "/actuator/prometheus");
            assertThat(Yamls.maps(Yamls.at(manifests.get("Service", app.appName()), "spec.ports")))
                .singleElement()
                .satisfies(port -> assertThat(port.get("port")).isEqualTo(app.port()));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void setsOnlyEnvironmentVariablesTheApplicationsRead(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, String> env = RenderedManifests.env(manifests.appContainer(app.appName()));
            Set<String> names = env.keySet();
            assertThat(app.allowedEnv()).as(app.appName()).containsAll(names);
            // a variable set only to be expanded into a later one ($(REDIS_PASSWORD) in REDIS_URL) is read that way
            assertThat(names).as(app.appName() + " variables missing from its application.yml")
                .allMatch(name -> app.reads(name) || RenderedManifests.expandedIntoALaterVariable(env, name));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void pointsEveryServiceUrlAtAServiceAndPortThatExist(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            RenderedManifests.env(manifests.appContainer(app.appName())).forEach((name, value) -> {
                // a URL built from Secret values ($(REDIS_PASSWORD)) points outside the cluster: see OverlaysTest
                if ((name.endsWith("_URL") || name.endsWith("_URI")) && !value.startsWith("valueFrom:")
                        && !value.contains("$(")) {
                    URI uri = URI.create(value);
                    Map<String, Object> service = manifests.get("Service", uri.getHost());
                    assertThat(Yamls.maps(Yamls.at(service, "spec.ports"))).as(name + "=" + value)
                        .anySatisfy(port -> assertThat(port.get("port")).isEqualTo(uri.getPort()));
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void givesEveryAppTheSameIssuerAndTheGatewayAndAuthServiceTheSameAudience(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        List<String> issuers = List.of(PortcullisApp.values()).stream()
            .filter(app -> app.allowedEnv().contains("AUTH_ISSUER"))
            .map(app -> RenderedManifests.env(manifests.appContainer(app.appName())).get("AUTH_ISSUER"))
            .toList();
        assertThat(issuers).hasSize(3).doesNotContainNull();
        assertThat(Set.copyOf(issuers)).hasSize(1);
        assertThat(RenderedManifests.env(manifests.appContainer("gateway")).get("AUTH_AUDIENCE"))
            .isEqualTo(RenderedManifests.env(manifests.appContainer("auth-service")).get("AUTH_AUDIENCE"))
            .isEqualTo("portcullis");
        assertThat(RenderedManifests.env(manifests.appContainer("gateway")).get("AUTH_JWKS_URI"))
            .isEqualTo("http://auth-service:" + PortcullisApp.AUTH_SERVICE.port() + "/.well-known/jwks.json");
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void mountsATmpVolumeWhereTheJvmWrites(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> deployment = manifests.get("Deployment", app.appName());
            String volume = Yamls.maps(manifests.appContainer(app.appName()).get("volumeMounts")).stream()
                .filter(m -> "/tmp".equals(m.get("mountPath"))).map(m -> m.get("name").toString())
                .findFirst().orElseThrow(() -> new AssertionError(app + " mounts nothing at /tmp"));
            assertThat(Yamls.maps(RenderedManifests.podSpec(deployment).get("volumes")))
                .anySatisfy(v -> assertThat(v).containsEntry("name", volume).containsKey("emptyDir"));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void readsGatewayRoutesFromTheConfigMapMountedUnderEtcPortcullis(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        Map<String, Object> gateway = manifests.appContainer("gateway");

        Map<String, String> env = RenderedManifests.env(gateway);
        assertThat(env).containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:/etc/portcullis/*/")
            .containsEntry("PORTCULLIS_CONFIG_RELOAD_PATHS", "/etc/portcullis");
        Map<String, Object> mount = mountAt(gateway, "/etc/portcullis/routes");
        String configMapName = Yamls.stringAt(volume(manifests.get("Deployment", "gateway"), mount), "configMap.name");
        // the base's name carries a content hash (a change rolls the pods); the routes component's does not (hot reload)
        assertThat(configMapName).matches(manifests.composes("routes") ? "gateway-routes" : "gateway-routes-[a-z0-9]{10}");
        String routes = Yamls.mapAt(manifests.get("ConfigMap", configMapName), "data").get("application.yml").toString();
        List<Map<String, Object>> mounted = Yamls.maps(Yamls.at(Yamls.parseAll(routes).getFirst(), ROUTES));
        assertThat(mounted).extracting(r -> r.get("id")).contains("auth", "users", "products", "orders");
        // Spring replaces a list whole: a route of the gateway's defaults missing here would vanish on Kubernetes, and
        // one whose policy differs would behave otherwise there (a DPoP proof not forwarded to the auth service, say)
        PortcullisApp.GATEWAY.applicationYml().ifPresent(yml -> {
            List<Map<String, Object>> defaults = Yamls.maps(Yamls.at(Yamls.loadAll(yml).getFirst(), ROUTES));
            assertThat(mounted).extracting(r -> Arrays.asList(r.get("id"), r.get("uri"), r.get("predicates"), r.get("metadata")))
                .containsAll(defaults.stream()
                    .map(r -> Arrays.asList(r.get("id"), r.get("uri"), r.get("predicates"), r.get("metadata"))).toList());
        });
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void mountsEachConfigDirectoryUnderEtcPortcullisAsAWholeReadOnlyConfigMapWithAnApplicationYml(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        Map<String, Object> deployment = manifests.get("Deployment", "gateway");

        List<Map<String, Object>> mounts = Yamls.maps(manifests.appContainer("gateway").get("volumeMounts")).stream()
            .filter(m -> m.get("mountPath").toString().startsWith("/etc/portcullis")).toList();
        assertThat(mounts).isNotEmpty().allSatisfy(m -> {
            // one level below /etc/portcullis: what the wildcard location */ reads
            assertThat(m.get("mountPath").toString()).matches("/etc/portcullis/[a-z][a-z-]*");
            assertThat(m.get("readOnly")).isEqualTo(true);
            // a subPath mount is never updated by the kubelet: hot reload would not see a change
            assertThat(m).doesNotContainKey("subPath");
            String configMap = Yamls.stringAt(volume(deployment, m), "configMap.name");
            assertThat(configMap).as(m.get("mountPath") + " is a ConfigMap").isNotNull();
            Map<String, Object> data = Yamls.mapAt(manifests.get("ConfigMap", configMap), "data");
            assertThat(data).containsOnlyKeys("application.yml");
            assertThat(Yamls.parseAll(data.get("application.yml").toString())).hasSize(1);
        });
        List<Object> paths = mounts.stream().map(m -> m.get("mountPath")).toList();
        for (String component : List.of("issuers", "trusted-proxies")) {
            assertThat(paths.contains("/etc/portcullis/" + component)).as(component).isEqualTo(manifests.composes(component));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void finishesGracefulShutdownBeforeTheKubeletKillsThePod(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (PortcullisApp app : PortcullisApp.values()) {
            Map<String, Object> deployment = manifests.get("Deployment", app.appName());
            Map<String, Object> container = manifests.appContainer(app.appName());
            int grace = (Integer) RenderedManifests.podSpec(deployment).get("terminationGracePeriodSeconds");
            List<Object> preStop = Yamls.list(Yamls.at(container, "lifecycle.preStop.exec.command"));
            assertThat(preStop).as(app + " preStop").hasSize(2).first().isEqualTo("sleep");
            int sleep = Integer.parseInt(preStop.get(1).toString());
            String timeout = RenderedManifests.env(container).get(PortcullisApp.SHUTDOWN_TIMEOUT);
            assertThat(timeout).as(app + " " + PortcullisApp.SHUTDOWN_TIMEOUT).matches("\\d+s");
            int shutdown = Integer.parseInt(timeout.substring(0, timeout.length() - 1));
            // the endpoints controller takes the pod out during the sleep; Spring then drains for at most `shutdown`
            assertThat(sleep + shutdown).as(app + ": preStop + shutdown phase < terminationGracePeriodSeconds")
                .isLessThan(grace);
            assertThat(app.applicationYml()).as(app + " application.yml").hasValueSatisfying(yml ->
                assertThat(Yamls.at(Yamls.loadAll(yml).getFirst(), "server.shutdown")).isEqualTo("graceful"));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void leavesReplicasToTheAutoscalerWhereOneScalesTheDeployment(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);

        for (Map<String, Object> hpa : manifests.ofKind("HorizontalPodAutoscaler")) {
            Map<String, Object> target = Yamls.mapAt(hpa, "spec.scaleTargetRef");
            Map<String, Object> deployment = manifests.get(target.get("kind").toString(), target.get("name").toString());
            // kubectl apply would reset the HPA's count to this on every apply
            assertThat(Yamls.mapAt(deployment, "spec")).as(target + " scaled by an HPA").doesNotContainKey("replicas");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void readsSigningKeysFromASecretThatIsNeverCommitted(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        Map<String, Object> auth = manifests.appContainer("auth-service");

        String keysDir = RenderedManifests.env(auth).get("AUTH_KEYS_DIR");
        Map<String, Object> mount = mountAt(auth, keysDir);
        assertThat(mount.get("readOnly")).isEqualTo(true);
        assertThat(Yamls.stringAt(volume(manifests.get("Deployment", "auth-service"), mount), "secret.secretName"))
            .isEqualTo("auth-signing-keys");
        assertThat(manifests.find("Secret", "auth-signing-keys")).isEmpty();
        assertThat(RenderedManifests.env(auth)).containsEntry("AUTH_MFA_ENCRYPTION_KEY",
                "valueFrom:Secret/auth-mfa-encryption-key/key");
        // The only Secret an overlay may generate is the local profile's published demo client secret.
        assertThat(manifests.ofKind("Secret")).allSatisfy(secret ->
            assertThat(RenderedManifests.name(secret)).startsWith("order-service-client-"));
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void eachServiceReadsOnlyItsOwnIdentityKeyAndTheGatewayEachFromASecretNeverCommitted(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        Map<String, String> gateway = RenderedManifests.env(manifests.appContainer("gateway"));

        for (String service : List.of("user-service", "product-service", "order-service")) {
            String secret = "identity-key-" + service;
            Map<String, String> env = RenderedManifests.env(manifests.appContainer(service));
            assertThat(env).as(service).containsEntry("GATEWAY_IDENTITY_KEY", "valueFrom:Secret/" + secret + "/key");
            assertThat(env.values()).as(service + " reads no other service's key")
                .noneMatch(value -> value.startsWith("valueFrom:Secret/identity-key-") && !value.contains(secret + "/"));
            String gatewayVariable =
                service.substring(0, service.indexOf('-')).toUpperCase(java.util.Locale.ROOT) + "_SERVICE_IDENTITY_KEY";
            assertThat(gateway).containsEntry(gatewayVariable, "valueFrom:Secret/" + secret + "/key");
            assertThat(manifests.find("Secret", secret)).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void deniesAllTrafficByDefaultAndLetsOnlyTheGatewayReachTheServices(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        NetworkReachability network = new NetworkReachability(manifests);

        assertThat(network.deniesByDefault("Ingress")).isTrue();
        assertThat(network.deniesByDefault("Egress")).isTrue();
        assertThat(ingressTo(manifests, network, PortcullisApp.GATEWAY)).containsExactly("namespace:ingress-nginx");
        assertThat(ingressTo(manifests, network, PortcullisApp.USER_SERVICE)).containsExactly("gateway");
        assertThat(ingressTo(manifests, network, PortcullisApp.ORDER_SERVICE)).containsExactly("gateway");
        // The one service-to-service call: order-service asks product-service with its own token.
        assertThat(ingressTo(manifests, network, PortcullisApp.PRODUCT_SERVICE)).containsExactly("gateway", "order-service");
        // Token endpoint and JWKS for the gateway and the services that verify or obtain tokens.
        assertThat(ingressTo(manifests, network, PortcullisApp.AUTH_SERVICE))
            .containsExactlyInAnyOrder("gateway", "product-service", "order-service");
        assertThat(network.egressDestinations(manifests.get("Deployment", "user-service"), 9000)).isEmpty();
        for (PortcullisApp app : PortcullisApp.values()) {
            assertThat(network.ingressSources(manifests.get("Deployment", app.appName()), app.managementPort()))
                .as(app + " management port").containsExactly("namespace:monitoring");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.portcullis.deploy.RenderedManifests#allRenders")
    void letsOnlyTheGatewayAndTheAuthServiceReachRedis(String overlay) {
        RenderedManifests manifests = RenderedManifests.of(overlay);
        NetworkReachability network = new NetworkReachability(manifests);

        for (PortcullisApp app : PortcullisApp.values()) {
            Set<String> redis = network.egressDestinations(manifests.get("Deployment", app.appName()), 6379);
            boolean mayUseRedis = app == PortcullisApp.GATEWAY || app == PortcullisApp.AUTH_SERVICE;
            assertThat(redis.isEmpty()).as(app + " egress to Redis " + redis).isEqualTo(!mayUseRedis);
            if (mayUseRedis) {
                assertThat(redis).as(app.appName())
                    .isEqualTo(overlay.equals("local") ? Set.of("redis") : Set.of("ip:0.0.0.0/0"));
            }
        }
        manifests.find("StatefulSet", "redis").ifPresent(redis ->
            assertThat(network.ingressSources(redis, 6379)).containsExactly("auth-service", "gateway"));
    }

    private static Set<String> ingressTo(RenderedManifests manifests, NetworkReachability network, PortcullisApp app) {
        return network.ingressSources(manifests.get("Deployment", app.appName()), app.port());
    }

    static Map<String, Object> mountAt(Map<String, Object> container, String path) {
        return Yamls.maps(container.get("volumeMounts")).stream().filter(m -> path.equals(m.get("mountPath")))
            .findFirst().orElseThrow(() -> new AssertionError(container.get("name") + " mounts nothing at " + path));
    }

    static Map<String, Object> volume(Map<String, Object> workload, Map<String, Object> mount) {
        return Yamls.maps(RenderedManifests.podSpec(workload).get("volumes")).stream()
            .filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
            .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
    }
}
