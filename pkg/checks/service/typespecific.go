package service

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// NodePortRange is the API server's default --service-node-port-range. Clusters may
// configure another; a port outside this one is therefore a warning, not an error.
var NodePortRange = [2]int32{30000, 32767}

// checkExternalName: an ExternalName Service is a DNS CNAME. The API server accepts an
// IP address there, but a CNAME to an IP does not resolve; schemes, ports and paths are
// not part of a DNS name and only appear in manifests that never reached validation.
func checkExternalName(_ context.Context, s *State) engine.Result {
	if s.Service.Spec.Type != corev1.ServiceTypeExternalName {
		return engine.Skip("not type ExternalName")
	}
	name := s.Service.Spec.ExternalName
	problem := ExternalNameProblem(name)
	if problem == "" {
		return engine.Pass("externalName %s is a valid DNS name (clients get a CNAME to it)", name)
	}
	f := diag.New(diag.ExternalNameInvalid, s.Ref(), "Service %s/%s is ExternalName %q, which %s", s.Namespace, s.Name, name, problem).
		WithEvidence("ExternalName Services are answered with a DNS CNAME record; no proxying happens, so only a DNS name works").
		WithFix("set spec.externalName to a bare DNS name (e.g. db.example.com); for an IP address use a Service without selector and an EndpointSlice holding the IP").
		WithCommands(fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{.spec.externalName}'", s.Name, s.Namespace))
	return engine.Found("externalName "+name+" is not a usable DNS name", f)
}

// ExternalNameProblem says what is wrong with an ExternalName value, or "" if nothing.
func ExternalNameProblem(name string) string {
	trimmed := strings.TrimSuffix(name, ".")
	switch {
	case trimmed == "":
		return "is empty"
	case strings.Contains(trimmed, "://"):
		return "carries a URL scheme"
	case net.ParseIP(trimmed) != nil || net.ParseIP(strings.Trim(trimmed, "[]")) != nil:
		return "is an IP address (a CNAME cannot point at an IP)"
	case strings.Contains(trimmed, "/"):
		return "carries a path"
	case strings.Contains(trimmed, ":"):
		return "carries a port"
	}
	if errs := validation.IsDNS1123Subdomain(trimmed); len(errs) > 0 {
		return "is not a valid DNS name: " + errs[0]
	}
	return ""
}

// checkLoadBalancer: until the cloud controller (or MetalLB, ...) writes an ingress
// address into status, a LoadBalancer Service is only a NodePort Service.
func checkLoadBalancer(ctx context.Context, s *State) engine.Result {
	svc := s.Service
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return engine.Skip("not type LoadBalancer")
	}
	if addrs := loadBalancerAddresses(svc); len(addrs) > 0 {
		return engine.Pass("load balancer address %s", strings.Join(addrs, ", "))
	}
	f := diag.New(diag.LoadBalancerPending, s.Ref(), "LoadBalancer Service %s/%s has no external address yet", s.Namespace, s.Name).
		WithFix("check that a load-balancer controller runs for this cluster (cloud controller manager, MetalLB, ...) and handles this Service's class").
		WithCommands(fmt.Sprintf("kubectl describe service %s -n %s", s.Name, s.Namespace))
	if !svc.CreationTimestamp.IsZero() {
		f = f.WithEvidence("pending for " + time.Since(svc.CreationTimestamp.Time).Round(time.Second).String())
	}
	if svc.Spec.LoadBalancerClass != nil {
		f = f.WithEvidence("loadBalancerClass " + *svc.Spec.LoadBalancerClass + ": only a controller for this class will provision it")
	} else {
		f = f.WithEvidence("no loadBalancerClass: the cluster's default load-balancer implementation should provision it")
	}
	return engine.Found("no ingress address in status.loadBalancer", finding.WithWarningEvents(ctx, s.Source, f, "Service", s.Namespace, s.Name)...)
}

func loadBalancerAddresses(svc *corev1.Service) []string {
	var addrs []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			addrs = append(addrs, in.IP)
		}
		if in.Hostname != "" {
			addrs = append(addrs, in.Hostname)
		}
	}
	return addrs
}

