package dns

import (
	"slices"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Scenario is one `dns [POD]` run against fixtures, shared by the in-memory, command
// and envtest (live and -f) suites. Every scenario loads
// test/testdata/dns/cluster-dns.yaml (a healthy cluster DNS) and its File, which lives
// under test/testdata (dns/pods.yaml, or a reach recipe on top of reach/apps.yaml).
type Scenario struct {
	Name string
	// File is relative to test/testdata; reach recipes also load reach/apps.yaml.
	File string
	// Pod is the POD argument ("" for the cluster only); Args are extra flags.
	Pod  string
	Args []string
	// Want are the finding IDs, sorted; empty means no finding at all.
	Want []diag.FindingID
}

// Scenarios shows each DNS finding firing beside a pod that stays silent. Keep a
// healthy case beside each broken one.
var Scenarios = []Scenario{
	{Name: "cluster DNS healthy", File: "dns/pods.yaml"},
	{Name: "ClusterFirst pod: ndots 5 amplifies external names", File: "dns/pods.yaml", Pod: "web", Want: ids(diag.NdotsAmplification)},
	{Name: "ClusterFirst pod with ndots 1", File: "dns/pods.yaml", Pod: "web-ndots1"},
	{Name: "hostNetwork with ClusterFirst", File: "dns/pods.yaml", Pod: "agent-hostnet", Want: ids(diag.HostNetworkDNSPolicy)},
	{Name: "hostNetwork with ClusterFirstWithHostNet", File: "dns/pods.yaml", Pod: "pod/agent-hostnet-ok"},
	{Name: "dnsPolicy Default", File: "dns/pods.yaml", Pod: "legacy-default", Want: ids(diag.DNSPolicyBypassesClusterDNS)},
	{Name: "dnsPolicy None without kube-dns", File: "dns/pods.yaml", Pod: "custom-external", Want: ids(diag.DNSPolicyBypassesClusterDNS)},
	{Name: "dnsPolicy None with kube-dns", File: "dns/pods.yaml", Pod: "custom-cluster"},
	{Name: "default deny egress with DNS forgotten", File: "reach/dns-forgotten.yaml", Pod: "deploy/frontend",
		Want: ids(diag.DNSEgressBlocked, diag.NdotsAmplification)},
	{Name: "deny egress except DNS", File: "reach/deny-egress-except-dns.yaml", Pod: "deploy/frontend", Want: ids(diag.NdotsAmplification)},
	{Name: "--name on a ClusterFirst pod", File: "dns/pods.yaml", Pod: "web", Args: []string{"--name", "api.stripe.com"}, Want: ids(diag.NdotsAmplification)},
	{Name: "Calico policy decides the pod's egress: its Allow rules admit DNS before its Deny", File: "reach/calico-global.yaml", Pod: "deploy/batch",
		Want: ids(diag.NdotsAmplification)},
	{Name: "Cilium policy allows DNS at L4, its DNS rules restrict the names", File: "reach/cilium-fqdn.yaml", Pod: "deploy/frontend",
		Want: ids(diag.NdotsAmplification, diag.PolicyNotEvaluated)},
	{Name: "Cilium policy admitting only admin to api leaves the client's DNS alone", File: "reach/cilium-admin-only.yaml", Pod: "deploy/admin", Want: ids(diag.NdotsAmplification)},
	{Name: "Calico policy selecting another pod", File: "reach/calico-global.yaml", Pod: "deploy/frontend", Want: ids(diag.NdotsAmplification)},
}

func ids(list ...diag.FindingID) []diag.FindingID {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
