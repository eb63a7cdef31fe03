package dataplane

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source/sourcetest"
)

func sysPod(name, node string, labels map[string]string, ready bool, owner *metav1.OwnerReference) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels},
		Spec: corev1.PodSpec{NodeName: node}}
	if owner != nil {
		p.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	status := corev1.ConditionTrue
	if !ready {
		status = corev1.ConditionFalse
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "agent", RestartCount: 3,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}
	return p
}

func controller(kind, name string) *metav1.OwnerReference {
	yes := true
	return &metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, Controller: &yes}
}

func TestRecognition(t *testing.T) {
	tests := []struct {
		pod        *corev1.Pod
		kubeProxy  bool
		ciliumOnly bool
		agent      string
	}{
		{sysPod("kube-proxy-x5v2k", "n1", map[string]string{"k8s-app": "kube-proxy"}, true, nil), true, false, ""},
		{sysPod("kube-proxy-x5v2k", "n1", nil, true, controller("DaemonSet", "kube-proxy")), true, false, ""},
		{sysPod("kube-proxy-n1", "n1", nil, true, nil), true, false, ""}, // static pod's mirror
		{sysPod("kube-proxy-gke-pool-1", "gke-pool-1", map[string]string{"component": "kube-proxy", "tier": "node"}, true, nil), true, false, ""},
		{sysPod("kube-proxy-n2", "n1", nil, true, nil), false, false, ""}, // another node's name
		{sysPod("cilium-7dqwz", "n1", map[string]string{"k8s-app": "cilium"}, true, nil), false, true, "Cilium"},
		{sysPod("anetd-abcde", "n1", nil, true, controller("DaemonSet", "anetd")), false, true, "Cilium"},
		{sysPod("cilium-operator-5d", "n1", map[string]string{"name": "cilium-operator", "io.cilium/app": "operator"}, true, nil), false, false, ""},
		{sysPod("cilium-envoy-abcde", "n1", map[string]string{"k8s-app": "cilium-envoy"}, true, controller("DaemonSet", "cilium-envoy")), false, false, ""},
		{sysPod("calico-node-x7k2m", "n1", map[string]string{"k8s-app": "calico-node"}, true, nil), false, false, "Calico"},
		{sysPod("kube-flannel-ds-amd64-abcde", "n1", nil, true, controller("DaemonSet", "kube-flannel-ds-amd64")), false, false, "Flannel"},
		{sysPod("kube-flannel-ds-abcde", "n1", map[string]string{"app": "flannel"}, true, nil), false, false, "Flannel"},
		{sysPod("aws-node-abcde", "n1", map[string]string{"k8s-app": "aws-node"}, true, nil), false, false, "AWS VPC CNI"},
		{sysPod("coredns-668d6bf9bc-4xk2p", "n1", map[string]string{"k8s-app": "kube-dns"}, true, nil), false, false, ""},
	}
	for _, tt := range tests {
		if got := IsKubeProxy(tt.pod); got != tt.kubeProxy {
			t.Errorf("%s: IsKubeProxy = %v", tt.pod.Name, got)
		}
		if got := IsCiliumAgent(tt.pod); got != tt.ciliumOnly {
			t.Errorf("%s: IsCiliumAgent = %v", tt.pod.Name, got)
		}
		if got := AgentOf(tt.pod); got != tt.agent {
			t.Errorf("%s: AgentOf = %q, want %q", tt.pod.Name, got, tt.agent)
		}
	}
}

func TestReplacesKubeProxy(t *testing.T) {
	for setting, want := range map[string]bool{"true": true, "strict": true, " True ": true,
		"false": false, "disabled": false, "partial": false, "probe": false, "": false} {
		if got := ReplacesKubeProxy(setting); got != want {
			t.Errorf("%q: %v, want %v", setting, got, want)
		}
	}
}

func node(name string, conditions ...corev1.NodeCondition) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Conditions: conditions}}
}

func cond(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
	return corev1.NodeCondition{Type: t, Status: s, Reason: reason}
}

