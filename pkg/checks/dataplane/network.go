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

// Agent is a network plugin's per-node agent (its DaemonSet in kube-system): while it
// is not Ready on a node, pods there may have no working pod network.
type Agent struct {
	Name string
	// DaemonSets are the names its DaemonSet has; Prefix also accepts NAME-SUFFIX
	// (flannel's per-architecture DaemonSets).
	DaemonSets []string
	Prefix     bool
	// Labels identify its pods where the DaemonSet owner is not in the input: any one
	// key=value pair suffices.
	Labels map[string]string
}

// Agents are the network agents netdoctor recognises. Keep sorted by name.
var Agents = []Agent{
	{Name: "Antrea", DaemonSets: []string{"antrea-agent"}, Labels: map[string]string{"component": "antrea-agent"}},
	{Name: "AWS VPC CNI", DaemonSets: []string{"aws-node"}, Labels: map[string]string{"k8s-app": "aws-node"}},
	{Name: "Calico", DaemonSets: []string{"calico-node"}, Labels: map[string]string{"k8s-app": "calico-node"}},
	{Name: "Canal", DaemonSets: []string{"canal"}, Labels: map[string]string{"k8s-app": "canal"}},
	{Name: "Cilium", DaemonSets: []string{"cilium", "anetd"}, Labels: map[string]string{"k8s-app": "cilium"}},
	{Name: "Flannel", DaemonSets: []string{"kube-flannel-ds"}, Prefix: true, Labels: map[string]string{"app": "flannel"}},
	{Name: "kindnet", DaemonSets: []string{"kindnet"}, Labels: map[string]string{"app": "kindnet", "k8s-app": "kindnet"}},
	{Name: "Kube-OVN", DaemonSets: []string{"kube-ovn-cni"}, Labels: map[string]string{"app": "kube-ovn-cni"}},
	{Name: "kube-router", DaemonSets: []string{"kube-router"}, Labels: map[string]string{"k8s-app": "kube-router"}},
	{Name: "OVN-Kubernetes", DaemonSets: []string{"ovnkube-node"}, Labels: map[string]string{"app": "ovnkube-node"}},
	{Name: "Weave Net", DaemonSets: []string{"weave-net"}, Labels: map[string]string{"name": "weave-net"}},
}

// AgentOf returns the network agent p belongs to, or "".
func AgentOf(p *corev1.Pod) string {
	ds := daemonSetOf(p)
	for _, a := range Agents {
		for _, name := range a.DaemonSets {
			if ds != "" && (ds == name || a.Prefix && strings.HasPrefix(ds, name+"-")) {
				return a.Name
			}
		}
		for k, v := range a.Labels {
			if p.Labels[k] == v {
				return a.Name
			}
		}
	}
	return ""
}

// Network is the pod network per node: the Nodes' conditions and the network agents'
// pods, as far as they could be read.
type Network struct {
	nodes  map[string]*corev1.Node
	agents map[string][]*corev1.Pod
	// NodesErr and PodsErr are the failed reads; the other half is still used.
	NodesErr, PodsErr error
}

// Network reads the Nodes and the kube-system pods (once per snapshot).
func (s *Snapshot) Network(ctx context.Context) Network {
	n := Network{nodes: map[string]*corev1.Node{}}
	nodes, err := s.Nodes(ctx)
	n.NodesErr = err
	for i := range nodes {
		n.nodes[nodes[i].Name] = &nodes[i]
	}
	pods, err := s.SystemPods(ctx)
	n.PodsErr = err
	n.agents = onNode(pods, func(p *corev1.Pod) bool { return AgentOf(p) != "" })
	return n
}

// Seen reports whether anything is known about any node: Nodes or agent pods.
func (n Network) Seen() bool { return len(n.nodes) > 0 || len(n.agents) > 0 }

// NodeNetwork is the pod network of one node.
type NodeNetwork struct {
	Node string
	// Known is false when neither the Node nor a network agent on it was seen.
	Known bool
	// Problems say why the pod network is not ready; none when it is (or is unknown).
	Problems []string
}

// Ready reports whether nothing seen says the node's pod network is broken.
func (n NodeNetwork) Ready() bool { return len(n.Problems) == 0 }

