package reach

import (
	"slices"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Scenario is one recipe of test/testdata/reach run as `reach FROM TO`, with the
// findings and verdict it must produce. It is shared by the in-memory, command and
// envtest (live and -f) suites so that all of them agree. Every scenario also loads
// apps.yaml (the workloads), test/testdata/dns/cluster-dns.yaml (a healthy cluster
// DNS) and, unless NoCNI, cni-calico.yaml (a policy-enforcing plugin).
type Scenario struct {
	Name string
	// File is the recipe under test/testdata/reach.
	File string
	// From and To are the arguments; "$NS" is the test's namespace, which is also
	// the -n namespace.
	From, To string
	// Args are extra flags, e.g. --port.
	Args []string
	// NoCNI leaves out the network plugin.
	NoCNI bool
	// Want are the finding IDs, sorted; empty for a healthy path (no false positives).
	Want []diag.FindingID
	// Allowed is the expected reach.allowed (exit 0 when true, 1 when false).
	Allowed bool
	// Undecided: a policy netdoctor does not evaluate decides the verdict, so the report
	// has no reach section and the command exits 2.
	Undecided bool
	// Ports, when set, are the expected per-port verdicts: "80/TCP" → "allowed", or
	// the deniedBy value.
	Ports map[string]string
}

// Scenarios covers the classic recipes as a new user would try them, and every
// NetworkPolicy finding firing next to a healthy neighbour. Keep a healthy case beside
// each broken one.
var Scenarios = []Scenario{
	{Name: "no policies: everything is allowed", File: "no-policies.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true,
		Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "allowed"}},
	{Name: "deny all", File: "deny-all.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.IngressDenied),
		Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Name: "deny all, no enforcing plugin", File: "deny-all.yaml", From: "deploy/frontend", To: "svc/api", NoCNI: true,
		Want: ids(diag.IngressDenied, diag.NetworkPolicyNotEnforced)},
	{Name: "allow from one app: that app", File: "allow-one-app.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Name: "allow from one app: another app", File: "allow-one-app.yaml", From: "deploy/batch", To: "svc/api", Want: ids(diag.IngressDenied)},
	{Name: "allow from one app: pod to pod on declared ports", File: "allow-one-app.yaml", From: "pod/frontend-7b9c6-ccccc", To: "pod/api-5d4f8-aaaaa",
		Allowed: true, Ports: map[string]string{"8080/TCP": "allowed", "9090/TCP": "allowed"}},
	{Name: "allow from one app: from outside the cluster", File: "allow-one-app.yaml", From: "ip:203.0.113.7", To: "deploy/api", Args: []string{"--port", "8080"},
		Want: ids(diag.IngressDenied)},
	{Name: "allow only one port: every Service port", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.IngressDenied),
		Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "ingress"}},
	{Name: "allow only one port: that port", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}, Allowed: true},
	{Name: "allow only one port: another port by name", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "metrics"},
		Want: ids(diag.IngressDenied)},
	{Name: "allow from a namespace by label: labelled", File: "allow-namespace-label.yaml", From: "$NS-ops/pod/monitor", To: "svc/api", Allowed: true},
	{Name: "allow from a namespace by label: unlabelled", File: "allow-namespace-label.yaml", From: "$NS-dev/pod/monitor", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Name: "allow from pods in another namespace: that pod", File: "allow-pods-in-namespace.yaml", From: "$NS-ops/pod/monitor", To: "$NS/svc/api", Allowed: true},
	{Name: "allow from pods in another namespace: another pod", File: "allow-pods-in-namespace.yaml", From: "$NS-ops/pod/debug", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Name: "AND written as OR lets the other pod in", File: "and-or-confusion.yaml", From: "$NS-ops/pod/debug", To: "svc/api", Allowed: true,
		Want: ids(diag.PolicyPeerAndOrConfusion)},
	{Name: "deny egress except DNS: to a Service", File: "deny-egress-except-dns.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.EgressDenied),
		Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "egress"}},
	{Name: "deny egress except DNS: to the internet", File: "deny-egress-except-dns.yaml", From: "deploy/frontend", To: "ip:203.0.113.7", Args: []string{"--port", "443"},
		Want: ids(diag.EgressDenied)},
	{Name: "default deny with DNS forgotten", File: "dns-forgotten.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.DNSEgressBlocked), Ports: map[string]string{"80/TCP": "allowed"}},
	{Name: "rule uses the Service port", File: "service-port-policy.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.IngressDenied, diag.PolicyUsesServicePort)},
	{Name: "rule names a port the pods lack", File: "named-port-missing.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"},
		Want: ids(diag.IngressDenied, diag.NamedPortNotFound)},
	{Name: "namespaceSelector on a label nobody set", File: "namespace-selector-typo.yaml", From: "$NS-ops/pod/monitor", To: "svc/api",
		Want: ids(diag.IngressDenied, diag.NamespaceSelectorMatchesNoNamespaces)},
	{Name: "hostNetwork client", File: "hostnetwork.yaml", From: "pod/node-agent", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.HostNetworkNotIsolated, diag.IngressDenied)},
	{Name: "hostNetwork neighbour: regular client", File: "hostnetwork.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"}, Allowed: true},

	// Policies of the network plugins' own kinds, evaluated with the NetworkPolicies in
	// each plugin's order; what the engine does not evaluate is unknown, never allowed.
	{Name: "Cilium L7 policy on TO: 8080 allowed at L4, 9090 denied by its default deny", File: "cilium-l7.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.IngressDenied, diag.PolicyNotEvaluated), Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "ingress"}},
	{Name: "Cilium L7 policy on TO: the L4 port alone is allowed, HTTP paths further restricted", File: "cilium-l7.yaml", From: "deploy/frontend", To: "svc/api",
		Args: []string{"--port", "80"}, Want: ids(diag.PolicyNotEvaluated), Allowed: true},
	{Name: "Cilium L7 policy on TO: another client is denied", File: "cilium-l7.yaml", From: "deploy/batch", To: "svc/api", Args: []string{"--port", "80"},
		Want: ids(diag.IngressDenied)},
	{Name: "Cilium L7 policy on TO: egress of the api pods is not its business", File: "cilium-l7.yaml", From: "pod/api-5d4f8-aaaaa", To: "ip:203.0.113.7",
		Args: []string{"--port", "443"}, Allowed: true},
	{Name: "Cilium L7 policy on TO, FROM's egress denied anyway", File: "cilium-l7-egress-denied.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.EgressDenied, diag.IngressDenied), Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "ingress,egress"}},
	{Name: "CiliumNetworkPolicy admits only app=admin: frontend is denied", File: "cilium-admin-only.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Name: "CiliumNetworkPolicy admits only app=admin: admin gets in", File: "cilium-admin-only.yaml", From: "deploy/admin", To: "svc/api", Allowed: true},
	{Name: "CiliumNetworkPolicy admitting frontend beside a NetworkPolicy default deny: allows add up", File: "cilium-allow-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api", Allowed: true},
	{Name: "CiliumNetworkPolicy admitting frontend beside a NetworkPolicy default deny: batch is denied", File: "cilium-allow-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Name: "Cilium toFQDNs: egress to an outside address is unknown, no verdict", File: "cilium-fqdn.yaml", From: "deploy/frontend", To: "ip:203.0.113.7",
		Args: []string{"--port", "443"}, Want: ids(diag.PolicyNotEvaluated), Undecided: true},
	{Name: "Cilium toFQDNs: egress to the api pods is denied", File: "cilium-fqdn.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.EgressDenied)},
	{Name: "Calico GlobalNetworkPolicy on FROM's egress: its Deny rule decides", File: "calico-global.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.EgressDenied), Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "egress"}},
	{Name: "Calico policies selecting neither end", File: "calico-global.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Name: "Calico GlobalNetworkPolicy denies frontend before the NetworkPolicy allowing it", File: "calico-deny-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Name: "Calico GlobalNetworkPolicy denying frontend: batch is dropped at the end of the tier", File: "calico-deny-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Name: "Calico GlobalNetworkPolicy allows frontend before the NetworkPolicy default deny", File: "calico-allow-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api", Allowed: true},
	{Name: "Calico GlobalNetworkPolicy allowing frontend: batch is denied by the default deny", File: "calico-allow-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Name: "Calico security tier denies batch before the default tier", File: "calico-tiers.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Name: "Calico security tier passes frontend to the NetworkPolicy admitting it", File: "calico-tiers.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},

	// The Service proxy of FROM's node (kube-proxy, or Cilium replacing it).
	{Name: "kube-proxy Ready on every node", File: "dataplane-healthy.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
	{Name: "kube-proxy not Ready on FROM's node", File: "dataplane-kube-proxy-down.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.KubeProxyNotReady), Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "allowed"}},
	{Name: "kube-proxy not Ready on another node", File: "dataplane-kube-proxy-down.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Name: "kube-proxy not Ready on FROM's node, pod to pod", File: "dataplane-kube-proxy-down.yaml", From: "deploy/batch", To: "pod/api-5d4f8-aaaaa",
		Args: []string{"--port", "8080"}, Allowed: true},
	{Name: "Cilium replaces kube-proxy, its agent not Ready on FROM's node", File: "dataplane-cilium-kpr.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.KubeProxyNotReady)},
	{Name: "Cilium without kube-proxy replacement", File: "dataplane-cilium-no-kpr.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
	{Name: "managed cluster without a visible kube-proxy", File: "dataplane-managed.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
}

func ids(list ...diag.FindingID) []diag.FindingID {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