func TestNetworkOn(t *testing.T) {
	ready := cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady")
	objs := []runtime.Object{
		node("ok", ready, cond(corev1.NodeNetworkUnavailable, corev1.ConditionFalse, "CalicoIsUp")),
		node("notready", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady")),
		node("unknown", cond(corev1.NodeReady, corev1.ConditionUnknown, "NodeStatusUnknown")),
		node("noroute", ready, cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated")),
		node("agentdown", ready),
		node("rollout", ready),
		node("bare"), // no conditions at all: nothing says it is broken
		sysPod("calico-node-a", "agentdown", map[string]string{"k8s-app": "calico-node"}, false, nil),
		sysPod("calico-node-b", "rollout", map[string]string{"k8s-app": "calico-node"}, false, nil),
		sysPod("calico-node-c", "rollout", map[string]string{"k8s-app": "calico-node"}, true, nil),
		sysPod("calico-node-d", "podonly", map[string]string{"k8s-app": "calico-node"}, true, nil),
	}
	net := New(source.FromObjects(objs...)).Network(context.Background())
	tests := []struct {
		node        string
		hostNetwork bool
		known       bool
		problem     string
	}{
		{"ok", false, true, ""},
		{"notready", false, true, "node is NotReady (KubeletNotReady)"},
		{"unknown", false, true, "node status is Unknown"},
		{"noroute", false, true, "NetworkUnavailable=True (NoRouteCreated)"},
		{"noroute", true, true, ""}, // a hostNetwork endpoint does not use the pod network
		{"agentdown", false, true, "Calico agent kube-system/calico-node-a is not Ready"},
		{"agentdown", true, true, ""},
		{"rollout", false, true, ""}, // one of the node's agents is Ready
		{"bare", false, true, ""},
		{"podonly", false, true, ""},
		{"invisible", false, false, ""},
	}
	for _, tt := range tests {
		got := net.On(tt.node, tt.hostNetwork)
		problems := strings.Join(got.Problems, "; ")
		if got.Known != tt.known || (tt.problem == "") != got.Ready() || !strings.Contains(problems, tt.problem) {
			t.Errorf("%s (hostNetwork %v): known %v, problems %q; want known %v, problem %q", tt.node, tt.hostNetwork, got.Known, problems, tt.known, tt.problem)
		}
	}
}

func TestProxy(t *testing.T) {
	kp := func(name, node string, ready bool) *corev1.Pod {
		return sysPod(name, node, map[string]string{"k8s-app": "kube-proxy"}, ready, nil)
	}
	cilium := func(name, node string, ready bool) *corev1.Pod {
		return sysPod(name, node, map[string]string{"k8s-app": "cilium"}, ready, nil)
	}
	calico := func(name, node string, ready bool, bpf string) *corev1.Pod {
		p := sysPod(name, node, map[string]string{"k8s-app": "calico-node"}, ready, nil)
		p.Spec.Containers = []corev1.Container{{Name: "calico-node", Env: []corev1.EnvVar{{Name: "FELIX_BPFENABLED", Value: bpf}}}}
		return p
	}
	router := func(name, node string, ready bool, args ...string) *corev1.Pod {
		p := sysPod(name, node, map[string]string{"k8s-app": "kube-router"}, ready, nil)
		p.Spec.Containers = []corev1.Container{{Name: "kube-router", Args: append([]string{"--run-router=true"}, args...)}}
		return p
	}
	config := func(v string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: CiliumConfigMap, Namespace: Namespace}, Data: map[string]string{KubeProxyReplacement: v}}
	}
	tests := []struct {
		name     string
		objs     []runtime.Object
		proxy    string
		notReady []string
	}{
		{"nothing visible (managed cluster)", []runtime.Object{sysPod("coredns-1", "n1", map[string]string{"k8s-app": "kube-dns"}, true, nil)}, "", nil},
		{"kube-proxy", []runtime.Object{kp("kube-proxy-a", "n1", true), kp("kube-proxy-b", "n2", false)}, ProxyKubeProxy, []string{"n2"}},
		{"kube-proxy, two pods on a node during a rollout", []runtime.Object{kp("kube-proxy-a", "n1", false), kp("kube-proxy-b", "n1", true)}, ProxyKubeProxy, nil},
		{"Cilium without replacement", []runtime.Object{config("false"), cilium("cilium-a", "n1", false), kp("kube-proxy-a", "n1", true)}, ProxyKubeProxy, nil},
		{"Cilium without cilium-config", []runtime.Object{cilium("cilium-a", "n1", false), kp("kube-proxy-a", "n1", true)}, ProxyKubeProxy, nil},
		{"Cilium replaces kube-proxy", []runtime.Object{config("true"), cilium("cilium-a", "n1", true), cilium("cilium-b", "n2", false)}, ProxyCilium, []string{"n2"}},
		{"Cilium replaces a leftover kube-proxy", []runtime.Object{config("strict"), cilium("cilium-a", "n1", true), kp("kube-proxy-a", "n1", false)}, ProxyCilium, nil},
		{"Cilium replacement set, but no agent visible", []runtime.Object{config("true"), kp("kube-proxy-a", "n1", true)}, ProxyKubeProxy, nil},
		{"Calico eBPF replaces kube-proxy", []runtime.Object{calico("calico-node-a", "n1", true, "true"), calico("calico-node-b", "n2", false, "true")}, ProxyCalicoEBPF, []string{"n2"}},
		{"Calico iptables beside kube-proxy", []runtime.Object{calico("calico-node-a", "n1", false, "false"), kp("kube-proxy-a", "n1", true)}, ProxyKubeProxy, nil},
		{"kube-router proxies by default", []runtime.Object{router("kube-router-a", "n1", false)}, ProxyKubeRouter, []string{"n1"}},
		{"kube-router with --run-service-proxy=true", []runtime.Object{router("kube-router-a", "n1", true, "--run-service-proxy=true")}, ProxyKubeRouter, nil},
		{"kube-router routing only, beside kube-proxy", []runtime.Object{router("kube-router-a", "n1", false, "--run-service-proxy=false"), kp("kube-proxy-a", "n1", true)}, ProxyKubeProxy, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(source.FromObjects(tt.objs...)).Proxy(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.proxy || p.Visible() != (tt.proxy != "") {
				t.Errorf("proxy %q, want %q", p.Name, tt.proxy)
			}
			var down []string
			for _, np := range p.NotReady() {
				down = append(down, np.Node)
			}
			if strings.Join(down, ",") != strings.Join(tt.notReady, ",") {
				t.Errorf("not Ready on %v, want %v", down, tt.notReady)
			}
		})
	}
}

