package integration

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

func scanReport(t *testing.T, r result) diag.ScanReport {
	t.Helper()
	return harness.DecodeJSON[diag.ScanReport](t, r.out, r.errOut)
}

// findingsByObject maps Kind/name to its sorted finding IDs.
func findingsByObject(s diag.ScanReport) map[string][]diag.FindingID {
	out := map[string][]diag.FindingID{}
	for _, r := range s.Reports {
		key := r.Target.Kind + "/" + r.Target.Name
		ids := []diag.FindingID{}
		for _, f := range r.Findings {
			if !slices.Contains(ids, f.ID) {
				ids = append(ids, f.ID)
			}
		}
		slices.Sort(ids)
		out[key] = ids
	}
	return out
}

// TestScan: scan finds each Service's problem live and offline, reads each kind once
// whatever the number of Services, and filters as asked. Beside the Services it reports
// the cluster DNS (live: the dump holds only the namespace) and each pod's DNS
// settings: these pods have no owner, so each stands for itself, and each has the
// kubelet's default ndots:5 (an info).
func TestScan(t *testing.T) {
	ensureClusterAddons(t) // the cluster DNS, which every real cluster has
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	ndots := []diag.FindingID{diag.NdotsAmplification}
	want := map[string][]diag.FindingID{
		"Service/frontend":        {},
		"Service/checkout":        {diag.NoReadyPods},
		"Service/ledger":          {diag.SelectorMatchesNoPods},
		"Pod/frontend-7c9d-abcde": ndots,
		"Pod/checkout-7c9d-abcde": ndots,
		"Pod/ledger-0":            ndots,
	}
	live := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json", "--stats")
	offline := runNetdoctor(t, "scan", "-n", ns, "-f", dumpNamespaces(t, ns), "-o", "json")
	for mode, r := range map[string]result{"live": live, "offline": offline} {
		if r.code != cmd.ExitFindings {
			t.Errorf("%s: exit %d, want 1; stderr %s", mode, r.code, r.errOut)
		}
		s := scanReport(t, r)
		if s.Kind != diag.KindScanReport || s.Summary.Errors != 2 {
			t.Errorf("%s: kind %q summary %+v", mode, s.Kind, s.Summary)
		}
		got := findingsByObject(s)
		for obj, ids := range want {
			if !slices.Equal(got[obj], ids) {
				t.Errorf("%s: %s findings %v, want %v", mode, obj, got[obj], ids)
			}
		}
	}
	// One list per kind, not requests per object: five more Services cost no request.
	before := scanRequests(t, live)
	for i := range 5 {
		extra := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("extra-%d", i), Namespace: ns},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "frontend"}, Ports: []corev1.ServicePort{{Port: 80}}}}
		if err := k8sClient.Create(ctx(t), extra); err != nil {
			t.Fatal(err)
		}
		var pods corev1.PodList
		if err := k8sClient.List(ctx(t), &pods, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		for _, slice := range fixture.EndpointSlicesFor(extra, pods.Items) {
			createWithStatus(t, &slice)
		}
	}
	after := scanRequests(t, runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json", "--stats"))
	if after != before {
		t.Errorf("scan made %d API requests for 3 Services and %d for 8: the count must not grow with objects", before, after)
	}

	filtered := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json",
		"--suppress", "SelectorMatchesNoPods=Service/"+ns+"/ledger", "--suppress", "NoReadyPods")
	if filtered.code != cmd.ExitOK {
		t.Errorf("all errors suppressed: exit %d, want 0", filtered.code)
	}
	if !strings.Contains(filtered.errOut, "suppressed 2 finding(s)") {
		t.Errorf("stderr %q should count suppressed findings", filtered.errOut)
	}

	text := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "--color", "never", "--min-severity", "error")
	if !strings.Contains(text.out, "Service "+ns+"/ledger") || strings.Contains(text.out, "Service "+ns+"/frontend") {
		t.Errorf("text scan should list only objects with problems:\n%s", text.out)
	}
	// 8 Services, the cluster DNS and the DNS settings of the 6 pods.
	if !strings.Contains(text.out, "15 objects checked, 2 errors, 0 warnings") {
		t.Errorf("text scan summary:\n%s", text.out)
	}
}

