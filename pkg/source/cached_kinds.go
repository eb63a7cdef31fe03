package source

import (
	"context"
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// The kinds below complete Cached's one-list-per-kind snapshot for what scan diagnoses
// besides Services: the workloads (idle workloads behind a selector, the pods' owners),
// the events of the objects a finding cites, and the Gateway API. Each is listed once in
// the scan's scope, the first time a check asks, and answered from memory afterwards.
// Two kinds are read by name instead, and only once per name: ConfigMaps (a handful of
// well-known ones in kube-system) and Secrets, because listing Secrets would read every
// credential of the cluster to check the few TLS certificates that listeners and
// Ingresses name.

// eventLister is implemented by sources that can list every Event of a scope at once,
// which Cached uses instead of one field-selected list per object.
type eventLister interface {
	AllEvents(ctx context.Context, namespace string) ([]corev1.Event, error)
}

var (
	_ eventLister = (*Live)(nil)
	_ eventLister = (*Objects)(nil)
)

// AllEvents lists every Event in namespace (AllNamespaces for all).
func (l *Live) AllEvents(ctx context.Context, namespace string) ([]corev1.Event, error) {
	events, err := listAll(ctx, metav1.ListOptions{}, l.client.CoreV1().Events(namespace).List,
		func(list *corev1.EventList) []corev1.Event { return list.Items })
	if err != nil {
		return nil, readErr("list", resEvents, namespace, "", err)
	}
	sortByKey(events)
	return events, nil
}

// AllEvents lists every Event in namespace (AllNamespaces for all).
func (o *Objects) AllEvents(_ context.Context, namespace string) ([]corev1.Event, error) {
	return listed[corev1.Event](o, KindEvent, namespace, nil), nil
}

// Events implements Source: the scope's events are listed once, then selected by
// involved object in memory.
func (c *Cached) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	all, ok := c.Source.(eventLister)
	if !ok || !c.inScope(namespace) {
		return elsewhere(ctx, c, "Event|"+namespace+"|"+kind+"|"+name, func(ctx context.Context) ([]corev1.Event, error) {
			return c.Source.Events(ctx, namespace, kind, name)
		})
	}
	store, err := c.kind(ctx, "Event", func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects(all.AllEvents(ctx, c.scope))
	})
	if IsForbidden(err) {
		// A user may be allowed to list the events of one namespace only.
		return c.Source.Events(ctx, namespace, kind, name)
	}
	if err != nil {
		return nil, err
	}
	return store.Events(ctx, namespace, kind, name)
}

// scoped answers a list question about kind from one list of the scope, and a question
// outside the scope from the underlying Source once per distinct question.
func scoped[T any, P interface {
	*T
	runtime.Object
}](ctx context.Context, c *Cached, kind, namespace string,
	list func(ctx context.Context, namespace string) ([]T, error),
	from func(store *Objects, namespace string) ([]T, error)) ([]T, error) {
	if !c.inScope(namespace) {
		return elsewhere(ctx, c, kind+"|"+namespace, func(ctx context.Context) ([]T, error) {
			return list(ctx, namespace)
		})
	}
	store, err := c.kind(ctx, kind, func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects[T, P](list(ctx, c.scope))
	})
	if err != nil {
		return nil, err
	}
	return from(store, namespace)
}

// scopedGet answers a get from the scope's list of kind; a user who may get but not
// list the kind, and questions outside the scope, get the object from the Source.
func scopedGet[T any, P interface {
	*T
	runtime.Object
}](ctx context.Context, c *Cached, kind, namespace, name string,
	list func(ctx context.Context, namespace string) ([]T, error),
	get func(ctx context.Context, namespace, name string) (*T, error),
	from func(store *Objects, namespace, name string) (*T, error)) (*T, error) {
	if !c.inScope(namespace) {
		return get(ctx, namespace, name)
	}
	store, err := c.kind(ctx, kind, func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects[T, P](list(ctx, c.scope))
	})
	if IsForbidden(err) {
		return get(ctx, namespace, name)
	}
	if err != nil {
		return nil, err
	}
	return from(store, namespace, name)
}

