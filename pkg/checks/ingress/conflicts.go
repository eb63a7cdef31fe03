package ingress

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkConflicts: a controller merges every Ingress of its class into one routing
// table per host. When two Ingresses claim the same host and the same path with the
// same matching, only one of them gets the requests (ingress-nginx keeps the oldest
// Ingress's path), so one of the two backends silently receives nothing. Paths of
// different types are not a conflict: for an equal path, Exact wins over Prefix, and a
// longer Prefix wins over a shorter one. ImplementationSpecific paths are compared as
// written, because their matching is the controller's own.
func checkConflicts(ctx context.Context, s *State) engine.Result {
	mine := rulePaths(s.Paths)
	if len(mine) == 0 {
		return engine.Skip("no rule paths")
	}
	if s.ClassName == "" {
		return engine.Skip("no class: no controller merges this Ingress with others")
	}
	all, partial, err := s.everyIngress(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	myClass := s.ClassName
	claims := s.classClaims(all, partial != nil)
	nginx, _ := s.ingressNginx()
	// comparedWith: true for another Ingress of the class, and not a canary that ingress-nginx
	// merges into its main Ingress of the same host and path (ingress.canary checks
	// that it has one).
	comparedWith := func(other *networkingv1.Ingress) bool {
		self := other.Namespace == s.Namespace && other.Name == s.Name
		return !self && !(nginx && canaryPair(s.Ingress, other))
	}
	var findings []diag.Finding
	compared := 0
	for _, other := range claims.members {
		if comparedWith(other) {
			compared++
		}
	}
	// Only the Ingresses that claim one of this Ingress's hosts can clash with it.
	clashesWith := map[*networkingv1.Ingress][]string{}
	for _, p := range mine {
		for _, c := range claims.byHost[strings.ToLower(p.Host)] {
			other := c.ingress
			if !comparedWith(other) {
				continue
			}
			if why := clash(p, c.path); why != "" {
				clashesWith[other] = append(clashesWith[other], why)
			}
		}
	}
	for _, other := range claims.members {
		clashes := clashesWith[other]
		if len(clashes) == 0 {
			continue
		}
		older, newer := describeAge(s.Ingress, other)
		f := diag.New(diag.IngressRuleConflict, s.Ref(), "Ingress %s/%s and Ingress %s/%s (class %s) both claim %s: the controller sends these requests to only one of them",
			s.Namespace, s.Name, other.Namespace, other.Name, myClass, clashes[0]).
			WithEvidence(clashes...).
			WithEvidence(fmt.Sprintf("%s was created first, %s later; ingress-nginx keeps the path of the oldest Ingress, other controllers may pick differently", older, newer),
				"Exact and Prefix on the same path do not conflict (Exact wins for that one path); Prefix matches by whole path elements, so /api and /api/ are the same prefix").
			WithFix("remove the duplicate path from one Ingress, or give them different hosts or paths").
			WithCommands(fmt.Sprintf("kubectl get ingress %s -n %s -o yaml", other.Name, other.Namespace))
		findings = append(findings, f)
	}
	findings = append(findings, partial...)
	res := engine.Found(fmt.Sprintf("compared with %d other Ingress(es) of class %s", compared, myClass), findings...)
	if len(partial) > 0 && res.Status == diag.StatusWarn && len(findings) == len(partial) {
		res.Status = diag.StatusUnknown
	}
	return res
}

// effectiveClass is the class another Ingress belongs to, resolved like our own: the
// field, else the legacy annotation, else the default class.
func (s *State) effectiveClass(ing *networkingv1.Ingress) string {
	switch {
	case ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName != "":
		return *ing.Spec.IngressClassName
	case ing.Annotations[LegacyClassAnnotation] != "":
		return ing.Annotations[LegacyClassAnnotation]
	}
	return s.DefaultClassName
}

// classClaims are the Ingresses of this Ingress's class among all, in order, and their
// rule paths by lower-cased host. They are the same for every Ingress of the class, so
// a scan builds them once per class (source.Memo) and each Ingress compares its paths
// with the paths on its own hosts: comparing every pair of Ingresses made the check
// grow with the square of their number. Read-only, like the snapshot they come from.
func (s *State) classClaims(all []networkingv1.Ingress, namespaceOnly bool) *classClaims {
	key := CheckConflicts + "|" + s.ClassName + "|" + s.DefaultClassName
	if namespaceOnly {
		key += "|" + s.Namespace
	}
	claims, _ := source.Memo(s.Source, key, func() (*classClaims, error) {
		c := &classClaims{byHost: map[string][]claim{}}
		for i := range all {
			ing := &all[i]
			if s.effectiveClass(ing) != s.ClassName {
				continue
			}
			c.members = append(c.members, ing)
			for _, p := range rulePaths(enumeratePaths(ing)) {
				host := strings.ToLower(p.Host)
				c.byHost[host] = append(c.byHost[host], claim{ingress: ing, path: p})
			}
		}
		return c, nil
	})
	return claims
}

type classClaims struct {
	members []*networkingv1.Ingress
	byHost  map[string][]claim
}

// claim is one rule path of an Ingress.
type claim struct {
	ingress *networkingv1.Ingress
	path    Path
}

func rulePaths(paths []Path) []Path {
	var out []Path
	for _, p := range paths {
		if !p.Default {
			out = append(out, p)
		}
	}
	return out
}

// clash explains why p and q route the same requests, or returns "".
func clash(p, q Path) string {
	if !strings.EqualFold(p.Host, q.Host) {
		return ""
	}
	host := p.Host
	if host == "" {
		host = "every host"
	}
	same := false
	switch {
	case p.PathType == networkingv1.PathTypeImplementationSpecific || q.PathType == networkingv1.PathTypeImplementationSpecific:
		same = p.Path == q.Path || normalizedPrefix(p.Path) == normalizedPrefix(q.Path)
	case p.PathType != q.PathType:
		return ""
	case p.PathType == networkingv1.PathTypeExact:
		same = p.Path == q.Path
	case p.PathType == networkingv1.PathTypePrefix:
		same = normalizedPrefix(p.Path) == normalizedPrefix(q.Path)
	}
	if !same {
		return ""
	}
	desc := fmt.Sprintf("%s %s (%s → %s)", host, p.Path, p.PathType, backendLabel(p.Backend))
	if p.PathType != q.PathType || p.Path != q.Path {
		desc += fmt.Sprintf(" vs %s (%s → %s)", q.Path, q.PathType, backendLabel(q.Backend))
	} else {
		desc += fmt.Sprintf(" vs → %s", backendLabel(q.Backend))
	}
	return desc
}

func describeAge(a, b *networkingv1.Ingress) (string, string) {
	name := func(i *networkingv1.Ingress) string { return i.Namespace + "/" + i.Name }
	if b.CreationTimestamp.Before(&a.CreationTimestamp) {
		return name(b), name(a)
	}
	return name(a), name(b)
}

// everyIngress lists the Ingresses of every namespace, which a controller merges and
// compares. A user who may not list them cluster-wide still gets the namespace's, with
// the PermissionDenied finding (in partial) that says the comparison is incomplete.
func (s *State) everyIngress(ctx context.Context) (all []networkingv1.Ingress, partial []diag.Finding, err error) {
	all, err = source.List[networkingv1.Ingress](ctx, s.Source, source.AllNamespaces, nil)
	if err != nil && source.IsForbidden(err) {
		// Controllers usually watch every namespace, but the namespace is still worth checking.
		partial = append(partial, engine.ReadErrorFinding(err))
		all, err = source.List[networkingv1.Ingress](ctx, s.Source, s.Namespace, nil)
	}
	return all, partial, err
}
