package source

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func meta(namespace, name string, lbls map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: lbls}
}

func names[T any, P interface {
	*T
	object
}](items []T) []string {
	out := []string{}
	for i := range items {
		p := P(&items[i])
		if p.GetNamespace() != "" {
			out = append(out, p.GetNamespace()+"/"+p.GetName())
		} else {
			out = append(out, p.GetName())
		}
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func testObjects() *Objects {
	return FromObjects(
		&corev1.Pod{ObjectMeta: meta("b", "web-2", map[string]string{"app": "web"})},
		&corev1.Pod{ObjectMeta: meta("a", "web-1", map[string]string{"app": "web", "tier": "front"})},
		&corev1.Pod{ObjectMeta: meta("a", "db-1", map[string]string{"app": "db"})},
		&corev1.Pod{ObjectMeta: meta("a", "bare", nil)},
		&corev1.Service{ObjectMeta: meta("b", "web", nil)},
		&corev1.Service{ObjectMeta: meta("a", "web", nil)},
		&corev1.Service{ObjectMeta: meta("a", "db", nil)},
		&discoveryv1.EndpointSlice{ObjectMeta: meta("a", "web-abc", map[string]string{discoveryv1.LabelServiceName: "web"})},
		&discoveryv1.EndpointSlice{ObjectMeta: meta("a", "db-abc", map[string]string{discoveryv1.LabelServiceName: "db"})},
		&corev1.Event{ObjectMeta: meta("a", "e1", nil), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1"}},
		&corev1.Event{ObjectMeta: meta("a", "e2", nil), InvolvedObject: corev1.ObjectReference{Kind: "Service", Name: "web-1"}},
		&corev1.Namespace{ObjectMeta: meta("", "a", map[string]string{"team": "x"})},
		&networkingv1.NetworkPolicy{ObjectMeta: meta("c", "deny", nil)},
		&runtime.Unknown{},
	)
}

func TestObjectsSelectors(t *testing.T) {
	ctx := context.Background()
	o := testObjects()

	pods, err := List[corev1.Pod](ctx, o, "a", labels.SelectorFromSet(labels.Set{"app": "web"}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "pods app=web in a", names(pods), []string{"a/web-1"})

	pods, _ = List[corev1.Pod](ctx, o, AllNamespaces, labels.SelectorFromSet(labels.Set{"app": "web"}))
	equal(t, "pods app=web everywhere", names(pods), []string{"a/web-1", "b/web-2"})

	pods, _ = List[corev1.Pod](ctx, o, "a", labels.Everything())
	equal(t, "pods in a", names(pods), []string{"a/bare", "a/db-1", "a/web-1"})

	sel, err := labels.Parse("app in (web,db),tier!=front")
	if err != nil {
		t.Fatal(err)
	}
	pods, _ = List[corev1.Pod](ctx, o, AllNamespaces, sel)
	equal(t, "pods set selector", names(pods), []string{"a/db-1", "b/web-2"})

	pods, _ = List[corev1.Pod](ctx, o, AllNamespaces, labels.Nothing())
	if pods == nil || len(pods) != 0 {
		t.Errorf("Nothing() selected %v, want an empty non-nil slice", pods)
	}

	svcs, _ := o.Services(ctx, AllNamespaces, "web")
	equal(t, "services named web", names(svcs), []string{"a/web", "b/web"})
	svcs, _ = o.Services(ctx, "a", "")
	equal(t, "services in a", names(svcs), []string{"a/db", "a/web"})
	svcs, _ = o.Services(ctx, "a", "nope")
	if svcs == nil || len(svcs) != 0 {
		t.Errorf("Services(nope) = %v, want empty non-nil", svcs)
	}

	slices, _ := EndpointSlicesOf(ctx, o, "a", "web")
	equal(t, "slices of web", names(slices), []string{"a/web-abc"})

	events, _ := o.Events(ctx, "a", "Pod", "web-1")
	equal(t, "events of pod web-1", names(events), []string{"a/e1"})

	nps, _ := List[networkingv1.NetworkPolicy](ctx, o, "a", nil)
	if nps == nil || len(nps) != 0 {
		t.Errorf("NetworkPolicies(a) = %v, want empty non-nil", nps)
	}
	ings, _ := List[networkingv1.Ingress](ctx, o, AllNamespaces, nil)
	if ings == nil {
		t.Error("Ingresses returned nil, want empty non-nil")
	}

	if len(o.Others) != 1 {
		t.Errorf("Others = %d objects, want 1", len(o.Others))
	}
}

func TestObjectsHasAndLive(t *testing.T) {
	o := testObjects()
	if o.Live() {
		t.Error("Objects.Live() = true")
	}
	for _, g := range []Guarantee{Complete, ControllerStatus, RecordedEvents, Admitted} {
		if o.Guarantees(g) {
			t.Errorf("Objects.Guarantees(%d) = true: files vouch for nothing beyond their objects", g)
		}
	}
	for kind, want := range map[string]bool{"Pod": true, "Service": true, "EndpointSlice": true, "NetworkPolicy": true, "Ingress": false, "Node": false} {
		if got := o.Has(kind); got != want {
			t.Errorf("Has(%s) = %v, want %v", kind, got, want)
		}
	}
}

func TestObjectsNotFound(t *testing.T) {
	ctx := context.Background()
	o := testObjects()

	if _, err := Get[corev1.Service](ctx, o, "a", "web"); err != nil {
		t.Fatalf("Service(a/web): %v", err)
	}
	for name, get := range map[string]func() error{
		"service":   func() error { _, err := Get[corev1.Service](ctx, o, "c", "web"); return err },
		"pod":       func() error { _, err := Get[corev1.Pod](ctx, o, "a", "nope"); return err },
		"endpoints": func() error { _, err := Get[corev1.Endpoints](ctx, o, "a", "web"); return err },
		"configmap": func() error { _, err := Get[corev1.ConfigMap](ctx, o, "a", "cm"); return err },
		"secret":    func() error { _, err := Get[corev1.Secret](ctx, o, "a", "tls"); return err },
		"ingress":   func() error { _, err := Get[networkingv1.Ingress](ctx, o, "a", "ing"); return err },
	} {
		err := get()
		if !IsNotFound(err) {
			t.Errorf("%s: IsNotFound(%v) = false", name, err)
		}
		if IsForbidden(err) {
			t.Errorf("%s: IsForbidden(%v) = true", name, err)
		}
	}

	_, err := Get[networkingv1.Ingress](ctx, o, "a", "ing")
	var re *ReadError
	if !errors.As(err, &re) {
		t.Fatalf("error %T is not a *ReadError", err)
	}
	if re.Verb != "get" || re.Resource != "ingresses.networking.k8s.io" || re.Namespace != "a" || re.Name != "ing" {
		t.Errorf("ReadError = %+v", re)
	}
	if want := "kubectl auth can-i get ingresses.networking.k8s.io -n a"; re.CanICommand() != want {
		t.Errorf("CanICommand() = %q, want %q", re.CanICommand(), want)
	}
}

func TestObjectsNamespacesSynthesised(t *testing.T) {
	nss, err := testObjects().Namespaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "namespaces", names(nss), []string{"a", "b", "c"})
	for _, ns := range nss {
		if ns.Labels[corev1.LabelMetadataName] != ns.Name {
			t.Errorf("namespace %s labels %v lack %s=%s", ns.Name, ns.Labels, corev1.LabelMetadataName, ns.Name)
		}
	}
	if nss[0].Labels["team"] != "x" {
		t.Errorf("declared namespace a lost its labels: %v", nss[0].Labels)
	}
}

func TestObjectsDefaults(t *testing.T) {
	o := FromObjects(
		&corev1.Service{ObjectMeta: meta("a", "web", nil), Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}},
		&networkingv1.NetworkPolicy{ObjectMeta: meta("a", "np", nil), Spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{}},
		}},
	)
	svc, err := Get[corev1.Service](context.Background(), o, "a", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p := svc.Spec.Ports[0]; p.Protocol != corev1.ProtocolTCP || p.TargetPort.IntValue() != 80 {
		t.Errorf("service port not defaulted: %+v", p)
	}
	nps, _ := List[networkingv1.NetworkPolicy](context.Background(), o, "a", nil)
	if got := nps[0].Spec.PolicyTypes; len(got) != 2 || got[0] != networkingv1.PolicyTypeIngress || got[1] != networkingv1.PolicyTypeEgress {
		t.Errorf("policyTypes = %v, want [Ingress Egress]", got)
	}
}
