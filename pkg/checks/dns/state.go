// Package dns is the decision tree of `kubectl netdoctor dns [POD]`: the cluster DNS
// (kube-dns Service, its server pods and EndpointSlices, the CoreDNS ConfigMap), then for
// one pod the resolv.conf the kubelet writes for it, whether its egress policies let it
// reach the DNS pods, and how its resolver expands names. The resolver rules live in
// pure, table-tested functions (resolver.go) so that they can be trusted on their own.
package dns

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Options select what to diagnose.
type Options struct {
	// Namespace is the -n namespace: where a bare pod name is looked up, and the
	// namespace of the example pod when QueryName is given without a pod.
	Namespace string
	// Pod is the pod (or workload, whose first pod is used); nil checks the cluster DNS
	// only.
	Pod *peer.Endpoint
	// QueryName, when set, adds the queries the pod's resolver makes for it.
	QueryName string
}

// State is what the dns checks share.
type State struct {
	Source source.Source
	Options

	Cluster Cluster
	// clusterSkipped is set offline when the input has nothing from kube-system.
	clusterSkipped bool

	// Pod is the diagnosed pod (nil without one); Example is true when it stands for
	// any ClusterFirst pod of Namespace because only --name was given.
	Pod     *corev1.Pod
	Example bool
	// Workload is set when the argument named a workload; Pod is its first pod.
	Workload *peer.Resolved
	Conf     ResolvConf
}

// Check IDs of the dns tree, in walk order.
const (
	CheckService    = "dns.service"
	CheckPods       = "dns.pods"
	CheckEndpoints  = "dns.endpoints"
	CheckConfigMap  = "dns.configmap"
	CheckPod        = "dns.pod"
	CheckResolvConf = "dns.resolvconf"
	CheckEgress     = "dns.egress"
	CheckNdots      = "dns.ndots"
	CheckQuery      = "dns.query"
)

// Checks is the dns tree. Keep it in walk order: cluster first (a broken cluster DNS
// explains every pod's failure), then the pod. The pod checks are included only when
// there is a pod (or --name) to diagnose; dns.query only with --name.
func Checks(opts Options) []engine.Check[State] {
	checks := []engine.Check[State]{
		{ID: CheckService, Title: "cluster DNS Service exists", Run: checkService},
		{ID: CheckPods, Title: "cluster DNS pods are Ready", Needs: []string{CheckService}, Run: checkPods},
		{ID: CheckEndpoints, Title: "kube-dns has ready endpoints", Needs: []string{CheckPods}, Run: checkEndpoints},
		{ID: CheckConfigMap, Title: "CoreDNS ConfigMap", Needs: []string{CheckService}, Run: checkConfigMap},
	}
	if opts.Pod == nil && opts.QueryName == "" {
		return checks
	}
	checks = append(checks, podChecks(checkPod)...)
	if opts.QueryName != "" {
		checks = append(checks, engine.Check[State]{ID: CheckQuery, Title: "queries for " + opts.QueryName, Needs: []string{CheckResolvConf}, Run: checkQuery})
	}
	return checks
}

// podChecks are the checks of one pod, after the cluster's: pod finds the pod.
func podChecks(pod func(context.Context, *State) engine.Result) []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckPod, Title: "pod", Run: pod},
		{ID: CheckResolvConf, Title: "effective resolv.conf", Needs: []string{CheckPod}, Run: checkResolvConf},
		{ID: CheckEgress, Title: "egress to the cluster DNS pods", Needs: []string{CheckResolvConf}, Run: checkEgress},
		{ID: CheckNdots, Title: "search list and ndots", Needs: []string{CheckResolvConf}, Run: checkNdots},
	}
}

// Diagnose walks the dns tree. The error is non-nil only when the pod to diagnose
// cannot be read or does not exist (exit code 2).
func Diagnose(ctx context.Context, src source.Source, opts Options) (diag.Report, *State, error) {
	s := &State{Source: src, Options: opts}
	target := diag.ObjectRef{Kind: "Service", Namespace: Namespace, Name: ServiceName}
	if opts.Pod != nil {
		target = opts.Pod.Ref()
	}
	report := diag.NewReport("dns", target)
	err := engine.Walk(ctx, Checks(opts), s, &report)
	if err == nil && opts.QueryName != "" {
		report.Notes = queryNotes(s)
	}
	return report, s, err
}
