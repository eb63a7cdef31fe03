package scenarios

import (
	"context"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// DNSCase is one `dns [POD]` run. Every row loads test/testdata/dns/cluster-dns.yaml
// (a healthy cluster DNS) and its File, which lives under test/testdata (dns/pods.yaml,
// or a reach recipe on top of reach/apps.yaml).
type DNSCase struct {
	// Label names the row; it is also its subtest's name.
	Label string
	// File is relative to test/testdata; reach recipes also load reach/apps.yaml.
	File string
	// Pod is the POD argument ("" for the cluster only); Args are extra flags.
	Pod  string
	Args []string
	// Want are the finding IDs, sorted; empty means no finding at all.
	Want []diag.FindingID
}

// DNS shows each DNS finding firing beside a pod that stays silent.
var DNS = []DNSCase{
	{Label: "cluster DNS healthy", File: "dns/pods.yaml"},
	{Label: "ClusterFirst pod: ndots 5 amplifies external names", File: "dns/pods.yaml", Pod: "web", Want: ids(diag.NdotsAmplification)},
	{Label: "ClusterFirst pod with ndots 1", File: "dns/pods.yaml", Pod: "web-ndots1"},
	{Label: "hostNetwork with ClusterFirst", File: "dns/pods.yaml", Pod: "agent-hostnet", Want: ids(diag.HostNetworkDNSPolicy)},
	{Label: "hostNetwork with ClusterFirstWithHostNet", File: "dns/pods.yaml", Pod: "pod/agent-hostnet-ok"},
	{Label: "dnsPolicy Default", File: "dns/pods.yaml", Pod: "legacy-default", Want: ids(diag.DNSPolicyBypassesClusterDNS)},
	{Label: "dnsPolicy None without kube-dns", File: "dns/pods.yaml", Pod: "custom-external", Want: ids(diag.DNSPolicyBypassesClusterDNS)},
	{Label: "dnsPolicy None with kube-dns", File: "dns/pods.yaml", Pod: "custom-cluster"},
	{Label: "default deny egress with DNS forgotten", File: "reach/dns-forgotten.yaml", Pod: "deploy/frontend",
		Want: ids(diag.DNSEgressBlocked, diag.NdotsAmplification)},
	{Label: "deny egress except DNS", File: "reach/deny-egress-except-dns.yaml", Pod: "deploy/frontend", Want: ids(diag.NdotsAmplification)},
	{Label: "--name on a ClusterFirst pod", File: "dns/pods.yaml", Pod: "web", Args: []string{"--name", "api.stripe.com"}, Want: ids(diag.NdotsAmplification)},
	{Label: "Calico policy decides the pod's egress: its Allow rules admit DNS before its Deny", File: "reach/calico-global.yaml", Pod: "deploy/batch",
		Want: ids(diag.NdotsAmplification)},
	{Label: "Cilium policy allows DNS at L4, its DNS rules restrict the names", File: "reach/cilium-fqdn.yaml", Pod: "deploy/frontend",
		Want: ids(diag.NdotsAmplification, diag.PolicyNotEvaluated)},
	{Label: "Cilium policy admitting only admin to api leaves the client's DNS alone", File: "reach/cilium-admin-only.yaml", Pod: "deploy/admin", Want: ids(diag.NdotsAmplification)},
	{Label: "Calico policy selecting another pod", File: "reach/calico-global.yaml", Pod: "deploy/frontend", Want: ids(diag.NdotsAmplification)},
}

func (c DNSCase) Name() string { return c.Label }

// Files are the recipes the row loads, test/testdata relative.
func (c DNSCase) Files() []string {
	files := []string{"dns/cluster-dns.yaml"}
	if strings.HasPrefix(c.File, "reach/") {
		files = append(files, "reach/apps.yaml")
	}
	return append(files, c.File)
}

func (c DNSCase) Input() Input {
	return Input{Key: strings.Join(c.Files(), "+"), Load: LoadRecipes(c.Files()...)}
}

func (c DNSCase) Expected() Expectation { return Expectation{Want: c.Want} }

// CommandLine is the command line in namespace ns, without -f and -o.
func (c DNSCase) CommandLine(ns string) []string {
	args := []string{"dns"}
	if c.Pod != "" {
		args = append(args, expandNamespaceAs(c.Pod, ns))
	}
	return append(append(args, "-n", ns), c.Args...)
}

// Options are the row's argument and flags as dns.Diagnose takes them, in Namespace.
func (c DNSCase) Options() (dns.Options, error) {
	o := dns.Options{Namespace: Namespace}
	if c.Pod != "" {
		ep := peer.Endpoint{Kind: peer.KindPod, Name: c.Pod}
		if strings.Contains(c.Pod, "/") {
			var err error
			if ep, err = peer.ParseEndpoint(c.Pod); err != nil {
				return o, err
			}
		}
		ep = ep.WithNamespace(Namespace)
		o.Pod = &ep
	}
	for i := 0; i+1 < len(c.Args); i += 2 {
		if c.Args[i] == "--name" {
			o.QueryName = c.Args[i+1]
		}
	}
	return o, nil
}

func (c DNSCase) Diagnose(ctx context.Context, src source.Source) (diag.Report, *dns.State, error) {
	opts, err := c.Options()
	if err != nil {
		return diag.Report{}, nil, err
	}
	return dns.Diagnose(ctx, src, opts)
}
