package finding_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

func TestTargetPortNotFound(t *testing.T) {
	t.Parallel()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	words := finding.TargetPortWords{Pods: "pod(s)", SomeServe: "only the others serve it", NoneServe: "so the port has no backends"}
	tests := []struct {
		name          string
		missing, pods int
		severity      diag.Severity
		message       string
	}{
		{"none serves", 2, 2, diag.SeverityError, `Service shop/web port http 80 targets port name "http", which 2 of 2 pod(s) do not declare, so the port has no backends`},
		{"some serve", 1, 3, diag.SeverityWarning, `Service shop/web port http 80 targets port name "http", which 1 of 3 pod(s) do not declare; only the others serve it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := finding.TargetPortNotFound(svc, "http 80", "http", tt.missing, tt.pods, words)
			if f.ID != diag.TargetPortNotFound || f.Severity != tt.severity || f.Message != tt.message {
				t.Errorf("got %s %s %q, want %s %q", f.ID, f.Severity, f.Message, tt.severity, tt.message)
			}
			if want := (diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "web"}); f.Object != want {
				t.Errorf("object = %v, want %v", f.Object, want)
			}
		})
	}
}

func TestSelectorMatchesNoPods(t *testing.T) {
	t.Parallel()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "payments"}}
	f := finding.SelectorMatchesNoPods(svc, "app=payment", "pod", "that label")
	if want := "Service shop/payments selects app=payment, but no pod in shop has that label"; f.ID != diag.SelectorMatchesNoPods || f.Message != want || f.Severity != diag.SeverityError {
		t.Errorf("got %s %s %q, want error %q", f.ID, f.Severity, f.Message, want)
	}
}
