package policy

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// The lints find NetworkPolicies that do not do what their author meant, without any
// traffic in question: a podSelector that selects nothing protects nothing; a
// namespaceSelector that matches no namespace admits nobody; two peers where one was
// meant admit far more than intended; a port name no pod declares never matches.
// https://kubernetes.io/docs/concepts/services-networking/network-policies/

// Ref returns the finding object of a policy.
func objectRef(np *networkingv1.NetworkPolicy) diag.ObjectRef {
	return diag.ObjectRef{Kind: "NetworkPolicy", Namespace: kube.NamespaceOrDefault(np.Namespace), Name: np.Name}
}

func getCmd(np *networkingv1.NetworkPolicy) string {
	r := objectRef(np)
	return fmt.Sprintf("kubectl get networkpolicy %s -n %s -o yaml", r.Name, r.Namespace)
}

// Lint runs every lint over the NetworkPolicies of namespace (source.AllNamespaces for
// the cluster) and returns their findings, in policy order. The error is the failure to
// list the policies themselves, or a policy the engine rejects as invalid (the API
// server would have rejected it, so it comes from -f input); failures to read pods or namespaces only skip the
// lints that need them and come back as a PermissionDenied or APIError finding with an
// empty Object, for the caller to attribute. Offline, a lint is skipped when the input
// holds none of the objects it compares against (no pods of the policy's namespace,
// or no Namespace objects), because absent input is not evidence of absence.
func Lint(ctx context.Context, src source.Source, namespace string) ([]diag.Finding, error) {
	policies, err := source.List[networkingv1.NetworkPolicy](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	var findings []diag.Finding
	cni, cniErr := src.CNIPolicies(ctx, namespace)
	switch {
	case cniErr == nil:
	case source.IsForbidden(cniErr):
		cni = nil // reach says so where it matters; the NetworkPolicy lints go on
	default:
		findings = append(findings, engine.ReadErrorFinding(cniErr))
		cni = nil
	}
	set := dialect.Collect(cni)
	if len(policies) == 0 && set.Empty() {
		return findings, nil
	}
	var pods []corev1.Pod
	havePods := src.Has(source.KindPod)
	if havePods {
		if pods, err = source.List[corev1.Pod](ctx, src, namespace, nil); err != nil {
			findings = append(findings, engine.ReadErrorFinding(err))
			havePods = false
		}
	}
	var namespaces []corev1.Namespace
	haveNamespaces := src.Has(source.KindNamespace)
	// Namespaces are needed by NamedPorts too (namespaceSelectors of egress peers), so
	// they are read even when only pods were given offline; Objects synthesises them.
	namespaces, nsErr := src.Namespaces(ctx)
	if nsErr != nil {
		findings = append(findings, engine.ReadErrorFinding(nsErr))
		haveNamespaces = false
	}
	// Offline, a namespace whose pods the input does not hold says nothing about
	// whether a selector matches; only namespaces with pods (or workloads, which -f
	// turns into template pods) are judged.
	podNamespaces := map[string]bool{}
	for _, p := range pods {
		podNamespaces[p.Namespace] = true
	}
	// judged is the guard of every lint that compares a policy with the pods of its
	// namespace.
	judged := func(ns string) bool { return havePods && (src.Guarantees(source.Complete) || podNamespaces[ns]) }
	var named *namedPortLinter // built once: each policy is checked against every pod
	podsOf := podsByNamespace(pods)
	for i := range policies {
		np := &policies[i]
		if ns := objectRef(np).Namespace; judged(ns) {
			fs, err := SelectsNoPods(np, podsOf[ns])
			if err != nil {
				return nil, err
			}
			findings = append(findings, fs...)
		}
		if haveNamespaces {
			fs, err := NamespaceSelectors(np, namespaces)
			if err != nil {
				return nil, err
			}
			findings = append(findings, fs...)
		}
		findings = append(findings, AndOr(np)...)
		if havePods && nsErr == nil {
			if named == nil {
				named = newNamedPortLinter(pods, namespaces)
			}
			fs, err := named.lint(np)
			if err != nil {
				return nil, err
			}
			findings = append(findings, fs...)
		}
	}
	if !set.Empty() {
		fs, err := pluginLints(set, pods, namespaces, haveNamespaces, judged)
		if err != nil {
			return nil, err
		}
		findings = append(findings, fs...)
	}
	return findings, nil
}

// podsByNamespace groups pods by namespace (the default one for pods without), sharing
// pods' elements where a namespace's pods are one run, as in every Source's lists: a
// scan -A lints each policy against the pods of its own namespace, and looking through
// every pod of the cluster for each policy grew with the square of the cluster.
func podsByNamespace(pods []corev1.Pod) map[string][]corev1.Pod {
	out := map[string][]corev1.Pod{}
	for start := 0; start < len(pods); {
		ns := kube.NamespaceOrDefault(pods[start].Namespace)
		end := start + 1
		for end < len(pods) && kube.NamespaceOrDefault(pods[end].Namespace) == ns {
			end++
		}
		if first, ok := out[ns]; ok {
			// Another run of the namespace (pods without one, beside "default"): the
			// first run's capacity is cut, so this appends to a copy, never to pods.
			out[ns] = append(first, pods[start:end]...)
		} else {
			out[ns] = pods[start:end:end]
		}
		start = end
	}
	return out
}

// SelectsNoPods reports a policy whose podSelector matches no pod of its namespace.
// The empty selector is not reported: a default-deny policy in a namespace that has no
// pods yet is preparation, not a mistake. pods may hold every pod of the cluster.
func SelectsNoPods(np *networkingv1.NetworkPolicy, pods []corev1.Pod) ([]diag.Finding, error) {
	sel := np.Spec.PodSelector
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return nil, nil
	}
	none, err := netpol.PolicySelectsNoPods(np, pods)
	if err != nil || !none {
		return nil, err
	}
	ref := objectRef(np)
	f := diag.New(diag.PolicySelectsNoPods, ref, "NetworkPolicy %s/%s selects %s, but no pod in namespace %s has those labels: it restricts nothing",
		ref.Namespace, ref.Name, netpol.FormatSelector(&sel), ref.Namespace).
		WithFix("set spec.podSelector to the labels of the pods it should protect (see their workload's pod template), or delete the policy").
		WithCommands(fmt.Sprintf("kubectl get pods -n %s --show-labels", ref.Namespace), getCmd(np))
	if len(sel.MatchExpressions) == 0 {
		var inNS []corev1.Pod
		for _, p := range pods {
			if p.Namespace == ref.Namespace {
				inNS = append(inNS, p)
			}
		}
		for _, m := range finding.NearMisses(sel.MatchLabels, inNS) {
			f = f.WithEvidence("near miss: " + m.Describe() + ", podSelector wants " + m.Key + "=" + m.Want)
		}
	}
	return []diag.Finding{f}, nil
}

