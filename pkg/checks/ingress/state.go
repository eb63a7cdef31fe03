// Package ingress is the decision tree of `kubectl netdoctor ingress`: the Ingress
// object, its IngressClass and controller, every rule, path and default backend, each
// backend Service and port with the Service's own `svc` diagnosis nested under it, the
// TLS secrets and certificates, conflicts with other Ingresses of the same class, and
// whether NetworkPolicies let the controller's pods reach the backends at all.
package ingress

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Options change how the tree reads the cluster; the zero value is the default.
type Options struct {
	// ControllerSelector, when set, finds the ingress controller's pods instead of the
	// well-known labels of the class's controller (--controller-selector).
	ControllerSelector *ControllerSelector
	// Now is the clock certificates are checked against; nil means time.Now.
	Now func() time.Time
}

// State is what the ingress checks share.
type State struct {
	Source    source.Source
	Namespace string
	Name      string
	Options   Options

	Ingress *networkingv1.Ingress
	// ClassName is the class the Ingress belongs to (field, legacy annotation or
	// default), "" when none applies.
	ClassName string
	// Class is the IngressClass object of ClassName, nil when it does not exist or
	// could not be read.
	Class *networkingv1.IngressClass
	// DefaultClassName is the default IngressClass (the newest when several are marked
	// default), "" when there is none or the classes are not known.
	DefaultClassName string
	// Paths are every rule path and the default backend, in spec order.
	Paths []Path
	// Backends are the distinct Service backends (Service and port) in first-use order.
	Backends []*Backend
	// Diagnoses holds the nested svc diagnosis of each existing backend Service.
	Diagnoses backend.Set
	// ControllerPods are the pods that proxy for the class, for IngressControllerBlocked.
	ControllerPods []corev1.Pod
}

// Backend is one Service and port that some paths of the Ingress send traffic to.
type Backend struct {
	Service string
	Port    backend.PortRef
	Paths   []Path
	// Set by the backends check.
	Object      *corev1.Service
	ServicePort *corev1.ServicePort
	// Set by the endpoints check.
	Diagnosis *backend.Diagnosis
}

// Label is the backend as "service:port".
func (b *Backend) Label() string { return b.Service + ":" + b.Port.String() }

// NewState returns the state for diagnosing Ingress namespace/name.
func NewState(src source.Source, namespace, name string, opts Options) *State {
	return &State{Source: src, Namespace: namespace, Name: name, Options: opts}
}

// Ref is the Ingress as a finding object.
func (s *State) Ref() diag.ObjectRef {
	return diag.ObjectRef{Kind: "Ingress", Namespace: s.Namespace, Name: s.Name}
}

func (s *State) now() time.Time {
	if s.Options.Now != nil {
		return s.Options.Now()
	}
	return time.Now()
}

// Check IDs of the ingress tree, in walk order.
const (
	CheckExists     = "ingress.exists"
	CheckClass      = "ingress.class"
	CheckAdmission  = "ingress.admission"
	CheckBackends   = "ingress.backends"
	CheckEndpoints  = "ingress.endpoints"
	CheckProtocol   = "ingress.protocol"
	CheckRewrite    = "ingress.rewrite"
	CheckTLS        = "ingress.tls"
	CheckConflicts  = "ingress.conflicts"
	CheckCanary     = "ingress.canary"
	CheckController = "ingress.controller"
)

// Checks is the ingress decision tree. Keep it in walk order: the order is the text
// tree, the checks[] order of the JSON report and the tie-break for the root cause, so
// the class (nothing is served without it) comes before the paths, and the paths before
// TLS and the conflicts that only matter once traffic can arrive at all. The
// ingress-nginx annotation checks (backend-protocol, rewrite-target, canary) sit with
// the part of the tree whose objects they judge.
func Checks() []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckExists, Title: "Ingress exists", Run: checkExists},
		{ID: CheckClass, Title: "IngressClass resolves", Needs: []string{CheckExists}, Run: checkClass},
		{ID: CheckAdmission, Title: "a controller admitted the Ingress", Needs: []string{CheckExists}, Run: checkAdmission},
		{ID: CheckBackends, Title: "backend Services and ports exist", Needs: []string{CheckExists}, Run: checkBackends},
		{ID: CheckEndpoints, Title: "backend Services have ready endpoints", Needs: []string{CheckExists}, Run: checkEndpoints},
		{ID: CheckProtocol, Title: "ingress-nginx speaks the protocol the backend ports declare", Needs: []string{CheckExists}, Run: checkProtocol},
		{ID: CheckRewrite, Title: "rewrite-target capture groups exist in the paths", Needs: []string{CheckExists}, Run: checkRewrite},
		{ID: CheckTLS, Title: "TLS secrets hold valid certificates for the hosts", Needs: []string{CheckExists}, Run: checkTLS},
		{ID: CheckConflicts, Title: "no other Ingress of the class claims the same host and path", Needs: []string{CheckExists}, Run: checkConflicts},
		{ID: CheckCanary, Title: "a canary Ingress has a main Ingress for each of its paths", Needs: []string{CheckExists}, Run: checkCanary},
		{ID: CheckController, Title: "NetworkPolicies let the controller reach the backends", Needs: []string{CheckExists}, Run: checkController},
	}
}

// Diagnose walks the ingress tree for one Ingress and returns its report, with each
// backend Service's svc walk nested under the endpoints check. The error is non-nil
// only when the Ingress itself could not be read (exit code 2).
func Diagnose(ctx context.Context, src source.Source, namespace, name string, opts Options) (diag.Report, *State, error) {
	s := NewState(src, namespace, name, opts)
	report := diag.NewReport("ingress", s.Ref())
	if err := engine.Walk(ctx, Checks(), s, &report); err != nil {
		return report, s, err
	}
	backend.Embed(&report, CheckEndpoints, s.Diagnoses.All())
	report.Notes = pathNotes(s)
	return report, s, nil
}
