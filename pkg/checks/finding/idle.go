package finding

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// IdleWorkload is a workload whose pod template a selector matches but which runs no
// pod: the usual reason a selector that looks right matches nothing.
type IdleWorkload struct {
	kind, name string
	// replicas is what the workload asks for; 0 means scaled to zero.
	replicas int32
}

// resource is the workload as kubectl names it on the command line.
func (w IdleWorkload) resource() string { return strings.ToLower(w.kind) + "/" + w.name }

// Describe says what the workload runs instead of pods.
func (w IdleWorkload) Describe() string {
	if w.replicas == 0 {
		return fmt.Sprintf("%s %s is scaled to 0 replicas", w.kind, w.name)
	}
	return fmt.Sprintf("%s %s wants %d replica(s) but has no pod", w.kind, w.name, w.replicas)
}

// IdleWorkloads lists the Deployments, StatefulSets and standalone ReplicaSets of the
// namespace whose pod template the selector matches. Callers read them only once the
// selector matched no pod, so a healthy Service costs no extra request.
func IdleWorkloads(ctx context.Context, src source.Source, namespace string, selector labels.Selector) ([]IdleWorkload, error) {
	var idle []IdleWorkload
	add := func(kind string, meta metav1.ObjectMeta, template *corev1.PodTemplateSpec, replicas *int32) {
		if !selector.Matches(labels.Set(template.Labels)) {
			return
		}
		want := int32(1) // the API server's default when replicas is omitted
		if replicas != nil {
			want = *replicas
		}
		idle = append(idle, IdleWorkload{kind: kind, name: meta.Name, replicas: want})
	}
	deployments, err := source.List[appsv1.Deployment](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	for _, d := range deployments {
		add("Deployment", d.ObjectMeta, &d.Spec.Template, d.Spec.Replicas)
	}
	statefulSets, err := source.List[appsv1.StatefulSet](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	for _, sts := range statefulSets {
		add("StatefulSet", sts.ObjectMeta, &sts.Spec.Template, sts.Spec.Replicas)
	}
	replicaSets, err := source.List[appsv1.ReplicaSet](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	for _, rs := range replicaSets {
		if ref := metav1.GetControllerOfNoCopy(&rs); ref != nil && ref.Kind == "Deployment" {
			continue // its Deployment speaks for it
		}
		add("ReplicaSet", rs.ObjectMeta, &rs.Spec.Template, rs.Spec.Replicas)
	}
	return idle, nil
}

// idleFix is the fix and commands for the first idle workload.
func idleFix(w IdleWorkload, namespace string) (fix string, commands []string) {
	if w.replicas == 0 {
		return fmt.Sprintf("scale %s up; while it is at 0 replicas the Service has nothing to send traffic to", w.resource()),
			[]string{fmt.Sprintf("kubectl scale %s -n %s --replicas=1", w.resource(), namespace)}
	}
	return fmt.Sprintf("find out why %s creates no pods: its events and its ReplicaSet's events name the cause (ResourceQuota, LimitRange, an admission webhook, PodSecurity)", w.resource()),
		[]string{fmt.Sprintf("kubectl describe %s -n %s", w.resource(), namespace),
			fmt.Sprintf("kubectl get events -n %s --field-selector reason=FailedCreate", namespace)}
}

// ExplainIdle adds the idle workloads to a finding about pods that a selector does not
// find: the first one becomes part of the message and gives the fix.
func ExplainIdle(f diag.Finding, idle []IdleWorkload, namespace string) diag.Finding {
	for i, w := range idle {
		if i == 0 {
			f.Message += " (" + w.Describe() + ")"
			f.Fix, f.Commands = idleFix(w, namespace)
		}
		f = f.WithEvidence(fmt.Sprintf("the pod template of %s matches the selector; %s", w.resource(), w.Describe()))
	}
	return f
}
