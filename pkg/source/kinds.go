package source

import (
	"fmt"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// The kinds netdoctor reads, as manifests and discovery name them; Has takes them.
const (
	KindService       = "Service"
	KindPod           = "Pod"
	KindEndpoints     = "Endpoints"
	KindNode          = "Node"
	KindNamespace     = "Namespace"
	KindEvent         = "Event"
	KindConfigMap     = "ConfigMap"
	KindSecret        = "Secret"
	KindEndpointSlice = "EndpointSlice"
	KindStatefulSet   = "StatefulSet"
	KindDeployment    = "Deployment"
	KindDaemonSet     = "DaemonSet"
	KindReplicaSet    = "ReplicaSet"
	KindJob           = "Job"
	KindNetworkPolicy = "NetworkPolicy"
	KindIngress       = "Ingress"
	KindIngressClass  = "IngressClass"
)

// kindInfo is everything the sources know about one kind: how the -f loader decodes it
// (group, versions, Go type), how Objects stores it (a table of its Go type, defaulted
// as the API server would) and how errors name it (its resource). registry is the one
// list of them; a kind added there is decoded, stored, sorted and reported missing or
// present (Has) with no other change to this package.
type kindInfo struct {
	name string
	gv   schema.GroupVersion
	// alsoAt are other versions of the group whose objects have the same shape and are
	// read as the same Go type (manifests still say v1beta1 ReferenceGrant).
	alsoAt   []string
	resource string
	flags    kindFlag
	goType   reflect.Type // of the pointer, e.g. *corev1.Service
	newObj   func() runtime.Object
	newTable func() table
}

type kindFlag int

const (
	// clusterScope: objects of the kind have no namespace.
	clusterScope kindFlag = 1 << iota
	// placesNamespace: offline, an object of the kind is evidence that its namespace
	// exists (see Objects.Namespaces), as a pod or a route is and an Event is not.
	placesNamespace
	// untyped: objects stay *unstructured.Unstructured (the network plugins' policies,
	// of several groups, which pkg/netpol decodes itself); the loader does not convert
	// them and they have no single group version.
	untyped
)

// groupResource names the kind's resource as API errors do.
func (k *kindInfo) groupResource() schema.GroupResource {
	return k.gv.WithResource(k.resource).GroupResource()
}

// storedKind is what a kind's Go type must offer to be stored: a pointer that is an API
// object with metadata, and a deep copy for defaulting objects someone else holds.
type storedKind[T any] interface {
	*T
	runtime.Object
	object
	DeepCopy() *T
}

// kindOf declares a kind whose objects are stored as T. defaults, if not nil, is the
// API server's defaulting of the fields checks read (defaults.go); it may change the
// object it is given, which is then a copy unless the store owns it.
func kindOf[T any, P storedKind[T]](gv schema.GroupVersion, name, resource string, flags kindFlag, defaults func(P) P, alsoAt ...string) *kindInfo {
	ops := &tableOps[T]{meta: func(v *T) object { return P(v) }, sortItems: sortByKey[T, P], prepare: preparer[T, P](defaults)}
	return &kindInfo{
		name: name, gv: gv, alsoAt: alsoAt, resource: resource, flags: flags,
		goType:   reflect.TypeFor[P](),
		newObj:   func() runtime.Object { return P(new(T)) },
		newTable: func() table { return &tableOf[T]{ops: ops} },
	}
}

// preparer returns how a table takes in an object: defaulted, on a copy unless owned.
func preparer[T any, P storedKind[T]](defaults func(P) P) func(v *T, owned bool) *T {
	if defaults == nil {
		return func(v *T, _ bool) *T { return v }
	}
	return func(v *T, owned bool) *T {
		if !owned {
			v = P(v).DeepCopy()
		}
		return defaults(P(v))
	}
}

func keepAsGiven(u *unstructured.Unstructured) *unstructured.Unstructured { return u }

// gatewayVersions are the Gateway API versions that share the v1 shape: manifests and
// clusters still carry v1beta1 (ReferenceGrant almost always) or v1alpha2 (TCPRoute,
// TLSRoute, GRPCRoute before they became stable).
var gatewayVersions = []string{"v1beta1", "v1alpha3", "v1alpha2"}

var gatewayGroupVersion = schema.GroupVersion{Group: gatewayv1.GroupName, Version: "v1"}

// registry is every kind the sources store, in no particular order.
var registry = []*kindInfo{
	kindOf[corev1.Service](corev1.SchemeGroupVersion, KindService, "services", placesNamespace, defaultService),
	kindOf[corev1.Pod](corev1.SchemeGroupVersion, KindPod, "pods", placesNamespace, defaultPod),
	kindOf[corev1.Endpoints](corev1.SchemeGroupVersion, KindEndpoints, "endpoints", 0, nil),
	kindOf[corev1.Node](corev1.SchemeGroupVersion, KindNode, "nodes", clusterScope, nil),
	kindOf[corev1.Namespace](corev1.SchemeGroupVersion, KindNamespace, "namespaces", clusterScope, defaultNamespace),
	kindOf[corev1.Event](corev1.SchemeGroupVersion, KindEvent, "events", 0, nil),
	kindOf[corev1.ConfigMap](corev1.SchemeGroupVersion, KindConfigMap, "configmaps", 0, nil),
	kindOf[corev1.Secret](corev1.SchemeGroupVersion, KindSecret, "secrets", 0, nil),
	kindOf[discoveryv1.EndpointSlice](discoveryv1.SchemeGroupVersion, KindEndpointSlice, "endpointslices", 0, defaultEndpointSlice),
	kindOf[appsv1.StatefulSet](appsv1.SchemeGroupVersion, KindStatefulSet, "statefulsets", 0, nil),
	kindOf[appsv1.Deployment](appsv1.SchemeGroupVersion, KindDeployment, "deployments", 0, nil),
	kindOf[appsv1.DaemonSet](appsv1.SchemeGroupVersion, KindDaemonSet, "daemonsets", 0, nil),
	kindOf[appsv1.ReplicaSet](appsv1.SchemeGroupVersion, KindReplicaSet, "replicasets", 0, nil),
	kindOf[batchv1.Job](batchv1.SchemeGroupVersion, KindJob, "jobs", 0, nil),
	kindOf[networkingv1.NetworkPolicy](networkingv1.SchemeGroupVersion, KindNetworkPolicy, "networkpolicies", placesNamespace, defaultNetworkPolicy),
	kindOf[networkingv1.Ingress](networkingv1.SchemeGroupVersion, KindIngress, "ingresses", placesNamespace, nil),
	kindOf[networkingv1.IngressClass](networkingv1.SchemeGroupVersion, KindIngressClass, "ingressclasses", clusterScope, nil),
	kindOf[gatewayv1.GatewayClass](gatewayGroupVersion, KindGatewayClass, "gatewayclasses", clusterScope, nil, gatewayVersions...),
	kindOf[gatewayv1.Gateway](gatewayGroupVersion, KindGateway, "gateways", placesNamespace, nil, gatewayVersions...),
	kindOf[gatewayv1.HTTPRoute](gatewayGroupVersion, KindHTTPRoute, "httproutes", placesNamespace, nil, gatewayVersions...),
	kindOf[gatewayv1.GRPCRoute](gatewayGroupVersion, KindGRPCRoute, "grpcroutes", placesNamespace, nil, gatewayVersions...),
	kindOf[gatewayv1.TCPRoute](gatewayGroupVersion, KindTCPRoute, "tcproutes", placesNamespace, nil, gatewayVersions...),
	kindOf[gatewayv1.TLSRoute](gatewayGroupVersion, KindTLSRoute, "tlsroutes", placesNamespace, nil, gatewayVersions...),
	kindOf[gatewayv1.ReferenceGrant](gatewayGroupVersion, KindReferenceGrant, "referencegrants", 0, nil, gatewayVersions...),
	kindOf[anpv1alpha1.AdminNetworkPolicy](anpv1alpha1.SchemeGroupVersion, KindAdminNetworkPolicy, "adminnetworkpolicies", clusterScope, nil),
	kindOf[anpv1alpha1.BaselineAdminNetworkPolicy](anpv1alpha1.SchemeGroupVersion, KindBaselineAdminNetworkPolicy, "baselineadminnetworkpolicies", clusterScope, nil),
	// Namespaced and cluster-wide kinds of several groups (CNIPolicyKinds) in one table.
	kindOf[unstructured.Unstructured](schema.GroupVersion{}, KindCNIPolicy, "", placesNamespace|untyped, keepAsGiven),
}

// The registry's indexes: by name (Has, Objects' tables), by the group version kinds
// the loader decodes into Go types, and by Go type (what Objects is given).
var (
	kindsByName = map[string]*kindInfo{}
	typedKinds  = map[schema.GroupVersionKind]*kindInfo{}
	kindsByType = map[reflect.Type]*kindInfo{}
)

func init() {
	for _, k := range registry {
		if kindsByName[k.name] != nil || kindsByType[k.goType] != nil {
			panic(fmt.Sprintf("source: kind %s (%s) registered twice", k.name, k.goType))
		}
		kindsByName[k.name], kindsByType[k.goType] = k, k
		if k.flags&untyped != 0 {
			continue
		}
		for _, version := range append([]string{k.gv.Version}, k.alsoAt...) {
			typedKinds[schema.GroupVersionKind{Group: k.gv.Group, Version: version, Kind: k.name}] = k
		}
		if k.flags&clusterScope != 0 {
			clusterScoped[schema.GroupKind{Group: k.gv.Group, Kind: k.name}] = true
		}
	}
}

// kindInfoOf returns the registered kind of obj's Go type, or nil.
func kindInfoOf(obj runtime.Object) *kindInfo { return kindsByType[reflect.TypeOf(obj)] }

// table is one kind's objects in an Objects: kept in one slice of the kind's Go type,
// ordered by namespace and name, so a namespace is a binary search away.
type table interface {
	add(obj runtime.Object, owned bool)
	sort()
	len() int
	eachNamespace(note func(string))
}

type tableOf[T any] struct {
	items []T
	ops   *tableOps[T]
}

// tableOps is what a table does with T, one per kind: shared by every table of the
// kind, so that two stores of the same objects compare equal (reflect.DeepEqual).
type tableOps[T any] struct {
	meta      func(*T) object
	sortItems func([]T)
	prepare   func(v *T, owned bool) *T
}

func (t *tableOf[T]) add(obj runtime.Object, owned bool) {
	t.items = append(t.items, *t.ops.prepare(any(obj).(*T), owned))
}

func (t *tableOf[T]) len() int { return len(t.items) }

func (t *tableOf[T]) sort() { t.ops.sortItems(t.items) }

func (t *tableOf[T]) eachNamespace(note func(string)) {
	for i := range t.items {
		note(t.ops.meta(&t.items[i]).GetNamespace())
	}
}
