package source

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// kindCounter counts the questions that reach the underlying source, Events included.
type kindCounter struct{ *countingSource }

func (k *kindCounter) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	k.calls["Events"]++
	return k.Objects.Events(ctx, namespace, kind, name)
}

func kindsFixture() *kindCounter {
	var objs []runtime.Object
	for _, ns := range []string{"a", "b", "c"} {
		objs = append(objs,
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}},
			&corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web.1"},
				InvolvedObject: corev1.ObjectReference{Kind: "Service", Namespace: ns, Name: "web"}},
			&corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db.1"},
				InvolvedObject: corev1.ObjectReference{Kind: "Service", Namespace: ns, Name: "db"}},
			&gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gw"}},
			&gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: "class-" + ns}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tls"}})
	}
	return &kindCounter{&countingSource{Objects: FromObjects(objs...), calls: map[string]int{}}}
}

// TestCachedKindsListedOnce: however many objects ask, a scan lists the workloads,
// events and Gateway API kinds once for its scope, and reads a Secret once per name.
func TestCachedKindsListedOnce(t *testing.T) {
	src := kindsFixture()
	c := NewCached(src, AllNamespaces)
	ctx := context.Background()
	for range 3 {
		for _, ns := range []string{"a", "b", "c"} {
			if ds, err := List[appsv1.Deployment](ctx, c, ns, nil); err != nil || len(ds) != 1 || ds[0].Namespace != ns {
				t.Fatalf("Deployments(%s) = %v, %v", ns, ds, err)
			}
			if ev, err := c.Events(ctx, ns, "Service", "web"); err != nil || len(ev) != 1 || ev[0].Name != "web.1" {
				t.Fatalf("Events(%s, Service web) = %v, %v", ns, ev, err)
			}
			if gw, err := Get[gatewayv1.Gateway](ctx, c, ns, "gw"); err != nil || gw.Namespace != ns {
				t.Fatalf("Gateway(%s, gw) = %v, %v", ns, gw, err)
			}
			if _, err := Get[gatewayv1.Gateway](ctx, c, ns, "missing"); !IsNotFound(err) {
				t.Errorf("Gateway(%s, missing): %v, want NotFound", ns, err)
			}
			if gc, err := Get[gatewayv1.GatewayClass](ctx, c, "", "class-"+ns); err != nil || gc.Name != "class-"+ns {
				t.Fatalf("GatewayClass(class-%s) = %v, %v", ns, gc, err)
			}
			s, err := Get[corev1.Secret](ctx, c, ns, "tls")
			if err != nil || s.Namespace != ns {
				t.Fatalf("Secret(%s, tls) = %v, %v", ns, s, err)
			}
			s.Name = "changed by a caller"
		}
	}
	if all, _ := List[gatewayv1.Gateway](ctx, c, AllNamespaces, nil); len(all) != 3 {
		t.Errorf("Gateways(all) = %d, want 3", len(all))
	}
	if s, _ := Get[corev1.Secret](ctx, c, "a", "tls"); s.Name != "tls" {
		t.Errorf("a caller's change leaked into the memo: %q", s.Name)
	}
	want := map[string]int{"list Deployment": 1, "list Event": 1, "list Gateway": 1, "list GatewayClass": 1, "get Secret": 3}
	for k, n := range want {
		if src.calls[k] != n {
			t.Errorf("%s asked %d times, want %d (calls %v)", k, src.calls[k], n, src.calls)
		}
	}
	for _, k := range []string{"Events", "get Gateway", "get GatewayClass", "list Secret"} {
		if src.calls[k] != 0 {
			t.Errorf("%s asked %d times, want the scope's list only", k, src.calls[k])
		}
	}
}

// TestCachedKindsOutOfScope: a namespaced scan answers its own namespace from one list
// and asks about another namespace once.
func TestCachedKindsOutOfScope(t *testing.T) {
	src := kindsFixture()
	c := NewCached(src, "a")
	ctx := context.Background()
	for range 3 {
		if ds, _ := List[appsv1.Deployment](ctx, c, "a", nil); len(ds) != 1 {
			t.Fatalf("Deployments(a) = %d", len(ds))
		}
		if ds, _ := List[appsv1.Deployment](ctx, c, "b", nil); len(ds) != 1 || ds[0].Namespace != "b" {
			t.Fatalf("Deployments(b) = %v", ds)
		}
		if ev, _ := c.Events(ctx, "b", "Service", "db"); len(ev) != 1 {
			t.Fatalf("Events(b, Service db) = %v", ev)
		}
	}
	if src.calls["list Deployment"] != 2 || src.calls["Events"] != 1 || src.calls["list Event"] != 0 {
		t.Errorf("calls %v, want one list of a, one of b, and one events question about b", src.calls)
	}
}

func TestCachedEventsFallBack(t *testing.T) {
	// A narrow Role: the events of a whole namespace may not be listed, but the
	// question about one object is answered.
	counter := kindsFixture()
	src := listForbidden{Source: counter, kind: KindEvent, resource: "events", reason: "RBAC"}
	c := NewCached(src, AllNamespaces)
	for _, ns := range []string{"a", "b"} {
		ev, err := c.Events(context.Background(), ns, "Service", "web")
		if err != nil || len(ev) != 1 {
			t.Fatalf("Events(%s) = %v, %v; want the per-object answer", ns, ev, err)
		}
	}
	if n := counter.calls["Events"]; n != 2 {
		t.Errorf("%d per-object questions, want 2", n)
	}
}
