package service

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Check IDs of the data plane part of the svc tree.
const (
	CheckNodeNetwork = "service.nodenetwork"
	CheckKubeProxy   = "service.kubeproxy"
	CheckProxyMode   = "service.proxymode"
)

// checkNodeNetwork: an endpoint can be Ready and published while the node it runs on
// has no working pod network (the node went NotReady, the cloud's routes are missing,
// NetworkUnavailable=True, or the network plugin's agent there is down): the kubelet's
// probes may still pass over the host network, but traffic from other nodes is dropped.
// Only what the API shows counts: a node or agent pod that is not visible is not a
// problem, just not known.
func checkNodeNetwork(ctx context.Context, s *State) engine.Result {
	if len(s.Service.Spec.Selector) == 0 {
		return engine.Skip("no selector: endpoints are managed by hand")
	}
	var eps []dataplane.Endpoint
	for i := range s.Ready {
		p := &s.Ready[i]
		if p.Spec.NodeName == "" || source.IsSynthetic(p) {
			continue
		}
		eps = append(eps, dataplane.Endpoint{Name: p.Name, Node: p.Spec.NodeName, HostNetwork: p.Spec.HostNetwork})
	}
	if len(eps) == 0 {
		return engine.Skip("no ready endpoint is placed on a node")
	}
	if !s.Source.Has(source.KindNode) && !s.Source.Has(source.KindPod) {
		return engine.Skip("the input holds no Nodes or network plugin pods")
	}
	net := s.dataPlane().Network(ctx)
	var findings []diag.Finding
	for _, err := range []error{net.NodesErr, net.PodsErr} {
		if err != nil {
			findings = append(findings, engine.ReadErrorFinding(err))
		}
	}
	broken, states, unknown := net.EndpointsByNetwork(eps)
	if len(broken) > 0 {
		findings = append(findings, dataplane.NetworkFinding(s.Ref(), len(eps), broken, states))
		res := engine.Found(fmt.Sprintf("%d of %d ready endpoint(s) on nodes whose pod network is not ready", countEndpoints(broken), len(eps)), findings...)
		for _, node := range sortedKeysOf(broken) {
			res = res.WithDetails(node + ": " + strings.Join(states[node].Problems, "; "))
		}
		return res
	}
	detail := fmt.Sprintf("the pod network is ready on the nodes of %d ready endpoint(s)", len(eps)-unknown)
	switch {
	case unknown == len(eps):
		detail = fmt.Sprintf("neither the nodes of the %d ready endpoint(s) nor a network plugin agent on them are visible: not checked", len(eps))
	case unknown > 0:
		detail += fmt.Sprintf("; %d on nodes netdoctor cannot see", unknown)
	}
	if len(findings) > 0 {
		res := engine.Found(detail, findings...)
		res.Status = diag.StatusUnknown
		return res
	}
	if unknown == len(eps) {
		return engine.Skip("%s", detail)
	}
	return engine.Pass("%s", detail)
}

func countEndpoints(m map[string][]dataplane.Endpoint) int {
	n := 0
	for _, eps := range m {
		n += len(eps)
	}
	return n
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return sortedKeysBool(keys)
}

// checkKubeProxy: clients reach a ClusterIP (and a node's NodePort) through the Service
// proxy of their own node, kube-proxy or the network plugin that replaces it. Where it
// is not Ready, the rules may be missing or stale: connections from that node to the
// Service fail while pod-to-pod traffic works. Which nodes run this Service's clients is
// not knowable, so every node whose proxy is not Ready is reported, as a warning. A
// cluster that shows no proxy at all (managed clusters often hide it) is not checked.
func checkKubeProxy(ctx context.Context, s *State) engine.Result {
	if skip, why := proxyNotInPath(ctx, s); skip {
		return engine.Skip("%s", why)
	}
	svc := s.Service
	proxy, err := s.dataPlane().Proxy(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	if !proxy.Visible() {
		return engine.Skip("%s", dataplane.ProxyNotVisible)
	}
	down := proxy.NotReady()
	if len(down) == 0 {
		return engine.Pass("%s is Ready on %d node(s) (%s)", proxy.Name, proxy.Nodes(), proxy.How)
	}
	nodes := make([]string, 0, len(down))
	for _, np := range down {
		nodes = append(nodes, np.Node)
	}
	f := dataplane.ProxyFinding(s.Ref(), proxy, down,
		"%s is not Ready on %d of %d node(s) (%s): clients there may not reach Service %s/%s through its ClusterIP%s",
		proxy.Name, len(down), proxy.Nodes(), strings.Join(diag.Limit(nodes, 5, diag.MoreLines), ", "), s.Namespace, s.Name, nodePortSuffix(svc))
	res := engine.Found(fmt.Sprintf("%s not Ready on %d of %d node(s)", proxy.Name, len(down), proxy.Nodes()), f)
	for _, np := range down {
		res = res.WithDetails(np.Evidence())
	}
	return res
}

// checkProxyMode: how kube-proxy forwards (iptables, ipvs, nftables) decides where an
// on-call engineer looks on a node and which known bugs apply, so svc says it in its
// notes. It is a check of its own so that a ConfigMap that cannot be read is an unknown
// check with its finding, while the proxy's readiness keeps its own verdict.
func checkProxyMode(ctx context.Context, s *State) engine.Result {
	if skip, why := proxyNotInPath(ctx, s); skip {
		return engine.Skip("%s", why)
	}
	proxy, err := s.dataPlane().Proxy(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	if proxy.Name != dataplane.ProxyKubeProxy {
		return engine.Skip("no kube-proxy pod is visible: no mode to read")
	}
	mode, err := s.dataPlane().ProxyMode(ctx, proxy)
	if err != nil {
		return engine.ReadError(err)
	}
	s.proxyNote = "Service proxy: kube-proxy, " + mode.String()
	return engine.Pass("kube-proxy %s", mode)
}

// proxyNotInPath says why the Service proxy of the nodes does not matter for this
// Service's traffic, or cannot be seen.
func proxyNotInPath(ctx context.Context, s *State) (bool, string) {
	svc := s.Service
	switch {
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		return true, "headless: clients connect to the pods directly, not through the Service proxy"
	case len(svc.Spec.Selector) > 0 && len(s.Ready) == 0:
		return true, "no ready endpoints to forward to"
	case dataplane.ProxyPerNode.In(ctx):
		return true, "reported once per node under the data plane"
	case !s.Source.Has(source.KindPod):
		return true, "the input holds no pods"
	}
	return false, ""
}

func nodePortSuffix(svc *corev1.Service) string {
	if svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		return ", and their NodePorts do not forward"
	}
	return ""
}

// dataPlane is the diagnosis's view of the Nodes and kube-system, read once.
func (s *State) dataPlane() *dataplane.Snapshot {
	if s.dp == nil {
		s.dp = dataplane.New(s.Source)
	}
	return s.dp
}
