package integration

import (
	"encoding/json"
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
)

func scanReport(t *testing.T, r result) diag.ScanReport {
	t.Helper()
	var s diag.ScanReport
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("scan output is not JSON: %v\n%s\n%s", err, r.out, r.errOut)
	}
	return s
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
// whatever the number of Services, and filters as asked.
func TestScan(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	want := map[string][]diag.FindingID{
		"Service/frontend": {},
		"Service/checkout": {diag.NoReadyPods},
		"Service/ledger":   {diag.SelectorMatchesNoPods},
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
	if !strings.Contains(text.out, "8 objects checked, 2 errors") {
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
		if checkStatus(rep, check) != diag.StatusUnknown || !hasFinding(rep, diag.PermissionDenied) {
			t.Errorf("%s: %s is %q, want unknown with PermissionDenied", rep.Target.Name, check, checkStatus(rep, check))
		}
	}
}
