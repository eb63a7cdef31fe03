// Package dialect reads the network plugins' own policy kinds (Cilium's
// CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, Calico's NetworkPolicy and
// GlobalNetworkPolicy) far enough to tell which pods they select and for which
// direction. It does not evaluate their rules: netdoctor's engine (pkg/netpol) knows
// networking.k8s.io NetworkPolicy and the admin policies only. A direction of a pod that
// such a policy selects is decided by rules netdoctor has not read, so callers report it
// as unknown (PolicyNotEvaluated), never as allowed or denied.
//
// Selection is evaluated where that is easy and certain: Cilium endpointSelector
// matchLabels and matchExpressions (with the k8s:/any: prefixes and the namespace and
// service account labels Cilium adds), and Calico selector expressions (==, !=, in,
// not in, has, contains, starts with, ends with, all(), !, &&, || and parentheses). What
// it cannot evaluate it assumes may select the pod (Maybe): a wrong "does not apply"
// would let a guess through as a verdict.
package dialect

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Match is whether a policy selects a pod: three-valued, because some selectors use
// forms netdoctor does not evaluate.
type Match int

// Matches, from "certainly not" to "certainly".
const (
	NoMatch Match = iota
	Maybe
	Selects
)

func (m Match) String() string {
	switch m {
	case Selects:
		return "selects"
	case Maybe:
		return "may select"
	}
	return "does not select"
}

// and, or and not are Kleene's three-valued logic: Maybe stays Maybe unless the other
// side decides.
func and(a, b Match) Match { return min(a, b) }
func or(a, b Match) Match  { return max(a, b) }
func not(a Match) Match    { return Selects - a }

// Subject is the pod a policy might select, with its namespace (for namespace labels;
// nil when unknown).
type Subject struct {
	Pod       *corev1.Pod
	Namespace *corev1.Namespace
}

// label looks up a label of the pod or, with ns, of its namespace. The namespace name
// label is always there, as the API server sets it.
func (s Subject) nsLabel(key string) (string, bool, bool) {
	if key == "kubernetes.io/metadata.name" {
		return s.Pod.Namespace, true, true
	}
	if s.Namespace == nil {
		return "", false, false
	}
	v, ok := s.Namespace.Labels[key]
	return v, ok, true
}

func (s Subject) serviceAccount() string {
	if s.Pod.Spec.ServiceAccountName != "" {
		return s.Pod.Spec.ServiceAccountName
	}
	return "default"
}

// lookup is how a selector reads a key: the value, whether it is present, and whether
// netdoctor can know it at all (false for labels the plugin adds that the API does not
// show).
type lookup func(key string) (value string, present, known bool)

// rule is one part of a policy that selects endpoints for some directions.
type rule struct {
	where           string // "spec", "specs[1]"
	ingress, egress bool
	selects         func(Subject) (Match, string)
}

// Policy is one policy of a network plugin's own kind.
type Policy struct {
	Kind            source.CNIPolicyKind
	Namespace, Name string
	rules           []rule
}

// Ref names the policy as findings do: "CiliumNetworkPolicy shop/allow-web".
func (p Policy) Ref() string {
	if p.Namespace == "" {
		return p.Kind.Kind + " " + p.Name
	}
	return p.Kind.Kind + " " + p.Namespace + "/" + p.Name
}

// Key tells policies apart across kinds and API groups.
func (p Policy) Key() string {
	return p.Kind.GroupVersion.String() + "/" + p.Kind.Kind + "/" + p.Namespace + "/" + p.Name
}

// Command is the kubectl command that shows the policy.
func (p Policy) Command() string {
	cmd := "kubectl get " + p.Kind.ResourceName() + " " + p.Name
	if p.Namespace != "" {
		cmd += " -n " + p.Namespace
	}
	return cmd + " -o yaml"
}

// Decides reports whether some rule of the policy applies to dir at all.
func (p Policy) Decides(dir netpol.Direction) bool {
	for _, r := range p.rules {
		if r.applies(dir) {
			return true
		}
	}
	return false
}

func (r rule) applies(dir netpol.Direction) bool {
	if dir == netpol.Egress {
		return r.egress
	}
	return r.ingress
}

// Selects says whether the policy selects the subject's pod for dir, and why.
func (p Policy) Selects(s Subject, dir netpol.Direction) (Match, string) {
	best, why := NoMatch, ""
	for _, r := range p.rules {
		if !r.applies(dir) {
			continue
		}
		m, reason := r.selects(s)
		if m > best {
			best, why = m, reason
			if len(p.rules) > 1 {
				why = r.where + ": " + why
			}
		}
		if best == Selects {
			break
		}
	}
	return best, why
}

// Parse reads one object of source.CNIPolicyKinds. ok is false for any other kind, and
// for the Kubernetes NetworkPolicies that Calico lists among its own as
// "knp.default.NAME" (netdoctor evaluates those as NetworkPolicies already).
func Parse(u *unstructured.Unstructured) (Policy, bool) {
	kind, ok := source.CNIPolicyKindOf(u.GroupVersionKind())
	if !ok {
		return Policy{}, false
	}
	p := Policy{Kind: kind, Namespace: u.GetNamespace(), Name: u.GetName()}
	if kind.ClusterWide {
		p.Namespace = ""
	}
	switch kind.Plugin {
	case "Cilium":
		p.rules = ciliumRules(u.Object, p.Namespace, kind.ClusterWide)
	case "Calico":
		if strings.HasPrefix(p.Name, "knp.default.") {
			return Policy{}, false
		}
		spec, _ := u.Object["spec"].(map[string]any)
		p.rules = calicoRules(spec, p.Namespace, kind.ClusterWide)
	}
	return p, true
}

// ParseAll parses the policies of items (duplicates, as reading two namespaces returns
// the cluster-wide ones twice, once), sorted by Ref.
func ParseAll(items []unstructured.Unstructured) []Policy {
	seen := map[string]bool{}
	var out []Policy
	for i := range items {
		p, ok := Parse(&items[i])
		if !ok || seen[p.Key()] {
			continue
		}
		seen[p.Key()] = true
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Ref() < out[j].Ref() })
	return out
}

// Selection is a policy that selects, or may select, a pod for a direction.
type Selection struct {
	Policy Policy
	Match  Match
	Why    string
}

// Evidence is one line for a finding: which policy selects which pods, and why.
func (s Selection) Evidence(dir netpol.Direction, pods string) string {
	return fmt.Sprintf("%s (%s) %s %s for %s: %s", s.Policy.Ref(), s.Policy.Kind.GroupVersion, s.Match, pods,
		strings.ToLower(string(dir)), s.Why)
}

// Selecting returns the policies that select, or may select, the subject for dir.
func Selecting(policies []Policy, s Subject, dir netpol.Direction) []Selection {
	var out []Selection
	for _, p := range policies {
		if m, why := p.Selects(s, dir); m != NoMatch {
			out = append(out, Selection{Policy: p, Match: m, Why: why})
		}
	}
	return out
}

// Plugins names the plugins of the policies, "Cilium", "Calico" or "Cilium and Calico".
func Plugins(policies []Policy) string {
	var names []string
	for _, p := range policies {
		if !contains(names, p.Kind.Plugin) {
			names = append(names, p.Kind.Plugin)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " and ")
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
