package dns

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// What scan asks of the dns tree: the cluster DNS once (Diagnose without a pod), then
// the pod checks once per workload, against that cluster DNS, instead of once per pod:
// the pods of a workload share one template, so their DNS settings and the policies
// that select them are the same, and one finding per workload names them all.

// ClusterSkipped reports whether the cluster DNS checks were skipped because the input
// (offline) holds nothing from kube-system.
func (s *State) ClusterSkipped() bool { return s.clusterSkipped }

// IsServer reports whether pod is one of the cluster DNS pods found.
func (c *Cluster) IsServer(pod *corev1.Pod) bool {
	for i := range c.Pods {
		if c.Pods[i].Namespace == pod.Namespace && c.Pods[i].Name == pod.Name {
			return true
		}
	}
	return false
}

// maxPodsListed bounds the pods a workload's findings name.
const maxPodsListed = 10

// DiagnoseWorkload runs the pod checks of the dns tree (resolv.conf and dnsPolicy, DNS
// egress, ndots) for the pods of one workload, or for a bare pod (w.Kind is KindPod),
// against the cluster DNS a Diagnose without a pod read into cluster. The newest pod
// stands for the workload (during a rollout, the one with the current template); every
// finding lists the workload's pods. w.Pods must not be empty.
func DiagnoseWorkload(ctx context.Context, src source.Source, cluster *State, w peer.Resolved) (diag.Report, error) {
	s := &State{Source: src, Options: Options{Namespace: w.Namespace}, Cluster: cluster.Cluster, clusterSkipped: cluster.clusterSkipped}
	s.Pod = newest(w.Pods)
	if w.Kind != peer.KindPod {
		s.Workload = &w
	}
	report := diag.NewReport("dns", w.Ref())
	if err := engine.Walk(ctx, WorkloadChecks(), s, &report); err != nil {
		return report, err
	}
	if s.Workload != nil {
		names := make([]string, 0, len(w.Pods))
		for _, p := range w.Pods {
			names = append(names, p.Name)
		}
		line := fmt.Sprintf("%d pod(s) of %s: %s", len(names), w.String(), strings.Join(limitNames(names), ", "))
		for i := range report.Findings {
			if f := &report.Findings[i]; f.Object == report.Target && f.ID != diag.PermissionDenied && f.ID != diag.APIError {
				f.Evidence = append(f.Evidence, line)
			}
		}
	}
	return report, nil
}

// WorkloadChecks is the tree DiagnoseWorkload walks: the pod checks of the dns tree,
// for a pod scan already holds.
func WorkloadChecks() []engine.Check[State] { return podChecks(checkGivenPod) }

// checkGivenPod is checkPod for a pod that scan already holds.
func checkGivenPod(_ context.Context, s *State) engine.Result {
	detail := fmt.Sprintf("pod %s/%s: dnsPolicy %s", s.Pod.Namespace, s.Pod.Name, orDefault(string(s.Pod.Spec.DNSPolicy), string(corev1.DNSClusterFirst)))
	if s.Workload != nil {
		detail = fmt.Sprintf("%s, the newest of %s: dnsPolicy %s", s.Pod.Name, s.Workload.Describe(), orDefault(string(s.Pod.Spec.DNSPolicy), string(corev1.DNSClusterFirst)))
	}
	if s.Pod.Spec.HostNetwork {
		detail += ", hostNetwork"
	}
	return engine.Pass("%s", detail)
}

// newest is the most recently created pod, the first by name among equals.
func newest(pods []corev1.Pod) *corev1.Pod {
	best := &pods[0]
	for i := range pods[1:] {
		p := &pods[i+1]
		switch {
		case p.CreationTimestamp.After(best.CreationTimestamp.Time):
			best = p
		case p.CreationTimestamp.Equal(&best.CreationTimestamp) && p.Name < best.Name:
			best = p
		}
	}
	return best
}

func limitNames(names []string) []string {
	if len(names) <= maxPodsListed {
		return names
	}
	return append(append([]string{}, names[:maxPodsListed]...), fmt.Sprintf("... and %d more", len(names)-maxPodsListed))
}
