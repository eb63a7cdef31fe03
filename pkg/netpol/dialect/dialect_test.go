package dialect

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

func pod(namespace string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: namespace, Labels: labels},
		Spec: corev1.PodSpec{ServiceAccountName: "api-sa"}}
}

func subject(namespace string, labels map[string]string) Subject {
	return Subject{Pod: pod(namespace, labels),
		Namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace, Labels: map[string]string{"team": "payments"}}}}
}

func TestCalicoSelector(t *testing.T) {
	s := subject("shop", map[string]string{"app": "api", "tier": "backend"})
	tests := []struct {
		expr string
		want Match
	}{
		{"all()", Selects},
		{"global()", NoMatch},
		{"app == 'api'", Selects},
		{`app == "api"`, Selects},
		{"app == 'web'", NoMatch},
		{"app != 'web'", Selects},
		{"missing != 'x'", Selects},
		{"has(app)", Selects},
		{"!has(app)", NoMatch},
		{"has(missing)", NoMatch},
		{"app in {'web', 'api'}", Selects},
		{"app in {}", NoMatch},
		{"app not in {'web'}", Selects},
		{"missing not in {'web'}", Selects},
		{"app == 'api' && tier == 'backend'", Selects},
		{"app == 'api' && tier == 'frontend'", NoMatch},
		{"app == 'web' || tier == 'backend'", Selects},
		{"(app == 'web' || app == 'api') && has(tier)", Selects},
		{"!(app == 'api')", NoMatch},
		{"app starts with 'a'", Selects},
		{"app ends with 'pi'", Selects},
		{"app contains 'x'", NoMatch},
		{"projectcalico.org/namespace == 'shop'", Selects},
		{"projectcalico.org/orchestrator == 'k8s'", Selects},
		{"projectcalico.org/serviceaccount == 'api-sa'", Selects},
		{"pcns.team == 'payments'", Selects},
		{"pcns.kubernetes.io/metadata.name == 'other'", NoMatch},
		// What the API does not show is Maybe, unless the other side of && decides.
		{"projectcalico.org/name == 'x'", Maybe},
		{"pcsa.role == 'x'", Maybe},
		{"pcsa.role == 'x' && app == 'web'", NoMatch},
		{"pcsa.role == 'x' || app == 'api'", Selects},
		{"!(pcsa.role == 'x')", Maybe},
	}
	for _, tt := range tests {
		node, err := ParseCalicoSelector(tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := node.eval(calicoPodLookup(s)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestCalicoSelectorErrors(t *testing.T) {
	for _, expr := range []string{"app ==", "app == api", "foo(app)", "(app == 'a'", "app in {'a'", "'x'", "app ~ 'a'", "has()", "app == 'a' extra"} {
		if _, err := ParseCalicoSelector(expr); err == nil {
			t.Errorf("%q parsed, want an error", expr)
		}
		// Through the policy, a selector netdoctor cannot read may select anything.
		if m, why := calicoMatch("selector", expr, calicoPodLookup(subject("shop", nil))); m != Maybe || why == "" {
			t.Errorf("%q: %v %q, want Maybe with a reason", expr, m, why)
		}
	}
}

func object(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

func TestPolicySelects(t *testing.T) {
	api := subject("shop", map[string]string{"app": "api"})
	web := subject("shop", map[string]string{"app": "web"})
	elsewhere := subject("other", map[string]string{"app": "api"})
	host := subject("shop", map[string]string{"app": "api"})
	host.Pod.Spec.HostNetwork = true
	ingress := []any{map[string]any{}}
	tests := []struct {
		name    string
		obj     *unstructured.Unstructured
		subject Subject
		dir     netpol.Direction
		want    Match
	}{
		{"cilium matchLabels", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}}, "ingress": ingress}), api, netpol.Ingress, Selects},
		{"cilium k8s: prefix", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"k8s:app": "api"}}, "ingress": ingress}), api, netpol.Ingress, Selects},
		{"cilium other pod", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}}, "ingress": ingress}), web, netpol.Ingress, NoMatch},
		{"cilium other direction", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{}, "ingress": ingress}), api, netpol.Egress, NoMatch},
		{"cilium egressDeny", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{}, "egressDeny": ingress}), api, netpol.Egress, Selects},
		{"cilium no rules decides nothing", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{}}), api, netpol.Ingress, NoMatch},
		{"cilium other namespace", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{}, "ingress": ingress}), elsewhere, netpol.Ingress, NoMatch},
		{"cilium clusterwide in every namespace", object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "p",
			map[string]any{"endpointSelector": map[string]any{}, "ingress": ingress}), elsewhere, netpol.Ingress, Selects},
		{"cilium clusterwide namespace label", object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"k8s:io.kubernetes.pod.namespace": "shop"}}, "ingress": ingress}), elsewhere, netpol.Ingress, NoMatch},
		{"cilium namespace labels", object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"io.cilium.k8s.namespace.labels.team": "payments"}}, "ingress": ingress}), api, netpol.Ingress, Selects},
		{"cilium service account", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"io.cilium.k8s.policy.serviceaccount": "api-sa"}}, "ingress": ingress}), api, netpol.Ingress, Selects},
		{"cilium matchExpressions", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchExpressions": []any{
				map[string]any{"key": "app", "operator": "In", "values": []any{"api", "db"}},
				map[string]any{"key": "tier", "operator": "DoesNotExist"}}}, "egress": ingress}), api, netpol.Egress, Selects},
		{"cilium NotIn", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchExpressions": []any{
				map[string]any{"key": "app", "operator": "NotIn", "values": []any{"api"}}}}, "egress": ingress}), api, netpol.Egress, NoMatch},
		{"cilium cluster label is unknown", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"io.cilium.k8s.policy.cluster": "east"}}, "ingress": ingress}), api, netpol.Ingress, Maybe},
		{"cilium reserved label never on pods", object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "p",
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"reserved:host": ""}}, "ingress": ingress}), api, netpol.Ingress, NoMatch},
		{"cilium specs", withSpecs(object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p", nil), []any{
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "web"}}, "ingress": ingress},
			map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}}, "egress": ingress}}), api, netpol.Egress, Selects},
		{"cilium hostNetwork pod is no endpoint", object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "p",
			map[string]any{"endpointSelector": map[string]any{}, "ingress": ingress}), host, netpol.Ingress, NoMatch},
		{"cilium host policy", object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "p",
			map[string]any{"nodeSelector": map[string]any{}, "ingress": ingress}), host, netpol.Ingress, Maybe},
		{"calico selector", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "app == 'api'"}), api, netpol.Ingress, Selects},
		{"calico crd group", object("crd.projectcalico.org/v1", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "app == 'api'"}), api, netpol.Ingress, Selects},
		{"calico default types: ingress only", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "all()", "ingress": ingress}), api, netpol.Egress, NoMatch},
		{"calico default types: egress rules", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "all()", "egress": ingress}), api, netpol.Egress, Selects},
		{"calico default types: egress rules only, no ingress", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "all()", "egress": ingress}), api, netpol.Ingress, NoMatch},
		{"calico types", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"types": []any{"Ingress", "Egress"}}), api, netpol.Egress, Selects},
		{"calico other namespace", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{}), elsewhere, netpol.Ingress, NoMatch},
		{"calico global namespaceSelector", object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "p",
			map[string]any{"namespaceSelector": "team == 'payments'", "selector": "app == 'api'"}), elsewhere, netpol.Ingress, Selects},
		{"calico global namespaceSelector misses", object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "p",
			map[string]any{"namespaceSelector": "team == 'other'"}), api, netpol.Ingress, NoMatch},
		{"calico unknown function", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"selector": "app == 'api' && future(x)"}), api, netpol.Ingress, Maybe},
		{"calico service account selector", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{"serviceAccountSelector": "role == 'db'"}), api, netpol.Ingress, Maybe},
		{"calico global and hostNetwork", object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "p",
			map[string]any{}), host, netpol.Ingress, Maybe},
		{"calico namespaced and hostNetwork", object("projectcalico.org/v3", "NetworkPolicy", "shop", "p",
			map[string]any{}), host, netpol.Ingress, NoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := Parse(tt.obj)
			if !ok {
				t.Fatal("not parsed")
			}
			got, why := p.Selects(tt.subject, tt.dir)
			if got != tt.want {
				t.Errorf("%v (%s), want %v", got, why, tt.want)
			}
			if got != NoMatch && why == "" {
				t.Errorf("%v without a reason", got)
			}
		})
	}
}

