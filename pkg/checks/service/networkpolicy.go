package service

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// CheckNetworkPolicy is the svc check that says who may reach the Service's pods.
const CheckNetworkPolicy = "service.networkpolicy"

// checkNetworkPolicy: once a NetworkPolicy selects a pod for ingress, only what its
// rules admit reaches it, through the Service or not. Endpoints can be perfect and
// clients still time out, so the svc tree says who may connect; `reach` explains one
// client. It never fails: the client is unknown here. Offline it is skipped when the
// input holds no NetworkPolicies, since absent input proves nothing.
func checkNetworkPolicy(ctx context.Context, s *State) engine.Result {
	if len(s.Pods) == 0 {
		return engine.Skip("no pods selected")
	}
	cni, cniNote, cniErr := s.cniPolicies(ctx)
	hasNP := s.Source.Live() || s.Source.Has("NetworkPolicy")
	if !hasNP && len(cni) == 0 && cniErr == nil {
		return engine.Skip("the input holds no NetworkPolicies")
	}
	res := engine.Pass("no NetworkPolicy isolates the pods for ingress: any pod may connect")
	if hasNP {
		policies, err := s.Source.NetworkPolicies(ctx, s.Namespace)
		if err != nil {
			return engine.ReadError(err)
		}
		model, err := netpol.Compile(policies)
		if err != nil {
			return engine.Skip("NetworkPolicies in %s are invalid: %v", s.Namespace, err)
		}
		res = whoMayConnect(s, model)
	} else {
		res = engine.Pass("the input holds no NetworkPolicies")
	}
	// Policies of the network plugin's own kinds decide too; netdoctor does not evaluate
	// them, so where one selects the pods, who may connect is not known.
	unevaluated := dialect.NewUnevaluated(netpol.Ingress)
	for i := range s.Pods {
		unevaluated.AddPod(cni, dialect.Subject{Pod: &s.Pods[i]})
	}
	switch {
	case cniErr != nil:
		res.Status = diag.StatusUnknown
		res.Findings = append(res.Findings, engine.ReadErrorFinding(cniErr).
			WithEvidence("who may connect leaves out any Cilium or Calico policy selecting the pods"))
	case !unevaluated.Empty():
		res.Detail += "; also selected for ingress by " + strings.Join(unevaluated.Refs(), ", ") + ", which netdoctor does not evaluate"
		res.Status = diag.StatusWarn
		res.Findings = append(res.Findings, unevaluated.Finding(s.Ref(), "pods of Service "+s.Namespace+"/"+s.Name,
			"who may connect to them is unknown: what the NetworkPolicies admit is not the whole answer"))
	case cniNote != "":
		res = res.WithDetails(cniNote)
	}
	return res
}

// whoMayConnect is the NetworkPolicy part of the check: which policies isolate the pods
// and what their rules admit.
func whoMayConnect(s *State, model *netpol.Model) engine.Result {
	seen := map[string]bool{}
	var selecting []*networkingv1.NetworkPolicy
	isolated := 0
	for i := range s.Pods {
		ps := model.PoliciesSelecting(&s.Pods[i], netpol.Ingress)
		if len(ps) > 0 {
			isolated++
		}
		for _, p := range ps {
			if !seen[p.Name] {
				seen[p.Name] = true
				selecting = append(selecting, p)
			}
		}
	}
	if isolated == 0 {
		return engine.Pass("no NetworkPolicy isolates the pods for ingress: any pod may connect")
	}
	var who, names, details []string
	for _, p := range selecting {
		names = append(names, p.Name)
		if len(p.Spec.Ingress) == 0 {
			details = append(details, p.Name+": admits nothing (default deny)")
			continue
		}
		for i, r := range p.Spec.Ingress {
			line := ingressRuleSummary(r)
			details = append(details, fmt.Sprintf("%s spec.ingress[%d]: %s", p.Name, i, line))
			who = append(who, line)
		}
	}
	admitted := "nothing"
	if len(who) > 0 {
		admitted = strings.Join(who, "; ")
	}
	details = append(details, fmt.Sprintf("check one client: kubectl netdoctor reach deploy/CLIENT svc/%s -n %s", s.Name, s.Namespace))
	return engine.Pass("%d of %d pod(s) isolated for ingress by %s; admitted: %s", isolated, len(s.Pods), strings.Join(names, ", "), admitted).
		WithDetails(details...)
}

// cniPolicies reads the network plugins' own policies of the namespace (and the
// cluster-wide ones). Live, they are asked for only where the cluster shows signs of
// Cilium or Calico (their agents in kube-system, what they write on the Nodes): such
// policies do nothing without their plugin, and svc keeps to its request budget. note,
// when set, says why they were not read.
func (s *State) cniPolicies(ctx context.Context) (policies []dialect.Policy, note string, err error) {
	if s.Source.Live() {
		cilium, calico, known := s.dataPlane().PolicyPlugins(ctx)
		if known && !cilium && !calico {
			return nil, "no Cilium or Calico runs here (none in " + dataplane.Namespace + ", none on the Nodes): their policy kinds were not read", nil
		}
	} else if !s.Source.Has(source.KindCNIPolicy) {
		return nil, "", nil
	}
	items, err := s.Source.CNIPolicies(ctx, s.Namespace)
	if err != nil {
		return nil, "", err
	}
	return dialect.ParseAll(items), "", nil
}

// ingressRuleSummary renders who a rule admits on which ports: "from pods app=web on
// 8080/TCP".
func ingressRuleSummary(r networkingv1.NetworkPolicyIngressRule) string {
	from := "everyone"
	if len(r.From) > 0 {
		var peers []string
		for _, p := range r.From {
			switch {
			case p.IPBlock != nil:
				peers = append(peers, "ipBlock "+p.IPBlock.CIDR)
			case p.NamespaceSelector != nil && p.PodSelector != nil:
				peers = append(peers, "pods "+selectorText(p.PodSelector)+" in namespaces "+selectorText(p.NamespaceSelector))
			case p.NamespaceSelector != nil:
				peers = append(peers, "namespaces "+selectorText(p.NamespaceSelector))
			case p.PodSelector != nil:
				peers = append(peers, "pods "+selectorText(p.PodSelector))
			}
		}
		from = strings.Join(peers, " or ")
	}
	on := "all ports"
	if len(r.Ports) > 0 {
		var ports []string
		for _, p := range r.Ports {
			proto := "TCP"
			if p.Protocol != nil {
				proto = string(*p.Protocol)
			}
			port := "all"
			if p.Port != nil {
				port = p.Port.String()
				if p.EndPort != nil {
					port += fmt.Sprintf("-%d", *p.EndPort)
				}
			}
			ports = append(ports, port+"/"+proto)
		}
		on = strings.Join(ports, ", ")
	}
	return "from " + from + " on " + on
}

func selectorText(ls *metav1.LabelSelector) string {
	if s := metav1.FormatLabelSelector(ls); s != "<none>" {
		return s
	}
	return "{}"
}
