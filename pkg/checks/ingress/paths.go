package ingress

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
)

// Path is one place the Ingress routes requests from: a rule's path, or the default
// backend that gets every request no rule matches.
type Path struct {
	// Host is the rule host; "" matches every host.
	Host     string
	Path     string
	PathType networkingv1.PathType
	// Default marks spec.defaultBackend.
	Default bool
	Backend networkingv1.IngressBackend
}

// Where names the path as an engineer reads it: "foo.bar.com/api (Prefix)".
func (p Path) Where() string {
	if p.Default {
		return "defaultBackend"
	}
	host := p.Host
	if host == "" {
		host = "*"
	}
	return fmt.Sprintf("%s%s (%s)", host, p.Path, p.PathType)
}

// enumeratePaths lists every rule path and the default backend in spec order. A path
// without pathType (only possible in manifests that never met the API server, which
// requires it) is read as ImplementationSpecific, the controller's own matching.
func enumeratePaths(ing *networkingv1.Ingress) []Path {
	var out []Path
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, hp := range r.HTTP.Paths {
			pt := networkingv1.PathTypeImplementationSpecific
			if hp.PathType != nil {
				pt = *hp.PathType
			}
			path := hp.Path
			if path == "" {
				path = "/"
			}
			out = append(out, Path{Host: r.Host, Path: path, PathType: pt, Backend: hp.Backend})
		}
	}
	if ing.Spec.DefaultBackend != nil {
		out = append(out, Path{Default: true, Backend: *ing.Spec.DefaultBackend})
	}
	return out
}

// portRef converts an Ingress service backend port.
func portRef(p networkingv1.ServiceBackendPort) backend.PortRef {
	return backend.PortRef{Number: p.Number, Name: p.Name}
}

// PathSemantics explains which request paths a path of this type matches, following
// the Ingress API (https://kubernetes.io/docs/concepts/services-networking/ingress/#path-types):
// Exact matches the path exactly; Prefix matches element by element split on "/", so
// /foo matches /foo and /foo/bar but not /foobar, and a trailing slash is ignored;
// ImplementationSpecific leaves it to the controller of the class.
func PathSemantics(pt networkingv1.PathType, path string) string {
	switch pt {
	case networkingv1.PathTypeExact:
		return fmt.Sprintf("Exact: only %s (case-sensitive; %s/ does not match)", path, strings.TrimSuffix(path, "/"))
	case networkingv1.PathTypePrefix:
		trimmed := strings.TrimSuffix(path, "/")
		if trimmed == "" {
			return "Prefix /: every path"
		}
		return fmt.Sprintf("Prefix: %s and %s/… by whole path elements, not %s-v2 (a trailing slash is ignored)", trimmed, trimmed, trimmed)
	default:
		return "ImplementationSpecific: matching is up to the class's controller (ingress-nginx treats it as a prefix, or as a regex with nginx.ingress.kubernetes.io/use-regex)"
	}
}

// normalizedPrefix is the path a Prefix match compares element by element.
func normalizedPrefix(path string) string {
	if t := strings.TrimSuffix(path, "/"); t != "" {
		return t
	}
	return "/"
}

// pathNotes explain, in the text output, what each path of the Ingress matches.
func pathNotes(s *State) []string {
	var notes []string
	for _, p := range s.Paths {
		target := backendLabel(p.Backend)
		if p.Default {
			notes = append(notes, fmt.Sprintf("defaultBackend → %s: requests no rule matches", target))
			continue
		}
		note := fmt.Sprintf("%s → %s: %s", p.Where(), target, PathSemantics(p.PathType, p.Path))
		if why := s.nginxRegex(p); why != "" {
			note += fmt.Sprintf("; but ingress-nginx matches it as the case-insensitive regex ^%s (%s)", p.Path, why)
		}
		notes = append(notes, note)
	}
	return notes
}

func backendLabel(b networkingv1.IngressBackend) string {
	switch {
	case b.Service != nil:
		return b.Service.Name + ":" + portRef(b.Service.Port).String()
	case b.Resource != nil:
		return b.Resource.Kind + "/" + b.Resource.Name
	}
	return "no backend"
}

// nginxRegex says why ingress-nginx matches path p as a case-insensitive regex rather
// than by its pathType, or "": use-regex, or a rewrite-target other than the path
// (enforceRegexModifier; it then applies to every path of the host, from any Ingress).
func (s *State) nginxRegex(p Path) string {
	if ok, _ := s.ingressNginx(); !ok || s.Ingress == nil {
		return ""
	}
	if annotationBool(s.Ingress, UseRegexAnnotation) {
		return "use-regex is set"
	}
	if t := annotationString(s.Ingress, RewriteTargetAnnotation); t != "" && t != p.Path {
		return "rewrite-target is set"
	}
	return ""
}
