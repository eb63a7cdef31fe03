package policy_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

func cnp(name, ns string, sel map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"endpointSelector": sel, "ingress": []any{map[string]any{"fromEntities": []any{"cluster"}}}},
	}}
}

// lintFindings lints namespace of src and keeps the findings with one of the ids.
func lintFindings(t *testing.T, src source.Source, namespace string, ids ...diag.FindingID) []diag.Finding {
	t.Helper()
	findings, err := policy.Lint(context.Background(), src, namespace)
	if err != nil {
		t.Fatal(err)
	}
	var got []diag.Finding
	for _, f := range findings {
		if slices.Contains(ids, f.ID) {
			got = append(got, f)
		}
	}
	return got
}

func calicoNP(name, ns, sel string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"selector": sel, "types": []any{"Ingress"}, "ingress": []any{map[string]any{"action": "Allow"}}},
	}}
}

func webPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}, Status: corev1.PodStatus{PodIP: "10.0.0.5"}}
}

func TestLintPluginPolicies(t *testing.T) {
	t.Parallel()
	matchApp := func(v string) map[string]any { return map[string]any{"matchLabels": map[string]any{"app": v}} }
	cases := []struct {
		name     string
		policy   runtime.Object
		noPods   bool // the input holds no pod
		want     diag.FindingID
		contains string
	}{
		{"cilium selects no pod", cnp("typo", ns, matchApp("wbe")), false, diag.PolicySelectsNoPods, "CiliumNetworkPolicy shop/typo"},
		{"cilium selects a pod", cnp("ok", ns, matchApp("web")), false, "", ""},
		{"cilium empty selector", cnp("all", ns, map[string]any{}), false, "", ""},
		{"cilium no pods in input", cnp("typo", ns, matchApp("wbe")), true, "", ""},
		{"calico selects no pod", calicoNP("typo", ns, "app == 'wbe'"), false, diag.PolicySelectsNoPods, "Calico NetworkPolicy shop/typo"},
		{"calico selects a pod", calicoNP("ok", ns, "app == 'web'"), false, "", ""},
		{"calico all()", calicoNP("all", ns, "all()"), false, "", ""},
		{"calico no pods in input", calicoNP("typo", ns, "app == 'wbe'"), true, "", ""},
		{"calico selector does not parse", calicoNP("bad", ns, "app == 'web"), false, diag.PolicyNotEvaluated, `spec.selector "app == 'web"`},
		{"calico selector does not parse, no pods", calicoNP("bad", ns, "app = web"), true, diag.PolicyNotEvaluated, "Calico NetworkPolicy shop/bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			objs := []runtime.Object{tc.policy}
			if !tc.noPods {
				objs = append(objs, webPod())
			}
			src := source.FromObjects(objs...)
			for _, namespace := range []string{ns, source.AllNamespaces} {
				got := lintFindings(t, src, namespace, diag.PolicySelectsNoPods, diag.PolicyNotEvaluated)
				if tc.want == "" {
					if len(got) > 0 {
						t.Errorf("namespace %q: unexpected %s: %s", namespace, got[0].ID, got[0].Message)
					}
					continue
				}
				if len(got) != 1 || got[0].ID != tc.want || !strings.Contains(got[0].Message, tc.contains) || got[0].Fix == "" {
					t.Errorf("namespace %q: findings = %+v, want one %s containing %q", namespace, got, tc.want, tc.contains)
				}
			}
		})
	}
}

func TestLintPluginNamespaceSelectors(t *testing.T) {
	t.Parallel()
	cilium := func(peer map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
			"metadata": map[string]any{"name": "p", "namespace": ns},
			"spec": map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
				"ingress": []any{map[string]any{"fromEndpoints": []any{peer}}}},
		}}
	}
	ml := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return map[string]any{"matchLabels": m}
	}
	calico := func(global bool, policyNS, sourceNS string) *unstructured.Unstructured {
		kind, meta := "NetworkPolicy", map[string]any{"name": "p", "namespace": ns}
		spec := map[string]any{"selector": "app == 'web'", "types": []any{"Ingress"}}
		if global {
			kind, meta = "GlobalNetworkPolicy", map[string]any{"name": "p"}
			if policyNS != "" {
				spec["namespaceSelector"] = policyNS
			}
		}
		rule := map[string]any{"action": "Allow"}
		if sourceNS != "" {
			rule["source"] = map[string]any{"namespaceSelector": sourceNS}
		}
		spec["ingress"] = []any{rule}
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": meta, "spec": spec,
		}}
	}
	cases := []struct {
		name     string
		policy   runtime.Object
		noNS     bool // the input holds no Namespace object
		contains string
	}{
		{"cilium namespace name typo", cilium(ml("k8s:io.kubernetes.pod.namespace", "shpo")), false, "spec.ingress[0].fromEndpoints[0] restricts the namespace by k8s:io.kubernetes.pod.namespace=shpo"},
		{"cilium namespace name", cilium(ml("io.kubernetes.pod.namespace", "monitoring", "app", "prom")), false, ""},
		{"cilium namespace label typo", cilium(ml("k8s:io.cilium.k8s.namespace.labels.team", "obs")), false, "io.cilium.k8s.namespace.labels.team=obs"},
		{"cilium namespace label", cilium(ml("k8s:io.cilium.k8s.namespace.labels.team", "observability")), false, ""},
		{"cilium pod labels only", cilium(ml("app", "nothing-has-this")), false, ""},
		{"cilium reserved", cilium(ml("reserved:host", "", "k8s:io.kubernetes.pod.namespace", "shpo")), false, ""},
		{"cilium no namespaces in input", cilium(ml("k8s:io.kubernetes.pod.namespace", "shpo")), true, ""},
		{"calico rule namespaceSelector typo", calico(false, "", "team == 'obs'"), false, `spec.ingress[0].source.namespaceSelector "team == 'obs'" matches no namespace`},
		{"calico rule namespaceSelector", calico(false, "", "team == 'observability'"), false, ""},
		{"calico rule namespaceSelector by name", calico(false, "", "projectcalico.org/name == 'monitoring'"), false, ""},
		{"calico rule all()", calico(false, "", "all()"), false, ""},
		{"calico rule global()", calico(false, "", "global()"), false, ""},
		{"calico global policy namespaceSelector typo", calico(true, "kubernetes.io/metadata.name in {'shpo'}", ""), false, `spec.namespaceSelector "kubernetes.io/metadata.name in {'shpo'}" matches no namespace: the policy applies`},
		{"calico global policy namespaceSelector", calico(true, "kubernetes.io/metadata.name in {'shop'}", ""), false, ""},
		{"calico no namespaces in input", calico(false, "", "team == 'obs'"), true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			objs := []runtime.Object{tc.policy, webPod()}
			if !tc.noNS {
				objs = append(objs,
					&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
					&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "monitoring", Labels: map[string]string{"team": "observability"}}})
			}
			src := source.FromObjects(objs...)
			for _, namespace := range []string{ns, source.AllNamespaces} {
				got := lintFindings(t, src, namespace, diag.NamespaceSelectorMatchesNoNamespaces)
				if tc.contains == "" {
					if len(got) > 0 {
						t.Errorf("namespace %q: unexpected %s: %s", namespace, got[0].ID, got[0].Message)
					}
					continue
				}
				if len(got) != 1 || !strings.Contains(got[0].Message, tc.contains) || got[0].Fix == "" {
					t.Errorf("namespace %q: findings = %+v, want one containing %q", namespace, got, tc.contains)
				}
			}
		})
	}
}
