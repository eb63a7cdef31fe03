package source

import (
	"context"
	"fmt"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
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
// as the API server would), how an API server serves it and how errors name it (its
// resource). registry is the one list of them: a kind added there is decoded, stored,
// sorted, read by every source (List, Get) and reported present or missing (Has), with
// no other change to this package.
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

	// What is done with the kind's objects, typed by kindOf (items are a []T, objects a *T).
	fromStore    func(o *Objects, namespace string, selector labels.Selector) any
	getFromStore func(o *Objects, namespace, name string) (any, error)
	asObjects    func(items any) []runtime.Object
	share        func(items any) any
	pick         func(items any, at []int) any // the items at positions at, in that order
	empty        func() any
	copyOne      func(obj any) any
	// How an API server serves it: set by builtin, gatewayKind and adminPolicyKind.
	// liveList lists with selector and, for a built-in kind, fieldSelector (a
	// fields.Selector's string form, "" for none) sent to the server.
	liveList func(ctx context.Context, l *Live, namespace string, selector labels.Selector, fieldSelector string) (any, error)
	liveGet  func(ctx context.Context, l *Live, namespace, name string) (any, error)
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
	// them, they have no single group version and are read with CNIPolicies.
	untyped
	// byNameOnly: a scan reads the objects it needs by name and never lists the kind:
	// listing Secrets would read every credential of the cluster to check the few TLS
	// certificates that listeners and Ingresses name, and a cluster's ConfigMaps are
	// many and large while checks read a handful of well-known ones.
	byNameOnly
)

// groupResource names the kind's resource as API errors do.
func (k *kindInfo) groupResource() schema.GroupResource {
	return k.gv.WithResource(k.resource).GroupResource()
}

// resourceName is the resource as kubectl auth can-i takes it, e.g. "deployments.apps".
func (k *kindInfo) resourceName() string { return k.groupResource().String() }