func scanRequests(t *testing.T, r result) int {
	t.Helper()
	m := regexp.MustCompile(`stats: (\d+) API requests`).FindStringSubmatch(r.errOut)
	if m == nil {
		t.Fatalf("no --stats line in %q", r.errOut)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestScanPartialPermissions: a user who may not list StatefulSets (nor the Nodes, which
// a namespace Role cannot grant) still gets every other finding; a check that needed
// what it could not read is unknown with PermissionDenied, not a pass. (StatefulSets are
// listed only for Services that select no pod or a StatefulSet's pods: ledger here.)
func TestScanPartialPermissions(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	kubeconfig := userWithRole(t, ns, "scan-viewer", "services", "pods", "discovery.k8s.io/endpointslices")
	r := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitFindings {
		t.Errorf("exit %d, want 1; stderr %s", r.code, r.errOut)
	}
	s := scanReport(t, r)
	got := findingsByObject(s)
	if !slices.Contains(got["Service/ledger"], diag.SelectorMatchesNoPods) || !slices.Contains(got["Service/checkout"], diag.NoReadyPods) {
		t.Errorf("findings lost with partial permissions: %v", got)
	}
	needs := map[string]string{"ledger": "service.statefulset", "frontend": "service.nodenetwork"}
	for _, rep := range s.Reports {
		check, ok := needs[rep.Target.Name]
		if rep.Target.Kind != "Service" || !ok {
			continue
		}
		if rep.StatusOf(check) != diag.StatusUnknown || !hasFinding(rep, diag.PermissionDenied) {
			t.Errorf("%s: %s is %q, want unknown with PermissionDenied", rep.Target.Name, check, rep.StatusOf(check))
		}
	}
}

// scanBoth runs `scan -n ns` live and offline over dump, and returns the finding IDs per
// object (Kind/name) of each.
func scanBoth(t *testing.T, ns, dump string) map[string]map[string][]diag.FindingID {
	t.Helper()
	out := map[string]map[string][]diag.FindingID{}
	for mode, r := range map[string]result{
		"live":    runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json"),
		"offline": runNetdoctor(t, "scan", "-n", ns, "-f", dump, "-o", "json"),
	} {
		if r.code != cmd.ExitOK && r.code != cmd.ExitFindings {
			t.Fatalf("%s scan: exit %d: %s", mode, r.code, r.errOut)
		}
		out[mode] = findingsByObject(scanReport(t, r))
	}
	return out
}

// TestScanEveryCheck: live and offline, scan raises what the targeted commands raise
// over the same objects: on every DNS scenario what `dns POD` says (under the pod's
// workload, or the pod), NetworkPolicyNotEnforced where nothing enforces the policies,
// ClusterDNSNotReady once, MultipleDefaultIngressClasses under the classes, and a
// Gateway's own problems under the Gateway, including a listener no route uses.
func TestScanEveryCheck(t *testing.T) {
	for _, sc := range scenarios.DNS {
		if sc.Pod == "" || slices.Contains(sc.Args, "--name") {
			continue
		}
		t.Run("dns/"+sc.Name(), func(t *testing.T) {
			files := []string{filepath.Join(testdataDir, sc.File)}
			if strings.HasPrefix(sc.File, "reach/") {
				files = append([]string{filepath.Join(reachData, "apps.yaml")}, files...)
			}
			ns, namespaces := applyRecipe(t, files...)
			targeted := runNetdoctor(t, "dns", sc.Pod, "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
			got := scanBoth(t, ns, dumpNamespaces(t, namespaces...))
			for mode, objs := range got {
				all := map[diag.FindingID]bool{}
				for _, ids := range objs {
					for _, id := range ids {
						all[id] = true
					}
				}
				for _, f := range targeted.report.Findings {
					if !all[f.ID] {
						t.Errorf("%s: dns %s raises %s, scan -n %s does not: %v", mode, sc.Pod, f.ID, ns, objs)
					}
				}
			}
		})
	}

	expect := func(t *testing.T, got map[string]map[string][]diag.FindingID, want map[string][]diag.FindingID) {
		t.Helper()
		for mode, objs := range got {
			for obj, ids := range want {
				if !slices.Equal(objs[obj], ids) {
					t.Errorf("%s: %s findings %v, want %v\n%v", mode, obj, objs[obj], ids, objs)
				}
			}
		}
	}
	t.Run("NetworkPolicyNotEnforced", func(t *testing.T) {
		withoutPolicyEnforcer(t)
		ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, "deny-all.yaml"))
		expect(t, scanBoth(t, ns, dumpNamespaces(t, namespaces...)), map[string][]diag.FindingID{"NetworkPolicy/*": {diag.NetworkPolicyNotEnforced}})
	})
	t.Run("NetworkPolicy enforced", func(t *testing.T) {
		ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, "deny-all.yaml"))
		for mode, objs := range scanBoth(t, ns, dumpNamespaces(t, namespaces...)) {
			if ids, ok := objs["NetworkPolicy/*"]; ok {
				t.Errorf("%s: Calico runs, yet NetworkPolicy/*: %v", mode, ids)
			}
		}
	})
	t.Run("ClusterDNSNotReady", func(t *testing.T) {
		withClusterDNSNotReady(t)
		ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"))
		expect(t, scanBoth(t, ns, dumpNamespaces(t, namespaces...)), map[string][]diag.FindingID{"Service/kube-dns": {diag.ClusterDNSNotReady}})
	})
	t.Run("MultipleDefaultIngressClasses", func(t *testing.T) {
		applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "ingress", "multiple-defaults.yaml"))
		got := scanBoth(t, applied.Namespace, dumpWithGatewayAPI(t, applied.Namespaces...))
		// Once, under the newest default; the Ingress that names no class does not repeat it.
		var classes []string
		for mode, objs := range got {
			for obj, ids := range objs {
				if slices.Contains(ids, diag.MultipleDefaultIngressClasses) {
					classes = append(classes, mode+":"+obj)
				}
			}
		}
		slices.Sort(classes)
		if len(classes) != 2 || !strings.HasPrefix(classes[0], "live:IngressClass/") || !strings.HasPrefix(classes[1], "offline:IngressClass/") {
			t.Errorf("MultipleDefaultIngressClasses on %v, want once per mode, on an IngressClass", classes)
		}
	})
	// The route attaches to a healthy listener and carries nothing of the Gateway's.
	// Live, the missing Secret of the unused listener is a finding of its own; the dump
	// holds no Secret of the namespace, so offline the certificates are not judged.
	for _, tt := range []struct {
		file          string
		live, offline []diag.FindingID
	}{
		{"gateway-other-listener-invalid.yaml", []diag.FindingID{diag.GatewayListenerTLSInvalid, diag.GatewayNotProgrammed}, []diag.FindingID{diag.GatewayNotProgrammed}},
		{"listener-tls-wrong-host.yaml", []diag.FindingID{diag.GatewayListenerTLSInvalid}, []diag.FindingID{diag.GatewayListenerTLSInvalid}},
		{"healthy.yaml", []diag.FindingID{}, []diag.FindingID{}},
	} {
		t.Run("gateway/"+tt.file, func(t *testing.T) {
			applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "gateway", tt.file))
			got := scanBoth(t, applied.Namespace, dumpWithGatewayAPI(t, applied.Namespaces...))
			for mode, want := range map[string][]diag.FindingID{"live": tt.live, "offline": tt.offline} {
				expect(t, map[string]map[string][]diag.FindingID{mode: got[mode]},
					map[string][]diag.FindingID{"Gateway/example-gateway": want, "HTTPRoute/foo-route": {}})
			}
		})
	}
}
