package source

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/ptr"
)

// pageSize is the Limit of every list request: large clusters are read in pages so
// that no single response is huge and the API server is not asked for everything at once.
const pageSize = 500

// maxPresized bounds the remainingItemCount a list is allocated for up front, so that a
// server's figure cannot make the client allocate more than a large cluster holds.
const maxPresized = 200_000

// Live is a Source backed by an API server. It only ever issues get and list
// requests; lists are paginated and filtered server-side wherever the API allows.
type Live struct {
	client kubernetes.Interface
	// dynamic reads the Gateway API kinds, whose group/version is found by discovery
	// (see gatewayapi.go); nil when built from a clientset alone.
	dynamic dynamic.Interface
	gateway gatewayDiscovery
	// cni remembers which network plugin policy kinds are served (cnipolicy.go).
	cni cniDiscovery
}

var _ Source = (*Live)(nil)

// The client-side rate limit of a live source (see withRateLimit).
const (
	clientQPS   = 50
	clientBurst = 300
)

// withRateLimit returns a copy of cfg whose clients share one rate limiter of clientQPS
// requests a second, unless cfg sets its own. client-go's default of 5 a second (burst
// 10) made a scan -A of 43 sequential requests wait for the limiter longer than for the
// API server: 200 ms before each request after the tenth. These are kubectl's rates for
// discovery; the server still protects itself with API Priority and Fairness, whose
// 429s are waited out.
func withRateLimit(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = clientQPS, clientBurst
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	}
	return cfg
}

// NewLive returns a Source reading from the API server that cfg points at. To count
// the requests it makes, call CountRequests(cfg) before NewLive.
func NewLive(cfg *rest.Config) (*Live, error) {
	if cfg == nil {
		return nil, errors.New("no Kubernetes client configuration")
	}
	cfg = withRateLimit(cfg)
	// One HTTP client for the typed and dynamic clients: one connection pool, one
	// TLS handshake, one connection guard.
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	// Built-in kinds travel as protobuf: several times smaller than JSON on the wire and
	// faster to decode, which is most of a large scan's time. JSON stays acceptable for a
	// server or proxy that does not speak it. The dynamic client (CRDs, which have no
	// protobuf form) always asks for JSON.
	typed := rest.CopyConfig(cfg)
	typed.ContentType = runtime.ContentTypeProtobuf
	typed.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := kubernetes.NewForConfigAndClient(typed, httpClient)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	l := newLiveFromClient(client)
	l.dynamic = dyn
	return l, nil
}

// newLiveFromClient wraps an existing clientset (a fake one in tests).
func newLiveFromClient(client kubernetes.Interface) *Live {
	return &Live{client: client}
}

// listAll reads every page of a list. If the continue token expires part-way (the
// list took longer than the server keeps old versions), it falls back to a single
// unpaginated list, as client-go's pager does.
func listAll[T any, L pagedList](
	ctx context.Context,
	opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (L, error),
	items func(L) []T,
) ([]T, error) {
	out, _, err := listAllAt(ctx, opts, list, items)
	return out, err
}

// pagedList is a list response: a page with a continue token and the resourceVersion
// the list was served at.
type pagedList interface {
	GetContinue() string
	GetResourceVersion() string
	GetRemainingItemCount() *int64
}