// checkNodePort: a nodePort outside the usual range is suspicious (often a manifest
// written for another cluster); two Services with the same nodePort and protocol cannot
// both be served, which the API server prevents live but manifests can still contain.
func checkNodePort(ctx context.Context, s *State) engine.Result {
	svc := s.Service
	if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return engine.Skip("no node ports (type %s)", svc.Spec.Type)
	}
	var findings []diag.Finding
	var ports []string
	for _, p := range svc.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		ports = append(ports, fmt.Sprintf("%d/%s", p.NodePort, p.Protocol))
		if p.NodePort < NodePortRange[0] || p.NodePort > NodePortRange[1] {
			findings = append(findings, diag.New(diag.NodePortOutOfRange, s.Ref(),
				"nodePort %d of Service %s/%s is outside the usual range %d-%d", p.NodePort, s.Namespace, s.Name, NodePortRange[0], NodePortRange[1]).
				WithEvidence(fmt.Sprintf("port %s has nodePort %d", portString(p), p.NodePort)).
				WithFix("leave nodePort empty so the API server allocates one, or pick one inside the cluster's --service-node-port-range"))
		}
	}
	if len(ports) == 0 {
		return engine.Pass("no nodePort allocated yet")
	}
	if s.Source.Guarantees(source.Admitted) {
		// The API server's node-port allocator refuses a nodePort already in use, so
		// live Services cannot clash; listing every Service of the cluster to look
		// would make svc cost one request per 500 Services (and scan -n one per
		// NodePort Service). Clashes are looked for in manifests, where they happen.
		return engine.Found("nodePorts "+strings.Join(ports, ", "), findings...)
	}
	all, err := s.Source.Services(ctx, source.AllNamespaces, "")
	if err != nil {
		r := engine.ReadError(err)
		r.Findings = append(findings, r.Findings...)
		return r
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		for _, other := range nodePortUsers(all, svc, p) {
			findings = append(findings, diag.New(diag.NodePortOutOfRange, s.Ref(),
				"nodePort %d/%s of Service %s/%s is also claimed by Service %s", p.NodePort, p.Protocol, s.Namespace, s.Name, other).
				WithEvidence("each node opens one socket per nodePort and protocol: only one Service can own it").
				WithFix("give one of the Services another nodePort (or leave it empty to have one allocated)"))
		}
	}
	return engine.Found("nodePorts "+strings.Join(ports, ", "), findings...)
}

func nodePortUsers(all []corev1.Service, svc *corev1.Service, port corev1.ServicePort) []string {
	var users []string
	for _, other := range all {
		if other.Namespace == svc.Namespace && other.Name == svc.Name {
			continue
		}
		for _, op := range other.Spec.Ports {
			if op.NodePort == port.NodePort && op.Protocol == port.Protocol {
				users = append(users, other.Namespace+"/"+other.Name)
			}
		}
	}
	sort.Strings(users)
	return users
}

// checkSessionAffinity: ClientIP affinity is kept per node by the proxy of the node
// the traffic enters. With externalTrafficPolicy Cluster, node-port and load-balancer
// traffic may enter at any node and is SNAT'd on the way to a pod elsewhere, and a load
// balancer in front may hide client addresses altogether, so one client is not pinned
// to one pod: affinity pins per node (or per load balancer), not per client.
func checkSessionAffinity(_ context.Context, s *State) engine.Result {
	svc := s.Service
	if svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP {
		return engine.Skip("sessionAffinity %s", orDefault(string(svc.Spec.SessionAffinity), "None"))
	}
	external := svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
	if !external || svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
		return engine.Pass("ClientIP affinity sees real client addresses")
	}
	f := diag.New(diag.SessionAffinityWithoutSourceIP, s.Ref(),
		"Service %s/%s uses ClientIP session affinity with externalTrafficPolicy Cluster: affinity is kept per node and client IPs are SNAT'd, so clients are not pinned to one pod", s.Namespace, s.Name).
		WithEvidence(fmt.Sprintf("type %s, externalTrafficPolicy %s, sessionAffinity ClientIP", svc.Spec.Type, orDefault(string(svc.Spec.ExternalTrafficPolicy), "Cluster"))).
		WithFix("set spec.externalTrafficPolicy: Local to keep client IPs (only nodes with endpoints then accept traffic), or use cookie affinity in an Ingress/Gateway")
	return engine.Found("affinity pins per node, not per client", f)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
