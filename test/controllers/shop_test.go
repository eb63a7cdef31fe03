package controllers

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

var shopManifests = filepath.Join(repoRoot, "test", "testdata", "controllers", "shop.yaml")

// diagnose runs a command live, then offline (-f) on a dump of what the API server
// holds, and fails the test unless both give the same exit code and findings.
func diagnose(t *testing.T, ns string, args ...string) harness.Result {
	t.Helper()
	args = append(args, "-n", ns, "-o", "json")
	live, err := harness.Run(append(args, "--kubeconfig", adminKubeconfig)...)
	if err != nil {
		t.Fatal(err)
	}
	// The whole cluster, as `kubectl get -A` would dump it: ingress controllers, cluster
	// DNS and network plugins live in namespaces of their own.
	var namespaces corev1.NamespaceList
	if err := k8sClient.List(t.Context(), &namespaces); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, n := range namespaces.Items {
		names = append(names, n.Name)
	}
	dump, err := harness.Dump(t.Context(), k8sClient, t.TempDir(), names...)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := harness.Run(append(args, "-f", dump)...)
	if err != nil {
		t.Fatal(err)
	}
	// Whether a network plugin enforces policies is judged live from what runs in
	// kube-system and the plugins' namespaces, offline from what the dump holds.
	liveOnly := func(id string) bool { return strings.HasSuffix(id, string(diag.NetworkPolicyNotEnforced)) }
	if live.Code != offline.Code || !slices.Equal(slices.DeleteFunc(findings(live), liveOnly), slices.DeleteFunc(findings(offline), liveOnly)) {
		t.Errorf("%v: live exit %d %v, offline (-f) exit %d %v\n%s", args[:len(args)-4], live.Code, findings(live),
			offline.Code, findings(offline), offline.ErrOut)
	}
	return live
}

