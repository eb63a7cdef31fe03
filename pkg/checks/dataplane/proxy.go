package dataplane

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Proxy names of the Service proxies netdoctor recognises.
const (
	ProxyKubeProxy  = "kube-proxy"
	ProxyCilium     = "Cilium (kube-proxy replacement)"
	ProxyCalicoEBPF = "Calico eBPF (kube-proxy replacement)"
	ProxyKubeRouter = "kube-router (service proxy)"
)

// IsKubeProxy reports whether p is a kube-proxy pod: the kube-system DaemonSet as
// kubeadm, kind and GKE deploy it (k8s-app=kube-proxy), or the mirror pod of a static
// kube-proxy manifest (component=kube-proxy, or named kube-proxy-NODE).
func IsKubeProxy(p *corev1.Pod) bool {
	if p.Labels["k8s-app"] == "kube-proxy" || p.Labels["component"] == "kube-proxy" || daemonSetOf(p) == "kube-proxy" {
		return true
	}
	return p.Spec.NodeName != "" && p.Name == "kube-proxy-"+p.Spec.NodeName
}

// IsCiliumAgent reports whether p is a Cilium agent (GKE Dataplane V2's anetd included).
func IsCiliumAgent(p *corev1.Pod) bool {
	ds := daemonSetOf(p)
	return p.Labels["k8s-app"] == "cilium" || ds == "cilium" || ds == "anetd"
}

// ReplacesKubeProxy reports whether a kube-proxy-replacement setting of cilium-config
// makes Cilium the Service proxy: "true" (Cilium 1.14 and later) or "strict" (before).
// "partial", "probe", "false" and "disabled" leave Service translation to kube-proxy.
func ReplacesKubeProxy(setting string) bool {
	switch strings.ToLower(strings.TrimSpace(setting)) {
	case "true", "strict":
		return true
	}
	return false
}

// Proxy is the cluster's Service proxy as far as kube-system shows it.
type Proxy struct {
	// Name is one of the Proxy names above, or "" when none is visible.
	Name string
	// How says what identified it, for check details.
	How    string
	byNode map[string][]*corev1.Pod
}

// ProxyNotVisible is why a check of the Service proxy is skipped when Proxy finds none.
const ProxyNotVisible = "no kube-proxy pod or known replacement is visible in " + Namespace + " (managed clusters often run it out of sight): not checked"

// Visible reports whether a Service proxy was found at all.
func (p Proxy) Visible() bool { return p.Name != "" }

// Nodes is how many nodes run a proxy pod.
func (p Proxy) Nodes() int { return len(p.byNode) }

// Selector is the label selector that lists the proxy's pods.
func (p Proxy) Selector() string {
	switch p.Name {
	case ProxyCilium:
		return "k8s-app=cilium"
	case ProxyCalicoEBPF:
		return "k8s-app=calico-node"
	case ProxyKubeRouter:
		return "k8s-app=kube-router"
	}
	return "k8s-app=kube-proxy"
}

// IsCalicoEBPF reports whether p is a calico-node agent running Calico's eBPF data
// plane, which translates Services itself (FELIX_BPFENABLED, as the manifests and the
// operator set it on the calico-node container).
func IsCalicoEBPF(p *corev1.Pod) bool {
	if AgentOf(p) != "Calico" {
		return false
	}
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == "FELIX_BPFENABLED" && strings.EqualFold(e.Value, "true") {
				return true
			}
		}
	}
	return false
}

// IsKubeRouterProxy reports whether p is a kube-router agent that proxies Services:
// its --run-service-proxy flag, which is true unless set to false.
func IsKubeRouterProxy(p *corev1.Pod) bool {
	if AgentOf(p) != "kube-router" {
		return false
	}
	for _, c := range p.Spec.Containers {
		args := append(append([]string{}, c.Command...), c.Args...)
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--run-service-proxy="); ok {
				return v != "false"
			}
		}
	}
	return true
}

