package kube

// identityLabelKeys name a workload, most specific convention first: a selector on
// one of them reads well and survives rollouts.
var identityLabelKeys = []string{"app.kubernetes.io/name", "app", "k8s-app", "name", "component", "app.kubernetes.io/component"}

// volatileLabelKeys are set by controllers and change with every rollout or differ per
// replica (template hashes, pod names and indexes, Job identities): a selector on them
// stops matching after the next deploy.
var volatileLabelKeys = map[string]bool{
	"pod-template-hash": true, "controller-revision-hash": true, "pod-template-generation": true,
	"statefulset.kubernetes.io/pod-name": true, "apps.kubernetes.io/pod-index": true,
	"controller-uid": true, "batch.kubernetes.io/controller-uid": true,
	"job-name": true, "batch.kubernetes.io/job-name": true, "batch.kubernetes.io/job-completion-index": true,
}

// IsVolatileLabelKey reports whether a controller rewrites the label key per rollout or
// per replica, so that no lasting selector should use it.
func IsVolatileLabelKey(key string) bool { return volatileLabelKeys[key] }

// WorkloadLabels returns the labels a stable selector for a pod's workload uses, given
// the pod's labels: its first identity label (app.kubernetes.io/name, app, k8s-app,
// name, component, app.kubernetes.io/component), else every label that is not
// volatile. The result is never nil; it is empty when no label is stable.
func WorkloadLabels(podLabels map[string]string) map[string]string {
	for _, k := range identityLabelKeys {
		if v, ok := podLabels[k]; ok {
			return map[string]string{k: v}
		}
	}
	out := map[string]string{}
	for k, v := range podLabels {
		if !IsVolatileLabelKey(k) {
			out[k] = v
		}
	}
	return out
}
