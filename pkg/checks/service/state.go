// Package service is the decision tree of `kubectl netdoctor svc`: from the Service
// object through its selector, pods, readiness and ports to the EndpointSlices that
// kube-proxy programs, then traffic policies, StatefulSets, environment variables and
// the DNS names clients should use.
package service

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// State is what the svc checks share. Each check reads through Source and stores what
// later checks need; nothing here is a free-form map.
type State struct {
	Source    source.Source
	Namespace string
	Name      string

	Service *corev1.Service
	// Pods are the pods the selector matches, terminal (Succeeded/Failed) ones excluded
	// because the EndpointSlice controller ignores them too.
	Pods []corev1.Pod
	// Ready are the members of Pods whose Ready condition is true and that are not terminating.
	Ready []corev1.Pod
	// Slices are the EndpointSlices labelled with the Service's name.
	Slices []discoveryv1.EndpointSlice
	// StatefulSets are the StatefulSets whose pod template the selector matches.
	StatefulSets []appsv1.StatefulSet

	nsPods         readOnce[[]corev1.Pod]
	nsStatefulSets readOnce[[]appsv1.StatefulSet]
	// dp holds the Nodes and kube-system pods, read once for the data plane checks
	// and the traffic policies.
	dp *dataplane.Snapshot
	// proxyNote is what checkProxyMode learnt, for the report's notes.
	proxyNote string
}

// NewState returns the state for diagnosing Service namespace/name.
func NewState(src source.Source, namespace, name string) *State {
	return &State{Source: src, Namespace: namespace, Name: name}
}

// Ref is the Service as a finding object.
func (s *State) Ref() diag.ObjectRef {
	return diag.ObjectRef{Kind: "Service", Namespace: s.Namespace, Name: s.Name}
}

// readOnce is a list read at most once per diagnosis, by whichever check needs it first.
type readOnce[T any] struct {
	done bool
	v    T
	err  error
}

func (r *readOnce[T]) get(read func() (T, error)) (T, error) {
	if !r.done {
		r.v, r.err = read()
		r.done = true
	}
	return r.v, r.err
}

// namespacePods lists every pod of the namespace once, for the checks that need more
// than the selected pods (near misses, environment variables).
func (s *State) namespacePods(ctx context.Context) ([]corev1.Pod, error) {
	return s.nsPods.get(func() ([]corev1.Pod, error) { return source.List[corev1.Pod](ctx, s.Source, s.Namespace, nil) })
}

// namespaceStatefulSets lists the namespace's StatefulSets once: the idle-workload
// explanation of an empty selector and the StatefulSet check both read them, and svc
// keeps to its request budget.
func (s *State) namespaceStatefulSets(ctx context.Context) ([]appsv1.StatefulSet, error) {
	return s.nsStatefulSets.get(func() ([]appsv1.StatefulSet, error) {
		return source.List[appsv1.StatefulSet](ctx, s.Source, s.Namespace, nil)
	})
}

// sharedReads is the Source with the namespace lists State reads once answered from
// State, for the helpers that take a Source.
type sharedReads struct {
	source.Source
	s *State
}

func (r sharedReads) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	if kind != source.KindStatefulSet || namespace != r.s.Namespace || (selector != nil && !selector.Empty()) {
		return r.Source.ListKind(ctx, kind, namespace, selector)
	}
	return r.s.namespaceStatefulSets(ctx)
}

// Check IDs of the svc tree, in walk order.
const (
	CheckExists         = "service.exists"
	CheckExternalName   = "service.externalname"
	CheckLoadBalancer   = "service.loadbalancer"
	CheckNodePort       = "service.nodeport"
	CheckAffinity       = "service.sessionaffinity"
	CheckSelector       = "service.selector"
	CheckReadiness      = "service.readiness"
	CheckPorts          = "service.ports"
	CheckEndpointSlices = "service.endpointslices"
	CheckTrafficPolicy  = "service.trafficpolicy"
	CheckStatefulSet    = "service.statefulset"
	CheckEnvVars        = "service.envvars"
	CheckDNS            = "service.dns"
)

// Checks is the svc decision tree. Keep it in walk order: the order is the text tree,
// the checks[] order of the JSON report, and the tie-break for the root cause.
func Checks() []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckExists, Title: "Service exists", Run: checkExists},
		{ID: CheckExternalName, Title: "ExternalName is a valid DNS name", Needs: []string{CheckExists}, Run: checkExternalName},
		{ID: CheckLoadBalancer, Title: "LoadBalancer has an address", Needs: []string{CheckExists}, Run: checkLoadBalancer},
		{ID: CheckNodePort, Title: "NodePorts in range and unique", Needs: []string{CheckExists}, Run: checkNodePort},
		{ID: CheckAffinity, Title: "session affinity sees client IPs", Needs: []string{CheckExists}, Run: checkSessionAffinity},
		{ID: CheckSelector, Title: "selector matches pods", Needs: []string{CheckExists}, Run: checkSelector},
		{ID: CheckReadiness, Title: "pods are Ready", Needs: []string{CheckSelector}, Run: checkReadiness},
		{ID: CheckPorts, Title: "target ports resolve on the pods", Needs: []string{CheckSelector}, Run: checkPorts},
		{ID: CheckEndpointSlices, Title: "EndpointSlices match the ready pods", Needs: []string{CheckSelector}, After: []string{CheckReadiness}, Run: checkEndpointSlices},
		{ID: CheckNodeNetwork, Title: "endpoints' nodes have a ready pod network", Needs: []string{CheckSelector}, After: []string{CheckReadiness}, Run: checkNodeNetwork},
		{ID: CheckKubeProxy, Title: "the Service proxy is Ready on the nodes", Needs: []string{CheckSelector}, After: []string{CheckReadiness}, Run: checkKubeProxy},
		{ID: CheckProxyMode, Title: "kube-proxy's forwarding mode", Needs: []string{CheckSelector}, After: []string{CheckReadiness, CheckKubeProxy}, Run: checkProxyMode},
		{ID: CheckTrafficPolicy, Title: "traffic policies have local endpoints", Needs: []string{CheckSelector}, After: []string{CheckReadiness}, Run: checkTrafficPolicy},
		{ID: CheckStatefulSet, Title: "StatefulSets name a headless Service", Needs: []string{CheckExists}, Run: checkStatefulSets},
		{ID: CheckEnvVars, Title: "pods using service env vars started after the Service", Needs: []string{CheckExists}, Run: checkEnvVars},
		{ID: CheckNetworkPolicy, Title: "who may reach the pods (NetworkPolicy)", Needs: []string{CheckSelector}, Run: checkNetworkPolicy},
		{ID: CheckDNS, Title: "DNS names", Needs: []string{CheckExists}, Run: checkDNSNames},
	}
}

// Diagnose walks the svc tree for one Service and returns its report. The error is
// non-nil only when the Service itself could not be read (exit code 2).
func Diagnose(ctx context.Context, src source.Source, namespace, name string) (diag.Report, *State, error) {
	s := NewState(src, namespace, name)
	report := diag.NewReport("svc", s.Ref())
	err := engine.Walk(ctx, Checks(), s, &report)
	if s.Service != nil {
		report.Notes = dnsNotes(s)
		if s.proxyNote != "" {
			report.Notes = append(report.Notes, s.proxyNote)
		}
	}
	return report, s, err
}
