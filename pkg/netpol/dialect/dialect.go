// Package dialect reads the network plugins' own policy kinds (Cilium's
// CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, Calico's NetworkPolicy and
// GlobalNetworkPolicy with its Tiers and network sets) from the unstructured objects a
// Source lists, and hands them to the policy engine (pkg/netpol), which evaluates them
// beside NetworkPolicy in each plugin's own order. It also turns what the engine could
// not evaluate into PolicyNotEvaluated findings.
package dialect

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Policy is one policy of a network plugin's own kind, as read.
type Policy struct {
	Kind            source.CNIPolicyKind
	Namespace, Name string
}

// Ref names the policy as the engine and findings do: "CiliumNetworkPolicy shop/web",
// "Calico GlobalNetworkPolicy deny-frontend".
func (p Policy) Ref() string {
	kind := p.Kind.Kind
	if p.Kind.Plugin == netpol.PluginCalico {
		kind = "Calico " + kind
	}
	if p.Namespace == "" {
		return kind + " " + p.Name
	}
	return kind + " " + p.Namespace + "/" + p.Name
}

// Key tells policies apart across kinds and API groups.
func (p Policy) Key() string {
	return p.Kind.GroupVersion.String() + "/" + p.Kind.Kind + "/" + p.Namespace + "/" + p.Name
}

// Command is the kubectl command that shows the policy.
func (p Policy) Command() string {
	return Command(p.Kind.ResourceName(), p.Namespace, p.Name)
}

// Command is "kubectl get RESOURCE NAME [-n NS] -o yaml".
func Command(resource, namespace, name string) string {
	cmd := "kubectl get " + resource + " " + name
	if namespace != "" {
		cmd += " -n " + namespace
	}
	return cmd + " -o yaml"
}

// Set is what a read of the plugins' kinds holds, decoded for the engine.
type Set struct {
	// Policies are the Cilium and Calico policies read, sorted by Ref.
	Policies    []Policy
	Cilium      []netpol.CiliumPolicy
	Calico      []netpol.CalicoPolicy
	Tiers       []netpol.CalicoTier
	NetworkSets []netpol.CalicoNetworkSet
	// Unreadable are objects whose spec does not decode; each stays in the set as a
	// policy that may select every pod of its scope, so that what it decides is
	// unknown rather than guessed.
	Unreadable []string
}

// Empty reports whether no policy was read.
func (s Set) Empty() bool { return len(s.Policies) == 0 }

// Plugins names the plugins of the policies: "Cilium", "Calico" or "Calico and Cilium".
func (s Set) Plugins() string {
	var names []string
	for _, p := range s.Policies {
		if !slices.Contains(names, p.Kind.Plugin) {
			names = append(names, p.Kind.Plugin)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " and ")
}

// AddTo puts the set into the engine's input. The network sets read are all there are:
// the Source lists every kind the API server serves (and offline input is taken as
// the whole cluster).
func (s Set) AddTo(in *netpol.Input) {
	in.Cilium = append(in.Cilium, s.Cilium...)
	in.Calico = append(in.Calico, s.Calico...)
	in.CalicoTiers = append(in.CalicoTiers, s.Tiers...)
	in.CalicoNetworkSets = append(in.CalicoNetworkSets, s.NetworkSets...)
	in.CalicoNetworkSetsKnown = true
}

// calicoSkipped are the names under which Calico's API server lists policies that are
// not its own: Kubernetes NetworkPolicies (knp.default.*) and the admin network
// policies (kanp.*, kbanp.*), which netdoctor evaluates as what they are.
var calicoSkipped = []string{"knp.default.", "kanp.", "kbanp.", "kcnp."}

// Collect decodes items of source.CNIPolicyKinds (duplicates, as reading two
// namespaces returns the cluster-wide ones twice, once). Other kinds are ignored.
func Collect(items []unstructured.Unstructured) Set {
	var s Set
	seen := map[string]bool{}
	for i := range items {
		u := &items[i]
		kind, ok := source.CNIPolicyKindOf(u.GroupVersionKind())
		if !ok {
			continue
		}
		p := Policy{Kind: kind, Namespace: u.GetNamespace(), Name: u.GetName()}
		if kind.ClusterWide {
			p.Namespace = ""
		}
		if seen[p.Key()] {
			continue
		}
		seen[p.Key()] = true
		switch {
		case kind.Kind == "Tier":
			t, err := netpol.DecodeCalicoTier(u.Object, p.Name)
			if err != nil {
				s.Unreadable = append(s.Unreadable, fmt.Sprintf("Calico Tier %s: %v", p.Name, err))
				continue // its policies stay in an unknown tier
			}
			s.Tiers = append(s.Tiers, t)
			continue
		case kind.Kind == "NetworkSet" || kind.Kind == "GlobalNetworkSet":
			ns, err := netpol.DecodeCalicoNetworkSet(u.Object, p.Namespace, p.Name, kind.ClusterWide)
			if err != nil {
				s.Unreadable = append(s.Unreadable, fmt.Sprintf("%s: %v", p.Ref(), err))
				ns = netpol.CalicoNetworkSet{Namespace: p.Namespace, Name: p.Name}
			}
			s.NetworkSets = append(s.NetworkSets, ns)
			continue
		case kind.Plugin == netpol.PluginCalico && hasAnyPrefix(p.Name, calicoSkipped):
			continue
		}
		switch kind.Plugin {
		case netpol.PluginCilium:
			cp, err := netpol.DecodeCiliumPolicy(u.Object, p.Namespace, p.Name, kind.ClusterWide)
			if err != nil {
				s.Unreadable = append(s.Unreadable, fmt.Sprintf("%s: %v", p.Ref(), err))
				cp = unreadableCilium(p, err)
			}
			s.Cilium = append(s.Cilium, cp)
		case netpol.PluginCalico:
			cp, err := netpol.DecodeCalicoPolicy(u.Object, kind.GroupVersion.String(), p.Namespace, p.Name, kind.ClusterWide)
			if err != nil {
				s.Unreadable = append(s.Unreadable, fmt.Sprintf("%s: %v", p.Ref(), err))
				cp = unreadableCalico(p, kind, err)
			}
			s.Calico = append(s.Calico, cp)
		default:
			continue
		}
		s.Policies = append(s.Policies, p)
	}
	sort.SliceStable(s.Policies, func(i, j int) bool { return s.Policies[i].Ref() < s.Policies[j].Ref() })
	return s
}

// unreadableCilium stands for a policy whose spec does not decode: it may select every
// endpoint of its scope, in both directions, with rules netdoctor does not know.
func unreadableCilium(p Policy, err error) netpol.CiliumPolicy {
	why := fmt.Sprintf("spec (%v)", err)
	return netpol.CiliumPolicy{Kind: p.Kind.Kind, Namespace: p.Namespace, Name: p.Name, Rules: []netpol.CiliumRule{{
		Path: "spec", EndpointSelector: &netpol.LabelSelector{}, NotEvaluated: []string{why},
		Ingress: []netpol.CiliumPeerRule{{Path: "spec.ingress"}}, Egress: []netpol.CiliumPeerRule{{Path: "spec.egress"}},
	}}}
}

func unreadableCalico(p Policy, kind source.CNIPolicyKind, err error) netpol.CalicoPolicy {
	return netpol.CalicoPolicy{Kind: p.Kind.Kind, APIVersion: kind.GroupVersion.String(), Namespace: p.Namespace, Name: p.Name,
		Tier: "default", IngressOn: true, EgressOn: true, NotEvaluated: []string{fmt.Sprintf("spec (%v)", err)}}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
