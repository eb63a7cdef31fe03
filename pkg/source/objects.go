package source

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Objects is an in-memory Source: the store behind -f and behind unit tests.
type Objects struct {
	kinds           map[string]bool
	services        []corev1.Service
	pods            []corev1.Pod
	slices          []discoveryv1.EndpointSlice
	endpoints       []corev1.Endpoints
	nodes           []corev1.Node
	namespaces      []corev1.Namespace
	events          []corev1.Event
	statefulSets    []appsv1.StatefulSet
	deployments     []appsv1.Deployment
	daemonSets      []appsv1.DaemonSet
	replicaSets     []appsv1.ReplicaSet
	jobs            []batchv1.Job
	networkPolicies []networkingv1.NetworkPolicy
	configMaps      []corev1.ConfigMap
	secrets         []corev1.Secret
	ingresses       []networkingv1.Ingress
	ingressClasses  []networkingv1.IngressClass
	gatewayClasses  []gatewayv1.GatewayClass
	gateways        []gatewayv1.Gateway
	httpRoutes      []gatewayv1.HTTPRoute
	grpcRoutes      []gatewayv1.GRPCRoute
	tcpRoutes       []gatewayv1.TCPRoute
	tlsRoutes       []gatewayv1.TLSRoute
	referenceGrants []gatewayv1.ReferenceGrant
	// admin network policies (cluster-scoped)
	adminNetworkPolicies         []anpv1alpha1.AdminNetworkPolicy
	baselineAdminNetworkPolicies []anpv1alpha1.BaselineAdminNetworkPolicy
	// network plugin policies (CNIPolicyKinds), unstructured
	cniPolicies []unstructured.Unstructured
	// origins records where FromFiles read each object.
	origins map[Origin]Position
	// Others holds objects of kinds no check reads (kept so loaders can report them).
	Others []runtime.Object
	// owned: add may default objects in place (see fromOwned).
	owned bool
}

var _ Source = (*Objects)(nil)

// FromObjects builds an in-memory Source from typed objects. Defaults that the API
// server would set and manifests usually omit are applied (see defaults.go), so checks
// see the same shapes offline as live.
func FromObjects(objs ...runtime.Object) *Objects {
	return fromObjects(objs, true)
}

// fromOwned is FromObjects for objects that nobody else holds, such as a list Cached
// has just read: they are defaulted in place instead of deep-copied first, so a scan
// holds one copy of the cluster in memory, not two.
func fromOwned(objs []runtime.Object) *Objects {
	return fromObjects(objs, false)
}

func fromObjects(objs []runtime.Object, deepCopy bool) *Objects {
	o := &Objects{kinds: map[string]bool{}, owned: !deepCopy}
	for _, obj := range objs {
		o.add(obj)
	}
	o.sortAll()
	return o
}

func (o *Objects) add(obj runtime.Object) {
	switch v := obj.(type) {
	case *corev1.Service:
		o.services = append(o.services, *defaultService(copyUnlessOwned(o, v)))
	case *corev1.Pod:
		o.pods = append(o.pods, *defaultPod(copyUnlessOwned(o, v)))
	case *discoveryv1.EndpointSlice:
		o.slices = append(o.slices, *defaultEndpointSlice(copyUnlessOwned(o, v)))
	case *corev1.Endpoints:
		o.endpoints = append(o.endpoints, *v)
	case *corev1.Node:
		o.nodes = append(o.nodes, *v)
	case *corev1.Namespace:
		o.namespaces = append(o.namespaces, *defaultNamespace(copyUnlessOwned(o, v)))
	case *corev1.Event:
		o.events = append(o.events, *v)
	case *appsv1.StatefulSet:
		o.statefulSets = append(o.statefulSets, *v)
	case *appsv1.Deployment:
		o.deployments = append(o.deployments, *v)
	case *appsv1.DaemonSet:
		o.daemonSets = append(o.daemonSets, *v)
	case *appsv1.ReplicaSet:
		o.replicaSets = append(o.replicaSets, *v)
	case *batchv1.Job:
		o.jobs = append(o.jobs, *v)
	case *networkingv1.NetworkPolicy:
		o.networkPolicies = append(o.networkPolicies, *defaultNetworkPolicy(copyUnlessOwned(o, v)))
	case *corev1.ConfigMap:
		o.configMaps = append(o.configMaps, *v)
	case *corev1.Secret:
		o.secrets = append(o.secrets, *v)
	case *networkingv1.Ingress:
		o.ingresses = append(o.ingresses, *v)
	case *networkingv1.IngressClass:
		o.ingressClasses = append(o.ingressClasses, *v)
	case *gatewayv1.GatewayClass:
		o.gatewayClasses = append(o.gatewayClasses, *v)
	case *gatewayv1.Gateway:
		o.gateways = append(o.gateways, *v)
	case *gatewayv1.HTTPRoute:
		o.httpRoutes = append(o.httpRoutes, *v)
	case *gatewayv1.GRPCRoute:
		o.grpcRoutes = append(o.grpcRoutes, *v)
	case *gatewayv1.TCPRoute:
		o.tcpRoutes = append(o.tcpRoutes, *v)
	case *gatewayv1.TLSRoute:
		o.tlsRoutes = append(o.tlsRoutes, *v)
	case *gatewayv1.ReferenceGrant:
		o.referenceGrants = append(o.referenceGrants, *v)
	case *anpv1alpha1.AdminNetworkPolicy:
		o.adminNetworkPolicies = append(o.adminNetworkPolicies, *v)
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		o.baselineAdminNetworkPolicies = append(o.baselineAdminNetworkPolicies, *v)
	case *unstructured.Unstructured:
		if _, ok := CNIPolicyKindOf(v.GroupVersionKind()); !ok {
			o.Others = append(o.Others, obj)
			return
		}
		if !o.owned {
			v = v.DeepCopy()
		}
		o.cniPolicies = append(o.cniPolicies, *v)
		o.kinds[KindCNIPolicy] = true
		return
	default:
		o.Others = append(o.Others, obj)
		return
	}
	o.kinds[kindOf(obj)] = true
}

