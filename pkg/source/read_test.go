package source

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// sampleObjects returns three objects of kind: two in namespace a (one labelled
// tier=web), one in b; for a cluster-scoped kind, three without a namespace.
func sampleObjects(t *testing.T, k *kindInfo) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	for _, o := range []struct{ ns, name, tier string }{{"b", "three", ""}, {"a", "two", ""}, {"a", "one", "web"}} {
		obj := k.newObj()
		m, err := apimeta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		if k.flags&clusterScope == 0 {
			m.SetNamespace(o.ns)
		}
		m.SetName(o.name)
		if o.tier != "" {
			m.SetLabels(map[string]string{"tier": o.tier})
		}
		out = append(out, obj)
	}
	return out
}

func keysOf(t *testing.T, k *kindInfo, items any) string {
	t.Helper()
	var out []string
	for _, obj := range k.asObjects(items) {
		m, _ := apimeta.Accessor(obj)
		out = append(out, m.GetNamespace()+"/"+m.GetName())
	}
	return strings.Join(out, ",")
}

// TestListKindAndGetKindAgree reads every registered kind through each source the same
// questions are asked of in a run: the offline store, the live API (a fake clientset,
// for the built-in kinds), and Cached over both. Each must give the same answers.
func TestListKindAndGetKindAgree(t *testing.T) {
	ctx := context.Background()
	web := labels.SelectorFromSet(labels.Set{"tier": "web"})
	for _, k := range registry {
		if k.flags&untyped != 0 {
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			objs := sampleObjects(t, k)
			sources := map[string]Source{
				"objects":         FromObjects(objs...),
				"cached objects":  NewCached(FromObjects(objs...), AllNamespaces),
				"cached, ns a":    NewCached(FromObjects(objs...), "a"),
				"cluster cached":  NewClusterCached(FromObjects(objs...)),
				"cached, ns b":    NewCached(FromObjects(objs...), "b"),
				"objects, copied": FromObjects(objs...),
			}
			if k.gv.Group != GatewayGroup && k.gv.Group != AdminPolicyGroupVersion.Group {
				live, _ := fakeLive(objs...)
				sources["live"] = live
				sources["cached live"] = NewCached(live, AllNamespaces)
				sources["cached live, ns a"] = NewCached(live, "a")
			}
			all, inA, selected := "/one,/three,/two", "a/one,a/two", "a/one"
			if k.flags&clusterScope != 0 {
				inA, selected = all, "/one"
			} else {
				all = "a/one,a/two,b/three"
			}
			for name, src := range sources {
				for _, q := range []struct {
					namespace string
					selector  labels.Selector
					want      string
				}{{AllNamespaces, nil, all}, {"a", nil, inA}, {"a", web, selected}, {"a", labels.Nothing(), ""}} {
					items, err := src.ListKind(ctx, k.name, q.namespace, q.selector)
					if err != nil {
						t.Fatalf("%s: ListKind(%q, %v): %v", name, q.namespace, q.selector, err)
					}
					if got := keysOf(t, k, items); got != q.want {
						t.Errorf("%s: ListKind(%q, %v) = %s, want %s", name, q.namespace, q.selector, got, q.want)
					}
				}
				obj, err := src.GetKind(ctx, k.name, "a", "two")
				if err != nil {
					t.Fatalf("%s: GetKind(a, two): %v", name, err)
				}
				if m, _ := apimeta.Accessor(obj); m.GetName() != "two" {
					t.Errorf("%s: GetKind(a, two) = %s", name, m.GetName())
				}
				if _, err := src.GetKind(ctx, k.name, "a", "missing"); !IsNotFound(err) {
					t.Errorf("%s: GetKind(a, missing) = %v, want NotFound", name, err)
				}
			}
		})
	}
}

func TestTypedListAndGet(t *testing.T) {
	ctx := context.Background()
	src := NewCached(FromObjects(
		&appsv1.Deployment{ObjectMeta: meta("a", "web", nil)},
		&gatewayv1.HTTPRoute{ObjectMeta: meta("a", "r", nil)},
	), AllNamespaces)
	deployments, err := List[appsv1.Deployment](ctx, src, "a", nil)
	if err != nil || len(deployments) != 1 || deployments[0].Name != "web" {
		t.Fatalf("List[Deployment] = %v, %v", deployments, err)
	}
	route, err := Get[gatewayv1.HTTPRoute](ctx, src, "a", "r")
	if err != nil || route.Name != "r" {
		t.Fatalf("Get[HTTPRoute] = %v, %v", route, err)
	}
	if _, err := src.ListKind(ctx, "NoSuchKind", "", nil); err == nil {
		t.Error("ListKind of an unregistered kind: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("List of an unregistered Go type did not panic")
		}
	}()
	_, _ = List[corev1.PodTemplate](ctx, src, "", nil)
}

// TestCachedSelectsAcrossTheSnapshotByLabel: a cluster-wide selection answers what a
// scan of every object would, through the label index, for every kind of selector.
func TestCachedSelectsAcrossTheSnapshotByLabel(t *testing.T) {
	ctx := context.Background()
	var objs []runtime.Object
	for i, ns := range []string{"a", "b", "c", "a", "b", "c", "d"} {
		objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("p%d", i),
			Labels: map[string]string{"app": []string{"web", "db", "web"}[i%3], "tier": fmt.Sprint(i % 2)}}})
	}
	plain := FromObjects(objs...)
	for _, s := range []string{"app=web", "app=web,tier=1", "app in (web,db)", "app=typo", "app,tier=0", "app!=web", "!app", "tier notin (0)"} {
		selector, err := labels.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := plain.ListKind(ctx, KindPod, AllNamespaces, selector)
		c := NewCached(FromObjects(objs...), AllNamespaces)
		for range 2 {
			got, err := c.ListKind(ctx, KindPod, AllNamespaces, selector)
			if err != nil {
				t.Fatal(err)
			}
			k := kindsByName[KindPod]
			if g, w := keysOf(t, k, got), keysOf(t, k, want); g != w {
				t.Errorf("%s: %s, want %s", s, g, w)
			}
		}
	}
}