// On judges node for an endpoint there. hostNetwork endpoints use the node's own
// network: only the node's readiness matters for them, not the pod network.
func (n Network) On(node string, hostNetwork bool) NodeNetwork {
	out := NodeNetwork{Node: node}
	if obj, ok := n.nodes[node]; ok {
		out.Known = true
		for _, c := range obj.Status.Conditions {
			switch {
			case c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue:
				out.Problems = append(out.Problems, conditionLine("node is NotReady", c))
			case c.Type == corev1.NodeNetworkUnavailable && c.Status == corev1.ConditionTrue && !hostNetwork:
				out.Problems = append(out.Problems, conditionLine("NetworkUnavailable=True", c))
			}
		}
	}
	if agents := n.agents[node]; len(agents) > 0 {
		out.Known = true
		if pod, ready := anyReady(agents); !ready && !hostNetwork {
			out.Problems = append(out.Problems, fmt.Sprintf("%s agent %s/%s is not Ready: %s", AgentOf(pod), pod.Namespace, pod.Name, PodState(pod)))
		}
	}
	return out
}

func conditionLine(what string, c corev1.NodeCondition) string {
	if c.Type == corev1.NodeReady && c.Status == corev1.ConditionUnknown {
		what = "node status is Unknown, the kubelet stopped reporting"
	}
	var detail []string
	if c.Reason != "" {
		detail = append(detail, c.Reason)
	}
	if c.Message != "" {
		detail = append(detail, c.Message)
	}
	if len(detail) == 0 {
		return what
	}
	return what + " (" + strings.Join(detail, ": ") + ")"
}

// Endpoint is a ready endpoint on a node.
type Endpoint struct {
	Name        string // pod name
	Node        string
	HostNetwork bool
}

// EndpointsByNetwork splits endpoints into those on nodes whose pod network is not
// ready (with each node's state) and counts those whose node is not known at all.
func (n Network) EndpointsByNetwork(eps []Endpoint) (broken map[string][]Endpoint, states map[string]NodeNetwork, unknown int) {
	broken, states = map[string][]Endpoint{}, map[string]NodeNetwork{}
	for _, ep := range eps {
		st := n.On(ep.Node, ep.HostNetwork)
		if !st.Known {
			unknown++
			continue
		}
		if !st.Ready() {
			broken[ep.Node] = append(broken[ep.Node], ep)
			if prev, ok := states[ep.Node]; !ok || len(st.Problems) > len(prev.Problems) {
				states[ep.Node] = st
			}
		}
	}
	return broken, states, unknown
}

// NetworkFinding is NodeNetworkNotReady for a Service whose ready endpoints include
// some on nodes whose pod network is not ready: error when that is every ready
// endpoint, warning otherwise.
func NetworkFinding(svc diag.ObjectRef, total int, broken map[string][]Endpoint, states map[string]NodeNetwork) diag.Finding {
	n := 0
	var lines []string
	for _, node := range slices.Sorted(maps.Keys(broken)) {
		eps := broken[node]
		n += len(eps)
		names := make([]string, 0, len(eps))
		for _, ep := range eps {
			names = append(names, ep.Name)
		}
		lines = append(lines, fmt.Sprintf("%s (endpoints %s): %s", node, strings.Join(diag.Limit(names, 5, diag.MoreLines), ", "), strings.Join(states[node].Problems, "; ")))
	}
	nodes := slices.Sorted(maps.Keys(broken))
	first := states[nodes[0]].Problems[0]
	f := diag.New(diag.NodeNetworkNotReady, svc, "%d of %d ready endpoint(s) of %s sit on node(s) %s whose pod network is not ready (%s): traffic sent to them is likely dropped",
		n, total, svc, diag.JoinAnd(diag.Limit(nodes, 5, diag.MoreLines)), first)
	if n == total {
		f = f.WithSeverity(diag.SeverityError)
		f.Message = fmt.Sprintf("every ready endpoint of %s sits on node(s) %s whose pod network is not ready (%s): traffic to the Service is likely dropped",
			svc, diag.JoinAnd(diag.Limit(nodes, 5, diag.MoreLines)), first)
	}
	f = f.WithEvidence(diag.Limit(lines, 8, diag.MoreLines)...).
		WithFix("restore the node's network: a NotReady node or NetworkUnavailable=True usually means the network plugin's agent is not running there (check its pod in kube-system); meanwhile cordon and drain the node so the endpoints move to healthy nodes")
	return f.WithCommands("kubectl get nodes -o wide", "kubectl describe node "+nodes[0],
		fmt.Sprintf("kubectl get pods -n %s -o wide --field-selector spec.nodeName=%s", Namespace, nodes[0]))
}
