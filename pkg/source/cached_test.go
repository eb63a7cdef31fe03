package source

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// countingSource counts the questions that reach the underlying source.
type countingSource struct {
	*Objects
	calls map[string]int
}

func (c *countingSource) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	c.calls["list "+kind]++
	return c.Objects.ListKind(ctx, kind, namespace, selector)
}

func (c *countingSource) GetKind(ctx context.Context, kind, namespace, name string) (any, error) {
	c.calls["get "+kind]++
	return c.Objects.GetKind(ctx, kind, namespace, name)
}

func cachedFixture() *countingSource {
	var objs []runtime.Object
	for _, ns := range []string{"a", "b", "c"} {
		for i := range 3 {
			objs = append(objs,
				&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("p%d", i), Labels: map[string]string{"app": fmt.Sprint(i)}}},
				&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("i%d", i)}})
		}
	}
	return &countingSource{Objects: FromObjects(objs...), calls: map[string]int{}}
}

func TestCachedIngressFromSnapshot(t *testing.T) {
	src := cachedFixture()
	c := NewCached(src, AllNamespaces)
	ctx := context.Background()
	for range 2 {
		for _, ns := range []string{"a", "b", "c"} {
			ing, err := Get[networkingv1.Ingress](ctx, c, ns, "i1")
			if err != nil || ing.Namespace != ns || ing.Name != "i1" {
				t.Fatalf("Ingress(%s, i1) = %v, %v", ns, ing, err)
			}
		}
	}
	if _, err := Get[networkingv1.Ingress](ctx, c, "a", "missing"); !IsNotFound(err) {
		t.Errorf("Ingress(a, missing): %v, want NotFound", err)
	}
	if src.calls["get Ingress"] != 0 || src.calls["list Ingress"] != 1 {
		t.Errorf("calls %v, want one Ingresses list and no get", src.calls)
	}
}

func TestCachedOutOfScopeAskedOnce(t *testing.T) {
	src := cachedFixture()
	c := NewCached(src, "a")
	ctx := context.Background()
	sel := labels.SelectorFromSet(labels.Set{"app": "1"})
	for range 3 {
		pods, err := List[corev1.Pod](ctx, c, AllNamespaces, sel)
		if err != nil || len(pods) != 3 {
			t.Fatalf("Pods(all, app=1) = %d pods, %v; want 3", len(pods), err)
		}
		// The memo is shared: a caller's append must not grow it for the next one.
		_ = append(pods, corev1.Pod{})
		all, err := List[networkingv1.Ingress](ctx, c, AllNamespaces, nil)
		if err != nil || len(all) != 9 {
			t.Fatalf("Ingresses(all) = %d, %v; want 9", len(all), err)
		}
	}
	if src.calls["list Pod"] != 1 || src.calls["list Ingress"] != 1 {
		t.Errorf("calls %v, want each cluster-wide question asked once", src.calls)
	}
	if pods, _ := List[corev1.Pod](ctx, c, AllNamespaces, sel); pods[0].Name != "p1" {
		t.Errorf("the memo answers %q first, want p1", pods[0].Name)
	}
	// Different selectors are different questions; Nothing selects no pod.
	if pods, _ := List[corev1.Pod](ctx, c, AllNamespaces, labels.Everything()); len(pods) != 9 {
		t.Errorf("Pods(all, everything) = %d, want 9", len(pods))
	}
	if pods, _ := List[corev1.Pod](ctx, c, AllNamespaces, labels.Nothing()); len(pods) != 0 {
		t.Errorf("Pods(all, nothing) = %d, want 0", len(pods))
	}
	// In scope: from the snapshot (one list of namespace a).
	if pods, _ := List[corev1.Pod](ctx, c, "a", nil); len(pods) != 3 {
		t.Errorf("Pods(a) = %d, want 3", len(pods))
	}
	if src.calls["list Pod"] != 4 {
		t.Errorf("%d pod lists, want 4 (three distinct cluster-wide questions, one snapshot)", src.calls["list Pod"])
	}
}

