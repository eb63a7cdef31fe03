package dialect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// Unevaluated collects, for one direction over several pod pairs, what the engine did
// not evaluate: the directions it left unknown, and the allowed ones whose requests
// L7 rules further restrict.
type Unevaluated struct {
	Dir          netpol.Direction
	unknown      []netpol.NotEvaluated
	unknownPods  []string
	l7           []string
	l7Pods       []string
	unknownCount int
}

// NewUnevaluated starts an empty collection for dir.
func NewUnevaluated(dir netpol.Direction) *Unevaluated { return &Unevaluated{Dir: dir} }

// Add records the direction verdict of one pair, whose subject pod is pod.
func (u *Unevaluated) Add(dv netpol.DirectionVerdict, pod string) {
	switch {
	case dv.Unknown:
		u.unknownCount++
		for _, n := range dv.NotEvaluated {
			if !containsNE(u.unknown, n) {
				u.unknown = append(u.unknown, n)
			}
		}
		if pod != "" && !slices.Contains(u.unknownPods, pod) {
			u.unknownPods = append(u.unknownPods, pod)
		}
	case dv.Allowed && len(dv.L7) > 0:
		for _, l := range dv.L7 {
			if !slices.Contains(u.l7, l) {
				u.l7 = append(u.l7, l)
			}
		}
		if pod != "" && !slices.Contains(u.l7Pods, pod) {
			u.l7Pods = append(u.l7Pods, pod)
		}
	}
}

func containsNE(list []netpol.NotEvaluated, n netpol.NotEvaluated) bool {
	for _, l := range list {
		if l == n {
			return true
		}
	}
	return false
}

// Unknown reports whether some pair's direction was left unknown.
func (u *Unevaluated) Unknown() bool { return u != nil && u.unknownCount > 0 }

// L7 reports whether some allowed pair is further restricted at L7.
func (u *Unevaluated) L7() bool { return u != nil && len(u.l7) > 0 }

// Refs names the policies behind the unknown directions.
func (u *Unevaluated) Refs() []string {
	var out []string
	if u == nil {
		return out
	}
	for _, n := range u.unknown {
		for _, p := range strings.Split(n.Policy, " and ") {
			if p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Finding is PolicyNotEvaluated about obj when directions were left unknown: whose
// (e.g. "TO's pods") direction depends on what netdoctor does not evaluate, so
// consequence (e.g. "whether they admit FROM is unknown, not allowed") holds. set
// supplies the commands that show the policies.
func (u *Unevaluated) Finding(obj diag.ObjectRef, whose, consequence string, set Set) diag.Finding {
	refs := u.Refs()
	verb := "decides"
	if len(refs) > 1 {
		verb = "decide"
	}
	f := diag.New(diag.PolicyNotEvaluated, obj, "%s %s the %s of %s with something netdoctor does not evaluate, so %s",
		diag.JoinAnd(diag.Limit(refs, 3, diag.MoreCount)), verb, strings.ToLower(string(u.Dir)), whose, consequence)
	for _, n := range limitNE(u.unknown, 8) {
		f = f.WithEvidence(n.String())
	}
	if len(u.unknownPods) > 0 {
		f = f.WithEvidence(fmt.Sprintf("unknown for pods %s", strings.Join(diag.Limit(u.unknownPods, 5, diag.MoreCount), ", ")))
	}
	f = f.WithFix("decide this by hand: read the rules listed for this port, or ask the plugin (%s); a direction netdoctor cannot decide is never reported as allowed",
		askPlugin(refs))
	return withCommands(f, refs, set)
}

// L7Finding is PolicyNotEvaluated about obj when the connection is allowed at L4 and L7
// rules of the allowing policies restrict its requests.
func (u *Unevaluated) L7Finding(obj diag.ObjectRef, whose string, set Set) diag.Finding {
	var refs []string
	for _, l := range u.l7 {
		if ref := policyOfNote(l); ref != "" && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	f := diag.New(diag.PolicyNotEvaluated, obj, "the %s of %s is allowed at L4, but %s further restrict%s the requests it admits (HTTP paths, methods, DNS names...), which netdoctor does not evaluate",
		strings.ToLower(string(u.Dir)), whose, diag.JoinAnd(diag.Limit(refs, 3, diag.MoreCount)), map[bool]string{true: "", false: "s"}[len(refs) > 1])
	for _, l := range diag.Limit(u.l7, 8, diag.MoreCount) {
		f = f.WithEvidence(l)
	}
	f = f.WithFix("if requests fail with 403 or a reset although the connection opens, check the L7 rules of these policies (%s)", askPlugin(refs))
	return withCommands(f, refs, set)
}

// policyOfNote extracts "KIND NS/NAME" from an L7 note "KIND NS/NAME RULE allows ...".
func policyOfNote(note string) string {
	fields := strings.Fields(note)
	switch {
	case len(fields) >= 3 && fields[0] == "Calico":
		return strings.Join(fields[:3], " ")
	case len(fields) >= 2:
		return strings.Join(fields[:2], " ")
	}
	return ""
}

func askPlugin(refs []string) string {
	var ask []string
	all := strings.Join(refs, " ")
	if strings.Contains(all, "Cilium") {
		ask = append(ask, "Cilium: hubble observe for the flow, or cilium-dbg policy get in the agent pod of the node")
	}
	if strings.Contains(all, "Calico") {
		ask = append(ask, "Calico: calicoctl get the policy with its tier and order, and Calico's flow logs")
	}
	if len(ask) == 0 {
		ask = append(ask, "its flow logs")
	}
	return strings.Join(ask, "; ")
}

func withCommands(f diag.Finding, refs []string, set Set) diag.Finding {
	n := 0
	for _, ref := range refs {
		for _, p := range set.Policies {
			if p.Ref() == ref && n < 3 {
				f = f.WithCommands(p.Command())
				n++
			}
		}
	}
	return f
}

func limitNE(items []netpol.NotEvaluated, n int) []netpol.NotEvaluated {
	if len(items) <= n {
		return items
	}
	return items[:n]
}
