package peer

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWorkloadOf(t *testing.T) {
	yes := true
	pod := func(name string, labels map[string]string, owner *metav1.OwnerReference) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: labels}}
		if owner != nil {
			p.OwnerReferences = []metav1.OwnerReference{*owner}
		}
		return p
	}
	ctrl := func(kind, name string) *metav1.OwnerReference {
		return &metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, Controller: &yes}
	}
	tests := []struct {
		pod  *corev1.Pod
		want Endpoint
	}{
		{pod("web-7c9d5-aaaaa", map[string]string{"pod-template-hash": "7c9d5"}, ctrl("ReplicaSet", "web-7c9d5")), Endpoint{Kind: KindDeployment, Namespace: "shop", Name: "web"}},
		// A ReplicaSet of its own (no hash label, or a name the hash does not end).
		{pod("legacy-abcde", nil, ctrl("ReplicaSet", "legacy")), Endpoint{Kind: KindReplicaSet, Namespace: "shop", Name: "legacy"}},
		{pod("odd-abcde", map[string]string{"pod-template-hash": "1234"}, ctrl("ReplicaSet", "odd")), Endpoint{Kind: KindReplicaSet, Namespace: "shop", Name: "odd"}},
		{pod("db-0", nil, ctrl("StatefulSet", "db")), Endpoint{Kind: KindStatefulSet, Namespace: "shop", Name: "db"}},
		{pod("agent-x1", nil, ctrl("DaemonSet", "agent")), Endpoint{Kind: KindDaemonSet, Namespace: "shop", Name: "agent"}},
		{pod("migrate-x1", nil, &metav1.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: "migrate", Controller: &yes}), Endpoint{Kind: KindJob, Namespace: "shop", Name: "migrate"}},
		// A pod built from a Deployment's template (-f input) names the Deployment.
		{pod("web-deployment-template", nil, ctrl("Deployment", "web")), Endpoint{Kind: KindDeployment, Namespace: "shop", Name: "web"}},
		{pod("debug", nil, nil), Endpoint{Kind: KindPod, Namespace: "shop", Name: "debug"}},
		// An owner that is no controller, or of another kind, leaves the pod alone.
		{pod("x", nil, &metav1.OwnerReference{Kind: "ReplicaSet", Name: "web-1"}), Endpoint{Kind: KindPod, Namespace: "shop", Name: "x"}},
		{pod("y", nil, ctrl("Node", "worker-a")), Endpoint{Kind: KindPod, Namespace: "shop", Name: "y"}},
	}
	for _, tt := range tests {
		if got := WorkloadOf(tt.pod); got != tt.want {
			t.Errorf("WorkloadOf(%s) = %v, want %v", tt.pod.Name, got, tt.want)
		}
	}
	groups := GroupByWorkload([]corev1.Pod{*tests[0].pod, *tests[7].pod, *tests[6].pod})
	if len(groups) != 2 || groups[0].Kind != KindDeployment || len(groups[0].Pods) != 2 || groups[1].Name != "debug" {
		t.Errorf("GroupByWorkload = %+v", groups)
	}
}
