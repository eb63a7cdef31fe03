// Package gateway is the decision tree of `kubectl netdoctor route`: a Gateway API
// route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute) → its parentRefs → each Gateway and
// GatewayClass → the listeners that admit the route (sectionName, port, protocol,
// allowedRoutes kinds and namespaces, hostnames) → the backendRefs (Service and port,
// ReferenceGrant across namespaces, weights) with each backend Service's own `svc`
// diagnosis nested → the conditions the controller wrote into the route's status.
package gateway

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ErrGatewayAPINotInstalled is returned when the cluster serves no Gateway API at all:
// there is nothing to diagnose, which `route` reports with exit code 2 and `scan` as a
// skipped check.
var ErrGatewayAPINotInstalled = errors.New("the Gateway API is not installed in this cluster: the API server serves no gateway.networking.k8s.io resources, so there are no routes to diagnose (install the CRDs: https://gateway-api.sigs.k8s.io/guides/#installing-gateway-api)")

// State is what the route checks share.
type State struct {
	Source    source.Source
	Namespace string
	Name      string
	// Kind is the route kind asked for with --kind, "" for any.
	Kind string

	Route *Route
	// Parents are the route's parentRefs, resolved.
	Parents []*Parent
	// Backends are every backendRef of every rule, in spec order.
	Backends  []*Backend
	Diagnoses backend.Set

	// Now is the clock certificates are checked against; nil means time.Now.
	Now func() time.Time

	namespaces   []corev1.Namespace
	namespacesOK bool
}

func (s *State) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Parent is one parentRef of the route and what it resolved to.
type Parent struct {
	Ref       gatewayv1.ParentReference
	Namespace string
	Name      string
	// IsGateway is false for parents netdoctor does not follow (ListenerSet, a Service
	// for mesh routing).
	IsGateway bool
	Gateway   *gatewayv1.Gateway
	Class     *gatewayv1.GatewayClass
	// Listeners are the listeners that admit the route (kind, namespace, section, port).
	Listeners []gatewayv1.Listener
}

// Label names the parent as it is referenced, with sectionName and port.
func (p *Parent) Label() string {
	l := p.Namespace + "/" + p.Name
	if p.Ref.SectionName != nil {
		l += " section " + string(*p.Ref.SectionName)
	}
	if p.Ref.Port != nil {
		l += " port " + itoa(*p.Ref.Port)
	}
	return l
}

// Backend is one backendRef of one rule.
type Backend struct {
	Rule      int
	Ref       gatewayv1.BackendRef
	Group     string
	Kind      string
	Namespace string
	Name      string
	Port      *int32
	Weight    int32
	// Set by the backends check.
	Permitted   bool
	Service     *corev1.Service
	ServicePort *corev1.ServicePort
	// Set by the endpoints check.
	Diagnosis *backend.Diagnosis
}

// IsService reports whether the backendRef is a core Service (the default kind).
func (b *Backend) IsService() bool { return b.Group == "" && b.Kind == "Service" }

// Label is the backend as "namespace/name:port".
func (b *Backend) Label() string {
	l := b.Namespace + "/" + b.Name
	if b.Port != nil {
		l += ":" + itoa(*b.Port)
	}
	if !b.IsService() {
		l = b.Kind + " " + l
	}
	return l
}

// NewState returns the state for diagnosing route namespace/name of kind ("" for any).
func NewState(src source.Source, namespace, name, kind string) *State {
	return &State{Source: src, Namespace: namespace, Name: name, Kind: kind}
}

// Ref is the route as a finding object.
func (s *State) Ref() diag.ObjectRef {
	k := s.Kind
	if s.Route != nil {
		k = s.Route.Kind
	}
	if k == "" {
		k = "Route"
	}
	return diag.ObjectRef{Kind: k, Namespace: s.Namespace, Name: s.Name}
}

// namespace returns the Namespace object name (labels for allowedRoutes selectors).
func (s *State) namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	if !s.namespacesOK {
		nss, err := s.Source.Namespaces(ctx)
		if err != nil {
			return nil, err
		}
		s.namespaces, s.namespacesOK = nss, true
	}
	for i := range s.namespaces {
		if s.namespaces[i].Name == name {
			return &s.namespaces[i], nil
		}
	}
	// Not listed (offline input that never names it): the API server would still give
	// it the kubernetes.io/metadata.name label.
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels: map[string]string{corev1.LabelMetadataName: name}}}, nil
}

// Check IDs of the route tree, in walk order.
const (
	CheckExists       = "route.exists"
	CheckParents      = "route.parents"
	CheckGatewayClass = "route.gatewayclass"
	CheckListeners    = "route.listeners"
	CheckHostnames    = "route.hostnames"
	CheckListenerTLS  = "route.tls"
	CheckProgrammed   = "route.programmed"
	CheckBackends     = "route.backends"
	CheckWeights      = "route.weights"
	CheckEndpoints    = "route.endpoints"
	CheckStatus       = "route.status"
)

// Checks is the route decision tree. Keep it in walk order: the order is the text tree,
// the checks[] order of the JSON report and the tie-break for the root cause. The
// controller's own verdict (route.status) comes last, so that netdoctor's specific
// explanation is the root cause and the controller's condition its confirmation; for
// the same reason the listener certificates come before the Gateway's own conditions.
func Checks() []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckExists, Title: "route exists", Run: checkExists},
		{ID: CheckParents, Title: "parent Gateways exist", Needs: []string{CheckExists}, Run: checkParents},
		{ID: CheckGatewayClass, Title: "GatewayClasses exist and are Accepted", Needs: []string{CheckExists}, Run: checkGatewayClass},
		{ID: CheckListeners, Title: "a listener admits the route", Needs: []string{CheckExists}, Run: checkListeners},
		{ID: CheckHostnames, Title: "route and listener hostnames intersect", Needs: []string{CheckExists}, Run: checkHostnames},
		{ID: CheckListenerTLS, Title: "TLS listeners have valid certificates for the route's hostnames", Needs: []string{CheckExists}, Run: checkListenerTLS},
		{ID: CheckProgrammed, Title: "the controller programmed the Gateways and listeners", Needs: []string{CheckExists}, Run: checkProgrammed},
		{ID: CheckBackends, Title: "backendRefs resolve to Services and ports", Needs: []string{CheckExists}, Run: checkBackends},
		{ID: CheckWeights, Title: "every rule has a backend with weight", Needs: []string{CheckExists}, Run: checkWeights},
		{ID: CheckEndpoints, Title: "backend Services have ready endpoints", Needs: []string{CheckExists}, Run: checkEndpoints},
		{ID: CheckStatus, Title: "the controller accepted the route", Needs: []string{CheckExists}, Run: checkStatus},
	}
}

// Diagnose walks the route tree for one route and returns its report, with each
// backend Service's svc walk nested under the endpoints check. The error is non-nil
// when the route itself could not be read, or the cluster has no Gateway API
// (ErrGatewayAPINotInstalled): both exit code 2.
func Diagnose(ctx context.Context, src source.Source, namespace, name, kind string) (diag.Report, *State, error) {
	s := NewState(src, namespace, name, kind)
	report := diag.NewReport("route", s.Ref())
	if err := engine.Walk(ctx, Checks(), s, &report); err != nil {
		return report, s, err
	}
	report.Target = s.Ref()
	backend.Embed(&report, CheckEndpoints, s.Diagnoses.All())
	return report, s, nil
}
