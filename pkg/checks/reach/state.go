// Package reach is the decision tree of `kubectl netdoctor reach FROM TO`: can FROM open
// a connection to TO? It resolves both ends to pods (or an outside address), translates
// a Service port to the targetPort of every backend pod (policies only ever see pod
// ports), asks the NetworkPolicy engine for every pod pair and port, and explains each
// denial by direction, policy and rule, with the NetworkPolicy that would allow it.
// For a Service it also checks that FROM may query the cluster DNS, because a client
// that cannot resolve the name never connects.
package reach

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Options say what to check. From and To carry their namespaces.
type Options struct {
	From, To peer.Endpoint
	// Port is --port: a number or a port name; empty means every port of the Service
	// (or every declared container port of TO's pods).
	Port string
	// Protocol is --protocol; empty means each port's own protocol (TCP for numbers).
	Protocol corev1.Protocol
}

// State is what the reach checks share.
type State struct {
	Source source.Source
	Options

	From, To peer.Resolved
	// Namespaces indexes namespace objects by name, for namespaceSelectors.
	Namespaces map[string]*corev1.Namespace
	// Policies are the NetworkPolicies of FROM's and TO's namespaces, compiled in Model.
	Policies []networkingv1.NetworkPolicy
	Model    *netpol.Model
	// AdminPolicies and Baseline are the cluster's AdminNetworkPolicies and its
	// BaselineAdminNetworkPolicy (nil without one), compiled into Model when any exists;
	// AdminNotes say what of them the engine does not evaluate.
	AdminPolicies []netpol.AdminPolicy
	Baseline      *netpol.AdminPolicy
	AdminNotes    []string
	// Ports are the ports to check; Results their verdicts, in the same order.
	Ports   []PortCase
	Results []PortResult
	// DNS is FROM's egress to the cluster DNS, for a Service TO (nil when not checked).
	DNS *dns.EgressResult
	// CNI holds the Cilium and Calico policies of FROM's and TO's namespaces and the
	// cluster-wide ones (with Calico's Tiers and network sets), compiled into Model
	// with the NetworkPolicies; CNIPolicies lists them. Unevaluated collects, per
	// direction, what the engine could not evaluate (directions left unknown) and the
	// L7 rules that further restrict allowed connections.
	CNI         dialect.Set
	CNIPolicies []dialect.Policy
	Unevaluated map[netpol.Direction]*dialect.Unevaluated
	cniErr      error
	// dnsUnknown is set when FROM's DNS egress is decided by what netdoctor does not
	// evaluate.
	dnsUnknown bool
	// proxyDown is set when the Service proxy is not Ready on any of FROM's nodes.
	proxyDown bool
	dp        *dataplane.Snapshot
	// isolated is set when any policy restricts this traffic (for the enforcement check).
	isolated bool
	// undecided is the read failure that kept the verdict from being known.
	undecided error
}

// Undecided returns the read failure that kept reach from deciding (the report then has
// no verdict and the command exits 2), or nil.
func (s *State) Undecided() error { return s.undecided }

// Check IDs of the reach tree, in walk order.
const (
	CheckPeers       = "reach.peers"
	CheckPorts       = "reach.ports"
	CheckKubeProxy   = "reach.kubeproxy"
	CheckPolicies    = "reach.policies"
	CheckCNIPolicies = "reach.cnipolicies"
	CheckEgress      = "reach.egress"
	CheckIngress     = "reach.ingress"
	CheckServicePort = "reach.serviceport"
	CheckLint        = "reach.lint"
	CheckDNS         = "reach.dns"
	CheckHostNetwork = "reach.hostnetwork"
	CheckEnforcement = "reach.enforcement"
)