// copyUnlessOwned returns v itself when o owns what it is given, else a deep copy that
// defaulting can change without touching the caller's object.
func copyUnlessOwned[T any, P interface {
	*T
	DeepCopy() *T
}](o *Objects, v P) *T {
	if o.owned {
		return v
	}
	return v.DeepCopy()
}

func kindOf(obj runtime.Object) string {
	switch obj.(type) {
	case *corev1.Service:
		return "Service"
	case *corev1.Pod:
		return "Pod"
	case *discoveryv1.EndpointSlice:
		return "EndpointSlice"
	case *corev1.Endpoints:
		return "Endpoints"
	case *corev1.Node:
		return "Node"
	case *corev1.Namespace:
		return "Namespace"
	case *corev1.Event:
		return "Event"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	case *appsv1.ReplicaSet:
		return "ReplicaSet"
	case *batchv1.Job:
		return "Job"
	case *networkingv1.NetworkPolicy:
		return "NetworkPolicy"
	case *corev1.ConfigMap:
		return "ConfigMap"
	case *corev1.Secret:
		return "Secret"
	case *networkingv1.Ingress:
		return "Ingress"
	case *networkingv1.IngressClass:
		return "IngressClass"
	case *gatewayv1.GatewayClass:
		return "GatewayClass"
	case *gatewayv1.Gateway:
		return "Gateway"
	case *gatewayv1.HTTPRoute:
		return "HTTPRoute"
	case *gatewayv1.GRPCRoute:
		return "GRPCRoute"
	case *gatewayv1.TCPRoute:
		return "TCPRoute"
	case *gatewayv1.TLSRoute:
		return "TLSRoute"
	case *gatewayv1.ReferenceGrant:
		return "ReferenceGrant"
	case *anpv1alpha1.AdminNetworkPolicy:
		return KindAdminNetworkPolicy
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		return KindBaselineAdminNetworkPolicy
	}
	return ""
}

func (o *Objects) sortAll() {
	sortByKey(o.services)
	sortByKey(o.pods)
	sortByKey(o.slices)
	sortByKey(o.endpoints)
	sortByKey(o.nodes)
	sortByKey(o.namespaces)
	sortByKey(o.events)
	sortByKey(o.statefulSets)
	sortByKey(o.deployments)
	sortByKey(o.daemonSets)
	sortByKey(o.replicaSets)
	sortByKey(o.jobs)
	sortByKey(o.networkPolicies)
	sortByKey(o.configMaps)
	sortByKey(o.secrets)
	sortByKey(o.ingresses)
	sortByKey(o.ingressClasses)
	sortByKey(o.gatewayClasses)
	sortByKey(o.gateways)
	sortByKey(o.httpRoutes)
	sortByKey(o.grpcRoutes)
	sortByKey(o.tcpRoutes)
	sortByKey(o.tlsRoutes)
	sortByKey(o.referenceGrants)
	sortByKey(o.adminNetworkPolicies)
	sortByKey(o.baselineAdminNetworkPolicies)
	sortByKey(o.cniPolicies)
}

