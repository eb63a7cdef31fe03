package policy

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
)

// pluginLints lints the Cilium and Calico policies of set: a namespaced one whose
// selector selects no pod of its namespace (PolicySelectsNoPods, where judged says the
// pods of the namespace are known), and a Calico selector that does not parse
// (PolicyNotEvaluated), and, where haveNamespaces says the namespaces are known, a
// namespace selector of a rule (or of a Calico policy) that matches no namespace
// (NamespaceSelectorMatchesNoNamespaces). Selection is decided as the engine decides it
// for reach.
func pluginLints(set dialect.Set, pods []corev1.Pod, namespaces []corev1.Namespace, haveNamespaces bool, judged func(ns string) bool) ([]diag.Finding, error) {
	var resolved *netpol.ResolvedPods
	resolve := func() *netpol.ResolvedPods {
		if resolved == nil {
			resolved = netpol.ResolvePods(pods, namespaces)
		}
		return resolved
	}
	var out []diag.Finding
	for _, p := range set.Policies {
		ref := pluginObjectRef(p)
		// Each plugin reads its namespace selectors and its pod selector its own way;
		// the lints after the switch hold for every plugin, so a new one gets them all.
		var namespaceMisses func() []netpol.PluginNamespaceSelectorFinding
		var selection func() (netpol.PluginPodSelection, error)
		var selectorField string
		switch p.Kind.Plugin {
		case netpol.PluginCilium:
			cp := findCilium(set, p)
			if cp == nil {
				continue
			}
			namespaceMisses = func() []netpol.PluginNamespaceSelectorFinding {
				return netpol.CiliumNamespaceSelectorsMatchingNothing(cp, namespaces)
			}
			selection = func() (netpol.PluginPodSelection, error) { return resolve().CiliumSelection(cp) }
			selectorField = "spec.endpointSelector"
		case netpol.PluginCalico:
			cp := findCalico(set, p)
			if cp == nil {
				continue
			}
			if bad := netpol.CalicoUnparsedSelectors(cp); len(bad) > 0 {
				f := diag.New(diag.PolicyNotEvaluated, ref, "%s has a selector netdoctor cannot parse: %s; where it decides, the verdict is unknown",
					p.Ref(), strings.Join(bad, "; ")).
					WithFix("correct the selector to Calico's selector syntax (e.g. app == 'web' && has(tier)); Calico rejects or ignores what does not parse").
					WithCommands(p.Command())
				out = append(out, f)
			}
			namespaceMisses = func() []netpol.PluginNamespaceSelectorFinding {
				return netpol.CalicoNamespaceSelectorsMatchingNothing(cp, namespaces)
			}
			selection = func() (netpol.PluginPodSelection, error) { return resolve().CalicoSelection(cp) }
			selectorField = "spec.selector"
		default:
			continue
		}
		if haveNamespaces {
			out = append(out, pluginNamespaceSelectors(p, ref, namespaceMisses())...)
		}
		if p.Namespace == "" || !judged(p.Namespace) {
			continue
		}
		sel, err := selection()
		if err != nil {
			return nil, err
		}
		if sel.Judged && sel.None {
			out = append(out, pluginSelectsNoPods(p, ref, sel, selectorField))
		}
	}
	return out, nil
}

func pluginSelectsNoPods(p dialect.Policy, ref diag.ObjectRef, sel netpol.PluginPodSelection, field string) diag.Finding {
	return diag.New(diag.PolicySelectsNoPods, ref, "%s selects by %s, but no pod in namespace %s matches: it restricts nothing",
		p.Ref(), sel.Selector, p.Namespace).
		WithFix("set %s to the labels of the pods it should protect (see their workload's pod template), or delete the policy", field).
		WithCommands(fmt.Sprintf("kubectl get pods -n %s --show-labels", p.Namespace), p.Command())
}

func pluginNamespaceSelectors(p dialect.Policy, ref diag.ObjectRef, misses []netpol.PluginNamespaceSelectorFinding) []diag.Finding {
	var out []diag.Finding
	for _, m := range misses {
		var f diag.Finding
		if p.Kind.Plugin == netpol.PluginCilium {
			f = diag.New(diag.NamespaceSelectorMatchesNoNamespaces, ref,
				"%s %s restricts the namespace by %s, which matches no namespace: that peer matches nobody", p.Ref(), m.Field, m.Selector).
				WithFix("name an existing namespace in io.kubernetes.pod.namespace, or select by a label namespaces carry (k8s:io.cilium.k8s.namespace.labels.<key>; every namespace has %s)", corev1.LabelMetadataName)
		} else {
			consequence := "that peer matches nobody"
			if m.Field == "spec.namespaceSelector" {
				consequence = "the policy applies to no endpoint"
			}
			f = diag.New(diag.NamespaceSelectorMatchesNoNamespaces, ref,
				"%s %s %q matches no namespace: %s", p.Ref(), m.Field, m.Selector, consequence).
				WithFix("select namespaces by a label they carry (Calico matches namespaceSelector against the Namespace's labels); every namespace has %s: <name>, set by the API server", corev1.LabelMetadataName)
		}
		out = append(out, f.WithCommands("kubectl get namespaces --show-labels", p.Command()))
	}
	return out
}

// pluginObjectRef is the finding object of a plugin policy; Calico's kinds carry their
// API group so that they are not taken for a Kubernetes NetworkPolicy of that name.
func pluginObjectRef(p dialect.Policy) diag.ObjectRef {
	kind := p.Kind.Kind
	if p.Kind.Plugin == netpol.PluginCalico {
		kind += "." + p.Kind.GroupVersion.Group
	}
	return diag.ObjectRef{Kind: kind, Namespace: p.Namespace, Name: p.Name}
}

func findCilium(set dialect.Set, p dialect.Policy) *netpol.CiliumPolicy {
	for i := range set.Cilium {
		c := &set.Cilium[i]
		if c.Kind == p.Kind.Kind && c.Namespace == p.Namespace && c.Name == p.Name {
			return c
		}
	}
	return nil
}

func findCalico(set dialect.Set, p dialect.Policy) *netpol.CalicoPolicy {
	for i := range set.Calico {
		c := &set.Calico[i]
		if c.Kind == p.Kind.Kind && c.APIVersion == p.Kind.GroupVersion.String() && c.Namespace == p.Namespace && c.Name == p.Name {
			return c
		}
	}
	return nil
}
