package reach

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDetectEnforcer(t *testing.T) {
	tests := []struct {
		name, image, want string
	}{
		{"calico-node", "docker.io/calico/node:v3.28.0", "Calico"},
		{"cilium", "quay.io/cilium/cilium:v1.16.0@sha256:abc", "Cilium"},
		{"kindnet", "docker.io/kindest/kindnetd:v20241108-5c6d2daf", "kindnet (kind v0.24+)"},
		{"kindnet", "docker.io/kindest/kindnetd:v20240813-c6f155d6", "kindnet (kind v0.24+)"},
		{"kindnet", "docker.io/kindest/kindnetd:v20230511-dc714da8", ""}, // kind < v0.24: no NetworkPolicy
		{"kube-flannel-ds", "docker.io/flannel/flannel:v0.25.1", ""},
	}
	for _, tt := range tests {
		got := DetectEnforcer(tt.name, []corev1.Container{{Name: "main", Image: tt.image}})
		if got != tt.want {
			t.Errorf("DetectEnforcer(%s, %s) = %q, want %q", tt.name, tt.image, got, tt.want)
		}
	}
}
