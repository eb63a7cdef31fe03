package service

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

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
// input holds no NetworkPolicies, since absent input proves nothing. The network
// plugins' own policies (Cilium, Calico) selecting the pods are listed with their
// rules; only what the engine does not evaluate in them is PolicyNotEvaluated.
func checkNetworkPolicy(ctx context.Context, s *State) engine.Result {
	if len(s.Pods) == 0 {
		return engine.Skip("no pods selected")
	}
	p := s.namespacePolicies(ctx)
	switch {
	case p.none:
		return engine.Skip("the input holds no NetworkPolicies")
	case p.readErr != nil:
		return engine.ReadError(p.readErr)
	case p.invalid != nil:
		return engine.Skip("policies selecting the pods of %s are invalid: %v", s.Namespace, p.invalid)
	}
	res := engine.Pass("the input holds no NetworkPolicies")
	if p.hasNP {
		res = whoMayConnect(s, p.model)
	}
	switch {
	case p.cniErr != nil:
		res.Status = diag.StatusUnknown
		res.Findings = append(res.Findings, engine.ReadErrorFinding(p.cniErr).
			WithEvidence("who may connect leaves out any Cilium or Calico policy selecting the pods"))
		return res
	case p.cniNote != "":
		return res.WithDetails(p.cniNote)
	}
	return pluginWhoMayConnect(s, p.model, p.cni, res)
}

// namespacePolicies is what checkNetworkPolicy derives from the policies of the
// Service's namespace alone: the same for every Service of it, so a scan reads and
// compiles them once per namespace (source.Memo), not once per Service. Read-only.
type namespacePolicies struct {
	hasNP   bool // the input can hold NetworkPolicies (always, live)
	none    bool // no NetworkPolicy and no Cilium or Calico policy can apply
	model   *netpol.Model
	cni     dialect.Set
	cniNote string
	cniErr  error // the Cilium and Calico policies could not be read
	readErr error // the NetworkPolicies could not be read
	invalid error // they could not be compiled
}

func (s *State) namespacePolicies(ctx context.Context) namespacePolicies {
	p, _ := source.Memo(s.Source, CheckNetworkPolicy+"|"+s.Namespace, func() (namespacePolicies, error) {
		var p namespacePolicies
		p.cni, p.cniNote, p.cniErr = s.cniPolicies(ctx)
		p.hasNP = s.Source.Has(source.KindNetworkPolicy)
		if p.none = !p.hasNP && p.cni.Empty() && p.cniErr == nil; p.none {
			return p, nil
		}
		var policies []networkingv1.NetworkPolicy
		if p.hasNP {
			if policies, p.readErr = source.List[networkingv1.NetworkPolicy](ctx, s.Source, s.Namespace, nil); p.readErr != nil {
				return p, nil
			}
		}
		in := netpol.Input{NetworkPolicies: policies}
		p.cni.AddTo(&in)
		p.model, p.invalid = netpol.CompileInput(in)
		return p, nil
	})
	return p
}

// pluginWhoMayConnect adds the Cilium and Calico policies selecting the pods for
// ingress, rule by rule, and PolicyNotEvaluated where they use what the engine does not
// evaluate (L7 rules included: they restrict requests, which svc cannot judge).
func pluginWhoMayConnect(s *State, model *netpol.Model, cni dialect.Set, res engine.Result) engine.Result {
	seen := map[string]bool{}
	var refs, details, unevaluated []string
	for i := range s.Pods {
		for _, sel := range model.PluginPoliciesSelecting(netpol.Peer{Pod: &s.Pods[i]}, netpol.Ingress) {
			if seen[sel.Ref] {
				continue
			}
			seen[sel.Ref] = true
			refs = append(refs, sel.Ref)
			for _, r := range sel.Rules {
				details = append(details, sel.Ref+" "+r)
			}
			if sel.MaySelect {
				unevaluated = append(unevaluated, sel.Ref+": may select the pods: "+sel.Selects)
			}
			for _, n := range sel.NotEvaluated {
				unevaluated = append(unevaluated, sel.Ref+": not evaluated: "+n)
			}
			for _, l := range sel.L7 {
				unevaluated = append(unevaluated, sel.Ref+" "+l+": restricts the requests of allowed connections (not evaluated)")
			}
		}
	}
	if len(refs) == 0 {
		return res
	}
	calico := false
	for _, r := range refs {
		calico = calico || strings.HasPrefix(r, "Calico ")
	}
	if calico {
		// Calico's first matching rule decides: what the NetworkPolicies alone admit is
		// not the answer, the order is.
		res.Detail = "the pods' ingress is decided in Calico's order (tier, then order; Kubernetes NetworkPolicies at 1000 in the default tier), the first matching rule wins: " + strings.Join(diag.Limit(refs, 4, diag.MoreCount), ", ")
		res.Details = nil
	} else {
		res.Detail = strings.TrimSuffix(res.Detail, ": any pod may connect")
		res.Detail += "; selected for ingress by " + strings.Join(refs, ", ") + ", whose allows add to the NetworkPolicies' and whose deny rules win over every allow"
	}
	res = res.WithDetails(details...)
	if len(unevaluated) > 0 {
		res.Status = diag.StatusWarn
		f := diag.New(diag.PolicyNotEvaluated, s.Ref(), "%s select%s the pods of Service %s/%s for ingress with rules netdoctor does not fully evaluate: who may connect is not the whole answer",
			strings.Join(diag.Limit(refs, 3, diag.MoreCount), ", "), map[bool]string{true: "", false: "s"}[len(refs) > 1], s.Namespace, s.Name).
			WithEvidence(diag.Limit(unevaluated, 8, diag.MoreCount)...).
			WithFix("check one client with kubectl netdoctor reach deploy/CLIENT svc/%s -n %s; for what is not evaluated, ask the plugin (Cilium: hubble observe; Calico: calicoctl and its flow logs)", s.Name, s.Namespace)
		for _, p := range cni.Policies {
			for _, ref := range refs {
				if strings.HasPrefix(ref, p.Ref()) && len(f.Commands) < 3 {
					f = f.WithCommands(p.Command())
				}
			}
		}
		res.Findings = append(res.Findings, f)
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
func (s *State) cniPolicies(ctx context.Context) (policies dialect.Set, note string, err error) {
	if s.Source.Guarantees(source.Complete) {
		cilium, calico, known := s.dataPlane().PolicyPlugins(ctx)
		if known && !cilium && !calico {
			return dialect.Set{}, "no Cilium or Calico runs here (none in " + dataplane.Namespace + ", none on the Nodes): their policy kinds were not read", nil
		}
	} else if !s.Source.Has(source.KindCNIPolicy) {
		return dialect.Set{}, "", nil
	}
	items, err := s.Source.CNIPolicies(ctx, s.Namespace)
	if err != nil {
		return dialect.Set{}, "", err
	}
	return dialect.Collect(items), "", nil
}

// ingressRuleSummary renders who a rule admits on which ports: "from pods app=web on
// 8080/TCP".
func ingressRuleSummary(r networkingv1.NetworkPolicyIngressRule) string {
	return netpol.RuleSummary(netpol.Ingress, r.From, r.Ports)
}