// TestNamespaceRanges checks the binary-searched lookups against a linear scan over a
// store with adjacent, empty and missing namespaces.
func TestNamespaceRanges(t *testing.T) {
	var objs []runtime.Object
	for _, ns := range []string{"", "a", "ab", "b", "default", "z"} {
		for i := range 4 {
			if ns == "b" {
				continue // listed nowhere
			}
			objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("p%d", 3-i),
				Labels: map[string]string{"i": fmt.Sprint(i % 2)}}})
		}
	}
	o := FromObjects(objs...)
	pods := rows[corev1.Pod](o, KindPod)
	ctx := context.Background()
	sel := labels.SelectorFromSet(labels.Set{"i": "1"})
	for _, ns := range []string{"", "a", "ab", "b", "c", "default", "z", "zz"} {
		want, wantSel := 0, 0
		for _, p := range pods {
			if p.Namespace == ns {
				want++
				if p.Labels["i"] == "1" {
					wantSel++
				}
			}
		}
		// A get takes the namespace literally; a list reads "" as every namespace.
		literal := want
		if ns == AllNamespaces {
			want, wantSel = len(pods), len(pods)/2
		}
		if got, _ := List[corev1.Pod](ctx, o, ns, nil); len(got) != want {
			t.Errorf("Pods(%q) = %d, want %d", ns, len(got), want)
		}
		if got, _ := List[corev1.Pod](ctx, o, ns, sel); len(got) != wantSel {
			t.Errorf("Pods(%q, i=1) = %d, want %d", ns, len(got), wantSel)
		}
		for _, name := range []string{"p0", "p3", "p4"} {
			_, err := Get[corev1.Pod](ctx, o, ns, name)
			found := err == nil
			wantFound := literal > 0 && name != "p4"
			if found != wantFound {
				t.Errorf("Pod(%q, %s): found %v, want %v (%v)", ns, name, found, wantFound, err)
			}
		}
	}
}

func TestCachedClusterSelectionFromSnapshot(t *testing.T) {
	src := cachedFixture()
	c := NewCached(src, AllNamespaces)
	ctx := context.Background()
	sel := labels.SelectorFromSet(labels.Set{"app": "2"})
	for range 3 {
		pods, err := List[corev1.Pod](ctx, c, AllNamespaces, sel)
		if err != nil || len(pods) != 3 || pods[0].Name != "p2" {
			t.Fatalf("Pods(all, app=2) = %v, %v", pods, err)
		}
		_ = append(pods, corev1.Pod{})
	}
	if pods, _ := List[corev1.Pod](ctx, c, AllNamespaces, labels.Nothing()); len(pods) != 0 {
		t.Errorf("Pods(all, nothing) = %d, want 0", len(pods))
	}
	if pods, _ := List[corev1.Pod](ctx, c, "b", sel); len(pods) != 1 || pods[0].Namespace != "b" {
		t.Errorf("Pods(b, app=2) = %v", pods)
	}
	if src.calls["list Pod"] != 1 {
		t.Errorf("%d pod lists, want the one snapshot", src.calls["list Pod"])
	}
}

// listForbidden refuses every list of kind with a Forbidden read error (on resource in
// namespace, for reason) and passes every other read to Source, as a Role granting less
// than list of that kind does.
type listForbidden struct {
	Source
	kind, resource, namespace, reason string
}

func (l listForbidden) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	if kind != l.kind {
		return l.Source.ListKind(ctx, kind, namespace, selector)
	}
	return nil, readErr("list", l.resource, l.namespace, "", apierrors.NewForbidden(corev1.Resource(l.resource), "", errors.New(l.reason)))
}

func TestCachedFallsBackToGetWhenListIsForbidden(t *testing.T) {
	// RBAC with only the get verb on Services.
	src := listForbidden{Source: FromObjects(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web"}}),
		kind: KindService, resource: "services", namespace: "a", reason: "RBAC: get only"}
	c := NewCached(src, "a")
	svc, err := Get[corev1.Service](context.Background(), c, "a", "web")
	if err != nil || svc.Name != "web" {
		t.Fatalf("Service = %v, %v; want the object through get", svc, err)
	}
	if _, err := c.Services(context.Background(), "a", ""); !IsForbidden(err) {
		t.Errorf("Services should still report the refused list, got %v", err)
	}
}

// slowServices is a source whose list of Services returns only once Pods have been listed.
type slowServices struct {
	*Objects
	servicesAsked, podsListed chan struct{}
}

func (s slowServices) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	switch kind {
	case KindService:
		close(s.servicesAsked)
		select {
		case <-s.podsListed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case KindPod:
		defer close(s.podsListed)
	}
	return s.Objects.ListKind(ctx, kind, namespace, selector)
}

// A slow list of one kind does not hold up questions about another: each kind is
// listed once, beside the others (a diagnosis waiting on Services must not stall every
// worker that asks for Pods).
func TestCachedKindsListBesideEachOther(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	src := slowServices{FromObjects(), make(chan struct{}), make(chan struct{})}
	c := NewCached(src, AllNamespaces)
	done := make(chan error, 1)
	go func() {
		_, err := c.Services(ctx, AllNamespaces, "")
		done <- err
	}()
	<-src.servicesAsked
	if _, err := List[corev1.Pod](ctx, c, AllNamespaces, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Services waited for a lock the Pods list needed: %v", err)
	}
}
