package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

func TestExternalNameProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		valid bool
	}{
		{"db.example.com", true},
		{"db.example.com.", true},
		{"localhost", true},
		{"192.0.2.10", false},
		{"2001:db8::1", false},
		{"https://db.example.com", false},
		{"db.example.com:5432", false},
		{"db.example.com/path", false},
		{"DB.Example.com", false},
		{"under_score.example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := service.ExternalNameProblem(tt.name); (got == "") != tt.valid {
			t.Errorf("ExternalNameProblem(%q) = %q, want valid=%v", tt.name, got, tt.valid)
		}
	}
}

func TestEnvVarPrefix(t *testing.T) {
	t.Parallel()
	if got := service.EnvVarPrefix("payments-api"); got != "PAYMENTS_API_SERVICE_" {
		t.Errorf("EnvVarPrefix = %q", got)
	}
}

// TestReadinessWithTerminatingPods: pods in their grace period are what every rollout
// leaves behind and are no finding while others serve; pods stuck past it are, and a
// Service whose every pod is going away has no endpoint at all.
func TestReadinessWithTerminatingPods(t *testing.T) {
	t.Parallel()
	inGrace := metav1.NewTime(time.Now().Add(30 * time.Second))
	stuck := metav1.NewTime(time.Now().Add(-10 * time.Minute))
	pod := func(name string, ready bool, deletion *metav1.Time) runtime.Object {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"app": "cart"}, DeletionTimestamp: deletion},
			Spec:       corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{{ContainerPort: 7070}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1." + name[len(name)-1:],
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "cart", Namespace: "shop"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "cart"}, Ports: []corev1.ServicePort{{Port: 7070, TargetPort: intstr.FromInt32(7070)}}}}
	tests := []struct {
		name     string
		pods     []runtime.Object
		want     []diag.FindingID
		evidence string
	}{
		{"rollout: two serve, two shut down", []runtime.Object{pod("new-1", true, nil), pod("new-2", true, nil),
			pod("old-3", true, &inGrace), pod("old-4", true, &inGrace)}, nil, ""},
		{"one stuck terminating", []runtime.Object{pod("new-1", true, nil), pod("old-2", true, &stuck)},
			[]diag.FindingID{diag.SomePodsNotReady}, "stuck terminating"},
		{"all shutting down", []runtime.Object{pod("old-1", true, &inGrace), pod("old-2", true, &inGrace)},
			[]diag.FindingID{diag.NoReadyPods}, "terminating, grace period ends"},
		{"the new pod fails while the old one leaves", []runtime.Object{pod("new-1", false, nil), pod("old-2", true, &inGrace)},
			[]diag.FindingID{diag.NoReadyPods}, "old-2: terminating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := fixture.WithControllerSlices(append([]runtime.Object{svc.DeepCopy()}, tt.pods...))
			report, _, err := service.Diagnose(context.Background(), source.FromObjects(objs...), "shop", "cart")
			if err != nil {
				t.Fatal(err)
			}
			if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, scenarios.UniqueIDs(tt.want)) {
				t.Fatalf("findings = %v, want %v\nroot cause: %s", got, tt.want, report.RootCause)
			}
			if tt.evidence != "" && !slices.ContainsFunc(report.Findings[0].Evidence, func(e string) bool { return strings.Contains(e, tt.evidence) }) {
				t.Errorf("evidence %q does not mention %q", report.Findings[0].Evidence, tt.evidence)
			}
		})
	}
}
