package ingress

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// maxBackendPods bounds the pods evaluated per backend: replicas of one workload share
// labels and ports, so the verdict for the first few stands for the rest.
const maxBackendPods = 10

// checkController: the controller's proxy pods open the connections to the backend
// pods, on the pod port the Service's targetPort resolves to (NetworkPolicies see pod
// ports, never Service ports). If policies isolate the backend pods for ingress and
// none admits the controller's pods (usually: a namespaceSelector that does not match
// the controller's namespace), or isolate the controller for egress, every request
// through the Ingress times out or gets a 502/504 even though the backend is healthy.
func checkController(ctx context.Context, s *State) engine.Result {
	sel, who, res := s.controllerSelector(ctx)
	if sel == nil {
		return res
	}
	pods, err := findControllerPods(ctx, s.Source, sel)
	if err != nil {
		return engine.ReadError(err)
	}
	if len(pods) == 0 {
		return engine.Skip("no pods of %s match %s; point --controller-selector at the controller's pods", who, sel)
	}
	s.ControllerPods = pods
	ctrl := pods[0]

	targets := s.backendTargets()
	if len(targets) == 0 {
		return engine.Skip("no backend pods to reach")
	}
	namespaces := map[string]bool{ctrl.Namespace: true}
	for _, t := range targets {
		namespaces[t.pod.Namespace] = true
	}
	var policies []networkingv1.NetworkPolicy
	for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
		nps, err := source.List[networkingv1.NetworkPolicy](ctx, s.Source, ns, nil)
		if err != nil {
			return engine.ReadError(err)
		}
		policies = append(policies, nps...)
	}
	detail := fmt.Sprintf("%s pod %s/%s → %d backend pod(s)", who, ctrl.Namespace, ctrl.Name, len(targets))
	if len(policies) == 0 {
		return engine.Pass("%s: no NetworkPolicies in namespaces %s", detail, strings.Join(slices.Sorted(maps.Keys(namespaces)), ", "))
	}
	model, err := netpol.Compile(policies)
	if err != nil {
		return engine.Result{Status: diag.StatusUnknown, Detail: "NetworkPolicies do not compile: " + diag.FirstLine(err.Error())}
	}
	nsObjects, err := s.Source.Namespaces(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	nsByName := map[string]*corev1.Namespace{}
	for i := range nsObjects {
		nsByName[nsObjects[i].Name] = &nsObjects[i]
	}

	var findings []diag.Finding
	var details []string
	blocked := map[string]bool{}
	for _, t := range targets {
		if blocked[t.backend.Service] {
			continue
		}
		traffic := netpol.Traffic{
			Src:      netpol.Peer{Pod: &ctrl, Namespace: nsFor(nsByName, ctrl.Namespace)},
			Dst:      netpol.Peer{Pod: t.pod, Namespace: nsFor(nsByName, t.pod.Namespace)},
			Port:     t.port,
			Protocol: t.protocol,
		}
		verdict, err := model.Evaluate(traffic)
		if err != nil {
			details = append(details, fmt.Sprintf("%s: cannot evaluate: %v", t.pod.Name, err))
			continue
		}
		if verdict.Allowed {
			details = append(details, fmt.Sprintf("%s → %s:%d allowed", t.backend.Label(), t.pod.Name, t.port))
			continue
		}
		blocked[t.backend.Service] = true
		findings = append(findings, s.blockedFinding(who, &ctrl, t, traffic, verdict))
		details = append(details, fmt.Sprintf("%s → %s:%d denied", t.backend.Label(), t.pod.Name, t.port))
	}
	return engine.Found(detail, findings...).WithDetails(details...)
}

// controllerSelector decides how to find the controller's pods: --controller-selector,
// else the registry entry of the class's controller. With no selector it returns the
// result to report instead.
func (s *State) controllerSelector(ctx context.Context) (*ControllerSelector, string, engine.Result) {
	if sel := s.Options.ControllerSelector; sel != nil {
		return sel, "ingress controller", engine.Result{}
	}
	if s.Class == nil {
		return nil, "", engine.Skip("no IngressClass to tell which controller serves the Ingress (use --controller-selector)")
	}
	known, ok := lookupController(s.Class.Spec.Controller)
	if !ok {
		return nil, "", engine.Skip("controller %s is not one netdoctor knows (%s); use --controller-selector to name its pods",
			s.Class.Spec.Controller, strings.Join(KnownControllerNames(), ", "))
	}
	var firstErr error
	for _, text := range known.Selectors {
		selector, err := labels.Parse(text)
		if err != nil {
			continue
		}
		sel := &ControllerSelector{Selector: selector, Text: text}
		pods, err := findControllerPods(ctx, s.Source, sel)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if len(pods) > 0 {
			return sel, known.Name, engine.Result{}
		}
	}
	if firstErr != nil {
		return nil, "", engine.ReadError(firstErr)
	}
	return nil, "", engine.Skip("no %s pods found (looked for %s); use --controller-selector to name them",
		known.Name, strings.Join(known.Selectors, " or "))
}

