package kube

import (
	"maps"
	"testing"
)

func TestWorkloadLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pod  map[string]string
		want map[string]string
	}{
		{"recommended name first", map[string]string{"app": "web", "app.kubernetes.io/name": "shop-web"}, map[string]string{"app.kubernetes.io/name": "shop-web"}},
		{"app before k8s-app", map[string]string{"k8s-app": "kube-dns", "app": "dns"}, map[string]string{"app": "dns"}},
		{"component last", map[string]string{"app.kubernetes.io/component": "db", "tier": "x"}, map[string]string{"app.kubernetes.io/component": "db"}},
		{"no identity: every stable label", map[string]string{"tier": "backend", "team": "pay", "pod-template-hash": "5d8f9", "controller-revision-hash": "abc"}, map[string]string{"tier": "backend", "team": "pay"}},
		{"only volatile labels", map[string]string{"statefulset.kubernetes.io/pod-name": "db-0", "apps.kubernetes.io/pod-index": "0", "job-name": "migrate"}, map[string]string{}},
		{"no labels", nil, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WorkloadLabels(tt.pod)
			if got == nil || !maps.Equal(got, tt.want) {
				t.Errorf("WorkloadLabels = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsVolatileLabelKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"pod-template-hash": true, "batch.kubernetes.io/job-completion-index": true, "controller-uid": true,
		"app": false, "app.kubernetes.io/name": false, "version": false,
	} {
		if got := IsVolatileLabelKey(key); got != want {
			t.Errorf("IsVolatileLabelKey(%q) = %v, want %v", key, got, want)
		}
	}
}
