package gateway

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkExists finds the route by name among the route kinds the cluster serves
// (HTTPRoute first), or of the --kind asked for. A cluster without the Gateway API at
// all, or a route that cannot be read, stops the diagnosis with exit code 2; a missing
// route carries the similar names and the namespaces where the name exists.
func checkExists(ctx context.Context, s *State) engine.Result {
	kinds := RouteKinds
	if s.Kind != "" {
		kinds = []string{s.Kind}
	}
	if s.Source.Guarantees(source.Complete) {
		installed, err := s.Source.GatewayAPIInstalled(ctx)
		if err != nil {
			return engine.Result{Fatal: err}
		}
		if !installed {
			return engine.Result{Fatal: ErrGatewayAPINotInstalled}
		}
		var served []string
		for _, k := range kinds {
			ok, err := s.Source.GatewayAPIServes(ctx, k)
			if err != nil {
				return engine.Result{Fatal: err}
			}
			if ok {
				served = append(served, k)
			}
		}
		if len(served) == 0 {
			return engine.Result{Fatal: fmt.Errorf("this cluster does not serve %s: its CustomResourceDefinition is not installed", strings.Join(kinds, ", "))}
		}
		kinds = served
	}
	var found []string
	for _, k := range kinds {
		r, err := getRoute(ctx, s.Source, k, s.Namespace, s.Name)
		if source.IsNotFound(err) {
			continue
		}
		if err != nil {
			return engine.Result{Fatal: err}
		}
		if s.Route == nil {
			s.Route = r
		}
		found = append(found, k)
	}
	if s.Route != nil {
		detail := describeRoute(s.Route)
		if len(found) > 1 {
			detail += fmt.Sprintf(" (a %s of that name exists too: use --kind)", strings.Join(found[1:], " and a "))
		}
		s.Backends = collectBackends(s.Route)
		return engine.Pass("%s", detail)
	}
	return routeNotFound(ctx, s, kinds)
}

func routeNotFound(ctx context.Context, s *State, kinds []string) engine.Result {
	what := strings.Join(kinds, " or ")
	f := diag.New(diag.RouteNotFound, s.Ref(), "no %s named %s in namespace %s", what, s.Name, s.Namespace).
		WithFix("check the name and namespace, or apply the route manifest").
		WithCommands(fmt.Sprintf("kubectl get %s -n %s", strings.ToLower(strings.Join(kinds, ",")), s.Namespace))
	var partial []diag.Finding
	var here []string
	elsewhere := map[string][]string{}
	for _, k := range kinds {
		metas, err := routeNames(ctx, s.Source, k, source.AllNamespaces)
		if err != nil && source.IsForbidden(err) {
			metas, err = routeNames(ctx, s.Source, k, s.Namespace)
		}
		if err != nil {
			partial = append(partial, engine.ReadErrorFinding(err))
			continue
		}
		for _, m := range metas {
			switch {
			case m.GetNamespace() == s.Namespace:
				here = append(here, m.GetName())
			case m.GetName() == s.Name:
				elsewhere[k] = append(elsewhere[k], m.GetNamespace())
			}
		}
	}
	similar := kube.SimilarNames(s.Name, here)
	f = finding.DidYouMean(f, s.Namespace, "route names", similar)
	if len(similar) == 0 {
		f = f.WithEvidence(fmt.Sprintf("namespace %s has %d route(s), none with a similar name", s.Namespace, len(here)))
	}
	for _, k := range kinds {
		if nss := elsewhere[k]; len(nss) > 0 {
			f = f.WithEvidence(fmt.Sprintf("a %s named %s exists in namespace %s", k, s.Name, strings.Join(nss, ", "))).
				WithCommands(fmt.Sprintf("kubectl netdoctor route %s -n %s", s.Name, nss[0]))
		}
	}
	if !s.Source.Guarantees(source.Complete) {
		if ok, _ := s.Source.GatewayAPIInstalled(ctx); !ok {
			f = f.WithEvidence("the input holds no Gateway API objects at all")
		}
	}
	return engine.Found("route "+s.Namespace+"/"+s.Name+" not found", append([]diag.Finding{f}, partial...)...)
}

// describeRoute is the one-line identity of a route shown in the tree.
func describeRoute(r *Route) string {
	d := fmt.Sprintf("%s %s/%s", r.Kind, r.Meta.Namespace, r.Meta.Name)
	if len(r.Hostnames) > 0 {
		hs := make([]string, 0, len(r.Hostnames))
		for _, h := range r.Hostnames {
			hs = append(hs, string(h))
		}
		d += ", hostnames " + strings.Join(hs, ", ")
	}
	return d + fmt.Sprintf(", %d parentRef(s), %d rule(s)", len(r.ParentRefs), len(r.Rules))
}

// collectBackends flattens the rules' backendRefs with the defaults the API applies:
// group "" and kind Service, the route's namespace, weight 1.
func collectBackends(r *Route) []*Backend {
	var out []*Backend
	for i, rule := range r.Rules {
		for _, ref := range rule.BackendRefs {
			b := &Backend{Rule: i, Ref: ref, Group: group(ref.Group, ""), Kind: kind(ref.Kind, "Service"),
				Namespace: namespaceOf(ref.Namespace, r.Meta.Namespace), Name: string(ref.Name), Weight: 1}
			if ref.Port != nil {
				p := *ref.Port
				b.Port = &p
			}
			if ref.Weight != nil {
				b.Weight = *ref.Weight
			}
			out = append(out, b)
		}
	}
	return out
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
