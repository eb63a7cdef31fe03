package finding_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
)

func TestNearMisses(t *testing.T) {
	t.Parallel()
	pod := func(name string, labels map[string]string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	tests := []struct {
		name     string
		selector map[string]string
		pods     []corev1.Pod
		want     []string
	}{
		{"typo in value", map[string]string{"app": "payment"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments"})}, []string{"payments-1 has app=payments"}},
		{"value under another key", map[string]string{"app": "payments"}, []corev1.Pod{pod("payments-1", map[string]string{"name": "payments"})}, []string{"payments-1 has name=payments but no app label"}},
		{"unrelated pod is no near miss for one label", map[string]string{"app": "payments"}, []corev1.Pod{pod("web-1", map[string]string{"tier": "web"})}, []string{}},
		{"two labels, one differs", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments", "tier": "api"})}, []string{"payments-1 has tier=api"}},
		{"two labels, one missing", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments"})}, []string{"payments-1 lacks label tier"}},
		{"two labels both differ", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("x", map[string]string{"app": "x", "tier": "y"})}, []string{}},
		{"replicas reported once, closest first", map[string]string{"app": "payment"}, []corev1.Pod{
			pod("paymentz-1", map[string]string{"app": "paymentz-service"}),
			pod("payments-1", map[string]string{"app": "payments"}),
			pod("payments-2", map[string]string{"app": "payments"}),
		}, []string{"payments-1 has app=payments", "paymentz-1 has app=paymentz-service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, m := range finding.NearMisses(tt.selector, tt.pods) {
				got = append(got, m.Describe())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("NearMisses = %q, want %q", got, tt.want)
			}
		})
	}
}