// NamespaceSelectors reports every peer whose namespaceSelector matches no namespace;
// the peer admits (or allows egress to) nobody.
func NamespaceSelectors(np *networkingv1.NetworkPolicy, namespaces []corev1.Namespace) ([]diag.Finding, error) {
	misses, err := netpol.NamespaceSelectorsMatchingNothing(np, namespaces)
	if err != nil {
		return nil, err
	}
	ref := objectRef(np)
	var out []diag.Finding
	for _, m := range misses {
		f := diag.New(diag.NamespaceSelectorMatchesNoNamespaces, ref,
			"NetworkPolicy %s/%s %s has namespaceSelector %s, which matches no namespace: that peer admits nobody",
			ref.Namespace, ref.Name, m.PeerRef, m.Selector).
			WithFix("select namespaces by a label they carry; every namespace has %s: <name>, set by the API server", corev1.LabelMetadataName).
			WithCommands("kubectl get namespaces --show-labels", getCmd(np))
		if m.Hint != "" {
			f = f.WithEvidence(m.Hint)
		}
		out = append(out, f)
	}
	return out, nil
}

// AndOr reports rules that list a podSelector and a namespaceSelector as two peers.
func AndOr(np *networkingv1.NetworkPolicy) []diag.Finding {
	ref := objectRef(np)
	var out []diag.Finding
	for _, c := range netpol.PolicyPeerAndOrConfusion(np) {
		f := diag.New(diag.PolicyPeerAndOrConfusion, ref, "NetworkPolicy %s/%s: %s", ref.Namespace, ref.Name, c.Message).
			WithCommands(getCmd(np))
		if c.Suggestion != "" {
			f = f.WithFix("if only those pods of those namespaces are meant, make them one peer (one '-'):\n%s", strings.TrimRight(c.Suggestion, "\n"))
		}
		out = append(out, f)
	}
	return out
}

