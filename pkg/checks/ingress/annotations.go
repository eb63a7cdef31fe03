package ingress

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkProtocol: ingress-nginx speaks to every backend of the Ingress the protocol the
// backend-protocol annotation names (proxy_pass http:// for HTTP, the default; https://
// for HTTPS; $scheme:// for AUTO_HTTP; grpc_pass grpc:// and grpcs:// for GRPC and
// GRPCS; fastcgi_pass for FCGI). When the backend Service port declares a protocol
// (appProtocol, or a name such as https or grpc) that nginx cannot speak that way, every
// request through that backend fails with 502 Bad Gateway.
func checkProtocol(_ context.Context, s *State) engine.Result {
	if ok, why := s.ingressNginx(); !ok {
		return engine.Skip("%s", why)
	}
	if annotationBool(s.Ingress, SSLPassthroughAnnotation) {
		return engine.Skip("ssl-passthrough: ingress-nginx forwards the TLS connections as they are")
	}
	raw, set := s.Ingress.Annotations[BackendProtocolAnnotation]
	speaks, note := nginxProtocol(raw, set)
	var findings []diag.Finding
	var details []string
	checked := 0
	for _, b := range s.Backends {
		if b.ServicePort == nil {
			continue
		}
		declared, from := servicePortProtocol(b.ServicePort)
		if declared == "" {
			details = append(details, fmt.Sprintf("%s: port declares no protocol (appProtocol or a name such as http, https, grpc), not compared", b.Label()))
			continue
		}
		checked++
		why := protocolMismatch(speaks, declared)
		if why == "" {
			details = append(details, fmt.Sprintf("%s: nginx speaks %s, the port declares %s (%s)", b.Label(), speaks, declared, from))
			continue
		}
		details = append(details, fmt.Sprintf("%s: nginx speaks %s, the port declares %s (%s): mismatch", b.Label(), speaks, declared, from))
		annotation := fmt.Sprintf("%s: %q", BackendProtocolAnnotation, raw)
		if note != "" {
			annotation, note = note, ""
		}
		f := diag.New(diag.IngressBackendProtocolMismatch, s.Ref(),
			"Ingress %s/%s has ingress-nginx speak %s to Service %s/%s port %s, which declares %s (%s): expect 502 Bad Gateway on %s",
			s.Namespace, s.Name, speaks, s.Namespace, b.Service, b.Port, declared, from, wheres(b.Paths)).
			WithEvidence(annotation, why,
				fmt.Sprintf("Service %s port %s", b.Service, describeServicePort(b)))
		if note != "" {
			f = f.WithEvidence(note)
		}
		want := suggestedProtocol(declared)
		fix := fmt.Sprintf("set the annotation %s: %q on Ingress %s/%s", BackendProtocolAnnotation, want, s.Namespace, s.Name)
		if want == protoHTTP {
			fix = fmt.Sprintf("set the annotation %s: %q on Ingress %s/%s (or remove it: HTTP is the default)", BackendProtocolAnnotation, want, s.Namespace, s.Name)
		}
		findings = append(findings, f.
			WithFix("%s; if the port's %s is what is wrong, fix the Service instead (the annotation applies to every backend of the Ingress: split backends that speak different protocols into separate Ingresses)", fix, from).
			WithCommands(
				fmt.Sprintf("kubectl get ingress %s -n %s -o jsonpath='{.metadata.annotations}'", s.Name, s.Namespace),
				fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{range .spec.ports[*]}{.name} {.port} {.appProtocol}{\"\\n\"}{end}'", b.Service, s.Namespace)))
	}
	if len(s.Backends) == 0 {
		return engine.Skip("no Service backends")
	}
	detail := fmt.Sprintf("ingress-nginx speaks %s to the backends; %d port(s) declare a protocol", speaks, checked)
	return engine.Found(detail, findings...).WithDetails(details...)
}