// findings lists a report's finding IDs, or a scan's as SERVICE:ID, sorted.
func findings(r harness.Result) []string {
	ids := []string{}
	for _, f := range r.Report.Findings {
		ids = append(ids, string(f.ID))
	}
	for _, report := range r.Scan.Reports {
		for _, f := range report.Findings {
			ids = append(ids, report.Target.Name+":"+string(f.ID))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// expectRun runs a command (live and with -f), checks its exit code, findings (a
// scan's as SERVICE:ID) and root cause, and returns the live result.
func expectRun(t *testing.T, ns string, args []string, code int, want []string, rootCause string) harness.Result {
	t.Helper()
	r := diagnose(t, ns, args...)
	if want == nil {
		want = []string{}
	}
	if r.Code != code || !slices.Equal(findings(r), want) {
		t.Errorf("%v: exit %d %v, want exit %d %v\nroot cause: %s\n%s", args, r.Code, findings(r), code, want, r.Report.RootCause, r.ErrOut)
	}
	if !strings.Contains(r.Report.RootCause, rootCause) {
		t.Errorf("%v: root cause %q does not say %q", args, r.Report.RootCause, rootCause)
	}
	return r
}

// expect is expectRun for svc on a Service.
func expect(t *testing.T, ns, service string, code int, want []string, rootCause string) harness.Result {
	t.Helper()
	return expectRun(t, ns, []string{"svc", service}, code, want, rootCause)
}

// expectCheckDetail checks that the report has the check and that its detail says want.
func expectCheckDetail(t *testing.T, r harness.Result, checkID, want string) {
	t.Helper()
	i := slices.IndexFunc(r.Report.Checks, func(c diag.CheckResult) bool { return c.ID == checkID })
	if i < 0 {
		t.Errorf("no check %s in the report", checkID)
	} else if !strings.Contains(r.Report.Checks[i].Detail, want) {
		t.Errorf("%s: %q does not say %q", checkID, r.Report.Checks[i].Detail, want)
	}
}

// TestShopHealthy: fresh from its manifests, the shop has no finding but the
// LoadBalancer no cloud provider answers, and every EndpointSlice the controller wrote
// is what netdoctor expects it to write. scan adds, per workload (its ReplicaSets' pods
// grouped under the Deployment), the info that the kubelet's default ndots:5 amplifies
// external lookups, and nothing else: the cluster DNS is healthy.
func TestShopHealthy(t *testing.T) {
	withCoreDNS(t)
	ns := deploy(t, shopManifests)
	for _, svc := range []string{"frontend", "cartservice", "redis-cart", "orders-db"} {
		expect(t, ns, svc, cmd.ExitOK, nil, "")
	}
	expect(t, ns, "frontend-external", cmd.ExitOK, []string{"LoadBalancerPending"}, "has no external address")
	expectRun(t, ns, []string{"scan"}, cmd.ExitOK, []string{"cartservice:NdotsAmplification", "frontend-external:LoadBalancerPending",
		"frontend:NdotsAmplification", "orders-db:NdotsAmplification", "redis-cart:NdotsAmplification"}, "")
	assertSlicesAsExpected(t, ns)
}

// TestShopBreakages breaks the shop the ways on-call engineers meet most, one after
// the other, as edits to the live objects that the controllers then act on.
func TestShopBreakages(t *testing.T) {
	withCoreDNS(t)
	ns := deploy(t, shopManifests)
	steps := []struct {
		name      string
		edit      func(t *testing.T)
		service   string
		code      int
		want      []string
		rootCause string
	}{{
		name: "a rollout whose new pods crash",
		edit: func(t *testing.T) {
			change(t, ns, "frontend", &appsv1.Deployment{}, func(d *appsv1.Deployment) {
				d.Spec.Template.Annotations = map[string]string{containerStateAnnotation: "crashloop"}
			})
		},
		service: "frontend", code: cmd.ExitOK, want: []string{"SomePodsNotReady"}, rootCause: "1 of 3 pod(s)",
	}, {
		name: "recreated pods that all crash",
		edit: func(t *testing.T) {
			change(t, ns, "redis-cart", &appsv1.Deployment{}, func(d *appsv1.Deployment) {
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
				d.Spec.Template.Annotations = map[string]string{containerStateAnnotation: "crashloop"}
			})
		},
		service: "redis-cart", code: cmd.ExitFindings, want: []string{"NoReadyPods"}, rootCause: "CrashLoopBackOff",
	}, {
		name: "a numeric targetPort no container declares",
		edit: func(t *testing.T) {
			change(t, ns, "cartservice", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Ports[1].TargetPort = intstr.FromInt32(9091) })
		},
		service: "cartservice", code: cmd.ExitOK, want: []string{"TargetPortMismatch"}, rootCause: "9091",
	}, {
		name: "a named targetPort no container declares",
		edit: func(t *testing.T) {
			change(t, ns, "cartservice", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("grpc-web") })
		},
		service: "cartservice", code: cmd.ExitFindings, want: []string{"TargetPortMismatch", "TargetPortNotFound"}, rootCause: `"grpc-web"`,
	}, {
		name: "a selector typo",
		edit: func(t *testing.T) {
			change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })
		},
		service: "orders-db", code: cmd.ExitFindings, want: []string{"SelectorMatchesNoPods"}, rootCause: "has app=orders-db",
	}, {
		name: "a Deployment scaled to zero",
		edit: func(t *testing.T) {
			zero := int32(0)
			change(t, ns, "redis-cart", &appsv1.Deployment{}, func(d *appsv1.Deployment) { d.Spec.Replicas = &zero })
		},
		service: "redis-cart", code: cmd.ExitFindings, want: []string{"SelectorMatchesNoPods"}, rootCause: "Deployment redis-cart is scaled to 0 replicas",
	}}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.edit(t)
			expect(t, ns, step.service, step.code, step.want, step.rootCause)
			assertSlicesAsExpected(t, ns)
		})
	}
	// redis-cart, scaled to zero, has no pods left to check the DNS settings of.
	expectRun(t, ns, []string{"scan"}, cmd.ExitFindings, []string{"cartservice:NdotsAmplification", "cartservice:TargetPortMismatch", "cartservice:TargetPortNotFound",
		"frontend-external:LoadBalancerPending", "frontend-external:SomePodsNotReady", "frontend:NdotsAmplification", "frontend:SomePodsNotReady",
		"orders-db:NdotsAmplification", "orders-db:SelectorMatchesNoPods", "redis-cart:SelectorMatchesNoPods"}, "")
}

