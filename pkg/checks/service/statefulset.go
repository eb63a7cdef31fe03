package service

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkStatefulSets: per-pod DNS names (web-0.web.shop.svc...) exist only for the
// headless Service a StatefulSet names in spec.serviceName. A StatefulSet behind this
// Service that names no Service, a missing one, or one with a ClusterIP has no stable
// per-pod names, which is what clients of StatefulSets usually rely on.
func checkStatefulSets(ctx context.Context, s *State) engine.Result {
	if len(s.Service.Spec.Selector) == 0 {
		return engine.Skip("no selector")
	}
	if !s.Source.Has(source.KindStatefulSet) {
		return engine.Skip("the input holds no StatefulSets")
	}
	if len(s.Pods) > 0 && !anyStatefulSetPod(s.Pods) {
		// A StatefulSet behind the Service runs pods that say so; when the selected pods
		// all belong to something else, listing the namespace's StatefulSets is a request
		// spent on nothing (svc keeps to its request budget).
		return engine.Pass("no StatefulSet behind this Service")
	}
	all, ok := statefulSetsOfPods(s.Pods)
	if !ok {
		var err error
		if all, err = s.namespaceStatefulSets(ctx); err != nil {
			return engine.ReadError(err)
		}
	}
	selector := labels.SelectorFromSet(s.Service.Spec.Selector)
	var findings []diag.Finding
	for _, sts := range all {
		if !selector.Matches(labels.Set(sts.Spec.Template.Labels)) {
			continue
		}
		s.StatefulSets = append(s.StatefulSets, sts)
		problem, err := s.governingServiceProblem(ctx, &sts)
		if err != nil {
			return engine.ReadError(err)
		}
		if problem == "" {
			continue
		}
		findings = append(findings, diag.New(diag.StatefulSetServiceNameMismatch, s.Ref(),
			"StatefulSet %s/%s %s, so its per-pod DNS names (%s-0.<service>.%s.svc) do not exist", sts.Namespace, sts.Name, problem, sts.Name, sts.Namespace).
			WithFix("create a headless Service (clusterIP: None) selecting the StatefulSet's pods and name it in spec.serviceName (the field is immutable: recreate the StatefulSet with --cascade=orphan to change it)").
			WithCommands(fmt.Sprintf("kubectl get statefulset %s -n %s -o jsonpath='{.spec.serviceName}'", sts.Name, sts.Namespace)))
	}
	if len(s.StatefulSets) == 0 {
		return engine.Pass("no StatefulSet behind this Service")
	}
	return engine.Found(fmt.Sprintf("%d StatefulSet(s) behind this Service", len(s.StatefulSets)), findings...)
}

// governingServiceProblem says what is wrong with the StatefulSet's serviceName, or "".
func (s *State) governingServiceProblem(ctx context.Context, sts *appsv1.StatefulSet) (string, error) {
	name := sts.Spec.ServiceName
	if name == "" {
		return "has no spec.serviceName", nil
	}
	governing := s.Service
	if name != s.Name {
		svc, err := source.Get[corev1.Service](ctx, s.Source, sts.Namespace, name)
		if source.IsNotFound(err) {
			if !s.Source.Has(source.KindService) {
				return "", nil
			}
			return fmt.Sprintf("names Service %q in spec.serviceName, which does not exist", name), nil
		}
		if err != nil {
			return "", err
		}
		governing = svc
	}
	if governing.Spec.ClusterIP != corev1.ClusterIPNone {
		return fmt.Sprintf("names Service %q in spec.serviceName, which is not headless (clusterIP %s)", name, orDefault(governing.Spec.ClusterIP, "allocated")), nil
	}
	return "", nil
}

// statefulSetsOfPods works out the StatefulSets behind pods from the pods alone: the
// StatefulSet controller makes each pod's spec.subdomain its spec.serviceName and owns
// the pod. Those are the only fields the check and the DNS notes read, so the common
// case costs no request. ok is false when there is no pod, or some pod does not say (a
// subdomain left empty, no owner): the StatefulSets must then be read.
func statefulSetsOfPods(pods []corev1.Pod) (sets []appsv1.StatefulSet, ok bool) {
	if len(pods) == 0 {
		return nil, false // a StatefulSet scaled to 0 says nothing through pods
	}
	seen := map[string]bool{}
	for i := range pods {
		p := &pods[i]
		name, isMember := statefulSetOf(p)
		if !isMember {
			continue
		}
		if name == "" || p.Spec.Subdomain == "" {
			return nil, false
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		sts := appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: p.Namespace}}
		sts.Spec.ServiceName = p.Spec.Subdomain
		sts.Spec.Template.Labels = p.Labels
		sets = append(sets, sts)
	}
	return sets, true
}

// statefulSetOf names the StatefulSet a pod belongs to: its controller, or else the
// name the controller gives its pods (NAME-ORDINAL, the ordinal in the pod-index label).
// name is "" for a member whose StatefulSet cannot be told.
func statefulSetOf(p *corev1.Pod) (name string, member bool) {
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		if ref.Kind != "StatefulSet" {
			return "", false
		}
		return ref.Name, true
	}
	if _, ok := p.Labels[appsv1.StatefulSetPodNameLabel]; !ok {
		return "", false
	}
	if index, ok := p.Labels[appsv1.PodIndexLabel]; ok {
		if name, found := strings.CutSuffix(p.Name, "-"+index); found && name != "" {
			return name, true
		}
	}
	return "", true
}

// anyStatefulSetPod reports whether some pod is a StatefulSet's: controlled by one, or
// labelled by the StatefulSet controller.
func anyStatefulSetPod(pods []corev1.Pod) bool {
	for i := range pods {
		p := &pods[i]
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == "StatefulSet" {
			return true
		}
		if _, ok := p.Labels[appsv1.StatefulSetPodNameLabel]; ok {
			return true
		}
		if _, ok := p.Labels[appsv1.PodIndexLabel]; ok {
			return true
		}
	}
	return false
}
