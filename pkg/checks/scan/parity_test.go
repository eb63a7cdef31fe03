package scan_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source/sourcetest"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

const ns = "shop"

var testdata = filepath.Join("..", "..", "..", "test", "testdata")

// parityCase is one scenario of a targeted command's table: what it raised, and the
// input it ran on.
type parityCase struct {
	command, name string
	want          []diag.FindingID
	src           source.Source
}

func recipes(t *testing.T, files ...string) source.Source {
	t.Helper()
	var objs []runtime.Object
	for _, f := range files {
		o, err := fixture.LoadRecipe(filepath.Join(testdata, f), ns, map[string]string{fixture.KubeDNSIPPlaceholder: "10.96.0.10"})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	return source.FromObjects(fixture.WithControllerSlices(objs)...)
}

func scenarioSource(t *testing.T, dir, file string) source.Source {
	t.Helper()
	objs, err := fixture.LoadScenario(filepath.Join(testdata, dir, file), ns)
	if err != nil {
		t.Fatal(err)
	}
	return source.FromObjects(fixture.WithControllerSlices(objs)...)
}

func expandNS(s string) string {
	return strings.ReplaceAll(s, fixture.ScenarioNamespacePlaceholder, ns)
}

// parityCases runs every scenario of the tables (test/scenarios) with its command,
// loading the fixtures as that table's own test does.
func parityCases(t *testing.T) []parityCase {
	t.Helper()
	var cases []parityCase
	cases = appendParityCases[*service.State](t, cases, "svc", "", scenarios.Svc)
	cases = appendParityCases[*service.State](t, cases, "svc", "dataplane/", scenarios.SvcDataPlane)
	cases = appendParityCases[*ingress.State](t, cases, "ingress", "", scenarios.Ingress)
	cases = appendParityCases[*gateway.State](t, cases, "route", "", scenarios.Route)
	cases = appendParityCases[*reach.State](t, cases, "reach", "", scenarios.Reach)
	cases = appendParityCases[*dns.State](t, cases, "dns", "", scenarios.DNS)
	return cases
}

func appendParityCases[S any, C scenarios.Case[S]](t *testing.T, cases []parityCase, command, prefix string, table []C) []parityCase {
	t.Helper()
	for _, c := range table {
		src := c.Input().Source(t)
		r, _, err := c.Diagnose(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, parityCase{command: command, name: prefix + c.Name(), want: r.IDs(), src: src})
	}
	return cases
}

func scanIDs(t *testing.T, src source.Source, namespace string) (map[diag.FindingID]bool, diag.ScanReport) {
	t.Helper()
	out, err := scan.Run(context.Background(), src, scan.Options{Namespace: namespace, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[diag.FindingID]bool{}
	for _, r := range out.Reports {
		for _, id := range r.IDs() {
			ids[id] = true
		}
	}
	return ids, out
}

// TestScanCoversTargetedCommands is the contract of scan: over the input of every
// scenario of svc, ingress, route, reach and dns, `scan -n NAMESPACE` raises every
// finding ID the targeted command raised, but for the documented scan.TargetedOnly.
func TestScanCoversTargetedCommands(t *testing.T) {
	cases := parityCases(t)
	if len(cases) < 100 {
		t.Fatalf("only %d scenarios: did the tables move?", len(cases))
	}
	exempted := map[string]bool{} // command/ID of the exceptions some scenario raises
	for _, c := range cases {
		t.Run(c.command+"/"+c.name, func(t *testing.T) {
			got, out := scanIDs(t, c.src, ns)
			var missing []string
			for _, id := range c.want {
				_, exempt := scan.TargetedOnly[c.command][id]
				if exempt {
					exempted[c.command+"/"+string(id)] = true
				}
				if got[id] || exempt {
					continue
				}
				missing = append(missing, string(id))
			}
			if len(missing) > 0 {
				t.Errorf("%s raises %v, scan -n %s does not raise %v\n%s", c.command, c.want, ns, slices.Compact(missing), describeScan(out))
			}
		})
	}
	// Every exception is one the command raises in some scenario: a stale one must go.
	for command, ids := range scan.TargetedOnly {
		for id := range ids {
			if !exempted[command+"/"+string(id)] {
				t.Errorf("scan.TargetedOnly[%s][%s]: %s raises it in no scenario: remove it", command, id, command)
			}
		}
	}
}

func describeScan(out diag.ScanReport) string {
	var b strings.Builder
	for _, r := range out.Reports {
		fmt.Fprintf(&b, "  %s %s: %v\n", r.Command, r.Target, r.IDs())
	}
	return b.String()
}

// newInScan are the IDs scan raises since it runs every check; healthy input must not
// raise any of them but NdotsAmplification, an info that every pod with the kubelet's
// default ndots:5 earns (as `dns POD` says of each of them).
var newInScan = []diag.FindingID{
	diag.ClusterDNSNotReady, diag.HostNetworkDNSPolicy, diag.DNSPolicyBypassesClusterDNS, diag.DNSEgressBlocked,
	diag.NdotsAmplification, diag.NetworkPolicyNotEnforced, diag.MultipleDefaultIngressClasses,
	diag.GatewayListenerTLSInvalid, diag.GatewayNotProgrammed, diag.GatewayClassNotAccepted, diag.PolicyNotEvaluated,
}

// TestScanNewIDsFire: each of those findings fires on its broken input, once per root
// problem, under the object to fix.
func TestScanNewIDsFire(t *testing.T) {
	notReadyDNS := func(t *testing.T) source.Source {
		var objs []runtime.Object
		for _, f := range []string{"dns/cluster-dns.yaml", "dns/pods.yaml"} {
			o, err := fixture.LoadRecipe(filepath.Join(testdata, f), ns, map[string]string{fixture.KubeDNSIPPlaceholder: "10.96.0.10"})
			if err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o...)
		}
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && p.Namespace == dns.Namespace {
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
				for i := range p.Status.ContainerStatuses {
					p.Status.ContainerStatuses[i].Ready = false
				}
			}
		}
		return source.FromObjects(fixture.WithControllerSlices(objs)...)
	}
	// Every Ingress names its class: the per-Ingress check is silent, the classes are not.
	namedDefaults := func(t *testing.T) source.Source {
		objs, err := fixture.LoadScenario(filepath.Join(testdata, "ingress", "multiple-defaults.yaml"), ns)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if ing, ok := o.(*networkingv1.Ingress); ok {
				class := ns + "-nginx"
				ing.Spec.IngressClassName = &class
			}
		}
		return source.FromObjects(fixture.WithControllerSlices(objs)...)
	}
	tests := []struct {
		name string
		src  func(t *testing.T) source.Source
		// want maps an object (Kind/namespace/name) to the IDs it must carry.
		want map[string][]diag.FindingID
	}{
		{"cluster DNS pods not Ready", notReadyDNS, map[string][]diag.FindingID{"Service/kube-system/kube-dns": {diag.ClusterDNSNotReady}}},
		{"pods' DNS settings", func(t *testing.T) source.Source { return recipes(t, "dns/cluster-dns.yaml", "dns/pods.yaml") }, map[string][]diag.FindingID{
			"Pod/shop/agent-hostnet":   {diag.HostNetworkDNSPolicy},
			"Pod/shop/legacy-default":  {diag.DNSPolicyBypassesClusterDNS},
			"Pod/shop/custom-external": {diag.DNSPolicyBypassesClusterDNS},
			"Pod/shop/web":             {diag.NdotsAmplification},
			"Pod/shop/web-ndots1":      {},
			"Pod/shop/custom-cluster":  {},
		}},
		{"DNS forgotten in a default deny egress", func(t *testing.T) source.Source {
			return recipes(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/dns-forgotten.yaml", "reach/cni-calico.yaml")
		}, map[string][]diag.FindingID{"Pod/shop/frontend-7b9c6-ccccc": {diag.DNSEgressBlocked, diag.NdotsAmplification}}},
		{"policies on flannel", func(t *testing.T) source.Source {
			return recipes(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/deny-all.yaml")
		}, map[string][]diag.FindingID{"NetworkPolicy/shop/*": {diag.NetworkPolicyNotEnforced}}},
		{"two default IngressClasses, every Ingress names its class", namedDefaults, map[string][]diag.FindingID{
			"IngressClass//shop-nginx": {diag.MultipleDefaultIngressClasses}, "Ingress/shop/shop": {}}},
		{"a listener no route uses is invalid", func(t *testing.T) source.Source {
			return scenarioSource(t, "gateway", "gateway-other-listener-invalid.yaml")
		}, map[string][]diag.FindingID{"Gateway/shop/example-gateway": {diag.GatewayNotProgrammed}, "HTTPRoute/shop/foo-route": {}}},
		{"a listener certificate for another host", func(t *testing.T) source.Source {
			return scenarioSource(t, "gateway", "listener-tls-wrong-host.yaml")
		}, map[string][]diag.FindingID{"Gateway/shop/example-gateway": {diag.GatewayListenerTLSInvalid}, "HTTPRoute/shop/foo-route": {}}},
		{"a missing GatewayClass", func(t *testing.T) source.Source { return scenarioSource(t, "gateway", "class-missing.yaml") },
			map[string][]diag.FindingID{"Gateway/shop/example-gateway": {diag.GatewayClassNotAccepted}, "HTTPRoute/shop/foo-route": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := scanIDs(t, tt.src(t), ns)
			got := map[string][]diag.FindingID{}
			for _, r := range out.Reports {
				key := r.Target.Kind + "/" + r.Target.Namespace + "/" + r.Target.Name
				ids := slices.Compact(slices.Sorted(slices.Values(r.IDs())))
				if prev, dup := got[key]; dup && r.Command == "dns" {
					// The cluster DNS report beside the svc report of kube-dns (scan -A).
					ids = append(prev, ids...)
				}
				got[key] = ids
			}
			for obj, want := range tt.want {
				ids, ok := got[obj]
				if !ok {
					t.Errorf("no report for %s\n%s", obj, describeScan(out))
					continue
				}
				if !slices.Equal(ids, want) {
					t.Errorf("%s: %v, want %v\n%s", obj, ids, want, describeScan(out))
				}
			}
		})
	}
}

// TestScanNewIDsSilentWhenHealthy: healthy input raises none of them but the
// NdotsAmplification infos, live shapes (pods with owners) as well as manifests (pods
// built from templates), namespaced and cluster-wide.
func TestScanNewIDsSilentWhenHealthy(t *testing.T) {
	fromFiles := func(paths ...string) func(t *testing.T) source.Source {
		return func(t *testing.T) source.Source {
			src, err := source.FromFiles(paths, nil, ns)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}
	}
	controllers := filepath.Join(testdata, "controllers")
	inputs := []struct {
		name string
		src  func(t *testing.T) source.Source
	}{
		{"svc/healthy", func(t *testing.T) source.Source {
			objs, err := fixture.Load(filepath.Join(testdata, "svc", "healthy.yaml"), ns)
			if err != nil {
				t.Fatal(err)
			}
			return source.FromObjects(fixture.WithControllerSlices(objs)...)
		}},
		{"ingress/healthy", func(t *testing.T) source.Source { return scenarioSource(t, "ingress", "healthy.yaml") }},
		{"gateway/healthy", func(t *testing.T) source.Source { return scenarioSource(t, "gateway", "healthy.yaml") }},
		{"gateway/listener-tls", func(t *testing.T) source.Source { return scenarioSource(t, "gateway", "listener-tls.yaml") }},
		{"reach/allow-one-app with Calico", func(t *testing.T) source.Source {
			return recipes(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/allow-one-app.yaml", "reach/cni-calico.yaml")
		}},
		{"reach/deny-egress-except-dns with Calico", func(t *testing.T) source.Source {
			return recipes(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/deny-egress-except-dns.yaml", "reach/cni-calico.yaml")
		}},
		{"reach/dataplane-healthy", func(t *testing.T) source.Source {
			return recipes(t, append(slices.Clone(scenarios.SvcDataPlaneFiles), "reach/dataplane-healthy.yaml")...)
		}},
		{"reach/dataplane-cilium-no-kpr", func(t *testing.T) source.Source {
			return recipes(t, append(slices.Clone(scenarios.SvcDataPlaneFiles), "reach/dataplane-cilium-no-kpr.yaml")...)
		}},
		// The applications of the controllers suite, as manifests: the shop (shaped like
		// the online boutique) and the book review application.
		{"controllers/shop", fromFiles(filepath.Join(controllers, "shop.yaml"), filepath.Join(controllers, "shop-ingress.yaml"))},
		{"controllers/bookinfo", fromFiles(filepath.Join(controllers, "bookinfo.yaml"))},
	}
	for _, in := range inputs {
		for _, scope := range []string{ns, source.AllNamespaces} {
			t.Run(in.name+"/"+map[string]string{ns: "-n " + ns, "": "-A"}[scope], func(t *testing.T) {
				_, out := scanIDs(t, in.src(t), scope)
				for _, r := range out.Reports {
					for _, f := range r.Findings {
						if !slices.Contains(newInScan, f.ID) || f.ID == diag.NdotsAmplification && f.Severity == diag.SeverityInfo {
							continue
						}
						t.Errorf("%s %s: %s %s: %s", r.Command, r.Target, f.Severity, f.ID, f.Message)
					}
				}
			})
		}
	}
}

// TestScanGroupsPodsByWorkload: the pods of one workload give one report, and one
// finding per problem whose evidence names every pod; a bare pod stands for itself.
func TestScanGroupsPodsByWorkload(t *testing.T) {
	pod := func(name string, owner metav1.OwnerReference, labels map[string]string, hostNetwork bool) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}},
			Spec:   corev1.PodSpec{HostNetwork: hostNetwork, Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	}
	yes := true
	ds := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: &yes}
	rs := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7c9d5", Controller: &yes}
	web := map[string]string{"app": "web", "pod-template-hash": "7c9d5"}
	src := source.FromObjects(
		pod("agent-a1b2c", ds, map[string]string{"app": "agent"}, true),
		pod("agent-d3e4f", ds, map[string]string{"app": "agent"}, true),
		pod("agent-g5h6i", ds, map[string]string{"app": "agent"}, true),
		pod("web-7c9d5-aaaaa", rs, web, false),
		pod("web-7c9d5-bbbbb", rs, web, false),
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug", Namespace: ns}, Spec: corev1.PodSpec{DNSPolicy: corev1.DNSDefault,
			Containers: []corev1.Container{{Name: "sh", Image: "busybox"}}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "done", Namespace: ns}, Spec: corev1.PodSpec{DNSPolicy: corev1.DNSDefault,
			Containers: []corev1.Container{{Name: "sh", Image: "busybox"}}}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
	)
	_, out := scanIDs(t, src, ns)
	want := map[diag.ObjectRef]struct {
		ids  []diag.FindingID
		pods string
	}{
		{Kind: "DaemonSet", Namespace: ns, Name: "agent"}: {[]diag.FindingID{diag.HostNetworkDNSPolicy}, "3 pod(s) of DaemonSet shop/agent: agent-a1b2c, agent-d3e4f, agent-g5h6i"},
		{Kind: "Deployment", Namespace: ns, Name: "web"}:  {[]diag.FindingID{diag.NdotsAmplification}, "2 pod(s) of Deployment shop/web: web-7c9d5-aaaaa, web-7c9d5-bbbbb"},
		{Kind: "Pod", Namespace: ns, Name: "debug"}:       {[]diag.FindingID{diag.DNSPolicyBypassesClusterDNS}, ""},
	}
	seen := 0
	for _, r := range out.Reports {
		if r.Command != "dns" {
			continue
		}
		seen++
		w, ok := want[r.Target]
		if !ok {
			t.Errorf("unexpected DNS report for %s: %v", r.Target, r.IDs())
			continue
		}
		if !slices.Equal(r.IDs(), w.ids) {
			t.Errorf("%s: %v, want %v", r.Target, r.IDs(), w.ids)
			continue
		}
		if f := r.Findings[0]; w.pods != "" && !slices.Contains(f.Evidence, w.pods) {
			t.Errorf("%s: evidence %q does not name the pods (%q)", r.Target, f.Evidence, w.pods)
		}
	}
	if seen != len(want) {
		t.Errorf("%d DNS reports, want %d (one per workload, none for the finished pod)\n%s", seen, len(want), describeScan(out))
	}
}

// TestScanGatewaysUnlisted: when the Gateways cannot be listed there is no Gateway
// report to leave their problems to, so each route judges its own Gateway again.
func TestScanGatewaysUnlisted(t *testing.T) {
	// A Role with only the get verb.
	src := sourcetest.Refuse(scenarioSource(t, "gateway", "gateway-not-programmed.yaml"), source.KindGateway, "list")
	_, out := scanIDs(t, src, ns)
	var route, unread bool
	for _, r := range out.Reports {
		switch r.Target.Kind {
		case "HTTPRoute":
			route = slices.Contains(r.IDs(), diag.GatewayNotProgrammed)
		case "Gateway":
			unread = slices.Contains(r.IDs(), diag.PermissionDenied)
		}
	}
	if !route || !unread {
		t.Errorf("route reports GatewayNotProgrammed: %v, Gateways unread (PermissionDenied): %v\n%s", route, unread, describeScan(out))
	}
}