// listAllAt is listAll that also returns the resourceVersion of the list, from which a
// watch resumes.
func listAllAt[T any, L pagedList](
	ctx context.Context,
	opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (L, error),
	items func(L) []T,
) ([]T, string, error) {
	opts.Limit = pageSize
	opts.Continue = ""
	out := []T{}
	rv := ""
	lean := newLeaner()
	for {
		page, err := list(ctx, opts)
		if err != nil {
			if opts.Continue != "" && apierrors.IsResourceExpired(err) {
				opts.Limit, opts.Continue = 0, ""
				full, err := list(ctx, opts)
				if err != nil {
					return nil, "", err
				}
				all := append([]T{}, items(full)...)
				leanen(newLeaner(), all)
				return all, full.GetResourceVersion(), nil
			}
			return nil, "", err
		}
		first := len(out)
		if remaining := ptr.Deref(page.GetRemainingItemCount(), 0); first == 0 && remaining > 0 && remaining <= maxPresized {
			// The first page says how many items follow: one allocation for all of them.
			out = make([]T, 0, len(items(page))+int(remaining))
		}
		out = append(out, items(page)...)
		leanen(lean, out[first:])
		if rv == "" {
			// Every page of a paginated list is served at the first page's version.
			rv = page.GetResourceVersion()
		}
		next := page.GetContinue()
		if next == "" || next == opts.Continue {
			return out, rv, nil
		}
		opts.Continue = next
	}
}

// lastApplied is kubectl's copy of the whole object as last applied: as large as the
// object, and read by no check.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// A leaner drops from listed objects what no check reads and what is often most of their
// size (managedFields, the last-applied copy), page by page, so that a scan holds the
// objects it diagnoses rather than the bytes the server sent. One leaner serves one
// list, across its pages.
type leaner struct {
	// labelSets holds one map for each distinct set of pod labels seen so far: the pods
	// of a ReplicaSet carry the same labels, and a decoded map with its strings is a
	// sixth of a pod. Pods share the map; lists are read-only (see Source).
	labelSets map[string]map[string]string
	key       strings.Builder
}

func newLeaner() *leaner { return &leaner{labelSets: map[string]map[string]string{}} }

func leanen[T any](l *leaner, items []T) {
	for i := range items {
		switch obj := any(&items[i]).(type) {
		case *corev1.Pod:
			l.pod(obj)
		case metav1.Object:
			leanenMeta(obj)
		}
	}
}

// leanenMeta is what every kind loses: managedFields and the last-applied copy.
func leanenMeta(obj metav1.Object) {
	obj.SetManagedFields(nil)
	if a := obj.GetAnnotations(); a[lastApplied] != "" {
		delete(a, lastApplied)
		obj.SetAnnotations(a)
	}
}

// pod drops what no check reads of a pod and what takes most of its memory once
// decoded:
//   - resource requests and limits (each quantity is a struct behind a map) and probes;
//   - annotations, tolerations, affinity, security contexts, image pull settings and
//     the runtime's container and image IDs, which no check reads of a pod;
//   - the volumes with their mounts, which only the Service proxy's pods are read for
//     (the kube-proxy ConfigMap behind --config).
//
// kube-system keeps its volumes and annotations: the data plane checks read its agents.
// Pods are most of a scan's snapshot; this is about half of each.
func (l *leaner) pod(p *corev1.Pod) {
	p.ManagedFields = nil
	system := p.Namespace == metav1.NamespaceSystem
	if system {
		leanenMeta(p)
	} else {
		p.Annotations = nil
		p.Spec.Volumes = nil
	}
	p.Labels = l.shared(p.Labels)
	p.Spec.Resources, p.Spec.Overhead = nil, nil
	p.Spec.Tolerations, p.Spec.Affinity, p.Spec.SecurityContext = nil, nil, nil
	p.Spec.TopologySpreadConstraints, p.Spec.ImagePullSecrets = nil, nil
	for _, containers := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range containers {
			c := &containers[i]
			c.Resources, c.ResizePolicy = corev1.ResourceRequirements{}, nil
			c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = nil, nil, nil
			c.SecurityContext, c.Lifecycle = nil, nil
			c.TerminationMessagePath, c.TerminationMessagePolicy, c.ImagePullPolicy = "", "", ""
			if !system {
				c.VolumeMounts = nil
			}
		}
	}
	for _, statuses := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for i := range statuses {
			s := &statuses[i]
			s.Resources, s.AllocatedResources, s.AllocatedResourcesStatus = nil, nil, nil
			s.ImageID, s.ContainerID, s.VolumeMounts, s.User = "", "", nil, nil
		}
	}
}

