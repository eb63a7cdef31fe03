package source

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Watching is the Source of --watch. Each distinct read a diagnosis makes (a kind in a
// namespace, with the same label and field selectors the live read sends) becomes a
// feed: one paginated LIST, then a WATCH from that list's resourceVersion that keeps an
// in-memory copy current. A later diagnosis asks the feeds, so re-diagnosing after a
// change costs no request; only a read the previous diagnoses never made opens a new
// feed. Changed signals every change to any feed.
//
// A read whose feed cannot be opened (Forbidden, a server that fails) goes to the live
// Source instead, which reports the error as every command does; the next diagnosis
// tries the feed again. Reads of kinds Watching does not feed (discovery, kinds added
// to Source later) go to the live Source on every diagnosis: never stale, only slower.
type Watching struct {
	// Source is the live Source, which answers what the feeds do not.
	Source
	live    *Live
	dynamic dynamic.Interface

	ctx    context.Context
	cancel context.CancelFunc
	// listTimeout bounds each LIST, as --request-timeout bounds every live read.
	listTimeout time.Duration

	mu    sync.Mutex
	feeds map[feedSpec]*feed

	changed chan struct{}
}

var _ Source = (*Watching)(nil)

// NewWatching builds a Watching Source for the API server of cfg; reads it cannot feed
// go to live. cfg must not carry GuardConnections: a watch outlives API server restarts,
// which the guard would turn into permanent failures.
func NewWatching(cfg *rest.Config, live *Live) (*Watching, error) {
	cfg = withRateLimit(cfg)
	listTimeout := cfg.Timeout
	// The client timeout would cut every watch short; each LIST gets it as a deadline.
	cfg.Timeout = 0
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return newWatching(live, dyn, listTimeout), nil
}

func newWatching(live *Live, dyn dynamic.Interface, listTimeout time.Duration) *Watching {
	ctx, cancel := context.WithCancel(context.Background())
	return &Watching{Source: live, live: live, dynamic: dyn, ctx: ctx, cancel: cancel, listTimeout: listTimeout,
		feeds: map[feedSpec]*feed{}, changed: make(chan struct{}, 1)}
}

// Changed receives a value after any fed object was added, changed or deleted. Bursts
// coalesce: one value stands for every change since the last receive.
func (w *Watching) Changed() <-chan struct{} { return w.changed }

// Feeds is how many watches are open, for --stats and tests.
func (w *Watching) Feeds() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.feeds)
}

// Stop closes every watch.
func (w *Watching) Stop() { w.cancel() }

func (w *Watching) notify() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// feedSpec is one read: what the live Source would LIST, selectors included.
type feedSpec struct {
	gvr       schema.GroupVersionResource
	kind      string
	namespace string
	labels    string
	fields    string
}

// feedOf is the read of a registered kind in namespace.
func feedOf(kind, namespace string) feedSpec {
	k := kindsByName[kind]
	return feedSpec{gvr: k.gv.WithResource(k.resource), kind: kind, namespace: namespace}
}

func (s feedSpec) named(name string) feedSpec {
	s.fields = fields.OneTermEqualSelector("metadata.name", name).String()
	return s
}

func (s feedSpec) selecting(selector labels.Selector) feedSpec {
	if selector != nil && !selector.Empty() {
		s.labels = selector.String()
	}
	return s
}

// from returns what answers spec: the feed's objects once it is synced, else the live
// Source, which reads again and reports the real error.
func (w *Watching) from(ctx context.Context, spec feedSpec) Source {
	objs, err := w.feed(ctx, spec)
	if err != nil {
		return w.Source
	}
	return objs
}