// namespaceFor is the namespace a read of the kind is made in: none for a cluster-scoped kind.
func (k *kindInfo) namespaceFor(namespace string) string {
	if k.flags&clusterScope != 0 {
		return AllNamespaces
	}
	return namespace
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
func kindOf[T any, P storedKind[T]](gv schema.GroupVersion, kind, resource string, flags kindFlag, defaults func(P) P, alsoAt ...string) *kindInfo {
	ops := &tableOps[T]{meta: func(v *T) object { return P(v) }, sortItems: sortByKey[T, P], prepare: preparer[T, P](defaults)}
	return &kindInfo{
		name: kind, gv: gv, alsoAt: alsoAt, resource: resource, flags: flags,
		goType:   reflect.TypeFor[P](),
		newObj:   func() runtime.Object { return P(new(T)) },
		newTable: func() table { return &tableOf[T]{ops: ops} },
		fromStore: func(o *Objects, namespace string, selector labels.Selector) any {
			return listed[T, P](o, kind, namespace, selector)
		},
		getFromStore: func(o *Objects, namespace, name string) (any, error) { return got[T, P](o, kind, namespace, name) },
		asObjects: func(items any) []runtime.Object {
			objs, _ := toObjects[T, P](items.([]T), nil)
			return objs
		},
		share: func(items any) any { return shared(items.([]T)) },
		pick: func(items any, at []int) any {
			all, out := items.([]T), make([]T, 0, len(at))
			for _, i := range at {
				out = append(out, all[i])
			}
			return out
		},
		empty:   func() any { return []T{} },
		copyOne: func(obj any) any { return P(obj.(*T)).DeepCopy() },
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

// typedClient is what client-go's typed client of a built-in kind offers for it.
type typedClient[T any, L any] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*T, error)
}

// builtin declares a kind the API server serves natively, read through client's typed
// client (protobuf on the wire, see NewLive) and listed with server-side label selection.
func builtin[T any, L pagedList, P storedKind[T]](gv schema.GroupVersion, kind, resource string, flags kindFlag, defaults func(P) P,
	client func(c kubernetes.Interface, namespace string) typedClient[T, L]) *kindInfo {
	k := kindOf[T, P](gv, kind, resource, flags, defaults)
	k.liveList = func(ctx context.Context, l *Live, namespace string, selector labels.Selector, fieldSelector string) (any, error) {
		opts := metav1.ListOptions{FieldSelector: fieldSelector}
		if selector != nil && !selector.Empty() {
			opts.LabelSelector = selector.String()
		}
		items, err := listAll(ctx, opts, client(l.client, namespace).List, itemsOf[T, L])
		if err != nil {
			return nil, readErr("list", k.resourceName(), namespace, "", err)
		}
		items = selected[T, P](items, selector) // a safety net: servers (and fakes) may not select
		sortByKey[T, P](items)
		return items, nil
	}
	k.liveGet = func(ctx context.Context, l *Live, namespace, name string) (any, error) {
		obj, err := client(l.client, namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, readErr("get", k.resourceName(), namespace, name, err)
		}
		return obj, nil
	}
	return k
}

// itemsOf returns a typed list's Items: every list type of the API has the field, and
// none has a method for it.
func itemsOf[T any, L any](list L) []T {
	return reflect.ValueOf(list).Elem().FieldByName("Items").Interface().([]T)
}

// gatewayKind declares a Gateway API kind: a CRD read at the version discovery finds
// (gatewayapi.go) and converted to its v1 Go type.
func gatewayKind[T any, P storedKind[T]](kind, resource string, flags kindFlag) *kindInfo {
	return crdKind[T, P](kindOf[T, P](gatewayGroupVersion, kind, resource, flags, nil, gatewayVersions...), (*Live).gatewayResource)
}

// adminPolicyKind declares a cluster-scoped admin network policy kind (adminpolicy.go).
func adminPolicyKind[T any, P storedKind[T]](kind, resource string) *kindInfo {
	return crdKind[T, P](kindOf[T, P](anpv1alpha1.SchemeGroupVersion, kind, resource, clusterScope, nil), (*Live).adminPolicyServed)
}

// crdKind makes k read live through the dynamic client, at the resource discover finds.
func crdKind[T any, P storedKind[T]](k *kindInfo, discover discoverCRD) *kindInfo {
	k.liveList = func(ctx context.Context, l *Live, namespace string, selector labels.Selector, _ string) (any, error) {
		items, err := liveCRDList[T, P](ctx, l, k, discover, namespace)
		return selected[T, P](items, selector), err
	}
	k.liveGet = func(ctx context.Context, l *Live, namespace, name string) (any, error) {
		return liveCRDGet[T](ctx, l, k, discover, namespace, name)
	}
	return k
}

// selected keeps the items selector matches, for kinds read without server-side selection.
func selected[T any, P interface {
	*T
	object
}](items []T, selector labels.Selector) []T {
	if selector == nil || items == nil {
		return items
	}
	return keep(items, func(v *T) bool { return selector.Matches(labels.Set(P(v).GetLabels())) })
}

// gatewayVersions are the Gateway API versions that share the v1 shape: manifests and
// clusters still carry v1beta1 (ReferenceGrant almost always) or v1alpha2 (TCPRoute,
// TLSRoute, GRPCRoute before they became stable).
var gatewayVersions = []string{"v1beta1", "v1alpha3", "v1alpha2"}

var gatewayGroupVersion = schema.GroupVersion{Group: gatewayv1.GroupName, Version: "v1"}

type (
	coreClient       = kubernetes.Interface
	serviceClient    = typedClient[corev1.Service, *corev1.ServiceList]
	podClient        = typedClient[corev1.Pod, *corev1.PodList]
	endpointsClient  = typedClient[corev1.Endpoints, *corev1.EndpointsList]
	nodeClient       = typedClient[corev1.Node, *corev1.NodeList]
	namespaceClient  = typedClient[corev1.Namespace, *corev1.NamespaceList]
	eventClient      = typedClient[corev1.Event, *corev1.EventList]
	configMapClient  = typedClient[corev1.ConfigMap, *corev1.ConfigMapList]
	secretClient     = typedClient[corev1.Secret, *corev1.SecretList]
	sliceClient      = typedClient[discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList]
	statefulClient   = typedClient[appsv1.StatefulSet, *appsv1.StatefulSetList]
	deploymentClient = typedClient[appsv1.Deployment, *appsv1.DeploymentList]
	daemonSetClient  = typedClient[appsv1.DaemonSet, *appsv1.DaemonSetList]
	replicaSetClient = typedClient[appsv1.ReplicaSet, *appsv1.ReplicaSetList]
	jobClient        = typedClient[batchv1.Job, *batchv1.JobList]
	policyClient     = typedClient[networkingv1.NetworkPolicy, *networkingv1.NetworkPolicyList]
	ingressClient    = typedClient[networkingv1.Ingress, *networkingv1.IngressList]
	classClient      = typedClient[networkingv1.IngressClass, *networkingv1.IngressClassList]
)

// registry is every kind the sources store, in no particular order.
var registry = []*kindInfo{
	builtin(corev1.SchemeGroupVersion, KindService, "services", placesNamespace, defaultService,
		func(c coreClient, ns string) serviceClient { return c.CoreV1().Services(ns) }),
	builtin(corev1.SchemeGroupVersion, KindPod, "pods", placesNamespace, defaultPod,
		func(c coreClient, ns string) podClient { return c.CoreV1().Pods(ns) }),
	builtin(corev1.SchemeGroupVersion, KindEndpoints, "endpoints", 0, nil,
		func(c coreClient, ns string) endpointsClient { return c.CoreV1().Endpoints(ns) }),
	builtin(corev1.SchemeGroupVersion, KindNode, "nodes", clusterScope, nil,
		func(c coreClient, _ string) nodeClient { return c.CoreV1().Nodes() }),
	builtin(corev1.SchemeGroupVersion, KindNamespace, "namespaces", clusterScope, defaultNamespace,
		func(c coreClient, _ string) namespaceClient { return c.CoreV1().Namespaces() }),
	builtin(corev1.SchemeGroupVersion, KindEvent, "events", 0, nil,
		func(c coreClient, ns string) eventClient { return c.CoreV1().Events(ns) }),
	builtin(corev1.SchemeGroupVersion, KindConfigMap, "configmaps", byNameOnly, nil,
		func(c coreClient, ns string) configMapClient { return c.CoreV1().ConfigMaps(ns) }),
	builtin(corev1.SchemeGroupVersion, KindSecret, "secrets", byNameOnly, nil,
		func(c coreClient, ns string) secretClient { return c.CoreV1().Secrets(ns) }),
	builtin(discoveryv1.SchemeGroupVersion, KindEndpointSlice, "endpointslices", 0, defaultEndpointSlice,
		func(c coreClient, ns string) sliceClient { return c.DiscoveryV1().EndpointSlices(ns) }),
	builtin(appsv1.SchemeGroupVersion, KindStatefulSet, "statefulsets", 0, nil,
		func(c coreClient, ns string) statefulClient { return c.AppsV1().StatefulSets(ns) }),
	builtin(appsv1.SchemeGroupVersion, KindDeployment, "deployments", 0, nil,
		func(c coreClient, ns string) deploymentClient { return c.AppsV1().Deployments(ns) }),
	builtin(appsv1.SchemeGroupVersion, KindDaemonSet, "daemonsets", 0, nil,
		func(c coreClient, ns string) daemonSetClient { return c.AppsV1().DaemonSets(ns) }),
	builtin(appsv1.SchemeGroupVersion, KindReplicaSet, "replicasets", 0, nil,
		func(c coreClient, ns string) replicaSetClient { return c.AppsV1().ReplicaSets(ns) }),
	builtin(batchv1.SchemeGroupVersion, KindJob, "jobs", 0, nil,
		func(c coreClient, ns string) jobClient { return c.BatchV1().Jobs(ns) }),
	builtin(networkingv1.SchemeGroupVersion, KindNetworkPolicy, "networkpolicies", placesNamespace, defaultNetworkPolicy,
		func(c coreClient, ns string) policyClient { return c.NetworkingV1().NetworkPolicies(ns) }),
	builtin(networkingv1.SchemeGroupVersion, KindIngress, "ingresses", placesNamespace, nil,
		func(c coreClient, ns string) ingressClient { return c.NetworkingV1().Ingresses(ns) }),
	builtin(networkingv1.SchemeGroupVersion, KindIngressClass, "ingressclasses", clusterScope, nil,
		func(c coreClient, _ string) classClient { return c.NetworkingV1().IngressClasses() }),
	gatewayKind[gatewayv1.GatewayClass](KindGatewayClass, "gatewayclasses", clusterScope),
	gatewayKind[gatewayv1.Gateway](KindGateway, "gateways", placesNamespace),
	gatewayKind[gatewayv1.HTTPRoute](KindHTTPRoute, "httproutes", placesNamespace),
	gatewayKind[gatewayv1.GRPCRoute](KindGRPCRoute, "grpcroutes", placesNamespace),
	gatewayKind[gatewayv1.TCPRoute](KindTCPRoute, "tcproutes", placesNamespace),
	gatewayKind[gatewayv1.TLSRoute](KindTLSRoute, "tlsroutes", placesNamespace),
	gatewayKind[gatewayv1.ReferenceGrant](KindReferenceGrant, "referencegrants", 0),
	adminPolicyKind[anpv1alpha1.AdminNetworkPolicy](KindAdminNetworkPolicy, "adminnetworkpolicies"),
	adminPolicyKind[anpv1alpha1.BaselineAdminNetworkPolicy](KindBaselineAdminNetworkPolicy, "baselineadminnetworkpolicies"),
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

// KindResource is the resource of a registered kind (e.g. deployments.apps for
// KindDeployment), as API errors and RBAC name it; empty for any other kind.
func KindResource(kind string) schema.GroupResource {
	if k := kindsByName[kind]; k != nil {
		return k.groupResource()
	}
	return schema.GroupResource{}
}