// Proxy finds the Service proxy: Cilium when cilium-config says it replaces kube-proxy
// (read only when Cilium agents run), else calico-node in eBPF mode, else kube-router
// running its service proxy, else kube-proxy when its pods are visible. A
// cluster that shows neither (managed clusters often run kube-proxy out of sight) has
// no visible proxy: that is not a problem to report, only a check netdoctor cannot make.
func (s *Snapshot) Proxy(ctx context.Context) (Proxy, error) {
	pods, err := s.SystemPods(ctx)
	if err != nil {
		return Proxy{}, err
	}
	if cilium := onNode(pods, IsCiliumAgent); len(cilium) > 0 {
		cm, err := s.ciliumConfig(ctx)
		if err != nil {
			return Proxy{}, err
		}
		if cm != nil && ReplacesKubeProxy(cm.Data[KubeProxyReplacement]) {
			return Proxy{Name: ProxyCilium, byNode: cilium,
				How: fmt.Sprintf("ConfigMap %s/%s has %s: %s", Namespace, CiliumConfigMap, KubeProxyReplacement, cm.Data[KubeProxyReplacement])}, nil
		}
	}
	if calico := onNode(pods, IsCalicoEBPF); len(calico) > 0 {
		return Proxy{Name: ProxyCalicoEBPF, byNode: calico, How: "calico-node pods in " + Namespace + " with FELIX_BPFENABLED=true"}, nil
	}
	if router := onNode(pods, IsKubeRouterProxy); len(router) > 0 {
		return Proxy{Name: ProxyKubeRouter, byNode: router, How: "kube-router pods in " + Namespace + " with --run-service-proxy"}, nil
	}
	if kp := onNode(pods, IsKubeProxy); len(kp) > 0 {
		return Proxy{Name: ProxyKubeProxy, byNode: kp, How: "kube-proxy pods in " + Namespace}, nil
	}
	return Proxy{}, nil
}

// NodeProxy is the proxy on one node.
type NodeProxy struct {
	Node string
	// Known is false when no proxy pod runs on the node (nothing to judge).
	Known bool
	Ready bool
	// Pod is a Ready proxy pod of the node, else the one that is not.
	Pod *corev1.Pod
}

// Evidence is the line for a finding: "node-b: kube-proxy-x7k2m container kube-proxy
// CrashLoopBackOff (restarts 12)".
func (n NodeProxy) Evidence() string {
	if !n.Known {
		return n.Node + ": no proxy pod seen"
	}
	return fmt.Sprintf("%s: %s/%s %s", n.Node, n.Pod.Namespace, n.Pod.Name, PodState(n.Pod))
}

// On returns the proxy of node.
func (p Proxy) On(node string) NodeProxy {
	pods := p.byNode[node]
	if len(pods) == 0 {
		return NodeProxy{Node: node}
	}
	pod, ready := anyReady(pods)
	return NodeProxy{Node: node, Known: true, Ready: ready, Pod: pod}
}

// anyPod is a proxy pod to read the proxy's settings from: a Ready one if any, on the
// first node by name.
func (p Proxy) anyPod() *corev1.Pod {
	var first *corev1.Pod
	for _, node := range slices.Sorted(maps.Keys(p.byNode)) {
		pod, ready := anyReady(p.byNode[node])
		if ready {
			return pod
		}
		if first == nil {
			first = pod
		}
	}
	return first
}

// NotReady lists the nodes whose proxy pods are all not Ready, by node name.
func (p Proxy) NotReady() []NodeProxy {
	var out []NodeProxy
	for _, node := range slices.Sorted(maps.Keys(p.byNode)) {
		if np := p.On(node); !np.Ready {
			out = append(out, np)
		}
	}
	return out
}

// ProxyFinding is KubeProxyNotReady about obj for the nodes in down, with message as
// given; the evidence, fix and commands are the same wherever it is raised.
func ProxyFinding(obj diag.ObjectRef, p Proxy, down []NodeProxy, format string, args ...any) diag.Finding {
	f := diag.New(diag.KubeProxyNotReady, obj, format, args...)
	var lines []string
	for _, np := range down {
		lines = append(lines, np.Evidence())
	}
	f = f.WithEvidence(diag.Limit(lines, 8, diag.MoreLines)...).WithEvidence("Service proxy: " + p.Name + " (" + p.How + ")")
	pod := down[0].Pod
	const keepOff = "; until then keep clients off those nodes (kubectl cordon, then drain)"
	switch p.Name {
	case ProxyCilium:
		f = f.WithFix("the Cilium agent on those nodes programs Service translation (kube-proxy replacement): find out why it is not Ready (logs, cilium status in the agent) and restore it" + keepOff)
	case ProxyCalicoEBPF:
		f = f.WithFix("calico-node on those nodes programs Service translation in its eBPF data plane: find out why it is not Ready (logs, its readiness probe, the node's BPF support) and restore it" + keepOff)
	case ProxyKubeRouter:
		f = f.WithFix("kube-router on those nodes programs the Service rules (IPVS): find out why it is not Ready (logs, the node's IPVS modules) and restore it" + keepOff)
	default:
		f = f.WithFix("kube-proxy on those nodes programs the ClusterIP and NodePort rules: find out why it is not Ready (logs, its ConfigMap, the node's iptables/ipvs/nftables support) and restore it" + keepOff)
	}
	return f.WithCommands(
		fmt.Sprintf("kubectl get pods -n %s -l %s -o wide", Namespace, p.Selector()),
		fmt.Sprintf("kubectl logs -n %s %s --previous", pod.Namespace, pod.Name),
		fmt.Sprintf("kubectl describe pod -n %s %s", pod.Namespace, pod.Name))
}
