package scan

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// CheckDataPlaneProxy is the check of a node's report in the data plane group.
const CheckDataPlaneProxy = "dataplane.kubeproxy"

// scanDataPlane reports, once per node, a Service proxy (kube-proxy or its replacement)
// that is not Ready there: every client pod on that node fails to reach ClusterIPs, so
// a Service diagnosis would repeat it for every Service (scan turns that off, see
// dataplane.ProxyPerNode). A namespaced scan covers the nodes that run the
// namespace's pods (its clients); -A covers every node. Nodes whose proxy is Ready, or
// that show no proxy at all, get no report: there is nothing to say about them. The
// pod network per node is judged where it matters, in each Service's diagnosis
// (NodeNetworkNotReady).
func scanDataPlane(ctx context.Context, src source.Source, namespace string) ([]diag.Report, error) {
	if !src.Has(source.KindPod) {
		return nil, errNotServed
	}
	proxy, err := dataplane.New(src).Proxy(ctx)
	if err != nil {
		return nil, err
	}
	if !proxy.Visible() {
		return nil, nil
	}
	var clients map[string]int
	if namespace != source.AllNamespaces {
		pods, err := source.List[corev1.Pod](ctx, src, namespace, nil)
		if err != nil {
			return nil, err
		}
		clients = map[string]int{}
		for _, p := range pods {
			if p.Spec.NodeName != "" && !source.IsSynthetic(&p) {
				clients[p.Spec.NodeName]++
			}
		}
	}
	var reports []diag.Report
	for _, np := range proxy.NotReady() {
		if clients != nil && clients[np.Node] == 0 {
			continue
		}
		ref := diag.ObjectRef{Kind: "Node", Name: np.Node}
		r := diag.NewReport("scan", ref)
		detail := fmt.Sprintf("%s is not Ready on node %s", proxy.Name, np.Node)
		r.Checks = append(r.Checks, diag.CheckResult{ID: CheckDataPlaneProxy, Title: "the Service proxy is Ready on the node",
			Status: diag.StatusWarn, Detail: detail, Details: []string{np.Evidence()}})
		who := "client pods on it"
		if clients != nil {
			who = fmt.Sprintf("the %d pod(s) of %s on it", clients[np.Node], namespace)
		}
		r.Add(dataplane.ProxyFinding(ref, proxy, []dataplane.NodeProxy{np},
			"%s is not Ready on node %s: %s cannot reach Services through their ClusterIPs, and NodePorts on the node do not forward", proxy.Name, np.Node, who))
		r.Finalize()
		reports = append(reports, r)
	}
	return reports, nil
}
