package service

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// checkDNSNames lists the names clients should use. It never fails: it is there so the
// engineer can compare with what the client is configured with.
func checkDNSNames(_ context.Context, s *State) engine.Result {
	return engine.Pass("%s.%s.svc.%s", s.Name, s.Namespace, kube.ClusterDomain)
}

// dnsNotes are the names by which clients reach the Service, and per-pod names for the
// StatefulSets it governs.
func dnsNotes(s *State) []string {
	svc := s.Service
	fqdn := fmt.Sprintf("%s.%s.svc.%s", svc.Name, svc.Namespace, kube.ClusterDomain)
	notes := []string{
		fmt.Sprintf("from namespace %s: %s", svc.Namespace, svc.Name),
		fmt.Sprintf("from other namespaces: %s.%s or %s", svc.Name, svc.Namespace, fqdn),
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return append(notes, fmt.Sprintf("%s is a CNAME to %s", fqdn, svc.Spec.ExternalName))
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		notes = append(notes, fmt.Sprintf("%s resolves to the ready pod IPs (headless)", fqdn))
		for _, sts := range s.StatefulSets {
			if sts.Spec.ServiceName == svc.Name {
				notes = append(notes, fmt.Sprintf("per pod: %s-0.%s", sts.Name, fqdn))
			}
		}
	}
	return notes
}
