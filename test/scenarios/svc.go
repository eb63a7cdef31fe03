package scenarios

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// SvcCase is `svc TARGET` over a fixture of test/testdata/svc, or, in SvcDataPlane, over
// a recipe of test/testdata/reach loaded after SvcDataPlaneFiles.
type SvcCase struct {
	File   string
	Target string
	Want   []diag.FindingID // sorted; empty for healthy fixtures
	// RootCause, if set, is a phrase the root cause must contain.
	RootCause string
	// Error: see Expectation.Error.
	Error bool
	// dataPlane: File is a reach recipe, loaded after SvcDataPlaneFiles.
	dataPlane bool
}

// Svc lists every fixture of test/testdata/svc.
var Svc = []SvcCase{
	{File: "healthy.yaml", Target: "payments"},
	{File: "healthy.yaml", Target: "payment", Want: ids(diag.ServiceNotFound)},
	{File: "selector-typo.yaml", Target: "payments", Want: ids(diag.SelectorMatchesNoPods), RootCause: "nearest: payments-7c9d-abcde has app=payment"},
	{File: "scaled-to-zero.yaml", Target: "payments", Want: ids(diag.SelectorMatchesNoPods), RootCause: "Deployment payments is scaled to 0 replicas"},
	{File: "crashloop.yaml", Target: "payments", Want: ids(diag.NoReadyPods)},
	{File: "some-not-ready.yaml", Target: "payments", Want: ids(diag.SomePodsNotReady)},
	{File: "named-port-missing.yaml", Target: "payments", Want: ids(diag.TargetPortNotFound)},
	{File: "numeric-port-mismatch.yaml", Target: "payments", Want: ids(diag.TargetPortMismatch)},
	{File: "protocol-mismatch.yaml", Target: "payments", Want: ids(diag.ProtocolMismatch)},
	{File: "slices-out-of-sync.yaml", Target: "payments", Want: ids(diag.EndpointSlicesOutOfSync)},
	{File: "selectorless-no-endpoints.yaml", Target: "payments", Want: ids(diag.SelectorlessServiceNoEndpoints)},
	{File: "selectorless-with-slice.yaml", Target: "payments"},
	{File: "externalname-ip.yaml", Target: "payments", Want: ids(diag.ExternalNameInvalid)},
	{File: "externalname-ok.yaml", Target: "payments"},
	{File: "loadbalancer-pending.yaml", Target: "payments", Want: ids(diag.LoadBalancerPending)},
	{File: "loadbalancer-ready.yaml", Target: "payments"},
	{File: "etp-local-missing.yaml", Target: "payments", Want: ids(diag.ExternalTrafficPolicyLocalNoEndpoints)},
	{File: "etp-local-ok.yaml", Target: "payments"},
	{File: "itp-local-missing.yaml", Target: "payments", Want: ids(diag.InternalTrafficPolicyLocalNoEndpoints)},
	{File: "session-affinity.yaml", Target: "payments", Want: ids(diag.SessionAffinityWithoutSourceIP)},
	{File: "nodeport-out-of-range.yaml", Target: "payments", Want: ids(diag.NodePortOutOfRange)},
	{File: "statefulset-not-headless.yaml", Target: "db", Want: ids(diag.StatefulSetServiceNameMismatch)},
	{File: "statefulset-headless.yaml", Target: "db"},
	{File: "envvars-before-service.yaml", Target: "payments", Want: ids(diag.ServiceEnvVarsMissing)},
}

// SvcDataPlaneFiles are what every SvcDataPlane recipe is loaded on top of, as the
// reach suites load their recipes (test/testdata relative): a healthy cluster DNS, the
// shared apps (Service api with pods on node-a and node-b, clients frontend on node-a
// and batch on node-b) and Calico's agent on node-a.
var SvcDataPlaneFiles = []string{"dns/cluster-dns.yaml", "reach/apps.yaml", "reach/cni-calico.yaml"}

// SvcDataPlane runs `svc` over recipes of test/testdata/reach (kube-system objects kept
// in kube-system): the Service proxy and the pod network of the endpoints' nodes, and
// the network plugins' own policies.
var SvcDataPlane = onDataPlane([]SvcCase{
	{File: "dataplane-healthy.yaml", Target: "api"},
	{File: "dataplane-kube-proxy-down.yaml", Target: "api", Want: ids(diag.KubeProxyNotReady), RootCause: "kube-proxy is not Ready on 1 of 2 node(s) (node-b)"},
	{File: "dataplane-cilium-kpr.yaml", Target: "api", Want: ids(diag.KubeProxyNotReady, diag.NodeNetworkNotReady), RootCause: "Cilium agent kube-system/cilium-m2hxj is not Ready"},
	{File: "dataplane-cilium-no-kpr.yaml", Target: "api"},
	{File: "dataplane-managed.yaml", Target: "api"},
	{File: "dataplane-network-unavailable.yaml", Target: "api", Want: ids(diag.NodeNetworkNotReady), RootCause: "1 of 2 ready endpoint(s)"},
	{File: "dataplane-nodes-down.yaml", Target: "api", Want: ids(diag.NodeNetworkNotReady), Error: true, RootCause: "every ready endpoint"},
	{File: "dataplane-cni-agent-down.yaml", Target: "api", Want: ids(diag.NodeNetworkNotReady), RootCause: "Calico agent kube-system/calico-node-b2k9q is not Ready"},
	{File: "cilium-l7.yaml", Target: "api", Want: ids(diag.PolicyNotEvaluated), RootCause: "CiliumNetworkPolicy "},
	{File: "calico-global.yaml", Target: "api"},
})

func onDataPlane(table []SvcCase) []SvcCase {
	for i := range table {
		table[i].dataPlane = true
	}
	return table
}

// SvcDataPlaneInput is a recipe of test/testdata/reach loaded after SvcDataPlaneFiles.
func SvcDataPlaneInput(recipe string) Input {
	files := append(slices.Clone(SvcDataPlaneFiles), "reach/"+recipe)
	return Input{Key: strings.Join(files, "+"), Load: LoadRecipes(files...)}
}

func (c SvcCase) Name() string { return c.File + "/" + c.Target }

func (c SvcCase) Input() Input {
	if c.dataPlane {
		return SvcDataPlaneInput(c.File)
	}
	return Input{Key: "svc/" + c.File, Load: func() ([]k8sruntime.Object, error) {
		return fixture.Load(filepath.Join(Testdata, "svc", c.File), Namespace)
	}}
}

func (c SvcCase) Expected() Expectation {
	return Expectation{Want: c.Want, RootCause: c.RootCause, Error: c.Error}
}

// CommandLine is the command line in namespace ns, without -f and -o.
func (c SvcCase) CommandLine(ns string) []string { return []string{"svc", c.Target, "-n", ns} }

func (c SvcCase) Diagnose(ctx context.Context, src source.Source) (diag.Report, *service.State, error) {
	return service.Diagnose(ctx, src, Namespace, c.Target)
}