// object is what every API type's pointer satisfies: enough to filter and sort.
type object interface {
	GetNamespace() string
	GetName() string
	GetLabels() map[string]string
}

// sortByKey orders items by namespace, then name, the order kubectl lists them in.
func sortByKey[T any, P interface {
	*T
	object
}](items []T) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := P(&items[i]), P(&items[j])
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		return a.GetName() < b.GetName()
	})
}

// namespaceRange returns the bounds of namespace's objects in items. Every slice of an
// Objects is kept ordered by namespace, then name (sortAll), so this is a binary search:
// a question about one namespace costs the size of that namespace, not of the cluster.
func namespaceRange[T any, P interface {
	*T
	object
}](items []T, namespace string) (lo, hi int) {
	lo = sort.Search(len(items), func(i int) bool { return P(&items[i]).GetNamespace() >= namespace })
	hi = lo + sort.Search(len(items)-lo, func(i int) bool { return P(&items[lo+i]).GetNamespace() > namespace })
	return lo, hi
}

// filter returns copies of the items in namespace (all for AllNamespaces) whose labels
// match selector (nil matches all). items must be sorted by sortByKey.
func filter[T any, P interface {
	*T
	object
}](items []T, namespace string, selector labels.Selector) []T {
	if namespace != AllNamespaces {
		lo, hi := namespaceRange[T, P](items, namespace)
		items = items[lo:hi]
	}
	if selector == nil {
		// Shared, not copied: a scan asks for a namespace's pods once per Service, and
		// copying them each time was a tenth of its CPU.
		return shared(items)
	}
	out := []T{}
	for i := range items {
		if selector.Matches(labels.Set(P(&items[i]).GetLabels())) {
			out = append(out, items[i])
		}
	}
	return out
}

// shared hands out items as a list that callers read (see Source): the capacity is cut
// so that a caller's append reallocates instead of writing over what follows in the
// store, and an empty list is [], never null in a report.
func shared[T any](items []T) []T {
	if len(items) == 0 {
		return []T{}
	}
	return items[:len(items):len(items)]
}

// find returns the named object or a NotFound ReadError shaped like the API server's.
// items must be sorted by sortByKey; with duplicates (possible in files) the first wins.
func find[T any, P interface {
	*T
	object
}](items []T, resource schema.GroupResource, namespace, name string) (*T, error) {
	lo, hi := namespaceRange[T, P](items, namespace)
	i := lo + sort.Search(hi-lo, func(i int) bool { return P(&items[lo+i]).GetName() >= name })
	if i < hi && P(&items[i]).GetName() == name {
		found := items[i]
		return &found, nil
	}
	return nil, readErr("get", resource.String(), namespace, name, apierrors.NewNotFound(resource, name))
}

// Live implements Source.
func (o *Objects) Live() bool { return false }

// Has implements Source.
func (o *Objects) Has(kind string) bool { return o.kinds[kind] }

// Guarantees implements Source: files vouch only for the objects they hold.
func (o *Objects) Guarantees(Guarantee) bool { return false }

// Service implements Source.
func (o *Objects) Service(_ context.Context, namespace, name string) (*corev1.Service, error) {
	return find(o.services, corev1.Resource("services"), namespace, name)
}

// Services implements Source.
func (o *Objects) Services(_ context.Context, namespace, name string) ([]corev1.Service, error) {
	all := filter(o.services, namespace, nil)
	if name == "" {
		return all, nil
	}
	named := []corev1.Service{}
	for _, s := range all {
		if s.Name == name {
			named = append(named, s)
		}
	}
	return named, nil
}

// Pods implements Source.
func (o *Objects) Pods(_ context.Context, namespace string, selector labels.Selector) ([]corev1.Pod, error) {
	return filter(o.pods, namespace, selector), nil
}

// Pod implements Source.
func (o *Objects) Pod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	return find(o.pods, corev1.Resource("pods"), namespace, name)
}

// EndpointSlices implements Source.
func (o *Objects) EndpointSlices(_ context.Context, namespace, service string) ([]discoveryv1.EndpointSlice, error) {
	return filter(o.slices, namespace, serviceNameSelector(service)), nil
}

// Endpoints implements Source.
func (o *Objects) Endpoints(_ context.Context, namespace, name string) (*corev1.Endpoints, error) {
	return find(o.endpoints, corev1.Resource("endpoints"), namespace, name)
}