// shared returns the map of labelSets equal to labels, adding labels as that map when
// it is the first of its set.
func (l *leaner) shared(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return labels
	}
	l.key.Reset()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		// A key holds no "=" and no NUL, so "k=v\x00" cannot be read two ways.
		l.key.WriteString(k)
		l.key.WriteByte('=')
		l.key.WriteString(labels[k])
		l.key.WriteByte(0)
	}
	if m, ok := l.labelSets[l.key.String()]; ok {
		return m
	}
	l.labelSets[l.key.String()] = labels
	return labels
}

// keep returns the items for which match is true (a client-side safety net for
// filters that a server, or a fake, might not apply).
func keep[T any](items []T, match func(*T) bool) []T {
	out := items[:0]
	for i := range items {
		if match(&items[i]) {
			out = append(out, items[i])
		}
	}
	return out
}

// Live implements Source.
func (l *Live) Live() bool { return true }

// Has implements Source: an API server can hold every kind.
func (l *Live) Has(string) bool { return true }

// Guarantees implements Source: an API server vouches for every Guarantee.
func (l *Live) Guarantees(Guarantee) bool { return true }

// Services implements Source. A name is passed as a metadata.name field selector, so
// finding a Service by name across all namespaces is one request.
func (l *Live) Services(ctx context.Context, namespace, name string) ([]corev1.Service, error) {
	if name == "" {
		return List[corev1.Service](ctx, l, namespace, nil)
	}
	items, err := kindsByName[KindService].liveList(ctx, l, namespace, nil, fields.OneTermEqualSelector("metadata.name", name).String())
	if err != nil {
		return nil, err
	}
	return keep(items.([]corev1.Service), func(s *corev1.Service) bool { return s.Name == name }), nil
}

// Namespaces implements Source.
func (l *Live) Namespaces(ctx context.Context) ([]corev1.Namespace, error) {
	return List[corev1.Namespace](ctx, l, AllNamespaces, nil)
}

// Events implements Source, selecting on involvedObject.kind and involvedObject.name.
func (l *Live) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	items, err := kindsByName[KindEvent].liveList(ctx, l, namespace, nil, fields.AndSelectors(
		fields.OneTermEqualSelector("involvedObject.kind", kind),
		fields.OneTermEqualSelector("involvedObject.name", name),
	).String())
	if err != nil {
		return nil, err
	}
	return keep(items.([]corev1.Event), func(e *corev1.Event) bool {
		return e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name
	}), nil
}

// Stats counts the HTTP requests made through a rest.Config and the response body
// bytes read. The fields are updated atomically; read them with Snapshot while
// requests may still be in flight.
type Stats struct {
	Requests int64
	Bytes    int64
}

// Snapshot returns a consistent copy of the counters.
func (s *Stats) Snapshot() Stats {
	return Stats{Requests: atomic.LoadInt64(&s.Requests), Bytes: atomic.LoadInt64(&s.Bytes)}
}

// CountRequests wraps cfg's transport so that every HTTP request made with it (by
// clients created from cfg afterwards) is counted in the returned Stats.
func CountRequests(cfg *rest.Config) *Stats {
	s := &Stats{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &countingTransport{next: rt, stats: s}
	})
	return s
}

type countingTransport struct {
	next  http.RoundTripper
	stats *Stats
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	atomic.AddInt64(&t.stats.Requests, 1)
	resp, err := t.next.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, stats: t.stats}
	}
	return resp, err
}

// WrappedRoundTripper lets client-go see through the wrapper (k8s.io/apimachinery
// util/net.RoundTripperWrapper).
func (t *countingTransport) WrappedRoundTripper() http.RoundTripper { return t.next }

type countingBody struct {
	io.ReadCloser
	stats *Stats
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	atomic.AddInt64(&b.stats.Bytes, int64(n))
	return n, err
}
