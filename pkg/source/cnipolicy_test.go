package source

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"
)

func cniObject(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
		"spec": map[string]any{"endpointSelector": map[string]any{}}}}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

func keys(items []unstructured.Unstructured) []string {
	var out []string
	for _, u := range items {
		out = append(out, u.GetAPIVersion()+" "+u.GetKind()+" "+u.GetNamespace()+"/"+u.GetName())
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Where no network plugin policy kind is served, the list is empty without error.
func TestLiveCNIPoliciesNotServed(t *testing.T) {
	l, _ := gatewayLive(t, map[string]map[string]string{"apps/v1": {"deployments": "Deployment"}})
	got, err := l.CNIPolicies(context.Background(), "shop")
	if err != nil || len(got) != 0 {
		t.Errorf("CNIPolicies = %v, %v; want empty", got, err)
	}
}

// The namespaced kinds of the namespace and every cluster-wide one; Calico's CRD group
// is not read when its API server serves projectcalico.org/v3 (the same policies).
func TestLiveCNIPolicies(t *testing.T) {
	ctx := context.Background()
	served := map[string]map[string]string{
		"cilium.io/v2":             {"ciliumnetworkpolicies": "CiliumNetworkPolicy", "ciliumclusterwidenetworkpolicies": "CiliumClusterwideNetworkPolicy"},
		"projectcalico.org/v3":     {"networkpolicies": "NetworkPolicy", "globalnetworkpolicies": "GlobalNetworkPolicy"},
		"crd.projectcalico.org/v1": {"networkpolicies": "NetworkPolicy", "globalnetworkpolicies": "GlobalNetworkPolicy"},
	}
	l, _ := gatewayLive(t, served,
		cniObject("cilium.io/v2", "CiliumNetworkPolicy", "shop", "l7"),
		cniObject("cilium.io/v2", "CiliumNetworkPolicy", "other", "elsewhere"),
		cniObject("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "baseline"),
		cniObject("projectcalico.org/v3", "NetworkPolicy", "shop", "default.allow"),
		cniObject("projectcalico.org/v3", "GlobalNetworkPolicy", "", "deny-all"),
		cniObject("crd.projectcalico.org/v1", "NetworkPolicy", "shop", "default.allow"))
	got, err := l.CNIPolicies(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cilium.io/v2 CiliumClusterwideNetworkPolicy /baseline",
		"projectcalico.org/v3 GlobalNetworkPolicy /deny-all",
		"projectcalico.org/v3 NetworkPolicy shop/default.allow",
		"cilium.io/v2 CiliumNetworkPolicy shop/l7",
	}
	if !equalStrings(keys(got), want) {
		t.Errorf("CNIPolicies(shop) = %v, want %v", keys(got), want)
	}
	all, err := l.CNIPolicies(ctx, AllNamespaces)
	if err != nil || len(all) != 5 {
		t.Errorf("CNIPolicies(all) = %v, %v; want 5", keys(all), err)
	}
}

// Without the Calico API server the CRD group is read; discovery is asked once.
func TestLiveCNIPoliciesCalicoCRDs(t *testing.T) {
	ctx := context.Background()
	served := map[string]map[string]string{"crd.projectcalico.org/v1": {"networkpolicies": "NetworkPolicy", "globalnetworkpolicies": "GlobalNetworkPolicy"}}
	l, _ := gatewayLive(t, served, cniObject("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "", "default.deny"))
	for range 2 {
		got, err := l.CNIPolicies(ctx, "shop")
		if err != nil || !equalStrings(keys(got), []string{"crd.projectcalico.org/v1 GlobalNetworkPolicy /default.deny"}) {
			t.Errorf("CNIPolicies = %v, %v", keys(got), err)
		}
	}
	discovery := 0
	for _, a := range l.client.(interface{ Actions() []clienttesting.Action }).Actions() {
		if a.GetResource().Resource == "group" || a.GetResource().Resource == "resource" {
			discovery++
		}
	}
	if discovery != 2 {
		t.Errorf("%d discovery requests for two reads, want 2 (groups, then the one group version)", discovery)
	}
}

// A list the user may not make is a Forbidden ReadError naming the resource.
func TestLiveCNIPoliciesForbidden(t *testing.T) {
	served := map[string]map[string]string{"cilium.io/v2": {"ciliumnetworkpolicies": "CiliumNetworkPolicy", "ciliumclusterwidenetworkpolicies": "CiliumClusterwideNetworkPolicy"}}
	l, dyn := gatewayLive(t, served)
	dyn.PrependReactor("list", "ciliumclusterwidenetworkpolicies", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cilium.io", Resource: "ciliumclusterwidenetworkpolicies"}, "", nil)
	})
	_, err := l.CNIPolicies(context.Background(), "shop")
	var re *ReadError
	if !IsForbidden(err) || !asReadError(err, &re) || re.Resource != "ciliumclusterwidenetworkpolicies.cilium.io" {
		t.Errorf("error = %v, want Forbidden on ciliumclusterwidenetworkpolicies.cilium.io", err)
	}
}

func asReadError(err error, re **ReadError) bool {
	r, ok := err.(*ReadError)
	*re = r
	return ok
}

// -f reads the kinds unstructured, the cluster-wide ones without a namespace, and the
// in-memory store answers per namespace; the snapshot of a scan lists them once.
func TestFromFilesCNIPolicies(t *testing.T) {
	manifest := `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l7}
spec: {endpointSelector: {}}
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: deny, namespace: ignored}
spec: {selector: all()}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow, namespace: other}
spec: {selector: all()}
`
	o := loadManifest(t, "p.yaml", manifest, "shop")
	got, _ := o.CNIPolicies(context.Background(), "shop")
	want := []string{"crd.projectcalico.org/v1 GlobalNetworkPolicy /deny", "cilium.io/v2 CiliumNetworkPolicy shop/l7"}
	if !equalStrings(keys(got), want) {
		t.Errorf("CNIPolicies(shop) = %v, want %v", keys(got), want)
	}
	if all, _ := o.CNIPolicies(context.Background(), AllNamespaces); len(all) != 3 {
		t.Errorf("CNIPolicies(all) = %v", keys(all))
	}
	if !o.Has(KindCNIPolicy) || FromObjects().Has(KindCNIPolicy) {
		t.Error("Has(CNIPolicy) should say whether the input holds any")
	}
	if p, ok := o.Origin("CiliumNetworkPolicy", "shop", "l7"); !ok || p.Line != 1 {
		t.Errorf("origin of l7 = %+v, %v", p, ok)
	}

	counting := &cniCountingSource{Source: o}
	c := NewCached(counting, AllNamespaces)
	for _, ns := range []string{"shop", "other", "shop"} {
		if _, err := c.CNIPolicies(context.Background(), ns); err != nil {
			t.Fatal(err)
		}
	}
	if counting.cni != 1 {
		t.Errorf("the scan snapshot listed CNI policies %d times, want 1", counting.cni)
	}
}

type cniCountingSource struct {
	Source
	cni int
}

func (c *cniCountingSource) CNIPolicies(ctx context.Context, namespace string) ([]unstructured.Unstructured, error) {
	c.cni++
	return c.Source.CNIPolicies(ctx, namespace)
}
