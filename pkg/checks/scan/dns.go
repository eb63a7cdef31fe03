package scan

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// scanDNS is `dns` over the scope: the cluster DNS once (its report is the kube-dns
// Service's, as `dns` without a pod gives it), then one report per workload (or bare
// pod) with what `dns POD` says of its pods: the dnsPolicy and resolv.conf they get
// (HostNetworkDNSPolicy, DNSPolicyBypassesClusterDNS), their egress to the DNS pods
// (DNSEgressBlocked, or PolicyNotEvaluated) and ndots (NdotsAmplification, an info).
// One finding per workload, not per pod: its evidence lists the pods.
//
// The cluster's own agents are left out: the DNS servers (CoreDNS runs with dnsPolicy
// Default by design), the Service proxy and the network plugins' agents (hostNetwork
// pods that talk to the API server by address and never resolve a Service name).
// Finished pods are left out too, as `dns` leaves them out of a workload.
func scanDNS(ctx context.Context, src source.Source, namespace string) ([]diag.Report, error) {
	if !src.Has(source.KindPod) {
		return nil, errNotServed
	}
	pods, err := source.List[corev1.Pod](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	clusterReport, cluster, err := dns.Diagnose(ctx, src, dns.Options{})
	if err != nil {
		return nil, err
	}
	var reports []diag.Report
	if !cluster.ClusterSkipped() {
		reports = append(reports, clusterReport)
	}
	var scanned []corev1.Pod
	for i := range pods {
		p := &pods[i]
		if kube.PodFinished(p) || clusterAgent(&cluster.Cluster, p) {
			continue
		}
		scanned = append(scanned, *p)
	}
	for _, w := range peer.GroupByWorkload(scanned) {
		r, err := dns.DiagnoseWorkload(ctx, src, cluster, w)
		if err != nil {
			r = unreadableObject(w.Ref(), err)
		}
		reports = append(reports, r)
	}
	return reports, nil
}

// clusterAgent reports whether p is part of the cluster's plumbing rather than an
// application: a cluster DNS server, the Service proxy, or a network plugin's agent.
// Agents are recognised where they run: on the host network, or in the namespaces of
// the network plugins.
func clusterAgent(c *dns.Cluster, p *corev1.Pod) bool {
	if c.IsServer(p) {
		return true
	}
	if !p.Spec.HostNetwork && !slices.Contains(reach.EnforcerNamespaces, p.Namespace) {
		return false
	}
	return dataplane.IsKubeProxy(p) || dataplane.IsCiliumAgent(p) || dataplane.AgentOf(p) != "" || reach.DetectEnforcer(p.Name, p.Spec.Containers) != ""
}
