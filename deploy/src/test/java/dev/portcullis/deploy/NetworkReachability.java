package dev.portcullis.deploy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates the rendered NetworkPolicies the way a CNI does, for the question the tests ask: who may open a
 * connection to this pod on this port? Sources are named by their pod's app.kubernetes.io/name, by
 * "namespace:&lt;name&gt;" for a namespace selector, "ip:&lt;cidr&gt;" for an ipBlock and "anyone" for an empty peer list.
 */
final class NetworkReachability {

    private final RenderedManifests manifests;

    NetworkReachability(RenderedManifests manifests) {
        this.manifests = manifests;
    }

    /** The sources allowed to reach the workload's pods on the port; empty when no policy lets anyone in. */
    Set<String> ingressSources(Map<String, Object> workload, int port) {
        Set<String> sources = new TreeSet<>();
        for (Map<String, Object> policy : policiesSelecting(workload, "Ingress")) {
            for (Map<String, Object> rule : Yamls.maps(Yamls.at(policy, "spec.ingress"))) {
                if (matchesPort(workload, rule, port)) {
                    sources.addAll(peers(Yamls.maps(rule.get("from"))));
                }
            }
        }
        return sources;
    }

    /** The destinations the workload's pods may open connections to on the port. */
    Set<String> egressDestinations(Map<String, Object> workload, int port) {
        Set<String> destinations = new TreeSet<>();
        for (Map<String, Object> policy : policiesSelecting(workload, "Egress")) {
            for (Map<String, Object> rule : Yamls.maps(Yamls.at(policy, "spec.egress"))) {
                if (matchesPort(null, rule, port)) {
                    destinations.addAll(peers(Yamls.maps(rule.get("to"))));
                }
            }
        }
        return destinations;
    }

    /** Whether some policy with no allow rule of that type selects every pod (default deny). */
    boolean deniesByDefault(String policyType) {
        return manifests.ofKind("NetworkPolicy").stream().anyMatch(policy ->
                Yamls.mapAt(policy, "spec.podSelector").isEmpty()
                        && Yamls.list(Yamls.at(policy, "spec.policyTypes")).contains(policyType)
                        && Yamls.list(Yamls.at(policy, "spec." + policyType.toLowerCase())).isEmpty());
    }

    private List<Map<String, Object>> policiesSelecting(Map<String, Object> workload, String type) {
        Map<String, String> labels = RenderedManifests.podLabels(workload);
        return manifests.ofKind("NetworkPolicy").stream()
            .filter(policy -> Yamls.list(Yamls.at(policy, "spec.policyTypes")).contains(type))
            .filter(policy -> selects(Yamls.mapAt(policy, "spec.podSelector"), labels))
            .toList();
    }

    private boolean matchesPort(Map<String, Object> workload, Map<String, Object> rule, int port) {
        List<Map<String, Object>> ports = Yamls.maps(rule.get("ports"));
        if (ports.isEmpty()) {
            return true;
        }
        return ports.stream().anyMatch(p -> {
            Object value = p.get("port");
            if (value instanceof Integer number) {
                return number == port;
            }
            // A named port means the selected pod's container port of that name.
            return workload != null && RenderedManifests.containers(workload).stream()
                .anyMatch(c -> Yamls.maps(c.get("ports")).stream()
                    .anyMatch(cp -> value.equals(cp.get("name")) && Integer.valueOf(port).equals(cp.get("containerPort"))));
        });
    }

    private Set<String> peers(List<Map<String, Object>> peers) {
        Set<String> names = new TreeSet<>();
        if (peers.isEmpty()) {
            names.add("anyone");
        }
        for (Map<String, Object> peer : peers) {
            if (peer.containsKey("ipBlock")) {
                names.add("ip:" + Yamls.stringAt(peer, "ipBlock.cidr"));
            }
            else if (peer.containsKey("namespaceSelector")) {
                Map<String, Object> selector = Yamls.mapAt(peer, "namespaceSelector.matchLabels");
                names.add("namespace:" + selector.getOrDefault("kubernetes.io/metadata.name", selector));
            }
            else {
                Map<String, Object> selector = Yamls.map(peer.get("podSelector"));
                for (Map<String, Object> workload : manifests.workloads()) {
                    if (selects(selector, RenderedManifests.podLabels(workload))) {
                        names.add(RenderedManifests.podLabels(workload).get("app.kubernetes.io/name"));
                    }
                }
            }
        }
        return names;
    }

    /** Label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
    static boolean selects(Map<String, Object> selector, Map<String, String> labels) {
        for (Map.Entry<String, Object> entry : Yamls.map(selector.get("matchLabels")).entrySet()) {
            if (!entry.getValue().toString().equals(labels.get(entry.getKey()))) {
                return false;
            }
        }
        for (Map<String, Object> expression : Yamls.maps(selector.get("matchExpressions"))) {
            String value = labels.get(expression.get("key").toString());
            List<Object> values = Yamls.list(expression.get("values"));
            boolean ok = switch (expression.get("operator").toString()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new IllegalArgumentException("unknown selector operator " + expression);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
