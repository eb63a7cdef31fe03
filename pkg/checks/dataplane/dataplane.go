// Package dataplane is what the API shows of the data plane: the node's Service proxy
// (kube-proxy, or a network plugin that replaces it) and the pod network (node
// conditions and the network plugin's agent pods). svc, reach and scan share it.
//
// Everything here is read from kube-system and the Nodes, and everything is a
// heuristic about pods the API happens to show: many managed clusters run kube-proxy
// and the network agent out of sight. So a proxy or agent that is not visible is never
// called not Ready: only a pod that exists on the node and reports not Ready is.
package dataplane

import (
	"context"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Namespace is where kube-proxy and the network agents run.
const Namespace = metav1.NamespaceSystem

// CiliumConfigMap holds Cilium's settings; its kube-proxy-replacement key says whether
// Cilium replaces kube-proxy.
const (
	CiliumConfigMap      = "cilium-config"
	KubeProxyReplacement = "kube-proxy-replacement"
)

// Snapshot reads the Nodes, the kube-system pods and Cilium's settings at most once
// each, whichever check of a diagnosis asks first.
type Snapshot struct {
	src source.Source

	nodesOnce sync.Once
	nodes     []corev1.Node
	nodesErr  error

	podsOnce sync.Once
	pods     []corev1.Pod
	podsErr  error

	ciliumOnce sync.Once
	cilium     *corev1.ConfigMap
	ciliumErr  error
}

// New returns an empty snapshot of src.
func New(src source.Source) *Snapshot { return &Snapshot{src: src} }

// Nodes lists the Nodes once. Offline input without Nodes lists none.
func (s *Snapshot) Nodes(ctx context.Context) ([]corev1.Node, error) {
	s.nodesOnce.Do(func() {
		if !s.src.Has(source.KindNode) {
			return
		}
		s.nodes, s.nodesErr = source.List[corev1.Node](ctx, s.src, source.AllNamespaces, nil)
	})
	return s.nodes, s.nodesErr
}

// SystemPods lists the pods of kube-system once.
func (s *Snapshot) SystemPods(ctx context.Context) ([]corev1.Pod, error) {
	s.podsOnce.Do(func() {
		if !s.src.Has(source.KindPod) {
			return
		}
		s.pods, s.podsErr = source.List[corev1.Pod](ctx, s.src, Namespace, nil)
	})
	return s.pods, s.podsErr
}

// ciliumConfig reads cilium-config once; nil without error when it does not exist.
func (s *Snapshot) ciliumConfig(ctx context.Context) (*corev1.ConfigMap, error) {
	s.ciliumOnce.Do(func() {
		if !s.src.Has(source.KindConfigMap) {
			return
		}
		cm, err := source.Get[corev1.ConfigMap](ctx, s.src, Namespace, CiliumConfigMap)
		switch {
		case source.IsNotFound(err):
		case err != nil:
			s.ciliumErr = err
		default:
			s.cilium = cm
		}
	})
	return s.cilium, s.ciliumErr
}

// PodState says why a pod is not Ready, for evidence: "CrashLoopBackOff (restarts 7)",
// "Pending", "Running, Ready False".
func PodState(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			return fmt.Sprintf("container %s %s (restarts %d)", cs.Name, cs.State.Waiting.Reason, cs.RestartCount)
		case cs.State.Terminated != nil:
			return fmt.Sprintf("container %s terminated (%s, exit %d)", cs.Name, cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
		case !cs.Ready:
			return fmt.Sprintf("container %s running but not ready", cs.Name)
		}
	}
	phase := string(p.Status.Phase)
	if phase == "" {
		phase = "no status"
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue {
			s := phase + ", Ready " + string(c.Status)
			if c.Reason != "" {
				s += " (" + c.Reason + ")"
			}
			return s
		}
	}
	return phase
}

// daemonSetOf is the DaemonSet that controls p, "" if none.
func daemonSetOf(p *corev1.Pod) string {
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == "DaemonSet" {
		return ref.Name
	}
	return ""
}

// onNode groups the pods that run on a node (synthetic pods from -f templates run on
// none) by node name.
func onNode(pods []corev1.Pod, match func(*corev1.Pod) bool) map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName == "" || source.IsSynthetic(p) || !match(p) {
			continue
		}
		out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
	}
	return out
}

// anyReady returns the first Ready pod, else the first one (the one to show).
func anyReady(pods []*corev1.Pod) (*corev1.Pod, bool) {
	for _, p := range pods {
		if kube.PodReceivesTraffic(p) {
			return p, true
		}
	}
	return pods[0], false
}

// ProxyPerNode marks a scan that reports KubeProxyNotReady once per node (the data
// plane group), so that the Service diagnoses under it do not repeat it for every
// Service.
var ProxyPerNode = engine.NewScanMark("kube-proxy judged once per node")

// PolicyPlugins says which network plugins with policy kinds of their own (Cilium,
// Calico) the cluster shows signs of: their agent pods in kube-system, or what they
// write on the Nodes (annotations, the reason of NetworkUnavailable). known is false
// when neither the Nodes nor the kube-system pods could be read.
func (s *Snapshot) PolicyPlugins(ctx context.Context) (cilium, calico, known bool) {
	nodes, nodesErr := s.Nodes(ctx)
	pods, podsErr := s.SystemPods(ctx)
	known = nodesErr == nil || podsErr == nil
	for i := range pods {
		switch AgentOf(&pods[i]) {
		case "Cilium":
			cilium = true
		case "Calico", "Canal":
			calico = true
		}
	}
	for i := range nodes {
		n := &nodes[i]
		for k := range n.Annotations {
			switch {
			case strings.HasPrefix(k, "network.cilium.io/"), strings.HasPrefix(k, "io.cilium.network."):
				cilium = true
			case strings.HasPrefix(k, "projectcalico.org/"):
				calico = true
			}
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeNetworkUnavailable {
				switch c.Reason {
				case "CiliumIsUp":
					cilium = true
				case "CalicoIsUp":
					calico = true
				}
			}
		}
	}
	return cilium, calico, known
}