// Checks is the reach tree. Keep it in walk order: egress before ingress because that
// is the order a packet meets them, so the root cause is the first gate that drops it.
func Checks() []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckPeers, Title: "FROM and TO resolve to pods", Run: checkPeers},
		{ID: CheckPorts, Title: "ports resolve on TO's pods", Needs: []string{CheckPeers}, Run: checkPorts},
		{ID: CheckKubeProxy, Title: "the Service proxy on FROM's node is Ready", Needs: []string{CheckPorts}, Run: checkKubeProxy},
		{ID: CheckPolicies, Title: "NetworkPolicies read", Needs: []string{CheckPorts}, Run: checkPolicies},
		{ID: CheckCNIPolicies, Title: "Cilium and Calico policies read", Needs: []string{CheckPolicies}, Run: checkCNIPolicies},
		{ID: CheckEgress, Title: "FROM's egress allows it", Needs: []string{CheckPolicies}, Run: checkEgress},
		{ID: CheckIngress, Title: "TO's ingress allows it", Needs: []string{CheckPolicies}, Run: checkIngress},
		{ID: CheckServicePort, Title: "policies use pod ports, not Service ports", Needs: []string{CheckPolicies}, Run: checkServicePort},
		{ID: CheckLint, Title: "policies on the path look as intended", Needs: []string{CheckPolicies}, Run: checkLint},
		{ID: CheckDNS, Title: "FROM may query the cluster DNS", Needs: []string{CheckPolicies}, Run: checkDNS},
		{ID: CheckHostNetwork, Title: "hostNetwork pods", Needs: []string{CheckPeers}, Run: checkHostNetwork},
		{ID: CheckEnforcement, Title: "a network plugin enforces NetworkPolicy", Needs: []string{CheckPolicies}, Run: checkEnforcement},
	}
}

// Diagnose walks the reach tree. The error is non-nil when reach cannot diagnose at
// all (FROM or TO missing or unreadable, a port TO does not have, an invalid policy in
// the input): the command exits 2 without a report. When the verdict is undecided
// because a read failed, the report is returned without its reach section and
// State.Undecided says why.
func Diagnose(ctx context.Context, src source.Source, opts Options) (diag.Report, *State, error) {
	s := &State{Source: src, Options: opts}
	report := diag.NewReport("reach", opts.To.Ref())
	if opts.From.IsService() {
		return report, s, fmt.Errorf("FROM cannot be a Service: traffic comes from pods; name the client, e.g. deploy/NAME")
	}
	if err := engine.Walk(ctx, Checks(), s, &report); err != nil {
		return report, s, err
	}
	if s.undecided == nil {
		v := s.verdict()
		if s.undecided = s.policyUndecided(v); s.undecided == nil {
			report.Reach = v
		}
	}
	return report, s, nil
}

// verdict is the reach section of the report: per port, allowed only when every pod
// pair is allowed in both directions (a direction a policy netdoctor does not evaluate
// decides is not); overall, allowed only when every port is and, for a Service, FROM
// can resolve its name and FROM's node forwards to it (the Service proxy is Ready).
func (s *State) verdict() *diag.Reach {
	r := &diag.Reach{Allowed: len(s.Results) > 0, Ports: []diag.PortVerdict{}}
	for _, pr := range s.Results {
		pv := diag.PortVerdict{Port: pr.Case.Port, Name: pr.Case.Name, Protocol: string(pr.Case.Protocol),
			Allowed: pr.Allowed(), DeniedBy: pr.DeniedBy()}
		r.Ports = append(r.Ports, pv)
		r.Allowed = r.Allowed && pv.Allowed
	}
	if len(s.Results) == 0 {
		// TO had nothing to connect to (a Service without pods): every port fails.
		for _, pc := range s.Ports {
			r.Ports = append(r.Ports, diag.PortVerdict{Port: pc.Port, Name: pc.Name, Protocol: string(pc.Protocol)})
		}
	}
	if s.DNS != nil && len(s.DNS.UDP.Denied) > 0 || s.proxyDown {
		r.Allowed = false
	}
	return r
}
