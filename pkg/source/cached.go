package source

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Cached reads each kind at most once for a whole scan: the first question about a kind
// lists all of it in the scan's scope (one paginated LIST), and every later question is
// answered from memory. Diagnosing thousands of objects then costs one request per kind
// instead of several per object. Kinds it does not cache (Secrets, Events, ...) and
// questions outside the scope go to the underlying Source, which Cached embeds.
type Cached struct {
	Source
	scope string // a namespace, or AllNamespaces

	mu      sync.Mutex
	loaded  map[string]*cachedKind
	answers map[string]*answer
}

type cachedKind struct {
	once  sync.Once
	store *Objects
	err   error
}

// answer is one question asked once: a list outside the scope (see elsewhere) or a
// value derived from the snapshot (see Memo).
type answer struct {
	once  sync.Once
	items any // []T of a list, or a Memo's value
	err   error
}

var _ Source = (*Cached)(nil)

// NewCached wraps src for questions about namespace scope (AllNamespaces for -A).
func NewCached(src Source, scope string) *Cached {
	return &Cached{Source: src, scope: scope, loaded: map[string]*cachedKind{}, answers: map[string]*answer{}}
}

// clusterScopedOnly is a scope no namespace can have (names are DNS labels): a Cached
// with it lists no namespaced kind in bulk.
const clusterScopedOnly = "/"

// NewClusterCached wraps src for several scans of single namespaces (scan -A for a user
// who may not list across the cluster): cluster-scoped kinds are listed once for all of
// them, and each namespaced question is asked of src once.
func NewClusterCached(src Source) *Cached { return NewCached(src, clusterScopedOnly) }

// Memo returns compute's answer, computed once per key for the life of src when src is
// a Cached (one command, one scan) and every time otherwise. It is for what is derived
// from the snapshot alone and asked again for every object a scan diagnoses — a
// namespace's compiled policies — so that it is derived once per namespace, not once
// per Service. Every caller and goroutine shares the answer: it must be read-only.
func Memo[T any](src Source, key string, compute func() (T, error)) (T, error) {
	c, ok := src.(*Cached)
	if !ok {
		return compute()
	}
	v, err := c.answerOnce("memo|"+key, func() (any, error) { return compute() })
	return v.(T), err
}

// entryOf is m's entry for key, added empty under c.mu by the first asker: every asker
// of key gets the same entry, so that they all wait on its one sync.Once.
func entryOf[E any](c *Cached, m map[string]*E, key string) *E {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[key]
	if !ok {
		e = new(E)
		m[key] = e
	}
	return e
}

// answerOnce computes the answer to key once; concurrent askers wait for that one.
func (c *Cached) answerOnce(key string, compute func() (any, error)) (any, error) {
	a := entryOf(c, c.answers, key)
	a.once.Do(func() { a.items, a.err = compute() })
	return a.items, a.err
}

// elsewhere answers a list question outside the scope (another namespace, or the whole
// cluster in a namespaced scan) from the underlying Source once per distinct question
// and from memory afterwards: a namespaced scan asks the same cluster-wide questions
// for every object it diagnoses (Ingresses claiming the same host, the ingress
// controller's pods) and would otherwise make requests per object. Pods also uses it
// for cluster-wide selections from the snapshot. Callers share the answer, read-only
// like every list (see Source).
func elsewhere[T any](ctx context.Context, c *Cached, key string, list func(context.Context) ([]T, error)) ([]T, error) {
	answer, err := c.answerOnce(key, func() (any, error) { return list(ctx) })
	if err != nil {
		return nil, err
	}
	return shared(answer.([]T)), nil
}

// selectorKey tells apart the selectors that list differently: none or empty (every
// object), labels.Nothing() (no object) and the rest by their canonical string.
func selectorKey(selector labels.Selector) string {
	switch {
	case selector == nil || selector.Empty():
		return "*"
	case selector.String() == "":
		return "-"
	}
	return "=" + selector.String()
}

// inScope reports whether a question about namespace can be answered from the cache.
func (c *Cached) inScope(namespace string) bool {
	return c.scope == AllNamespaces || namespace == c.scope
}

// kind lists kind once (concurrent questions about it wait for that one request, while
// other kinds are listed beside it) and returns the store holding it, or the read error
// every later question will get too.
func (c *Cached) kind(ctx context.Context, kind string, list func(ctx context.Context) ([]runtime.Object, error)) (*Objects, error) {
	k := entryOf(c, c.loaded, kind)
	k.once.Do(func() {
		if o, ok := c.Source.(*Objects); ok {
			// Already an indexed snapshot (-f input, tests): answer from it, not a copy.
			k.store = o
			return
		}
		objs, err := list(ctx)
		k.store, k.err = fromOwned(objs), err
	})
	return k.store, k.err
}

func toObjects[T any, P interface {
	*T
	runtime.Object
}](items []T, err error) ([]runtime.Object, error) {
	out := make([]runtime.Object, 0, len(items))
	for i := range items {
		out = append(out, P(&items[i]))
	}
	return out, err
}

// Services implements Source. Cluster-wide questions in a namespaced scan go to the API.
func (c *Cached) Services(ctx context.Context, namespace, name string) ([]corev1.Service, error) {
	if !c.inScope(namespace) {
		return elsewhere(ctx, c, "Service|"+namespace+"|"+name, func(ctx context.Context) ([]corev1.Service, error) {
			return c.Source.Services(ctx, namespace, name)
		})
	}
	store, err := c.snapshotOf(ctx, kindsByName[KindService])
	if err != nil {
		return nil, err
	}
	return store.Services(ctx, namespace, name)
}

// Namespaces implements Source.
func (c *Cached) Namespaces(ctx context.Context) ([]corev1.Namespace, error) {
	store, err := c.snapshotOf(ctx, kindsByName[KindNamespace])
	if err != nil {
		return nil, err
	}
	return store.Namespaces(ctx)
}