// byName reads one object once per scan, whatever the number of checks that ask.
func byName[T any, P interface {
	*T
	DeepCopy() *T
}](ctx context.Context, c *Cached, key string, get func(ctx context.Context) (*T, error)) (*T, error) {
	items, err := elsewhere(ctx, c, key, func(ctx context.Context) ([]*T, error) {
		obj, err := get(ctx)
		if err != nil {
			return nil, err
		}
		return []*T{obj}, nil
	})
	if err != nil {
		return nil, err
	}
	return P(items[0]).DeepCopy(), nil
}

// Deployments implements Source.
func (c *Cached) Deployments(ctx context.Context, namespace string) ([]appsv1.Deployment, error) {
	return scoped(ctx, c, "Deployment", namespace, c.Source.Deployments,
		func(s *Objects, ns string) ([]appsv1.Deployment, error) { return s.Deployments(ctx, ns) })
}

// DaemonSets implements Source.
func (c *Cached) DaemonSets(ctx context.Context, namespace string) ([]appsv1.DaemonSet, error) {
	return scoped(ctx, c, "DaemonSet", namespace, c.Source.DaemonSets,
		func(s *Objects, ns string) ([]appsv1.DaemonSet, error) { return s.DaemonSets(ctx, ns) })
}

// ReplicaSets implements Source.
func (c *Cached) ReplicaSets(ctx context.Context, namespace string) ([]appsv1.ReplicaSet, error) {
	return scoped(ctx, c, "ReplicaSet", namespace, c.Source.ReplicaSets,
		func(s *Objects, ns string) ([]appsv1.ReplicaSet, error) { return s.ReplicaSets(ctx, ns) })
}

// Jobs implements Source.
func (c *Cached) Jobs(ctx context.Context, namespace string) ([]batchv1.Job, error) {
	return scoped(ctx, c, "Job", namespace, c.Source.Jobs,
		func(s *Objects, ns string) ([]batchv1.Job, error) { return s.Jobs(ctx, ns) })
}

// ConfigMap implements Source, reading each ConfigMap once per scan.
func (c *Cached) ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	return byName(ctx, c, "ConfigMap|"+namespace+"|"+name, func(ctx context.Context) (*corev1.ConfigMap, error) {
		return c.Source.ConfigMap(ctx, namespace, name)
	})
}

// Secret implements Source, reading each Secret once per scan (never by listing).
func (c *Cached) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return byName(ctx, c, "Secret|"+namespace+"|"+name, func(ctx context.Context) (*corev1.Secret, error) {
		return c.Source.Secret(ctx, namespace, name)
	})
}

// GatewayClass implements Source, from one list of the cluster's GatewayClasses.
func (c *Cached) GatewayClass(ctx context.Context, name string) (*gatewayv1.GatewayClass, error) {
	store, err := c.kind(ctx, KindGatewayClass, func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects(liveOrListGatewayClasses(ctx, c.Source))
	})
	if err != nil {
		return c.Source.GatewayClass(ctx, name)
	}
	return store.GatewayClass(ctx, name)
}

// gatewayClassLister is implemented by sources that list GatewayClasses.
type gatewayClassLister interface {
	GatewayClasses(ctx context.Context) ([]gatewayv1.GatewayClass, error)
}

var (
	_ gatewayClassLister = (*Live)(nil)
	_ gatewayClassLister = (*Objects)(nil)
)

func liveOrListGatewayClasses(ctx context.Context, src Source) ([]gatewayv1.GatewayClass, error) {
	l, ok := src.(gatewayClassLister)
	if !ok {
		return nil, errNoClassLister
	}
	return l.GatewayClasses(ctx)
}

var errNoClassLister = errors.New("the source cannot list GatewayClasses")

// GatewayClasses lists every GatewayClass (cluster-scoped); a cluster without the kind
// lists none.
func (l *Live) GatewayClasses(ctx context.Context) ([]gatewayv1.GatewayClass, error) {
	return liveGatewayList[gatewayv1.GatewayClass](ctx, l, KindGatewayClass, AllNamespaces)
}

// GatewayClasses lists every GatewayClass.
func (o *Objects) GatewayClasses(context.Context) ([]gatewayv1.GatewayClass, error) {
	return listed[gatewayv1.GatewayClass](o, KindGatewayClass, AllNamespaces, nil), nil
}

// Gateway implements Source.
func (c *Cached) Gateway(ctx context.Context, namespace, name string) (*gatewayv1.Gateway, error) {
	return scopedGet(ctx, c, KindGateway, namespace, name, c.Source.Gateways, c.Source.Gateway,
		func(s *Objects, ns, n string) (*gatewayv1.Gateway, error) { return s.Gateway(ctx, ns, n) })
}

