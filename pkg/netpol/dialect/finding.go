package dialect

import (
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// Unevaluated collects, for one direction, the policies netdoctor does not evaluate
// that select (or may select) some pods, and which pods.
type Unevaluated struct {
	Dir   netpol.Direction
	order []string
	by    map[string]*unevaluated
}

type unevaluated struct {
	sel  Selection
	pods []string
}

// NewUnevaluated starts an empty collection for dir.
func NewUnevaluated(dir netpol.Direction) *Unevaluated {
	return &Unevaluated{Dir: dir, by: map[string]*unevaluated{}}
}

// AddPod records every policy of policies that selects s for the direction, and
// reports whether there was any.
func (u *Unevaluated) AddPod(policies []Policy, s Subject) bool {
	sels := Selecting(policies, s, u.Dir)
	for _, sel := range sels {
		key := sel.Policy.Key()
		e, ok := u.by[key]
		if !ok {
			e = &unevaluated{sel: sel}
			u.by[key] = e
			u.order = append(u.order, key)
		}
		if sel.Match > e.sel.Match {
			e.sel.Match, e.sel.Why = sel.Match, sel.Why
		}
		if !contains(e.pods, s.Pod.Name) {
			e.pods = append(e.pods, s.Pod.Name)
		}
	}
	return len(sels) > 0
}

// Empty reports whether no policy was recorded.
func (u *Unevaluated) Empty() bool { return u == nil || len(u.order) == 0 }

// Refs names the recorded policies: "CiliumNetworkPolicy shop/l7".
func (u *Unevaluated) Refs() []string {
	out := make([]string, 0, len(u.order))
	for _, k := range u.order {
		out = append(out, u.by[k].sel.Policy.Ref())
	}
	return out
}

// Policies are the recorded policies, in the order they were first seen.
func (u *Unevaluated) Policies() []Policy {
	out := make([]Policy, 0, len(u.order))
	for _, k := range u.order {
		out = append(out, u.by[k].sel.Policy)
	}
	return out
}

// Finding is PolicyNotEvaluated about obj: whose (e.g. "TO's pods") direction is decided
// by these policies too, so consequence (e.g. "the ingress of TO is unknown") holds.
func (u *Unevaluated) Finding(obj diag.ObjectRef, whose, consequence string) diag.Finding {
	refs := u.Refs()
	verb := "selects"
	if len(refs) > 1 {
		verb = "select"
	}
	f := diag.New(diag.PolicyNotEvaluated, obj, "%s %s %s for %s; netdoctor does not evaluate %s policies yet, so %s",
		joinAnd(limit(refs, 3)), verb, whose, strings.ToLower(string(u.Dir)), Plugins(u.Policies()), consequence)
	for _, k := range u.order {
		e := u.by[k]
		f = f.WithEvidence(e.sel.Evidence(u.Dir, "pods "+strings.Join(limit(e.pods, 5), ", ")))
	}
	var ask []string
	for _, plugin := range strings.Split(Plugins(u.Policies()), " and ") {
		switch plugin {
		case "Cilium":
			ask = append(ask, "Cilium: hubble observe for the flow, or cilium-dbg policy get in the agent pod of the node")
		case "Calico":
			ask = append(ask, "Calico: calicoctl get the policy with its order and tier, and Calico's flow logs")
		}
	}
	f = f.WithFix("decide by hand whether these policies allow this traffic (netdoctor's verdict covers NetworkPolicy and AdminNetworkPolicy only): read their %s rules for this port, or ask the plugin (%s)",
		strings.ToLower(string(u.Dir)), strings.Join(ask, "; "))
	for _, p := range limitPolicies(u.Policies(), 3) {
		f = f.WithCommands(p.Command())
	}
	return f
}

func limit(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(append([]string{}, items[:n]...), fmt.Sprintf("%d more", len(items)-n))
}

func limitPolicies(ps []Policy, n int) []Policy {
	if len(ps) <= n {
		return ps
	}
	return ps[:n]
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
