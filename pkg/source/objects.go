package source

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Objects is an in-memory Source: the store behind -f and behind unit tests. It holds
// one table per registered kind (registry), each sorted by namespace and name.
type Objects struct {
	tables map[string]table
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
	o := &Objects{tables: make(map[string]table, len(registry)), owned: !deepCopy}
	for _, k := range registry {
		o.tables[k.name] = k.newTable()
	}
	for _, obj := range objs {
		o.add(obj)
	}
	for _, t := range o.tables {
		t.sort()
	}
	return o
}

func (o *Objects) add(obj runtime.Object) {
	k := kindInfoOf(obj)
	if u, ok := obj.(*unstructured.Unstructured); ok {
		if _, policy := CNIPolicyKindOf(u.GroupVersionKind()); !policy {
			k = nil
		}
	}
	if k == nil {
		o.Others = append(o.Others, obj)
		return
	}
	o.tables[k.name].add(obj, o.owned)
}

// rows is kind's table. T must be the kind's Go type: a mismatch is a programming error
// that the first test reading the kind finds.
func rows[T any](o *Objects, kind string) []T {
	return o.tables[kind].(*tableOf[T]).items
}

// listed returns kind's objects in namespace (all for AllNamespaces) whose labels match
// selector (nil for all).
func listed[T any, P interface {
	*T
	object
}](o *Objects, kind, namespace string, selector labels.Selector) []T {
	return filter[T, P](rows[T](o, kind), namespace, selector)
}

// got returns the named object of kind, or a NotFound ReadError.
func got[T any, P interface {
	*T
	object
}](o *Objects, kind, namespace, name string) (*T, error) {
	return find[T, P](rows[T](o, kind), kindsByName[kind].groupResource(), namespace, name)
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
func (o *Objects) Has(kind string) bool {
	t, ok := o.tables[kind]
	return ok && t.len() > 0
}

// Guarantees implements Source: files vouch only for the objects they hold.
func (o *Objects) Guarantees(Guarantee) bool { return false }

// Services implements Source.
func (o *Objects) Services(_ context.Context, namespace, name string) ([]corev1.Service, error) {
	all := listed[corev1.Service](o, KindService, namespace, nil)
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

// Namespaces implements Source. Offline, namespaces that objects live in but that the
// files do not declare are synthesised with the label the API server would add, so
// namespaceSelectors on kubernetes.io/metadata.name work on plain manifests.
func (o *Objects) Namespaces(context.Context) ([]corev1.Namespace, error) {
	declared := map[string]bool{}
	out := listed[corev1.Namespace](o, KindNamespace, AllNamespaces, nil)
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
	for _, k := range registry {
		if k.flags&placesNamespace != 0 {
			o.tables[k.name].eachNamespace(note)
		}
	}
	sort.Strings(names)
	return names
}

// Events implements Source.
func (o *Objects) Events(_ context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	out := []corev1.Event{}
	for _, e := range listed[corev1.Event](o, KindEvent, namespace, nil) {
		if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}

func serviceNameSelector(service string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: service})
}

// String describes the store for debugging.
func (o *Objects) String() string {
	return fmt.Sprintf("objects(%d services, %d pods, %d endpointslices)",
		o.tables[KindService].len(), o.tables[KindPod].len(), o.tables[KindEndpointSlice].len())
}
