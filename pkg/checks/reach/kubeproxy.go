package reach

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkKubeProxy: a connection to a Service's ClusterIP is translated to a pod address
// on FROM's own node, by kube-proxy or by the network plugin that replaces it. If that
// proxy is not Ready there, the translation may be missing or stale and the connection
// goes nowhere, whatever the policies say: an error when it holds for every node FROM
// runs on, a warning when only for some. A proxy that is not visible at all (managed
// clusters often hide it) is not checked.
func checkKubeProxy(ctx context.Context, s *State) engine.Result {
	svc := s.To.Service
	switch {
	case svc == nil:
		return engine.Skip("TO is not a Service: FROM connects to pod addresses, not through the Service proxy")
	case s.From.IsIP():
		return engine.Skip("FROM is outside the cluster")
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		return engine.Skip("headless Service: FROM connects to the pods directly, not through the Service proxy")
	}
	nodes := map[string][]string{}
	for i := range s.From.Pods {
		p := &s.From.Pods[i]
		if p.Spec.NodeName == "" || source.IsSynthetic(p) {
			continue
		}
		nodes[p.Spec.NodeName] = append(nodes[p.Spec.NodeName], p.Name)
	}
	if len(nodes) == 0 {
		return engine.Skip("FROM's pods are not placed on a node")
	}
	proxy, err := s.dataPlane().Proxy(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	if !proxy.Visible() {
		return engine.Skip("%s", dataplane.ProxyNotVisible)
	}
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	var down []dataplane.NodeProxy
	var unseen, details []string
	for _, n := range names {
		np := proxy.On(n)
		switch {
		case !np.Known:
			unseen = append(unseen, n)
		case !np.Ready:
			down = append(down, np)
		}
		details = append(details, np.Evidence())
	}
	if len(down) == 0 {
		detail := fmt.Sprintf("%s is Ready on FROM's node(s) %s", proxy.Name, strings.Join(diag.Limit(names, 5, diag.MoreInline), ", "))
		if len(unseen) > 0 {
			detail += fmt.Sprintf("; no proxy pod seen on %s", strings.Join(diag.Limit(unseen, 5, diag.MoreInline), ", "))
		}
		return engine.Pass("%s", detail).WithDetails(details...)
	}
	var where, pods []string
	for _, np := range down {
		where = append(where, np.Node)
		pods = append(pods, nodes[np.Node]...)
	}
	noun := "node"
	if len(where) > 1 {
		noun = "nodes"
	}
	f := dataplane.ProxyFinding(s.From.Ref(), proxy, down,
		"%s is not Ready on %s %s, where FROM runs (%s): connections from there to Service %s/%s%s are not forwarded",
		proxy.Name, noun, diag.JoinAnd(where), strings.Join(diag.Limit(pods, 3, diag.MoreInline), ", "), svc.Namespace, svc.Name, clusterIPText(svc))
	if len(down) == len(names) {
		f = f.WithSeverity(diag.SeverityError)
		s.proxyDown = true
	} else {
		f.Message += fmt.Sprintf(" (FROM's pods on %d other node(s) are not affected)", len(names)-len(down))
	}
	return engine.Found(fmt.Sprintf("%s not Ready on %d of FROM's %d node(s)", proxy.Name, len(down), len(names)), f).WithDetails(details...)
}

// dataPlane is the diagnosis's view of kube-system, read once (shared with the
// enforcement check).
func (s *State) dataPlane() *dataplane.Snapshot {
	if s.dp == nil {
		s.dp = dataplane.New(s.Source)
	}
	return s.dp
}

func clusterIPText(svc *corev1.Service) string {
	if svc.Spec.ClusterIP == "" {
		return ""
	}
	return " (ClusterIP " + svc.Spec.ClusterIP + ")"
}
