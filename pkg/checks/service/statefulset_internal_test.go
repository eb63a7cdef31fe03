package service

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStatefulSetsOfPods(t *testing.T) {
	t.Parallel()
	yes := true
	owned := func(name, owner, subdomain string) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop",
			Labels: map[string]string{"app": "db", appsv1.StatefulSetPodNameLabel: name}}}
		if owner != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: "StatefulSet", Name: owner, Controller: &yes}}
		}
		p.Spec.Subdomain = subdomain
		return p
	}
	labelled := func(name, index, subdomain string) corev1.Pod {
		p := owned(name, "", subdomain)
		if index != "" {
			p.Labels[appsv1.PodIndexLabel] = index
		}
		return p
	}
	deployment := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop",
		OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-7c9", Controller: &yes}}}}
	tests := []struct {
		name string
		pods []corev1.Pod
		want map[string]string // StatefulSet name → serviceName
		ok   bool
	}{
		{"no pods: a StatefulSet at 0 replicas is only in the list", nil, nil, false},
		{"the controller's pods", []corev1.Pod{owned("db-0", "db", "db-headless"), owned("db-1", "db", "db-headless")}, map[string]string{"db": "db-headless"}, true},
		{"hand-written pods named as the controller names them", []corev1.Pod{labelled("orders-db-0", "0", "orders")}, map[string]string{"orders-db": "orders"}, true},
		{"no subdomain: spec.serviceName unknown", []corev1.Pod{owned("db-0", "db", "")}, nil, false},
		{"labelled without an ordinal: the StatefulSet unknown", []corev1.Pod{labelled("db-0", "", "db")}, nil, false},
		{"no StatefulSet pod at all", []corev1.Pod{deployment}, map[string]string{}, true},
		{"mixed", []corev1.Pod{deployment, owned("db-0", "db", "db")}, map[string]string{"db": "db"}, true},
	}
	for _, tt := range tests {
		sets, ok := statefulSetsOfPods(tt.pods)
		if ok != tt.ok {
			t.Errorf("%s: ok = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		got := map[string]string{}
		for _, s := range sets {
			got[s.Name] = s.Spec.ServiceName
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		for name, svc := range tt.want {
			if got[name] != svc {
				t.Errorf("%s: %s serviceName %q, want %q", tt.name, name, got[name], svc)
			}
		}
	}
}