// Gateways implements Source.
func (c *Cached) Gateways(ctx context.Context, namespace string) ([]gatewayv1.Gateway, error) {
	return scoped(ctx, c, KindGateway, namespace, c.Source.Gateways,
		func(s *Objects, ns string) ([]gatewayv1.Gateway, error) { return s.Gateways(ctx, ns) })
}

// HTTPRoute implements Source.
func (c *Cached) HTTPRoute(ctx context.Context, namespace, name string) (*gatewayv1.HTTPRoute, error) {
	return scopedGet(ctx, c, KindHTTPRoute, namespace, name, c.Source.HTTPRoutes, c.Source.HTTPRoute,
		func(s *Objects, ns, n string) (*gatewayv1.HTTPRoute, error) { return s.HTTPRoute(ctx, ns, n) })
}

// HTTPRoutes implements Source.
func (c *Cached) HTTPRoutes(ctx context.Context, namespace string) ([]gatewayv1.HTTPRoute, error) {
	return scoped(ctx, c, KindHTTPRoute, namespace, c.Source.HTTPRoutes,
		func(s *Objects, ns string) ([]gatewayv1.HTTPRoute, error) { return s.HTTPRoutes(ctx, ns) })
}

// GRPCRoute implements Source.
func (c *Cached) GRPCRoute(ctx context.Context, namespace, name string) (*gatewayv1.GRPCRoute, error) {
	return scopedGet(ctx, c, KindGRPCRoute, namespace, name, c.Source.GRPCRoutes, c.Source.GRPCRoute,
		func(s *Objects, ns, n string) (*gatewayv1.GRPCRoute, error) { return s.GRPCRoute(ctx, ns, n) })
}

// GRPCRoutes implements Source.
func (c *Cached) GRPCRoutes(ctx context.Context, namespace string) ([]gatewayv1.GRPCRoute, error) {
	return scoped(ctx, c, KindGRPCRoute, namespace, c.Source.GRPCRoutes,
		func(s *Objects, ns string) ([]gatewayv1.GRPCRoute, error) { return s.GRPCRoutes(ctx, ns) })
}

// TCPRoute implements Source.
func (c *Cached) TCPRoute(ctx context.Context, namespace, name string) (*gatewayv1.TCPRoute, error) {
	return scopedGet(ctx, c, KindTCPRoute, namespace, name, c.Source.TCPRoutes, c.Source.TCPRoute,
		func(s *Objects, ns, n string) (*gatewayv1.TCPRoute, error) { return s.TCPRoute(ctx, ns, n) })
}

// TCPRoutes implements Source.
func (c *Cached) TCPRoutes(ctx context.Context, namespace string) ([]gatewayv1.TCPRoute, error) {
	return scoped(ctx, c, KindTCPRoute, namespace, c.Source.TCPRoutes,
		func(s *Objects, ns string) ([]gatewayv1.TCPRoute, error) { return s.TCPRoutes(ctx, ns) })
}

// TLSRoute implements Source.
func (c *Cached) TLSRoute(ctx context.Context, namespace, name string) (*gatewayv1.TLSRoute, error) {
	return scopedGet(ctx, c, KindTLSRoute, namespace, name, c.Source.TLSRoutes, c.Source.TLSRoute,
		func(s *Objects, ns, n string) (*gatewayv1.TLSRoute, error) { return s.TLSRoute(ctx, ns, n) })
}

// TLSRoutes implements Source.
func (c *Cached) TLSRoutes(ctx context.Context, namespace string) ([]gatewayv1.TLSRoute, error) {
	return scoped(ctx, c, KindTLSRoute, namespace, c.Source.TLSRoutes,
		func(s *Objects, ns string) ([]gatewayv1.TLSRoute, error) { return s.TLSRoutes(ctx, ns) })
}

// ReferenceGrants implements Source.
func (c *Cached) ReferenceGrants(ctx context.Context, namespace string) ([]gatewayv1.ReferenceGrant, error) {
	return scoped(ctx, c, KindReferenceGrant, namespace, c.Source.ReferenceGrants,
		func(s *Objects, ns string) ([]gatewayv1.ReferenceGrant, error) { return s.ReferenceGrants(ctx, ns) })
}
