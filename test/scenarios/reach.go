package scenarios

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ReachCase is a recipe of test/testdata/reach run as `reach FROM TO`, with the
// findings and verdict it must produce. Every row also loads apps.yaml (the workloads),
// test/testdata/dns/cluster-dns.yaml (a healthy cluster DNS) and, unless NoCNI,
// cni-calico.yaml (a policy-enforcing plugin).
type ReachCase struct {
	// Label names the row; it is also its subtest's name.
	Label string
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

// Reach covers the classic recipes as a new user would try them, and every
// NetworkPolicy finding firing next to a healthy neighbour.
var Reach = []ReachCase{
	{Label: "no policies: everything is allowed", File: "no-policies.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true,
		Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "allowed"}},
	{Label: "deny all", File: "deny-all.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.IngressDenied),
		Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Label: "deny all, no enforcing plugin", File: "deny-all.yaml", From: "deploy/frontend", To: "svc/api", NoCNI: true,
		Want: ids(diag.IngressDenied, diag.NetworkPolicyNotEnforced)},
	{Label: "allow from one app: that app", File: "allow-one-app.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Label: "allow from one app: another app", File: "allow-one-app.yaml", From: "deploy/batch", To: "svc/api", Want: ids(diag.IngressDenied)},
	{Label: "allow from one app: pod to pod on declared ports", File: "allow-one-app.yaml", From: "pod/frontend-7b9c6-ccccc", To: "pod/api-5d4f8-aaaaa",
		Allowed: true, Ports: map[string]string{"8080/TCP": "allowed", "9090/TCP": "allowed"}},
	{Label: "allow from one app: from outside the cluster", File: "allow-one-app.yaml", From: "ip:203.0.113.7", To: "deploy/api", Args: []string{"--port", "8080"},
		Want: ids(diag.IngressDenied)},
	{Label: "allow only one port: every Service port", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.IngressDenied),
		Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "ingress"}},
	{Label: "allow only one port: that port", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}, Allowed: true},
	{Label: "allow only one port: another port by name", File: "allow-one-port.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "metrics"},
		Want: ids(diag.IngressDenied)},
	{Label: "allow from a namespace by label: labelled", File: "allow-namespace-label.yaml", From: "$NS-ops/pod/monitor", To: "svc/api", Allowed: true},
	{Label: "allow from a namespace by label: unlabelled", File: "allow-namespace-label.yaml", From: "$NS-dev/pod/monitor", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Label: "allow from pods in another namespace: that pod", File: "allow-pods-in-namespace.yaml", From: "$NS-ops/pod/monitor", To: "$NS/svc/api", Allowed: true},
	{Label: "allow from pods in another namespace: another pod", File: "allow-pods-in-namespace.yaml", From: "$NS-ops/pod/debug", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Label: "AND written as OR lets the other pod in", File: "and-or-confusion.yaml", From: "$NS-ops/pod/debug", To: "svc/api", Allowed: true,
		Want: ids(diag.PolicyPeerAndOrConfusion)},
	{Label: "deny egress except DNS: to a Service", File: "deny-egress-except-dns.yaml", From: "deploy/frontend", To: "svc/api", Want: ids(diag.EgressDenied),
		Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "egress"}},
	{Label: "deny egress except DNS: to the internet", File: "deny-egress-except-dns.yaml", From: "deploy/frontend", To: "ip:203.0.113.7", Args: []string{"--port", "443"},
		Want: ids(diag.EgressDenied)},
	{Label: "default deny with DNS forgotten", File: "dns-forgotten.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.DNSEgressBlocked), Ports: map[string]string{"80/TCP": "allowed"}},
	{Label: "rule uses the Service port", File: "service-port-policy.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.IngressDenied, diag.PolicyUsesServicePort)},
	{Label: "rule names a port the pods lack", File: "named-port-missing.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"},
		Want: ids(diag.IngressDenied, diag.NamedPortNotFound)},
	{Label: "namespaceSelector on a label nobody set", File: "namespace-selector-typo.yaml", From: "$NS-ops/pod/monitor", To: "svc/api",
		Want: ids(diag.IngressDenied, diag.NamespaceSelectorMatchesNoNamespaces)},
	{Label: "hostNetwork client", File: "hostnetwork.yaml", From: "pod/node-agent", To: "svc/api", Args: []string{"--port", "http"},
		Want: ids(diag.HostNetworkNotIsolated, diag.IngressDenied)},
	{Label: "hostNetwork neighbour: regular client", File: "hostnetwork.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "http"}, Allowed: true},

	// Policies of the network plugins' own kinds, evaluated with the NetworkPolicies in
	// each plugin's order; what the engine does not evaluate is unknown, never allowed.
	{Label: "Cilium L7 policy on TO: 8080 allowed at L4, 9090 denied by its default deny", File: "cilium-l7.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.IngressDenied, diag.PolicyNotEvaluated), Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "ingress"}},
	{Label: "Cilium L7 policy on TO: the L4 port alone is allowed, HTTP paths further restricted", File: "cilium-l7.yaml", From: "deploy/frontend", To: "svc/api",
		Args: []string{"--port", "80"}, Want: ids(diag.PolicyNotEvaluated), Allowed: true},
	{Label: "Cilium L7 policy on TO: another client is denied", File: "cilium-l7.yaml", From: "deploy/batch", To: "svc/api", Args: []string{"--port", "80"},
		Want: ids(diag.IngressDenied)},
	{Label: "Cilium L7 policy on TO: egress of the api pods is not its business", File: "cilium-l7.yaml", From: "pod/api-5d4f8-aaaaa", To: "ip:203.0.113.7",
		Args: []string{"--port", "443"}, Allowed: true},
	{Label: "Cilium L7 policy on TO, FROM's egress denied anyway", File: "cilium-l7-egress-denied.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.EgressDenied, diag.IngressDenied), Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "ingress,egress"}},
	{Label: "CiliumNetworkPolicy admits only app=admin: frontend is denied", File: "cilium-admin-only.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Label: "CiliumNetworkPolicy admits only app=admin: admin gets in", File: "cilium-admin-only.yaml", From: "deploy/admin", To: "svc/api", Allowed: true},
	{Label: "CiliumNetworkPolicy admitting frontend beside a NetworkPolicy default deny: allows add up", File: "cilium-allow-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api", Allowed: true},
	{Label: "CiliumNetworkPolicy admitting frontend beside a NetworkPolicy default deny: batch is denied", File: "cilium-allow-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Label: "Cilium toFQDNs: egress to an outside address is unknown, no verdict", File: "cilium-fqdn.yaml", From: "deploy/frontend", To: "ip:203.0.113.7",
		Args: []string{"--port", "443"}, Want: ids(diag.PolicyNotEvaluated), Undecided: true},
	{Label: "Cilium toFQDNs: egress to the api pods is denied", File: "cilium-fqdn.yaml", From: "deploy/frontend", To: "svc/api",
		Want: ids(diag.EgressDenied)},
	{Label: "Calico GlobalNetworkPolicy on FROM's egress: its Deny rule decides", File: "calico-global.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.EgressDenied), Ports: map[string]string{"80/TCP": "egress", "9090/TCP": "egress"}},
	{Label: "Calico policies selecting neither end", File: "calico-global.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Label: "Calico GlobalNetworkPolicy denies frontend before the NetworkPolicy allowing it", File: "calico-deny-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Label: "Calico GlobalNetworkPolicy denying frontend: batch is dropped at the end of the tier", File: "calico-deny-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Label: "Calico GlobalNetworkPolicy allows frontend before the NetworkPolicy default deny", File: "calico-allow-frontend.yaml", From: "pod/frontend-7b9c6-ccccc", To: "svc/api", Allowed: true},
	{Label: "Calico GlobalNetworkPolicy allowing frontend: batch is denied by the default deny", File: "calico-allow-frontend.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied)},
	{Label: "Calico security tier denies batch before the default tier", File: "calico-tiers.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.IngressDenied), Ports: map[string]string{"80/TCP": "ingress", "9090/TCP": "ingress"}},
	{Label: "Calico security tier passes frontend to the NetworkPolicy admitting it", File: "calico-tiers.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},

	// The Service proxy of FROM's node (kube-proxy, or Cilium replacing it).
	{Label: "kube-proxy Ready on every node", File: "dataplane-healthy.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
	{Label: "kube-proxy not Ready on FROM's node", File: "dataplane-kube-proxy-down.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.KubeProxyNotReady), Ports: map[string]string{"80/TCP": "allowed", "9090/TCP": "allowed"}},
	{Label: "kube-proxy not Ready on another node", File: "dataplane-kube-proxy-down.yaml", From: "deploy/frontend", To: "svc/api", Allowed: true},
	{Label: "kube-proxy not Ready on FROM's node, pod to pod", File: "dataplane-kube-proxy-down.yaml", From: "deploy/batch", To: "pod/api-5d4f8-aaaaa",
		Args: []string{"--port", "8080"}, Allowed: true},
	{Label: "Cilium replaces kube-proxy, its agent not Ready on FROM's node", File: "dataplane-cilium-kpr.yaml", From: "deploy/batch", To: "svc/api",
		Want: ids(diag.KubeProxyNotReady)},
	{Label: "Cilium without kube-proxy replacement", File: "dataplane-cilium-no-kpr.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
	{Label: "managed cluster without a visible kube-proxy", File: "dataplane-managed.yaml", From: "deploy/batch", To: "svc/api", Allowed: true},
}

func (c ReachCase) Name() string { return c.Label }

// Files are the recipes the row loads, test/testdata relative.
func (c ReachCase) Files() []string {
	files := []string{"dns/cluster-dns.yaml", "reach/apps.yaml", "reach/" + c.File}
	if !c.NoCNI {
		files = append(files, "reach/cni-calico.yaml")
	}
	return files
}

func (c ReachCase) Input() Input {
	return Input{Key: strings.Join(c.Files(), "+"), Load: LoadRecipes(c.Files()...)}
}

// Expected: an error finding exactly when the path is denied (the exit code 1).
func (c ReachCase) Expected() Expectation {
	return Expectation{Want: c.Want, Error: !c.Allowed && !c.Undecided}
}

// CommandLine is the command line in namespace ns, without -f and -o.
func (c ReachCase) CommandLine(ns string) []string {
	args := []string{"reach", expandNamespaceAs(c.From, ns), expandNamespaceAs(c.To, ns), "-n", ns}
	return append(args, c.Args...)
}

// Options are the row's arguments and flags as reach.Diagnose takes them, in Namespace.
func (c ReachCase) Options() (reach.Options, error) {
	from, err := peer.ParseEndpoint(ExpandNamespace(c.From))
	if err != nil {
		return reach.Options{}, err
	}
	to, err := peer.ParseEndpoint(ExpandNamespace(c.To))
	if err != nil {
		return reach.Options{}, err
	}
	o := reach.Options{From: from.WithNamespace(Namespace), To: to.WithNamespace(Namespace)}
	for i := 0; i+1 < len(c.Args); i += 2 {
		switch c.Args[i] {
		case "--port":
			o.Port = c.Args[i+1]
		case "--protocol":
			o.Protocol = corev1.Protocol(c.Args[i+1])
		}
	}
	return o, nil
}

func (c ReachCase) Diagnose(ctx context.Context, src source.Source) (diag.Report, *reach.State, error) {
	opts, err := c.Options()
	if err != nil {
		return diag.Report{}, nil, err
	}
	return reach.Diagnose(ctx, src, opts)
}
