package ingress

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ControllerSelector finds the pods of an ingress controller: the pods that open the
// connections to the backends, and so the pods NetworkPolicies must admit.
type ControllerSelector struct {
	// Namespace is "" for every namespace.
	Namespace string
	Selector  labels.Selector
	// Text is the selector as the user or the registry wrote it.
	Text string
}

// String renders the selector as --controller-selector takes it.
func (c *ControllerSelector) String() string {
	if c.Namespace == "" {
		return c.Text
	}
	return c.Namespace + "/" + c.Text
}

// ParseControllerSelector parses --controller-selector: [NAMESPACE/]SELECTOR, where
// SELECTOR is a label selector (app.kubernetes.io/name=ingress-nginx). A namespace is
// recognised only as a DNS label before the first "/" (namespace names have no dots,
// label key prefixes such as app.kubernetes.io do); "*/" means every namespace, which
// is also what a selector alone means.
func ParseControllerSelector(text string) (*ControllerSelector, error) {
	text = strings.TrimSpace(text)
	namespace, sel := "", text
	if before, after, ok := strings.Cut(text, "/"); ok {
		switch {
		case before == "*":
			sel = after
		case len(validation.IsDNS1123Label(before)) == 0 && !strings.ContainsAny(before, "=!,() "):
			if _, err := labels.Parse(after); err == nil && after != "" {
				namespace, sel = before, after
			}
		}
	}
	if sel == "" {
		return nil, fmt.Errorf("--controller-selector %q has no label selector (want [NAMESPACE/]KEY=VALUE,...)", text)
	}
	selector, err := labels.Parse(sel)
	if err != nil {
		return nil, fmt.Errorf("--controller-selector %q: %v", text, err)
	}
	if selector.Empty() {
		return nil, fmt.Errorf("--controller-selector %q selects every pod; give the labels of the controller's pods", text)
	}
	return &ControllerSelector{Namespace: namespace, Selector: selector, Text: sel}, nil
}

// knownController is how to find the proxy pods of a common ingress controller from
// its IngressClass spec.controller. The selectors are tried in order (Helm chart labels
// first, then the older static manifests); the first that matches pods wins.
type knownController struct {
	Name string
	// Prefix matches spec.controller (some controllers put the class name after it).
	Prefix    string
	Selectors []string
}

// knownControllers maps IngressClass controllers to their pods. Keep sorted by name.
var knownControllers = []knownController{
	// Contour programs Envoy; the connections to the backends come from the Envoy pods.
	{Name: "Contour (Envoy)", Prefix: "projectcontour.io/", Selectors: []string{
		"app.kubernetes.io/name=contour,app.kubernetes.io/component=envoy", "app=envoy"}},
	{Name: "HAProxy Ingress", Prefix: "haproxy-ingress.github.io/controller", Selectors: []string{
		"app.kubernetes.io/name=haproxy-ingress", "run=haproxy-ingress"}},
	{Name: "HAProxy Kubernetes Ingress", Prefix: "haproxy.org/ingress-controller", Selectors: []string{
		"app.kubernetes.io/name=kubernetes-ingress", "run=haproxy-ingress"}},
	{Name: "ingress-nginx", Prefix: "k8s.io/ingress-nginx", Selectors: []string{
		"app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller", "app.kubernetes.io/name=ingress-nginx", "app=ingress-nginx"}},
	{Name: "Kong", Prefix: "ingress-controllers.konghq.com/kong", Selectors: []string{
		"app.kubernetes.io/name=kong", "app=kong", "app=ingress-kong"}},
	{Name: "Traefik", Prefix: "traefik.io/ingress-controller", Selectors: []string{
		"app.kubernetes.io/name=traefik", "app=traefik"}},
}

// lookupController returns the registry entry for an IngressClass controller.
func lookupController(controller string) (knownController, bool) {
	for _, k := range knownControllers {
		if strings.HasPrefix(controller, k.Prefix) {
			return k, true
		}
	}
	return knownController{}, false
}

// KnownControllerNames lists the controllers netdoctor finds pods for on its own, for help texts.
func KnownControllerNames() []string {
	names := make([]string, 0, len(knownControllers))
	for _, k := range knownControllers {
		names = append(names, k.Name)
	}
	return names
}

// findControllerPods lists the running pods of sel, ready ones first.
func findControllerPods(ctx context.Context, src source.Source, sel *ControllerSelector) ([]corev1.Pod, error) {
	pods, err := source.List[corev1.Pod](ctx, src, sel.Namespace, sel.Selector)
	if err != nil {
		return nil, err
	}
	var ready, other []corev1.Pod
	for _, p := range pods {
		switch {
		case kube.PodFinished(&p):
		case kube.PodReady(&p):
			ready = append(ready, p)
		default:
			other = append(other, p)
		}
	}
	return append(ready, other...), nil
}