// target is one backend pod and the pod port the controller connects to.
type target struct {
	backend  *Backend
	pod      *corev1.Pod
	port     int32
	protocol corev1.Protocol
}

// backendTargets resolves, for every backend with pods, the targetPort on each pod.
func (s *State) backendTargets() []target {
	var out []target
	for _, b := range s.Backends {
		if b.Diagnosis == nil || b.Diagnosis.State == nil || b.ServicePort == nil {
			continue
		}
		pods := b.Diagnosis.State.Ready
		if len(pods) == 0 {
			pods = b.Diagnosis.State.Pods
		}
		for i := range pods {
			if i == maxBackendPods {
				break
			}
			port, ok := kube.ResolveTargetPort(&pods[i], *b.ServicePort)
			if !ok {
				continue
			}
			out = append(out, target{backend: b, pod: &pods[i], port: port, protocol: b.ServicePort.Protocol})
		}
	}
	return out
}

func (s *State) blockedFinding(who string, ctrl *corev1.Pod, t target, traffic netpol.Traffic, v netpol.Verdict) diag.Finding {
	var evidence, causes []string
	var fix string
	for _, dv := range v.Blocking() {
		var names []string
		for _, pv := range dv.Policies {
			names = append(names, pv.Namespace+"/"+pv.Name)
			evidence = append(evidence, fmt.Sprintf("NetworkPolicy %s/%s: %s", pv.Namespace, pv.Name, pv.Reason))
			for _, r := range pv.Rules {
				if !r.Allows() {
					evidence = append(evidence, fmt.Sprintf("NetworkPolicy %s/%s %s rule %d: %s", pv.Namespace, pv.Name, strings.ToLower(string(dv.Direction)), r.Index+1, r.Reason))
				}
			}
		}
		if dv.Direction == netpol.Egress {
			causes = append(causes, fmt.Sprintf("NetworkPolicy %s isolates the controller's egress and allows none to it", strings.Join(names, ", ")))
		} else {
			causes = append(causes, fmt.Sprintf("NetworkPolicy %s isolates the backend pods and admits none from the controller", strings.Join(names, ", ")))
		}
		evidence = append([]string{dv.Reason}, evidence...)
		if fix == "" {
			if rule, err := netpol.SuggestRule(traffic, dv.Direction); err == nil {
				fix = fmt.Sprintf("add this %s rule to a NetworkPolicy selecting %s:\n%s", strings.ToLower(string(dv.Direction)), dv.Subject, strings.TrimRight(rule, "\n"))
			}
		}
	}
	if ctrl.Spec.HostNetwork {
		evidence = append(evidence, fmt.Sprintf("controller pod %s uses hostNetwork: policies see it as its node's IP, so only an ipBlock for the node addresses can admit it", ctrl.Name))
	}
	if fix == "" {
		fix = "allow ingress from the controller's namespace and pods on the backend's target port"
	}
	return diag.New(diag.IngressControllerBlocked, s.Ref(),
		"%s pod %s/%s cannot reach Service %s/%s's pod %s on port %d/%s: %s, so requests through Ingress %s/%s time out",
		who, ctrl.Namespace, ctrl.Name, s.Namespace, t.backend.Service, t.pod.Name, t.port, t.protocol, strings.Join(causes, "; "), s.Namespace, s.Name).
		WithEvidence(evidence...).
		WithFix("%s", fix).
		WithCommands(fmt.Sprintf("kubectl netdoctor reach %s/pod/%s %s/pod/%s --port %d", ctrl.Namespace, ctrl.Name, t.pod.Namespace, t.pod.Name, t.port),
			"kubectl get networkpolicies -n "+t.pod.Namespace)
}

func nsFor(byName map[string]*corev1.Namespace, name string) *corev1.Namespace {
	// A namespace that could not be found is left to the engine, which adds the
	// kubernetes.io/metadata.name label as the API server does.
	return byName[name]
}