func withSpecs(u *unstructured.Unstructured, specs []any) *unstructured.Unstructured {
	delete(u.Object, "spec")
	u.Object["specs"] = specs
	return u
}

// Kubernetes NetworkPolicies as Calico lists them are not Calico's own; other kinds are
// not parsed at all; reading the cluster-wide ones twice keeps one.
func TestParseAll(t *testing.T) {
	items := []unstructured.Unstructured{
		*object("projectcalico.org/v3", "NetworkPolicy", "shop", "knp.default.deny-all", map[string]any{}),
		*object("networking.k8s.io/v1", "NetworkPolicy", "shop", "deny-all", map[string]any{}),
		*object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "b", map[string]any{}),
		*object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "a", map[string]any{}),
		*object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "b", map[string]any{}),
		*object("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "", "a", map[string]any{}),
	}
	got := ParseAll(items)
	var refs []string
	for _, p := range got {
		refs = append(refs, p.Kind.GroupVersion.Group+" "+p.Ref())
	}
	want := []string{"cilium.io CiliumClusterwideNetworkPolicy b", "projectcalico.org GlobalNetworkPolicy a", "crd.projectcalico.org GlobalNetworkPolicy a"}
	if len(refs) != len(want) {
		t.Fatalf("got %v, want %v", refs, want)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Errorf("got %v, want %v", refs, want)
		}
	}
	if got[0].Command() != "kubectl get ciliumclusterwidenetworkpolicies.cilium.io b -o yaml" {
		t.Errorf("command %q", got[0].Command())
	}
	if Plugins(got) != "Calico and Cilium" {
		t.Errorf("plugins %q", Plugins(got))
	}
}