// NamedPorts reports named ports of a policy's rules that the pods they apply to do
// not declare for that protocol (ingress: the pods the policy selects; egress: the
// pods its peers match). A name no pod declares never matches; one only some pods
// declare allows traffic to those pods only.
func NamedPorts(np *networkingv1.NetworkPolicy, pods []corev1.Pod, namespaces []corev1.Namespace) ([]diag.Finding, error) {
	return newNamedPortLinter(pods, namespaces).lint(np)
}

// namedPortLinter runs NamedPorts for many policies against the same pods, resolving
// and indexing the pods once instead of once per policy.
type namedPortLinter struct {
	pods     []corev1.Pod
	resolved *netpol.ResolvedPods
	byID     map[string]*corev1.Pod // built on the first finding
}

func newNamedPortLinter(pods []corev1.Pod, namespaces []corev1.Namespace) *namedPortLinter {
	return &namedPortLinter{pods: pods, resolved: netpol.ResolvePods(pods, namespaces)}
}

func (l *namedPortLinter) lint(np *networkingv1.NetworkPolicy) ([]diag.Finding, error) {
	misses, err := l.resolved.NamedPortsNotDeclared(np)
	if err != nil {
		return nil, err
	}
	ref := objectRef(np)
	if l.byID == nil && len(misses) > 0 {
		l.byID = make(map[string]*corev1.Pod, len(l.pods))
		for i := range l.pods {
			l.byID[l.pods[i].Namespace+"/"+l.pods[i].Name] = &l.pods[i]
		}
	}
	byID := l.byID
	var out []diag.Finding
	for _, m := range misses {
		field := "spec.ingress"
		if m.Direction == netpol.Egress {
			field = "spec.egress"
		}
		where := fmt.Sprintf("%s[%d].ports[%d]", field, m.Rule, m.Port)
		consequence := "so this port entry never matches"
		if len(m.DeclaredBy) > 0 {
			consequence = fmt.Sprintf("so it matches only on %d of %d pod(s)", len(m.DeclaredBy), len(m.DeclaredBy)+len(m.MissingFrom))
		}
		f := diag.New(diag.NamedPortNotFound, ref, "NetworkPolicy %s/%s %s names port %q (%s), which %s do not declare, %s",
			ref.Namespace, ref.Name, where, m.Name, m.Protocol, podList(m.MissingFrom), consequence).
			WithFix("use a containerPort name the pods declare (with protocol %s), or the port number", m.Protocol).
			WithCommands(getCmd(np))
		for i, id := range m.MissingFrom {
			if i == 3 {
				break
			}
			if p := byID[id]; p != nil {
				f = f.WithEvidence(fmt.Sprintf("%s declares %s", finding.PodDisplayName(p), declared(p)))
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func podList(ids []string) string {
	if len(ids) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(ids[:3], ", "), len(ids)-3)
	}
	return strings.Join(ids, ", ")
}

func declared(p *corev1.Pod) string {
	ports := kube.DeclaredPorts(p)
	if len(ports) == 0 {
		return "no ports"
	}
	parts := make([]string, 0, len(ports))
	for _, d := range ports {
		if d.Name == "" {
			parts = append(parts, fmt.Sprintf("%d/%s", d.Port, d.Protocol))
		} else {
			parts = append(parts, fmt.Sprintf("%s=%d/%s", d.Name, d.Port, d.Protocol))
		}
	}
	return strings.Join(parts, ", ")
}
