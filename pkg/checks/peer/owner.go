package peer

import (
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkloadOf is the workload whose pod template pod comes from, read off the pod alone:
// its controller (StatefulSet, DaemonSet, Job, ReplicaSet) and, for a ReplicaSet that a
// Deployment made, the Deployment. The Deployment controller names its ReplicaSets
// NAME-HASH and labels their pods pod-template-hash=HASH, so no ReplicaSet needs to be
// read. A pod without a controller of these kinds stands for itself (KindPod).
func WorkloadOf(pod *corev1.Pod) Endpoint {
	e := Endpoint{Kind: KindPod, Namespace: pod.Namespace, Name: pod.Name}
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil {
		return e
	}
	switch Kind(ref.Kind) {
	case KindStatefulSet, KindDaemonSet, KindJob, KindDeployment:
		// Deployment: a pod built from a Deployment's template (-f input) names it directly.
		e.Kind, e.Name = Kind(ref.Kind), ref.Name
	case KindReplicaSet:
		e.Kind, e.Name = KindReplicaSet, ref.Name
		if hash := pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; hash != "" && strings.HasSuffix(ref.Name, "-"+hash) {
			e.Kind, e.Name = KindDeployment, strings.TrimSuffix(ref.Name, "-"+hash)
		}
	}
	return e
}

// GroupByWorkload groups pods by WorkloadOf, sorted by namespace, kind and name; the
// pods of each group keep their order.
func GroupByWorkload(pods []corev1.Pod) []Resolved {
	index := map[Endpoint]int{}
	var out []Resolved
	for i := range pods {
		e := WorkloadOf(&pods[i])
		j, ok := index[e]
		if !ok {
			j = len(out)
			index[e] = j
			out = append(out, Resolved{Endpoint: e})
		}
		out[j].Pods = append(out[j].Pods, pods[i])
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Endpoint, out[j].Endpoint
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	return out
}