// forbiddenConfig is src for a user who may not read ConfigMaps.
func forbiddenConfig(src source.Source) source.Source {
	return sourcetest.Refuse(src, source.KindConfigMap)
}

// Without cilium-config netdoctor cannot tell which proxy Cilium clusters use: it says
// so (the error) instead of judging kube-proxy or Cilium.
func TestProxyCiliumConfigUnreadable(t *testing.T) {
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: Namespace}}
	src := forbiddenConfig(source.FromObjects(other, sysPod("cilium-a", "n1", map[string]string{"k8s-app": "cilium"}, true, nil),
		sysPod("kube-proxy-a", "n1", map[string]string{"k8s-app": "kube-proxy"}, false, nil)))
	if _, err := New(src).Proxy(context.Background()); !source.IsForbidden(err) {
		t.Errorf("error = %v, want Forbidden", err)
	}
	// Clusters without Cilium never ask.
	src = forbiddenConfig(source.FromObjects(sysPod("kube-proxy-a", "n1", map[string]string{"k8s-app": "kube-proxy"}, true, nil)))
	if p, err := New(src).Proxy(context.Background()); err != nil || p.Name != ProxyKubeProxy {
		t.Errorf("proxy %q, %v; want kube-proxy", p.Name, err)
	}
}

func TestPolicyPlugins(t *testing.T) {
	calicoNode := node("n1", cond(corev1.NodeNetworkUnavailable, corev1.ConditionFalse, "CalicoIsUp"))
	ciliumNode := node("n2")
	ciliumNode.Annotations = map[string]string{"network.cilium.io/ipv4-cilium-host": "10.0.0.1"}
	tests := []struct {
		name                  string
		objs                  []runtime.Object
		cilium, calico, known bool
	}{
		{"plain", []runtime.Object{node("n1"), sysPod("kube-proxy-a", "n1", map[string]string{"k8s-app": "kube-proxy"}, true, nil)}, false, false, true},
		{"calico by node condition", []runtime.Object{calicoNode}, false, true, true},
		{"cilium by node annotation", []runtime.Object{ciliumNode}, true, false, true},
		{"cilium by agent", []runtime.Object{sysPod("cilium-a", "n1", map[string]string{"k8s-app": "cilium"}, true, nil)}, true, false, true},
		{"canal is calico", []runtime.Object{sysPod("canal-a", "n1", map[string]string{"k8s-app": "canal"}, true, nil)}, false, true, true},
	}
	for _, tt := range tests {
		cilium, calico, known := New(source.FromObjects(tt.objs...)).PolicyPlugins(context.Background())
		if cilium != tt.cilium || calico != tt.calico || known != tt.known {
			t.Errorf("%s: cilium %v calico %v known %v", tt.name, cilium, calico, known)
		}
	}
}