// Nodes implements Source.
func (o *Objects) Nodes(context.Context) ([]corev1.Node, error) {
	return filter(o.nodes, AllNamespaces, nil), nil
}

// Namespaces implements Source. Offline, namespaces that objects live in but that the
// files do not declare are synthesised with the label the API server would add, so
// namespaceSelectors on kubernetes.io/metadata.name work on plain manifests.
func (o *Objects) Namespaces(context.Context) ([]corev1.Namespace, error) {
	declared := map[string]bool{}
	out := filter(o.namespaces, AllNamespaces, nil)
	for _, ns := range out {
		declared[ns.Name] = true
	}
	for _, name := range o.usedNamespaces() {
		if !declared[name] {
			out = append(out, *defaultNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
			declared[name] = true
		}
	}
	sortByKey(out)
	return out, nil
}

func (o *Objects) usedNamespaces() []string {
	seen := map[string]bool{}
	var names []string
	note := func(ns string) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			names = append(names, ns)
		}
	}
	for _, p := range o.pods {
		note(p.Namespace)
	}
	for _, s := range o.services {
		note(s.Namespace)
	}
	for _, np := range o.networkPolicies {
		note(np.Namespace)
	}
	for _, ing := range o.ingresses {
		note(ing.Namespace)
	}
	for _, r := range o.httpRoutes {
		note(r.Namespace)
	}
	for _, r := range o.grpcRoutes {
		note(r.Namespace)
	}
	for _, r := range o.tcpRoutes {
		note(r.Namespace)
	}
	for _, r := range o.tlsRoutes {
		note(r.Namespace)
	}
	for _, g := range o.gateways {
		note(g.Namespace)
	}
	for _, p := range o.cniPolicies {
		note(p.GetNamespace())
	}
	sort.Strings(names)
	return names
}

// Events implements Source.
func (o *Objects) Events(_ context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	out := []corev1.Event{}
	for _, e := range filter(o.events, namespace, nil) {
		if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}

// StatefulSets implements Source.
func (o *Objects) StatefulSets(_ context.Context, namespace string) ([]appsv1.StatefulSet, error) {
	return filter(o.statefulSets, namespace, nil), nil
}

// Deployments implements Source.
func (o *Objects) Deployments(_ context.Context, namespace string) ([]appsv1.Deployment, error) {
	return filter(o.deployments, namespace, nil), nil
}

// DaemonSets implements Source.
func (o *Objects) DaemonSets(_ context.Context, namespace string) ([]appsv1.DaemonSet, error) {
	return filter(o.daemonSets, namespace, nil), nil
}

// ReplicaSets implements Source.
func (o *Objects) ReplicaSets(_ context.Context, namespace string) ([]appsv1.ReplicaSet, error) {
	return filter(o.replicaSets, namespace, nil), nil
}

// Jobs implements Source.
func (o *Objects) Jobs(_ context.Context, namespace string) ([]batchv1.Job, error) {
	return filter(o.jobs, namespace, nil), nil
}

// NetworkPolicies implements Source.
func (o *Objects) NetworkPolicies(_ context.Context, namespace string) ([]networkingv1.NetworkPolicy, error) {
	return filter(o.networkPolicies, namespace, nil), nil
}

// ConfigMap implements Source.
func (o *Objects) ConfigMap(_ context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	return find(o.configMaps, corev1.Resource("configmaps"), namespace, name)
}

// Secret implements Source.
func (o *Objects) Secret(_ context.Context, namespace, name string) (*corev1.Secret, error) {
	return find(o.secrets, corev1.Resource("secrets"), namespace, name)
}

// Ingress implements Source.
func (o *Objects) Ingress(_ context.Context, namespace, name string) (*networkingv1.Ingress, error) {
	return find(o.ingresses, networkingv1.Resource("ingresses"), namespace, name)
}

// Ingresses implements Source.
func (o *Objects) Ingresses(_ context.Context, namespace string) ([]networkingv1.Ingress, error) {
	return filter(o.ingresses, namespace, nil), nil
}

// IngressClasses implements Source.
func (o *Objects) IngressClasses(context.Context) ([]networkingv1.IngressClass, error) {
	return filter(o.ingressClasses, AllNamespaces, nil), nil
}

func serviceNameSelector(service string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: service})
}

// String describes the store for debugging.
func (o *Objects) String() string {
	return fmt.Sprintf("objects(%d services, %d pods, %d endpointslices)", len(o.services), len(o.pods), len(o.slices))
}