func describeServicePort(b *Backend) string {
	sp := b.ServicePort
	out := fmt.Sprintf("%d", sp.Port)
	if sp.Name != "" {
		out = sp.Name + " " + out
	}
	if t := sp.TargetPort.String(); t != "" && t != "0" {
		out += " → targetPort " + t
	}
	if sp.AppProtocol != nil {
		out += ", appProtocol " + *sp.AppProtocol
	} else {
		out += ", no appProtocol"
	}
	return out
}

// checkRewrite: with rewrite-target set, ingress-nginx matches every path of the host
// as a case-insensitive regular expression (location ~* "^PATH", whether or not
// use-regex is set: enforceRegexModifier) and rewrites with `rewrite "(?i)PATH" TARGET
// break;`, nginx replacing the whole URI by TARGET. "$1" … "$9" in TARGET are the
// capture groups of PATH; a reference to a group PATH does not have expands to nothing,
// so every request under that path is rewritten to the same literal URI.
func checkRewrite(_ context.Context, s *State) engine.Result {
	if _, set := s.Ingress.Annotations[RewriteTargetAnnotation]; !set {
		return engine.Skip("no rewrite-target")
	}
	if ok, why := s.ingressNginx(); !ok {
		return engine.Skip("%s", why)
	}
	target := annotationString(s.Ingress, RewriteTargetAnnotation)
	refs := captureRefs(target)
	if len(refs) == 0 {
		return engine.Pass("rewrite-target %s refers to no capture group", target)
	}
	useRegex := annotationBool(s.Ingress, UseRegexAnnotation)
	var details, broken, evidence []string
	var firstPath Path
	for _, p := range rulePaths(s.Paths) {
		if p.Path == target {
			details = append(details, fmt.Sprintf("%s: equals the target, not rewritten", p.Where()))
			continue
		}
		groups := captureGroups(p.Path)
		var missing []string
		for _, n := range refs {
			if n > groups {
				missing = append(missing, fmt.Sprintf("$%d", n))
			}
		}
		if len(missing) == 0 {
			details = append(details, fmt.Sprintf("%s: %d capture group(s) for %s", p.Where(), groups, target))
			continue
		}
		if len(broken) == 0 {
			firstPath = p
		}
		literal := expandRewrite(target, groups)
		broken = append(broken, p.Where())
		why := fmt.Sprintf("path %s has %d capture group(s), so %s %s empty: every request matching it is rewritten to %s",
			p.Path, groups, strings.Join(missing, ", "), plural(len(missing), "is", "are"), literal)
		if !useRegex && !hasRegexChars(p.Path) {
			why += " (the path has no regex characters at all and use-regex is not set)"
		}
		evidence = append(evidence, why)
		details = append(details, fmt.Sprintf("%s: %s", p.Where(), why))
	}
	if len(broken) == 0 {
		return engine.Pass("rewrite-target %s: every path has the capture groups it uses", target).WithDetails(details...)
	}
	literal := expandRewrite(target, captureGroups(firstPath.Path))
	f := diag.New(diag.IngressRewriteWithoutRegex, s.Ref(),
		"Ingress %s/%s rewrites to %s, but path %s has no capture group for %s: ingress-nginx rewrites every request under it to %s",
		s.Namespace, s.Name, target, firstPath.Path, missingRefs(refs, captureGroups(firstPath.Path)), literal).
		WithEvidence(fmt.Sprintf("%s: %q", RewriteTargetAnnotation, target)).
		WithEvidence(evidence...).
		WithEvidence(fmt.Sprintf("with rewrite-target set, ingress-nginx treats every path of the host as a case-insensitive regex (location ~* \"^%s\") and runs rewrite \"(?i)%s\" %s break;, which replaces the whole URI: $N is the N-th capture group of the path, empty when the path has fewer", firstPath.Path, firstPath.Path, target))
	suggestion := strings.TrimSuffix(firstPath.Path, "/") + "(/|$)(.*)"
	return engine.Found(fmt.Sprintf("rewrite-target %s on %d path(s), %d without the capture groups it uses", target, len(rulePaths(s.Paths)), len(broken)), f.
		WithFix("capture in the path what the target refers to, e.g. path: %s with pathType: ImplementationSpecific and %s: /$2 (ingress-nginx 1.12+ rejects regex characters in Prefix and Exact paths); or, to strip nothing, remove the rewrite-target annotation",
			suggestion, RewriteTargetAnnotation).
		WithCommands(fmt.Sprintf("kubectl get ingress %s -n %s -o jsonpath='{.metadata.annotations}{\"\\n\"}{range .spec.rules[*].http.paths[*]}{.path} {.pathType}{\"\\n\"}{end}'", s.Name, s.Namespace))).WithDetails(details...)
}

