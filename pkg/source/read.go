package source

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
)

// List reads the objects of T's kind (a kind of the registry, kinds.go) in namespace,
// or in every namespace for AllNamespaces (a cluster-scoped kind ignores it), whose
// labels match selector (nil for all), sorted by namespace and name. Checks read with
// it every kind that has no method of its own on Source; every source serves it the
// same way, live, cached and offline.
func List[T any](ctx context.Context, src Source, namespace string, selector labels.Selector) ([]T, error) {
	items, err := src.ListKind(ctx, kindFor[T]().name, namespace, selector)
	if err != nil {
		return nil, err
	}
	return items.([]T), nil
}

// Get reads the object of T's kind named name in namespace ("" for a cluster-scoped
// kind); a missing object is a ReadError whose IsNotFound() is true.
func Get[T any](ctx context.Context, src Source, namespace, name string) (*T, error) {
	obj, err := src.GetKind(ctx, kindFor[T]().name, namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.(*T), nil
}

// EndpointSlicesOf lists the EndpointSlices of Service service: those labelled
// kubernetes.io/service-name=service, the label the EndpointSlice controller sets.
func EndpointSlicesOf(ctx context.Context, src Source, namespace, service string) ([]discoveryv1.EndpointSlice, error) {
	return List[discoveryv1.EndpointSlice](ctx, src, namespace, serviceNameSelector(service))
}

// kindFor is the registered kind of T. A type that is not registered is a programming
// error, found by the first test that reads it.
func kindFor[T any]() *kindInfo {
	k := kindsByType[reflect.TypeFor[*T]()]
	if k == nil {
		panic(fmt.Sprintf("source: %s is not a registered kind (kinds.go)", reflect.TypeFor[T]()))
	}
	return k
}

// matchesNothing reports whether selector is labels.Nothing(): no object can match it,
// and it has no string form, so a request with it would list every object.
func matchesNothing(selector labels.Selector) bool {
	return selector != nil && !selector.Empty() && selector.String() == ""
}

// readableIn is readable, with the namespace a read of the kind is made in.
func readableIn(kind, namespace string) (*kindInfo, string, error) {
	k, err := readable(kind)
	if err != nil {
		return nil, "", err
	}
	return k, k.namespaceFor(namespace), nil
}

// readable is the registered kind named kind, for ListKind and GetKind.
func readable(kind string) (*kindInfo, error) {
	k := kindsByName[kind]
	if k == nil || k.flags&untyped != 0 {
		return nil, fmt.Errorf("source: %q is not a kind read by name (kinds.go)", kind)
	}
	return k, nil
}

// ListKind implements Source.
func (o *Objects) ListKind(_ context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	return k.fromStore(o, namespace, selector), nil
}

// GetKind implements Source.
func (o *Objects) GetKind(_ context.Context, kind, namespace, name string) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	return k.getFromStore(o, namespace, name)
}

// ListKind implements Source.
func (l *Live) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	if matchesNothing(selector) {
		return k.empty(), nil
	}
	return k.liveList(ctx, l, namespace, selector, "")
}

// GetKind implements Source.
func (l *Live) GetKind(ctx context.Context, kind, namespace, name string) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	return k.liveGet(ctx, l, namespace, name)
}

// ListKind implements Source: the first question about a kind lists all of it in the
// scope, later ones are answered from that list; questions outside the scope, and
// about kinds read by name only, are asked of the underlying Source once each.
func (c *Cached) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	if k.flags&byNameOnly != 0 || !c.holds(k, namespace) {
		items, err := c.answerOnce(kind+"|"+namespace+"|"+selectorKey(selector), func() (any, error) {
			return c.Source.ListKind(ctx, kind, namespace, selector)
		})
		if err != nil {
			return nil, err
		}
		return k.share(items), nil
	}
	store, err := c.snapshotOf(ctx, k)
	if err != nil {
		return nil, err
	}
	if namespace == AllNamespaces && selector != nil && !selector.Empty() {
		// Cluster-wide selections repeat (the ingress controller's pods, once per
		// Ingress) and each would match every object of the snapshot: match once, and
		// only against the objects that carry one of the labels the selector requires.
		// "/" is in no namespace name: the key cannot be a question about a namespace.
		items, err := c.answerOnce(kind+"|/|"+selectorKey(selector), func() (any, error) {
			return c.selectAcross(ctx, k, store, selector)
		})
		if err != nil {
			return nil, err
		}
		return k.share(items), nil
	}
	return store.ListKind(ctx, kind, namespace, selector)
}

// GetKind implements Source, from the scope's list of the kind. A user who may get but
// not list the kind, and questions outside the scope, get the object from the Source;
// a kind read by name only is read once per name.
func (c *Cached) GetKind(ctx context.Context, kind, namespace, name string) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	if k.flags&byNameOnly != 0 {
		obj, err := c.answerOnce("get|"+kind+"|"+namespace+"|"+name, func() (any, error) {
			return c.Source.GetKind(ctx, kind, namespace, name)
		})
		if err != nil {
			return nil, err
		}
		return k.copyOne(obj), nil
	}
	if !c.holds(k, namespace) {
		return c.Source.GetKind(ctx, kind, namespace, name)
	}
	store, err := c.snapshotOf(ctx, k)
	if IsForbidden(err) {
		return c.Source.GetKind(ctx, kind, namespace, name)
	}
	if err != nil {
		return nil, err
	}
	return store.GetKind(ctx, kind, namespace, name)
}