func (w *Watching) feed(ctx context.Context, spec feedSpec) (*Objects, error) {
	w.mu.Lock()
	f, ok := w.feeds[spec]
	if !ok {
		k, known := typedKinds[spec.gvr.GroupVersion().WithKind(spec.kind)]
		if !known {
			w.mu.Unlock()
			return nil, fmt.Errorf("no Go type for %s", spec.gvr)
		}
		var ri dynamic.ResourceInterface = w.dynamic.Resource(spec.gvr)
		if spec.namespace != AllNamespaces {
			ri = w.dynamic.Resource(spec.gvr).Namespace(spec.namespace)
		}
		f = &feed{spec: spec, resource: ri, newObj: k.newObj, listTimeout: w.listTimeout, ready: make(chan struct{})}
		w.feeds[spec] = f
		go f.run(w.ctx, w.notify)
	}
	w.mu.Unlock()
	select {
	case <-f.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.err != nil {
		w.mu.Lock()
		if w.feeds[spec] == f {
			delete(w.feeds, spec)
		}
		w.mu.Unlock()
		return nil, f.err
	}
	return f.objects()
}

// feed is one list+watch and the objects it holds.
type feed struct {
	spec     feedSpec
	resource dynamic.ResourceInterface
	newObj   func() runtime.Object
	// listTimeout bounds each LIST (0: no bound).
	listTimeout time.Duration

	ready chan struct{}
	err   error // of the first list; the feed is dead when set

	mu    sync.Mutex
	items map[string]*unstructured.Unstructured // by namespace/name
	view  *Objects                              // built from items on demand, dropped on change
}

// watchTimeout is how long the server keeps one watch open; the feed then resumes from
// the last resourceVersion it saw. A little random, so feeds do not reconnect in step.
func watchTimeout() int64 { return 240 + rand.Int64N(120) }

// Backoff between failed watches, as the API server comes back after a restart.
const (
	minRetry = 250 * time.Millisecond
	maxRetry = 5 * time.Second
)

func (f *feed) run(ctx context.Context, notify func()) {
	rv, err := f.relist(ctx, nil)
	f.err = err
	close(f.ready)
	if err != nil {
		return
	}
	var retry time.Duration
	relist := false
	for ctx.Err() == nil {
		if retry > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
		}
		if relist {
			if rv, err = f.relist(ctx, notify); err != nil {
				retry = nextRetry(retry)
				continue
			}
			relist = false
		}
		rv, err = f.watch(ctx, rv, notify)
		switch {
		case err == nil:
			retry = 0
		case apierrors.IsForbidden(err):
			// A role with get and list but not watch (docs/rbac.yaml grants exactly
			// those): the same feed, kept current by listing again now and then.
			f.poll(ctx, notify)
			return
		case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
			// The server keeps no history back to rv (compacted, or it restarted):
			// read everything again, then watch from there.
			relist, retry = true, 0
		default:
			retry = nextRetry(retry)
		}
	}
}

// pollInterval is how often a feed that may not watch lists again.
var pollInterval = 5 * time.Second

// poll keeps the feed current by listing every pollInterval, for readers who may list
// but not watch.
func (f *feed) poll(ctx context.Context, notify func()) {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			// A failed list leaves the feed as it was; the next tick tries again.
			_, _ = f.relist(ctx, notify)
		}
	}
}

func nextRetry(d time.Duration) time.Duration {
	return min(max(2*d, minRetry), maxRetry)
}

// relist replaces the feed's objects with a fresh LIST and returns its resourceVersion.
// notify is called when the objects differ from what the feed held (nil: never).
func (f *feed) relist(ctx context.Context, notify func()) (string, error) {
	if f.listTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.listTimeout)
		defer cancel()
	}
	opts := metav1.ListOptions{LabelSelector: f.spec.labels, FieldSelector: f.spec.fields}
	items, rv, err := listAllAt(ctx, opts, f.resource.List,
		func(list *unstructured.UnstructuredList) []unstructured.Unstructured { return list.Items })
	if err != nil {
		return "", err
	}
	fresh := make(map[string]*unstructured.Unstructured, len(items))
	for i := range items {
		fresh[keyOf(&items[i])] = &items[i]
	}
	f.mu.Lock()
	changed := len(fresh) != len(f.items)
	for k, u := range fresh {
		if old, ok := f.items[k]; !ok || old.GetResourceVersion() != u.GetResourceVersion() {
			changed = true
		}
	}
	f.items, f.view = fresh, nil
	f.mu.Unlock()
	if changed && notify != nil {
		notify()
	}
	return rv, nil
}

