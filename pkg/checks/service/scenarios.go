package service

import (
	"slices"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Scenario is one fixture of test/testdata/svc with the findings it must produce,
// shared by the in-memory, envtest and offline (-f) test suites so all three agree.
type Scenario struct {
	File   string
	Target string
	Want   []diag.FindingID // sorted; empty for healthy fixtures
	// RootCause, if set, is a phrase the root cause must contain.
	RootCause string
}

// Scenarios lists every fixture. Keep a healthy neighbour beside each broken one.
var Scenarios = []Scenario{
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

func ids(list ...diag.FindingID) []diag.FindingID {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
