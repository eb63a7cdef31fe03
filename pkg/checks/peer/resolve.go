package peer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Resolved is an endpoint with the objects it stands for.
type Resolved struct {
	Endpoint
	// Pods are the endpoint's pods that can send or receive traffic: the pod itself, or
	// the non-terminal pods a workload's (or Service's) selector matches. Empty for IPs.
	Pods []corev1.Pod
	// Service is set when the endpoint is a Service.
	Service *corev1.Service
	// Selector renders how the pods were found ("app=checkout"), empty for a pod or IP;
	// LabelSelector is the same selector as an object (nil for a pod or IP).
	Selector      string
	LabelSelector *metav1.LabelSelector
}

// Describe is the endpoint with its pod count, for check details:
// "Deployment shop/checkout (2 pods)".
func (r Resolved) Describe() string {
	if r.Kind == KindIP || r.Kind == KindPod {
		return r.String()
	}
	return fmt.Sprintf("%s (%d pod%s)", r.String(), len(r.Pods), plural(len(r.Pods)))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// NotFoundError is an endpoint that does not exist, with the names the user most
// likely meant. It is input the tool cannot diagnose, not a read failure.
type NotFoundError struct {
	Endpoint Endpoint
	Similar  []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %q not found in namespace %s", strings.ToLower(string(e.Endpoint.Kind)), e.Endpoint.Name, e.Endpoint.Namespace)
	if len(e.Similar) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(e.Similar, ", "))
	}
	return msg
}

// NoPodsError is a workload or Service that currently has no pods to evaluate.
type NoPodsError struct {
	Endpoint Endpoint
	Selector string
	Reason   string
}