// watch follows changes from rv until the server ends the watch, and returns the last
// resourceVersion seen.
func (f *feed) watch(ctx context.Context, rv string, notify func()) (string, error) {
	timeout := watchTimeout()
	// A server that stops talking without closing the connection must not hold the
	// feed forever: give up a little after the server should have ended the watch.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout+30)*time.Second)
	defer cancel()
	w, err := f.resource.Watch(ctx, metav1.ListOptions{
		LabelSelector: f.spec.labels, FieldSelector: f.spec.fields,
		ResourceVersion: rv, AllowWatchBookmarks: true, TimeoutSeconds: &timeout,
	})
	if err != nil {
		return rv, err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			return rv, apierrors.FromObject(ev.Object)
		}
		u, err := asUnstructured(ev.Object)
		if err != nil {
			return rv, fmt.Errorf("a watch of %s sent %T: %w", f.spec.gvr.Resource, ev.Object, err)
		}
		rv = u.GetResourceVersion()
		if ev.Type == watch.Bookmark {
			continue
		}
		f.mu.Lock()
		if ev.Type == watch.Deleted {
			delete(f.items, keyOf(u))
		} else {
			f.items[keyOf(u)] = u
		}
		f.view = nil
		f.mu.Unlock()
		notify()
	}
	return rv, ctx.Err()
}

// asUnstructured is the object of a watch event as the dynamic client decodes it;
// typed objects (a fake client sends them) are converted.
func asUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

func keyOf(o metav1.Object) string { return o.GetNamespace() + "/" + o.GetName() }

// objects returns the feed's objects as typed objects in an Objects, which answers
// every question the way -f input does: filtered, sorted, defaulted.
func (f *feed) objects() (*Objects, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.view != nil {
		return f.view, nil
	}
	objs := make([]runtime.Object, 0, len(f.items))
	for _, u := range f.items {
		obj := f.newObj()
		if err := fromUnstructured(u, obj); err != nil {
			return nil, readErr("list", f.spec.gvr.GroupResource().String(), f.spec.namespace, "",
				fmt.Errorf("%s %s: %w", f.spec.kind, u.GetName(), err))
		}
		objs = append(objs, obj)
	}
	f.view = fromOwned(objs)
	return f.view, nil
}

// errNotServed marks a Gateway API or admin policy kind the cluster does not serve: the
// live Source answers those without a request (empty lists, NotFound).
var errNotServed = errors.New("kind not served")

// served finds the group version resource discovery serves kind at.
func (w *Watching) served(ctx context.Context, kind string, find func(context.Context, string) (schema.GroupVersionResource, bool, error)) (schema.GroupVersionResource, error) {
	gvr, ok, err := find(ctx, kind)
	if err == nil && !ok {
		err = errNotServed
	}
	return gvr, err
}

func (w *Watching) gatewayFeed(ctx context.Context, kind, namespace string) (feedSpec, bool) {
	gvr, err := w.served(ctx, kind, w.live.gatewayResource)
	if err != nil {
		return feedSpec{}, false
	}
	if kind == KindGatewayClass {
		namespace = AllNamespaces
	}
	return feedSpec{gvr: gvr, kind: kind, namespace: namespace}, true
}

// fromGateway is from for a Gateway API kind, found through discovery.
func (w *Watching) fromGateway(ctx context.Context, kind, namespace, name string) Source {
	spec, ok := w.gatewayFeed(ctx, kind, namespace)
	if !ok {
		return w.Source
	}
	if name != "" {
		spec = spec.named(name)
	}
	return w.from(ctx, spec)
}

// Services implements Source.
func (w *Watching) Services(ctx context.Context, namespace, name string) ([]corev1.Service, error) {
	spec := feedOf(KindService, namespace)
	if name != "" {
		spec = spec.named(name)
	}
	return w.from(ctx, spec).Services(ctx, namespace, name)
}

// Namespaces implements Source.
func (w *Watching) Namespaces(ctx context.Context) ([]corev1.Namespace, error) {
	return w.from(ctx, feedOf(KindNamespace, AllNamespaces)).Namespaces(ctx)
}

// Events implements Source.
func (w *Watching) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	spec := feedOf(KindEvent, namespace)
	spec.fields = fields.AndSelectors(
		fields.OneTermEqualSelector("involvedObject.kind", kind),
		fields.OneTermEqualSelector("involvedObject.name", name),
	).String()
	return w.from(ctx, spec).Events(ctx, namespace, kind, name)
}

func (w *Watching) fromAdminPolicy(ctx context.Context, kind string) Source {
	gvr, err := w.served(ctx, kind, w.live.adminPolicyServed)
	if err != nil {
		return w.Source
	}
	return w.from(ctx, feedSpec{gvr: gvr, kind: kind, namespace: AllNamespaces})
}