func missingRefs(refs []int, groups int) string {
	var out []string
	for _, n := range refs {
		if n > groups {
			out = append(out, fmt.Sprintf("$%d", n))
		}
	}
	return strings.Join(out, ", ")
}

// checkCanary: ingress-nginx does not route by a canary Ingress on its own. It builds
// its servers and locations from the non-canary Ingresses of its class only, then merges
// each canary path into the location with the same host, the same path string and the
// same pathType (mergeAlternativeBackends); a canary path without such a main location
// is dropped ("unable to find real backend for alternative backend"), and so is one
// whose backend is the main location's own Service port. Requests for it never reach
// the canary Service.
func checkCanary(ctx context.Context, s *State) engine.Result {
	if !isCanary(s.Ingress) {
		return engine.Skip("not a canary Ingress")
	}
	if ok, why := s.ingressNginx(); !ok {
		return engine.Skip("%s", why)
	}
	if s.ClassName == "" {
		return engine.Skip("no class: no controller merges the canary into a main Ingress")
	}
	var mine []Path
	for _, p := range rulePaths(s.Paths) {
		if p.Backend.Service != nil {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return engine.Skip("no rule paths with a Service backend")
	}
	all, partial, err := s.everyIngress(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	var mains, otherClass []*networkingv1.Ingress
	for i := range all {
		other := &all[i]
		if other.Namespace == s.Namespace && other.Name == s.Name || isCanary(other) {
			continue
		}
		if s.effectiveClass(other) == s.ClassName {
			mains = append(mains, other)
		} else {
			otherClass = append(otherClass, other)
		}
	}
	var details, problems, hints []string
	for _, p := range mine {
		main, q := findMain(mains, p)
		if main == nil {
			problems = append(problems, fmt.Sprintf("no non-canary Ingress of class %s has host %s with path %s (%s), which the canary sends to %s",
				s.ClassName, hostOrEvery(p.Host), p.Path, p.PathType, backendLabel(p.Backend)))
			hints = append(hints, canaryNearMisses(p, mains, otherClass, s)...)
			continue
		}
		if main.Namespace == s.Namespace && q.Backend.Service != nil && q.Backend.Service.Name == p.Backend.Service.Name &&
			portRef(q.Backend.Service.Port).String() == portRef(p.Backend.Service.Port).String() {
			problems = append(problems, fmt.Sprintf("main Ingress %s/%s sends %s to %s too, the canary's own backend: ingress-nginx has nothing to split and ignores the canary",
				main.Namespace, main.Name, p.Where(), backendLabel(p.Backend)))
			continue
		}
		details = append(details, fmt.Sprintf("%s → %s: splits traffic of main Ingress %s/%s (→ %s)", p.Where(), backendLabel(p.Backend), main.Namespace, main.Name, backendLabel(q.Backend)))
	}
	var findings []diag.Finding
	if len(problems) > 0 {
		details = append(details, problems...)
		f := diag.New(diag.IngressCanaryWithoutMain, s.Ref(),
			"canary Ingress %s/%s (%s: \"true\") splits no traffic: %s",
			s.Namespace, s.Name, CanaryAnnotation, problems[0]).
			WithEvidence(problems[1:]...).
			WithEvidence(hints...).
			WithEvidence("ingress-nginx builds its routes from non-canary Ingresses only and merges a canary path into the main Ingress path with the same host, path and pathType; an unmatched canary path is dropped, so its requests never reach the canary Service").
			WithFix("give the canary exactly the host, path and pathType of the main Ingress it should split (same IngressClass), or create that main Ingress; a canary must point at a different Service than the main one").
			WithCommands(fmt.Sprintf("kubectl get ingress -A -o custom-columns='NS:.metadata.namespace,NAME:.metadata.name,CLASS:.spec.ingressClassName,CANARY:.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary,HOSTS:.spec.rules[*].host,PATHS:.spec.rules[*].http.paths[*].path'"))
		findings = append(findings, f)
	}
	findings = append(findings, partial...)
	res := engine.Found(fmt.Sprintf("canary with %d path(s), %d main Ingress(es) of class %s", len(mine), len(mains), s.ClassName), findings...).WithDetails(details...)
	if len(partial) > 0 && len(problems) > 0 {
		// Without every namespace, the main Ingress may simply not have been seen.
		res.Status = diag.StatusUnknown
	}
	return res
}

// findMain returns the non-canary Ingress whose location a canary path merges into:
// the same host (exactly: "" only matches ""), path and pathType; for "/" (Prefix) also
// the root location a main Ingress with a defaultBackend creates for each of its hosts.
func findMain(mains []*networkingv1.Ingress, p Path) (*networkingv1.Ingress, Path) {
	for _, m := range mains {
		for _, q := range enumeratePaths(m) {
			if !q.Default && q.Host == p.Host && q.Path == p.Path && q.PathType == p.PathType && q.Backend.Service != nil {
				return m, q
			}
		}
	}
	if p.Path == "/" && p.PathType == networkingv1.PathTypePrefix {
		for _, m := range mains {
			if m.Spec.DefaultBackend == nil || m.Spec.DefaultBackend.Service == nil {
				continue
			}
			for _, r := range m.Spec.Rules {
				if r.Host == p.Host {
					return m, Path{Host: p.Host, Path: "/", PathType: networkingv1.PathTypePrefix, Default: true, Backend: *m.Spec.DefaultBackend}
				}
			}
		}
	}
	return nil, Path{}
}

// canaryNearMisses explains what almost matched a canary path.
func canaryNearMisses(p Path, mains, otherClass []*networkingv1.Ingress, s *State) []string {
	var out []string
	for _, m := range mains {
		for _, q := range rulePaths(enumeratePaths(m)) {
			switch {
			case q.Host == p.Host && q.Path == p.Path && q.PathType != p.PathType:
				out = append(out, fmt.Sprintf("main Ingress %s/%s has %s as %s, the canary as %s: the pathType must be the same", m.Namespace, m.Name, p.Path, q.PathType, p.PathType))
			case q.Host == p.Host && q.PathType == p.PathType && q.Path != p.Path && normalizedPrefix(q.Path) == normalizedPrefix(p.Path):
				out = append(out, fmt.Sprintf("main Ingress %s/%s has path %s, the canary %s: the path strings must be identical", m.Namespace, m.Name, q.Path, p.Path))
			case q.Host != p.Host && (q.Host == "" || p.Host == "") && q.Path == p.Path && q.PathType == p.PathType:
				out = append(out, fmt.Sprintf("main Ingress %s/%s has %s for host %s, the canary for %s: the hosts must be identical", m.Namespace, m.Name, p.Path, hostOrEvery(q.Host), hostOrEvery(p.Host)))
			}
		}
	}
	for _, m := range otherClass {
		for _, q := range rulePaths(enumeratePaths(m)) {
			if q.Host == p.Host && q.Path == p.Path && q.PathType == p.PathType {
				class := s.effectiveClass(m)
				if class == "" {
					class = "none"
				}
				out = append(out, fmt.Sprintf("Ingress %s/%s claims %s %s but has class %s: a canary only merges into Ingresses of its own class (%s)",
					m.Namespace, m.Name, hostOrEvery(p.Host), p.Path, class, s.ClassName))
			}
		}
	}
	return out
}

func hostOrEvery(h string) string {
	if h == "" {
		return "* (every host)"
	}
	return h
}

// canaryPair reports whether exactly one of two Ingresses is an ingress-nginx canary:
// such a pair shares host and path by design, it is not a conflict.
func canaryPair(a, b *networkingv1.Ingress) bool {
	return isCanary(a) != isCanary(b)
}
