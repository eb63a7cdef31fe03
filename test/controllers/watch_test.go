package controllers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// The on-call loop: a --watch started on a broken target, the fix applied to the live
// cluster while it runs, and the controllers' reaction ending the watch. The steps are
// those of a runbook:
//
//	kubectl netdoctor svc orders-db -n shop --watch --until healthy --timeout 5m && echo fixed

// startWatch starts a watch and waits until it has printed its first diagnosis and
// opened its watches.
func startWatch(t *testing.T, ns string, args ...string) *harness.Running {
	t.Helper()
	args = append(args, "-n", ns, "--kubeconfig", adminKubeconfig, "--watch", "--color", "never")
	w := harness.Start(args...)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(w.ErrOut(), "watching") {
		if res, done := w.Wait(50 * time.Millisecond); done {
			t.Fatalf("%v ended before watching: exit %d\n%s\n%s", args, res.Code, res.Out, res.ErrOut)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not start watching:\n%s\n%s", args, w.Out(), w.ErrOut())
		}
	}
	return w
}

// waitEnd waits for a watch to end by itself and checks its exit code.
func waitEnd(t *testing.T, w *harness.Running, timeout time.Duration, code int) harness.Result {
	t.Helper()
	res, done := w.Wait(timeout)
	if !done {
		t.Fatalf("the watch did not end within %s:\n%s\n%s", timeout, w.Out(), w.ErrOut())
	}
	if res.Code != code {
		t.Fatalf("exit %d, want %d:\n%s\n%s", res.Code, code, res.Out, res.ErrOut)
	}
	return res
}

// jsonLines decodes the reports of a -o json watch, one per line.
func jsonLines(t *testing.T, out string) []diag.Report {
	t.Helper()
	var reports []diag.Report
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var r diag.Report
		dec := json.NewDecoder(bytes.NewReader([]byte(line)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d is not one JSON report: %v\n%s", i+1, err, line)
		}
		if r.Kind != diag.KindReport || r.APIVersion != diag.APIVersion {
			t.Fatalf("line %d: kind %q apiVersion %q", i+1, r.Kind, r.APIVersion)
		}
		reports = append(reports, r)
	}
	return reports
}

func hasFinding(r diag.Report, id diag.FindingID) bool {
	for _, f := range r.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

// expectFixedStream checks a -o json watch: the first report has the error, the last
// none, and no report repeats the one before it.
func expectFixedStream(t *testing.T, out string, broken diag.FindingID) {
	t.Helper()
	reports := jsonLines(t, out)
	if len(reports) < 2 {
		t.Fatalf("want the broken and the fixed report, got %d line(s):\n%s", len(reports), out)
	}
	if first := reports[0]; !hasFinding(first, broken) || !first.HasErrors() {
		t.Errorf("first report: want %s, got %v", broken, first.IDs())
	}
	if last := reports[len(reports)-1]; last.HasErrors() {
		t.Errorf("last report still has errors: %v (%s)", last.IDs(), last.RootCause)
	}
	for i := 1; i < len(reports); i++ {
		if len(diag.Changes(reports[i-1], reports[i])) == 0 && reports[i-1].RootCause == reports[i].RootCause {
			t.Errorf("report %d says nothing report %d did not", i+1, i)
		}
	}
}

// TestWatchSelectorCorrected: a selector typo, fixed while the watch runs. The
// EndpointSlice controller then fills the slices, and the watch ends healthy.
func TestWatchSelectorCorrected(t *testing.T) {
	ns := deploy(t, shopManifests)
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })

	once, err := harness.Run("svc", "orders-db", "-n", ns, "--kubeconfig", adminKubeconfig, "--stats", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, ns, "svc", "orders-db", "--until", "healthy", "--timeout", "90s", "-o", "json", "--stats")
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders-db"} })
	res := waitEnd(t, w, 60*time.Second, cmd.ExitOK)
	expectFixedStream(t, res.Out, diag.SelectorMatchesNoPods)
	// The feeds read objects through the dynamic client; the diagnosis must not notice.
	if first := jsonLines(t, res.Out)[0]; !reflect.DeepEqual(first, once.Report) {
		t.Errorf("the watch's first report differs from a plain run's:\nwatch: %+v\nplain: %+v", first, once.Report)
	}

	// The re-diagnoses read from the feeds, not from the API server: a second watch that
	// sees five more changes before the same fix (each one re-diagnosed, none changing
	// a finding) makes no more requests than the first.
	t.Logf("one diagnosis: %s; the watch: %s", statsLine(once.ErrOut), statsLine(res.ErrOut))
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })
	busy := startWatch(t, ns, "svc", "orders-db", "--until", "healthy", "--timeout", "90s", "-o", "json", "--stats")
	for i := range 5 {
		change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) {
			s.Annotations = map[string]string{"touched": fmt.Sprint(i)}
		})
		time.Sleep(quietPeriod) // past the debounce: each change is diagnosed on its own
	}
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders-db"} })
	busyRes := waitEnd(t, busy, 60*time.Second, cmd.ExitOK)
	t.Logf("with five more changes: %s", statsLine(busyRes.ErrOut))
	// A watch may reconnect once in a while (its server-side timeout); allow one.
	if quiet, busy := requests(t, res.ErrOut), requests(t, busyRes.ErrOut); busy > quiet+1 {
		t.Errorf("five more changes cost %d more requests (%d vs %d): re-diagnoses must not read again", busy-quiet, busy, quiet)
	}
}

