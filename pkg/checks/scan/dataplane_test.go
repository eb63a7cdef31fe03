package scan_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

func loadDataPlane(t *testing.T, recipe string) source.Source {
	t.Helper()
	testdata := filepath.Join("..", "..", "..", "test", "testdata")
	var objs []runtime.Object
	for _, f := range append(slices.Clone(scenarios.SvcDataPlaneFiles), filepath.Join("reach", recipe)) {
		o, err := fixture.LoadRecipe(filepath.Join(testdata, f), "shop", map[string]string{fixture.KubeDNSIPPlaceholder: "10.96.0.10"})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	return source.FromObjects(fixture.WithControllerSlices(objs)...)
}

func idsOf(out diag.ScanReport, kind, name string) ([]diag.FindingID, bool) {
	for _, r := range out.Reports {
		if r.Target.Kind == kind && r.Target.Name == name {
			return r.IDs(), true
		}
	}
	return nil, false
}

// A node whose Service proxy is not Ready is reported once, as the node, and not again
// in every Service's report; a namespaced scan reports it only where the namespace's
// pods run.
func TestScanDataPlane(t *testing.T) {
	ctx := context.Background()
	src := loadDataPlane(t, "dataplane-kube-proxy-down.yaml")
	for _, ns := range []string{source.AllNamespaces, "shop"} {
		out, err := scan.Run(ctx, src, scan.Options{Namespace: ns, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		ids, ok := idsOf(out, "Node", "node-b")
		if !ok || !slices.Equal(ids, []diag.FindingID{diag.KubeProxyNotReady}) {
			t.Errorf("scan %q: node-b report %v (found %v), want KubeProxyNotReady", ns, ids, ok)
		}
		if _, ok := idsOf(out, "Node", "node-a"); ok {
			t.Errorf("scan %q: node-a, whose kube-proxy is Ready, got a report", ns)
		}
		if ids, _ := idsOf(out, "Service", "api"); slices.Contains(ids, diag.KubeProxyNotReady) {
			t.Errorf("scan %q: Service api repeats KubeProxyNotReady: %v", ns, ids)
		}
	}
	out, err := scan.Run(ctx, src, scan.Options{Namespace: "empty", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := idsOf(out, "Node", "node-b"); ok {
		t.Error("a namespace without pods on node-b got its node report")
	}
	// Healthy and hidden proxies give no node reports at all.
	for _, recipe := range []string{"dataplane-healthy.yaml", "dataplane-managed.yaml"} {
		out, err := scan.Run(ctx, loadDataPlane(t, recipe), scan.Options{Namespace: source.AllNamespaces, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Reports {
			if r.Target.Kind == "Node" {
				t.Errorf("%s: node report %s %v", recipe, r.Target.Name, r.IDs())
			}
		}
	}
}