// labelIndex is where each label (key=value) stands in a kind's snapshot, in order.
type labelIndex struct {
	objects   []runtime.Object
	positions map[string][]int
}

// selectAcross selects from the whole snapshot of k: through the label index when
// selector requires a label value (every Service selector does), so that a selector
// no object carries costs nothing, however large the cluster.
func (c *Cached) selectAcross(ctx context.Context, k *kindInfo, store *Objects, selector labels.Selector) (any, error) {
	all, err := store.ListKind(ctx, k.name, AllNamespaces, nil)
	if err != nil {
		return nil, err
	}
	index := c.labelIndexOf(k, all)
	candidates, ok := index.candidates(selector)
	if !ok {
		return store.ListKind(ctx, k.name, AllNamespaces, selector)
	}
	var at []int
	for _, i := range candidates {
		if selector.Matches(labels.Set(index.objects[i].(object).GetLabels())) {
			at = append(at, i)
		}
	}
	return k.pick(all, at), nil
}

// labelIndexOf builds the label index of k's snapshot (all) once per scan.
func (c *Cached) labelIndexOf(k *kindInfo, all any) *labelIndex {
	index, _ := c.answerOnce(k.name+"|labels", func() (any, error) {
		objects := k.asObjects(all)
		index := &labelIndex{objects: objects, positions: map[string][]int{}}
		for i, obj := range objects {
			for key, value := range obj.(object).GetLabels() {
				index.positions[key+"="+value] = append(index.positions[key+"="+value], i)
			}
		}
		return index, nil
	})
	return index.(*labelIndex)
}

// candidates are the positions of the objects that carry the rarest label value
// selector requires; ok is false when it requires none (only existence or negation).
func (x *labelIndex) candidates(selector labels.Selector) (at []int, ok bool) {
	requirements, selectable := selector.Requirements()
	if !selectable {
		return nil, false
	}
	for _, r := range requirements {
		if op := r.Operator(); op != selection.Equals && op != selection.DoubleEquals && op != selection.In {
			continue
		}
		var union []int
		for _, value := range r.ValuesUnsorted() {
			union = append(union, x.positions[r.Key()+"="+value]...)
		}
		if !ok || len(union) < len(at) {
			at, ok = union, true
		}
	}
	if ok {
		slices.Sort(at) // an In of several values: keep the snapshot's order
	}
	return at, ok
}

// holds reports whether the scope's snapshot of kind answers a question about
// namespace: every cluster-scoped kind does.
func (c *Cached) holds(k *kindInfo, namespace string) bool {
	return k.flags&clusterScope != 0 || c.inScope(namespace)
}

// snapshotOf lists kind once in the scope (every object, for a cluster-scoped kind).
func (c *Cached) snapshotOf(ctx context.Context, k *kindInfo) (*Objects, error) {
	return c.kind(ctx, k.name, func(ctx context.Context) ([]runtime.Object, error) {
		items, err := c.Source.ListKind(ctx, k.name, k.namespaceFor(c.scope), nil)
		if err != nil {
			return nil, err
		}
		return k.asObjects(items), nil
	})
}

// ListKind implements Source.
func (w *Watching) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	if matchesNothing(selector) {
		return k.empty(), nil
	}
	return w.fromKind(ctx, k, namespace, "", selector).ListKind(ctx, kind, namespace, selector)
}

// GetKind implements Source.
func (w *Watching) GetKind(ctx context.Context, kind, namespace, name string) (any, error) {
	k, namespace, err := readableIn(kind, namespace)
	if err != nil {
		return nil, err
	}
	return w.fromKind(ctx, k, namespace, name, nil).GetKind(ctx, kind, namespace, name)
}

// fromKind is what answers a read of kind: a feed of exactly what the live Source would
// read (the Gateway API and admin policy kinds at the version discovery finds).
func (w *Watching) fromKind(ctx context.Context, k *kindInfo, namespace, name string, selector labels.Selector) Source {
	switch k.gv.Group {
	case GatewayGroup:
		return w.fromGateway(ctx, k.name, namespace, name)
	case AdminPolicyGroupVersion.Group:
		return w.fromAdminPolicy(ctx, k.name)
	}
	spec := feedOf(k.name, namespace).selecting(selector)
	if name != "" {
		spec = spec.named(name)
	}
	return w.from(ctx, spec)
}

// ListMeta is ListKind with each object seen through its metadata, for code that
// reads only names, labels or owners whatever the kind (the workload kinds a peer may
// be). Each is a pointer to the kind's Go type.
func ListMeta(ctx context.Context, src Source, kind, namespace string, selector labels.Selector) ([]metav1.Object, error) {
	k, err := readable(kind)
	if err != nil {
		return nil, err
	}
	items, err := src.ListKind(ctx, kind, namespace, selector)
	if err != nil {
		return nil, err
	}
	objs := k.asObjects(items)
	out := make([]metav1.Object, len(objs))
	for i, obj := range objs {
		out[i] = obj.(metav1.Object)
	}
	return out, nil
}