func (e *NoPodsError) Error() string {
	msg := fmt.Sprintf("%s has no running pods", e.Endpoint)
	if e.Selector != "" {
		msg += " (selector " + e.Selector + ")"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Resolve reads the objects e names. Errors are a *NotFoundError, a *NoPodsError or a
// *source.ReadError. A Service without pods is returned without error (Pods empty):
// that is a diagnosis, not bad input.
func Resolve(ctx context.Context, src source.Source, e Endpoint) (Resolved, error) {
	r := Resolved{Endpoint: e}
	switch e.Kind {
	case KindIP:
		return r, nil
	case KindPod:
		pod, err := getNamed[corev1.Pod](ctx, src, e, podNames)
		if err != nil {
			return r, err
		}
		r.Pods = []corev1.Pod{*pod}
		return r, nil
	case KindService:
		svc, err := getNamed[corev1.Service](ctx, src, e, serviceNames)
		if err != nil {
			return r, err
		}
		r.Service = svc
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			return r, &NoPodsError{Endpoint: e, Reason: fmt.Sprintf("it is type ExternalName, a DNS alias for %s outside the cluster; use TO ip:ADDRESS with its address", svc.Spec.ExternalName)}
		}
		if len(svc.Spec.Selector) == 0 {
			return r, &NoPodsError{Endpoint: e, Reason: "it has no selector, so its backends are whatever its EndpointSlices list; use TO ip:ADDRESS with a backend address"}
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		r.Selector = sel.String()
		r.LabelSelector = &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}
		pods, err := source.List[corev1.Pod](ctx, src, e.Namespace, sel)
		if err != nil {
			return r, err
		}
		r.Pods = running(pods)
		return r, nil
	}

	w, err := findWorkload(ctx, src, e)
	if err != nil {
		return r, err
	}
	if w == nil {
		return r, notFound(ctx, src, e, workloadNames)
	}
	ls, sel, err := workloadSelector(e, w)
	if err != nil {
		return r, &NoPodsError{Endpoint: e, Reason: "its selector is invalid: " + err.Error()}
	}
	r.Selector = sel.String()
	r.LabelSelector = ls
	pods, err := source.List[corev1.Pod](ctx, src, e.Namespace, sel)
	if err != nil {
		return r, err
	}
	r.Pods = running(pods)
	if len(r.Pods) == 0 {
		return r, &NoPodsError{Endpoint: e, Selector: r.Selector,
			Reason: fmt.Sprintf("scaled to zero, finished, or its pods are not created yet (kubectl get pods -n %s -l %s)", e.Namespace, r.Selector)}
	}
	return r, nil
}

// running drops pods that have finished: they send and receive nothing, and the
// EndpointSlice controller ignores them too.
func running(pods []corev1.Pod) []corev1.Pod {
	out := make([]corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if kube.PodFinished(&p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// findWorkload returns the workload's object (one of the apps/batch types), or nil when
// it does not exist. Source lists rather than gets workloads; the list is filtered here.
func findWorkload(ctx context.Context, src source.Source, e Endpoint) (metav1.Object, error) {
	if !e.IsWorkload() {
		return nil, fmt.Errorf("%s is not a workload kind", e.Kind)
	}
	items, err := source.ListMeta(ctx, src, string(e.Kind), e.Namespace, nil)
	if err != nil {
		return nil, err
	}
	for _, item := range items {
		if item.GetName() == e.Name {
			return item, nil
		}
	}
	return nil, nil
}

// workloadSelector is the selector the workload's controller uses to own pods. A Job
// manifest usually has none (the API server generates one); its pods then carry the
// job-name label the Job controller sets.
func workloadSelector(e Endpoint, obj metav1.Object) (*metav1.LabelSelector, labels.Selector, error) {
	var ls *metav1.LabelSelector
	switch w := obj.(type) {
	case *appsv1.Deployment:
		ls = w.Spec.Selector
	case *appsv1.StatefulSet:
		ls = w.Spec.Selector
	case *appsv1.DaemonSet:
		ls = w.Spec.Selector
	case *appsv1.ReplicaSet:
		ls = w.Spec.Selector
	case *batchv1.Job:
		ls = w.Spec.Selector
		if ls == nil || (len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0) {
			ls = &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.JobNameLabel: e.Name}}
		}
	}
	if ls == nil || (len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0) {
		return nil, nil, errors.New("spec.selector is empty")
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	return ls, sel, err
}

type lister func(ctx context.Context, src source.Source, e Endpoint) ([]string, error)

func podNames(ctx context.Context, src source.Source, e Endpoint) ([]string, error) {
	pods, err := source.List[corev1.Pod](ctx, src, e.Namespace, nil)
	names := make([]string, 0, len(pods))
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names, err
}

func serviceNames(ctx context.Context, src source.Source, e Endpoint) ([]string, error) {
	svcs, err := src.Services(ctx, e.Namespace, "")
	names := make([]string, 0, len(svcs))
	for _, s := range svcs {
		names = append(names, s.Name)
	}
	return names, err
}

func workloadNames(ctx context.Context, src source.Source, e Endpoint) ([]string, error) {
	if !e.IsWorkload() {
		return nil, nil
	}
	items, err := source.ListMeta(ctx, src, string(e.Kind), e.Namespace, nil)
	names := make([]string, 0, len(items))
	for _, item := range items {
		names = append(names, item.GetName())
	}
	return names, err
}

// notFound builds the NotFoundError with similar names; failing to list them only
// loses the hint.
// getNamed reads the object e names; a missing one is a *NotFoundError that lists the
// names close to it (list).
func getNamed[T any](ctx context.Context, src source.Source, e Endpoint, list lister) (*T, error) {
	obj, err := source.Get[T](ctx, src, e.Namespace, e.Name)
	if source.IsNotFound(err) {
		return nil, notFound(ctx, src, e, list)
	}
	return obj, err
}

func notFound(ctx context.Context, src source.Source, e Endpoint, list lister) error {
	nf := &NotFoundError{Endpoint: e}
	if names, err := list(ctx, src, e); err == nil {
		nf.Similar = kube.SimilarNames(e.Name, names)
		if len(nf.Similar) > 3 {
			nf.Similar = nf.Similar[:3]
		}
	}
	return nf
}