// TestShopPolicies: the shop's own NetworkPolicies, on the pods and slices the
// controllers made. The frontend may call the cart's gRPC port (named in the policy)
// but not its metrics port, and only the cart may call Redis.
func TestShopPolicies(t *testing.T) {
	ns := deploy(t, shopManifests)
	applyFile(t, ns, filepath.Join(repoRoot, "test", "testdata", "controllers", "shop-policies.yaml"))
	notEnforced := string(diag.NetworkPolicyNotEnforced) // no network plugin runs in envtest
	for _, c := range []struct {
		args      []string
		code      int
		want      []string
		rootCause string
	}{
		{[]string{"deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitOK, []string{notEnforced}, ""},
		{[]string{"deploy/frontend", "svc/cartservice", "--port", "9090"}, cmd.ExitFindings, []string{"IngressDenied", notEnforced}, "on 9090/TCP (metrics)"},
		{[]string{"deploy/frontend", "svc/cartservice"}, cmd.ExitFindings, []string{"IngressDenied", notEnforced}, "on 9090/TCP (metrics)"},
		{[]string{"deploy/cartservice", "svc/redis-cart"}, cmd.ExitOK, []string{notEnforced}, ""},
		{[]string{"deploy/frontend", "svc/redis-cart"}, cmd.ExitFindings, []string{"IngressDenied", notEnforced}, "redis-cart-from-cartservice"},
		{[]string{"deploy/frontend", "statefulset/orders-db", "--port", "5432"}, cmd.ExitFindings, []string{"IngressDenied", notEnforced}, "default-deny-ingress"},
	} {
		expectRun(t, ns, append([]string{"reach"}, c.args...), c.code, c.want, c.rootCause)
	}
}

// TestShopRollout: mid-rollout, the old pods are in their grace period. The controller
// keeps them in the EndpointSlices as serving but not ready; that is no finding while
// the new pods serve.
func TestShopRollout(t *testing.T) {
	ns := deploy(t, shopManifests)
	for _, revision := range []string{"1", "2"} {
		change(t, ns, "cartservice", &appsv1.Deployment{}, func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{holdTerminationAnnotation: "true", "revision": revision}
		})
	}
	r := expect(t, ns, "cartservice", cmd.ExitOK, nil, "")
	expectCheckDetail(t, r, "service.readiness", "2 of 2 pod(s) Ready; 2 more shutting down")
	assertSlicesAsExpected(t, ns)
}

// TestShopScaledOut: 150 frontend pods are more than one EndpointSlice holds (100), so
// the controller splits them; netdoctor must count them across slices.
func TestShopScaledOut(t *testing.T) {
	ns := deploy(t, shopManifests)
	replicas := int32(150)
	change(t, ns, "frontend", &appsv1.Deployment{}, func(d *appsv1.Deployment) { d.Spec.Replicas = &replicas })
	r := expect(t, ns, "frontend", cmd.ExitOK, nil, "")
	expectCheckDetail(t, r, "service.endpointslices", "150 ready address(es) expected, 2 EndpointSlice(s)")
	assertSlicesAsExpected(t, ns)
}

// TestSelectorlessMirrored: a selector-less Service whose hand-written Endpoints the
// mirroring controller copies into an EndpointSlice; emptied, it has no endpoints.
func TestSelectorlessMirrored(t *testing.T) {
	ns := newNamespace(t)
	applyFile(t, ns, filepath.Join(repoRoot, "test", "testdata", "controllers", "legacy-db.yaml"))
	mirrored := func() []discoveryv1.EndpointSlice {
		var list discoveryv1.EndpointSliceList
		if err := k8sClient.List(t.Context(), &list, client.InNamespace(ns), client.MatchingLabels{discoveryv1.LabelServiceName: "legacy-db"}); err != nil {
			t.Fatal(err)
		}
		return list.Items
	}
	waitFor(t, "the mirrored EndpointSlice", func() bool {
		s := mirrored()
		return len(s) == 1 && len(s[0].Endpoints) == 1 && s[0].Labels[discoveryv1.LabelManagedBy] == "endpointslicemirroring-controller.k8s.io"
	})
	expect(t, ns, "legacy-db", cmd.ExitOK, nil, "")

	change(t, ns, "legacy-db", &corev1.Endpoints{}, func(e *corev1.Endpoints) { e.Subsets = nil })
	waitFor(t, "the mirrored EndpointSlice to go", func() bool { return len(mirrored()) == 0 })
	expect(t, ns, "legacy-db", cmd.ExitFindings, []string{"SelectorlessServiceNoEndpoints"}, "has no selector and no endpoints")
}