// quietPeriod is a little more than the watch's debounce.
const quietPeriod = 600 * time.Millisecond

func statsLine(errOut string) string {
	for _, line := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(line, "stats: ") {
			return line
		}
	}
	return ""
}

// requests reads the request count off the --stats line.
func requests(t *testing.T, errOut string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(statsLine(errOut), "stats: %d API requests", &n); err != nil {
		t.Fatalf("no --stats line in %q: %v", errOut, err)
	}
	return n
}

// TestWatchPodsBecomeReady: every pod crashes; the Deployment is rolled back to a
// working template, the new pods become Ready. The text output shows the change as
// timestamped lines.
func TestWatchPodsBecomeReady(t *testing.T) {
	ns := deploy(t, shopManifests)
	change(t, ns, "redis-cart", &appsv1.Deployment{}, func(d *appsv1.Deployment) {
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
		d.Spec.Template.Annotations = map[string]string{containerStateAnnotation: "crashloop"}
	})

	w := startWatch(t, ns, "svc", "redis-cart", "--until", "healthy", "--timeout", "2m")
	if !strings.Contains(w.Out(), "✖ NoReadyPods") {
		t.Fatalf("first diagnosis should be NoReadyPods:\n%s", w.Out())
	}
	change(t, ns, "redis-cart", &appsv1.Deployment{}, func(d *appsv1.Deployment) { d.Spec.Template.Annotations = nil })
	res := waitEnd(t, w, 90*time.Second, cmd.ExitOK)
	t.Logf("the watch printed:\n%s", res.Out)

	updates := res.Out[strings.LastIndex(res.Out, "1 error, "):]
	for _, want := range []string{"✔ resolved  NoReadyPods  Service " + ns + "/redis-cart", "No problems found: traffic to Service " + ns + "/redis-cart should arrive."} {
		if !strings.Contains(updates, want) {
			t.Errorf("the updates lack %q:\n%s", want, updates)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(updates), "\n")[1:] {
		if line == "" {
			continue
		}
		if _, err := time.Parse("15:04:05", strings.Fields(line)[0]); err != nil {
			t.Errorf("update line without a timestamp: %q", line)
		}
	}
	expectREADMEWatch(t, strings.ReplaceAll(res.Out, ns, "shop"))
}

// expectREADMEWatch keeps the README's watch example honest: its update lines are those
// this run printed, timestamps aside.
func expectREADMEWatch(t *testing.T, out string) {
	t.Helper()
	example, err := harness.READMEBlock(repoRoot, "namespace renamed):\n\n```text\n")
	if err != nil {
		t.Fatal(err)
	}
	stamp := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d  `)
	updates := func(s string) string {
		return stamp.ReplaceAllString(s[strings.LastIndex(s, "1 error, "):], "HH:MM:SS  ")
	}
	if updates(example) != updates(out) {
		t.Errorf("README watch example is stale; this run printed:\n%s", out)
	}
	if !strings.HasPrefix(example, "Service shop/redis-cart\n") {
		t.Errorf("README watch example does not start with the report's title:\n%s", example)
	}
}

// TestWatchPolicyAdded: reach is denied by the shop's policies until a policy that
// allows the frontend is added.
func TestWatchPolicyAdded(t *testing.T) {
	ns := deploy(t, shopManifests)
	applyFile(t, ns, filepath.Join(repoRoot, "test", "testdata", "controllers", "shop-policies.yaml"))

	w := startWatch(t, ns, "reach", "deploy/frontend", "svc/redis-cart", "--until", "healthy", "--timeout", "90s", "-o", "json")
	allow := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "redis-cart-from-frontend", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "redis-cart"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "frontend"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: ptrTo(intstr.FromInt32(6379))}},
			}},
		},
	}
	if err := k8sClient.Create(t.Context(), allow); err != nil {
		t.Fatal(err)
	}
	res := waitEnd(t, w, 60*time.Second, cmd.ExitOK)
	expectFixedStream(t, res.Out, diag.IngressDenied)
	reports := jsonLines(t, res.Out)
	if last := reports[len(reports)-1]; last.Reach == nil || !last.Reach.Allowed {
		t.Errorf("last verdict should be allowed: %+v", last.Reach)
	}
}

// TestWatchTimeout: nothing is fixed; --timeout ends the watch with exit 1.
func TestWatchTimeout(t *testing.T) {
	ns := deploy(t, shopManifests)
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })

	start := time.Now()
	w := startWatch(t, ns, "svc", "orders-db", "--until", "healthy", "--timeout", "3s")
	res := waitEnd(t, w, 30*time.Second, cmd.ExitFindings)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("a 3s watch took %s", took)
	}
	if !strings.Contains(res.ErrOut, "--timeout 3s reached: still not healthy") {
		t.Errorf("stderr should say why it ended:\n%s", res.ErrOut)
	}
}

// TestWatchInterrupted: Ctrl-C ends the watch at once, with the exit code of the last
// diagnosis (here: still broken).
func TestWatchInterrupted(t *testing.T) {
	ns := deploy(t, shopManifests)
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })

	w := startWatch(t, ns, "svc", "orders-db")
	// The watch has caught SIGINT since before it printed "watching".
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitEnd(t, w, 5*time.Second, cmd.ExitFindings)
}

// TestWatchSurvivesAPIServerRestart: the API server restarts while the watch runs (its
// watch cache is gone, so the watches resume or relist); the fix applied afterwards
// still ends the watch.
func TestWatchSurvivesAPIServerRestart(t *testing.T) {
	ns := deploy(t, shopManifests)
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders"} })

	w := startWatch(t, ns, "svc", "orders-db", "--until", "healthy", "--timeout", "3m", "-o", "json")
	restartAPIServer(t)
	change(t, ns, "orders-db", &corev1.Service{}, func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "orders-db"} })
	res := waitEnd(t, w, 90*time.Second, cmd.ExitOK)
	t.Logf("stderr of the watch:\n%s", res.ErrOut)
	expectFixedStream(t, res.Out, diag.SelectorMatchesNoPods)
}

func ptrTo[T any](v T) *T { return &v }
