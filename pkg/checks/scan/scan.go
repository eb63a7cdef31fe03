// Package scan runs every diagnosis over every object in a namespace or the cluster.
// It reads each kind once (source.Cached) and shares that snapshot between all
// diagnoses, so the cost of a scan is one paginated list per kind, not requests per object.
package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Scanner covers one kind. Most kinds are diagnosed object by object (List, then
// Diagnose for each); NetworkPolicy lints judge a namespace's policies together, so that
// kind sets All instead and returns one report per policy.
type Scanner struct {
	Kind string
	// List returns the objects of this kind in namespace (source.AllNamespaces for all).
	List func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error)
	// Diagnose returns the report for one object; an error means it could not be read.
	Diagnose func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error)
	// All, when set, replaces List and Diagnose.
	All func(ctx context.Context, src source.Source, namespace string) ([]diag.Report, error)
}

// Scanners is every kind scan covers, in the order their reports are grouped.
// Keep it in step with the commands: each new diagnosis joins here.
var Scanners = []Scanner{
	{
		Kind: "Service",
		List: listRefs(source.KindService),
		Diagnose: func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error) {
			r, _, err := service.Diagnose(ctx, src, obj.Namespace, obj.Name)
			return r, err
		},
	},
	{
		Kind: "Ingress",
		List: listRefs(source.KindIngress),
		Diagnose: func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error) {
			r, _, err := ingress.Diagnose(ctx, src, obj.Namespace, obj.Name, ingress.Options{})
			return r, err
		},
	},
	// Several default IngressClasses, once for the cluster (see scanIngressClasses).
	{Kind: "IngressClass", All: scanIngressClasses},
	// Each Gateway once: its class, listener certificates and conditions, which the
	// routes below then leave to it (gateway.WithGatewaysOnce).
	gatewayScanner(source.KindGateway, func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error) {
		return gateway.DiagnoseGateway(ctx, src, obj.Namespace, obj.Name)
	}),
	gatewayScanner(source.KindHTTPRoute, diagnoseRoute),
	gatewayScanner(source.KindGRPCRoute, diagnoseRoute),
	gatewayScanner(source.KindTLSRoute, diagnoseRoute),
	gatewayScanner(source.KindTCPRoute, diagnoseRoute),
	{Kind: "NetworkPolicy", All: lintPolicies},
	// The cluster DNS once, then the DNS settings and DNS egress of each workload.
	{Kind: "Pod", All: scanDNS},
	// The data plane: each node whose Service proxy is not Ready (see scanDataPlane).
	{Kind: "Node", All: scanDataPlane},
}

// errNotServed marks a kind the cluster (or input) does not have at all: nothing to
// scan, and no evidence either way about whether the scan could read the cluster.
var errNotServed = errors.New("kind not served")

// listRefs lists kind's objects in a namespace as the objects of their reports.
func listRefs(kind string) func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error) {
	return func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error) {
		items, err := source.ListMeta(ctx, src, kind, namespace, nil)
		refs := make([]diag.ObjectRef, 0, len(items))
		for _, item := range items {
			refs = append(refs, diag.ObjectRef{Kind: kind, Namespace: item.GetNamespace(), Name: item.GetName()})
		}
		return refs, err
	}
}

// gatewayScanner covers one Gateway API kind. A cluster (or input) without the
// Gateway API, or without this kind, simply has no such objects to list.
func gatewayScanner(kind string, diagnose func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error)) Scanner {
	list := listRefs(kind)
	return Scanner{
		Kind: kind,
		List: func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error) {
			served, err := src.GatewayAPIServes(ctx, kind)
			if err != nil {
				return nil, err
			}
			if !served {
				return nil, errNotServed
			}
			return list(ctx, src, namespace)
		},
		Diagnose: diagnose,
	}
}

func diagnoseRoute(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error) {
	r, _, err := gateway.Diagnose(ctx, src, obj.Namespace, obj.Name, obj.Kind)
	return r, err
}

// lintPolicies runs the NetworkPolicy lints over the scope and files each finding
// under the policy it is about; findings about reads that failed go on every report.
// Policies that nothing enforces get one more report (policyEnforcement).
func lintPolicies(ctx context.Context, src source.Source, namespace string) ([]diag.Report, error) {
	policies, err := source.List[networkingv1.NetworkPolicy](ctx, src, namespace, nil)
	if err != nil {
		return nil, err
	}
	findings, err := policy.Lint(ctx, src, namespace)
	if err != nil {
		return nil, err
	}
	reports := make([]diag.Report, 0, len(policies))
	index := map[diag.ObjectRef]int{}
	for _, np := range policies {
		ref := diag.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name}
		index[ref] = len(reports)
		r := diag.NewReport("scan", ref)
		r.Checks = append(r.Checks, diag.CheckResult{ID: "policy.lint", Title: "NetworkPolicy lints", Status: diag.StatusPass})
		reports = append(reports, r)
	}
	// Findings about the plugins' own policies (Cilium, Calico) get a report each.
	for _, f := range findings {
		if _, ok := index[f.Object]; ok || f.Object.Kind == "" {
			continue
		}
		index[f.Object] = len(reports)
		r := diag.NewReport("scan", f.Object)
		r.Checks = append(r.Checks, diag.CheckResult{ID: "policy.lint", Title: "NetworkPolicy lints", Status: diag.StatusPass})
		reports = append(reports, r)
	}
	for _, f := range findings {
		if i, ok := index[f.Object]; ok {
			reports[i].Add(f)
			continue
		}
		for i := range reports {
			g := f
			g.Object = reports[i].Target
			reports[i].Add(g)
		}
	}
	for i := range reports {
		r := &reports[i]
		r.Finalize()
		switch {
		case r.Summary.Errors > 0:
			r.Checks[0].Status = diag.StatusFail
		case r.Summary.Warnings > 0:
			r.Checks[0].Status = diag.StatusWarn
		}
		if hasUnknown(r.Findings) {
			r.Checks[0].Status = diag.StatusUnknown
		}
	}
	if r := policyEnforcement(ctx, src, namespace, policies); r != nil {
		reports = append(reports, *r)
	}
	return reports, nil
}

func hasUnknown(fs []diag.Finding) bool {
	for _, f := range fs {
		if f.ID == diag.PermissionDenied || f.ID == diag.APIError {
			return true
		}
	}
	return false
}

// Options shape a scan.
type Options struct {
	Namespace string // source.AllNamespaces for the whole cluster
	// Workers bounds concurrent diagnoses; they share one in-memory snapshot.
	Workers int
}

// Run scans src. The returned ScanReport has one report per object, grouped by kind in
// Scanners order and sorted by namespace and name within a kind; a kind that could not
// be listed appears as one report whose only check is unknown, with the finding that
// says why — never as "nothing found". When no kind at all could be listed the scan
// diagnosed nothing, and the first read error is returned instead.
func Run(ctx context.Context, src source.Source, opts Options) (diag.ScanReport, error) {
	cached := source.NewCached(src, opts.Namespace)
	// What is wrong with one thing is reported once, under that thing, not again in the
	// report of everything it affects: the Service proxy of a node under the data plane
	// (not in every Service's report), several default IngressClasses under the classes
	// (not in every Ingress's), a Gateway's class, certificates and conditions under the
	// Gateway (not in every route's).
	ctx = dataplane.ProxyPerNode.Set(ctx)
	ctx = ingress.ClassesLintedOnce.Set(ctx)
	workers := opts.Workers
	if workers <= 0 {
		workers = max(2, runtime.GOMAXPROCS(0))
	}
	// Services are the first kind listed: asking here costs no extra request.
	services, err := cached.Services(ctx, opts.Namespace, "")
	if opts.Namespace == source.AllNamespaces && source.IsForbidden(err) {
		if namespaces, nsErr := src.Namespaces(ctx); nsErr == nil {
			return runByNamespace(ctx, src, namespaces, workers, err)
		}
	}
	defer prefetch(ctx, cached, opts.Namespace, len(services) > 0)()
	groups, listed, firstErr := scanScope(ctx, cached, opts.Namespace, workers)
	if listed == 0 && firstErr != nil {
		return diag.ScanReport{}, firstErr
	}
	return scanReport(groups, nil), nil
}

// scanScope runs every Scanner over namespace (or the cluster) and returns their
// reports by Scanner, how many kinds could be listed, and the first read error.
func scanScope(ctx context.Context, src source.Source, namespace string, workers int) (groups [][]diag.Report, listed int, firstErr error) {
	ctx = gateway.WithGatewaysOnce(ctx, namespace)
	groups = make([][]diag.Report, len(Scanners))
	for i, sc := range Scanners {
		reports, err := scanKind(ctx, src, sc, namespace, workers)
		if errors.Is(err, errNotServed) {
			continue
		}
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			groups[i] = []diag.Report{unreadableKind(sc.Kind, namespace, err)}
			if sc.Kind == source.KindGateway {
				// No Gateway report will judge them: the routes judge their own Gateways.
				ctx = gateway.WithoutGatewaysOnce(ctx)
			}
			continue
		}
		listed++
		groups[i] = reports
	}
	return groups, listed, firstErr
}

// prefetch lists side by side the kinds a scan reads whatever it finds (each has a
// scanner of its own; EndpointSlices once there are Services), so that the API server
// serves one while the client decodes another, instead of one after the other as the
// checks first ask. No request is added: each kind is still listed once, and a failed
// list reaches the checks that read it as before. The returned wait is for the lists
// the scan did not get to (it always gets to them) to end before Run returns.
func prefetch(ctx context.Context, src source.Source, namespace string, services bool) (wait func()) {
	reads := []func(){
		func() { _, _ = source.List[corev1.Pod](ctx, src, namespace, nil) },
		func() { _, _ = source.List[networkingv1.NetworkPolicy](ctx, src, namespace, nil) },
		func() { _, _ = source.List[networkingv1.Ingress](ctx, src, namespace, nil) },
	}
	if services {
		reads = append(reads, func() { _, _ = source.EndpointSlicesOf(ctx, src, namespace, "") })
	}
	var wg sync.WaitGroup
	for _, read := range reads {
		wg.Go(read)
	}
	return wg.Wait
}

// runByNamespace is scan -A for a user who may not list across the cluster but may list
// the Namespaces: each namespace is scanned on its own, cluster-scoped kinds (Nodes,
// IngressClasses, ...) are read once for all of them, and every namespace whose
// Services may not be listed is named in a PermissionDenied report of its own. What
// could be diagnosed decides the exit code; only when no namespace could be read at all
// is the scan an error: clusterErr, the refused cluster-wide list, unless a namespace's
// own refusal says more. (An empty Namespace list is such a case: nothing was diagnosed.)
func runByNamespace(ctx context.Context, src source.Source, namespaces []corev1.Namespace, workers int, clusterErr error) (diag.ScanReport, error) {
	shared := source.NewClusterCached(src)
	groups := make([][]diag.Report, len(Scanners))
	seen := map[diag.ObjectRef]bool{}
	var refused []diag.Report
	var firstErr error
	diagnosed := 0
	for _, ns := range namespaces {
		inner := source.NewCached(shared, ns.Name)
		if _, err := inner.Services(ctx, ns.Name, ""); err != nil {
			firstErr = cmpOr(firstErr, err)
			refused = append(refused, unreadableNamespace(ns.Name, err))
			continue
		}
		diagnosed++
		nsGroups, _, _ := scanScope(ctx, inner, ns.Name, workers)
		for i, reports := range nsGroups {
			for _, r := range reports {
				// Cluster-scoped reports (the cluster DNS, a node's proxy, the
				// IngressClasses) come back from every namespace: keep one.
				if !seen[r.Target] {
					seen[r.Target] = true
					groups[i] = append(groups[i], r)
				}
			}
		}
	}
	if diagnosed == 0 {
		return diag.ScanReport{}, cmpOr(firstErr, clusterErr)
	}
	for i := range groups {
		sortReports(groups[i])
	}
	return scanReport(groups, refused), nil
}

// scanReport flattens reports grouped by Scanner, in Scanners order, with the reports
// about namespaces that could not be read last.
func scanReport(groups [][]diag.Report, refused []diag.Report) diag.ScanReport {
	out := diag.ScanReport{APIVersion: diag.APIVersion, Kind: diag.KindScanReport, Reports: []diag.Report{}}
	for _, g := range groups {
		out.Reports = append(out.Reports, g...)
	}
	out.Reports = append(out.Reports, refused...)
	out.Summary = summarize(out.Reports)
	return out
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func scanKind(ctx context.Context, src source.Source, sc Scanner, namespace string, workers int) ([]diag.Report, error) {
	if sc.All != nil {
		return sc.All(ctx, src, namespace)
	}
	refs, err := sc.List(ctx, src, namespace)
	if err != nil {
		return nil, err
	}
	return diagnoseAll(ctx, src, sc, refs, workers), nil
}

func diagnoseAll(ctx context.Context, src source.Source, sc Scanner, refs []diag.ObjectRef, workers int) []diag.Report {
	reports := make([]diag.Report, len(refs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(len(refs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, err := sc.Diagnose(ctx, src, refs[i])
				if err != nil {
					r = unreadableObject(refs[i], err)
				}
				reports[i] = r
			}
		}()
	}
	for i := range refs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	sortReports(reports)
	return reports
}

// sortReports orders the reports of one kind by namespace and name.
func sortReports(reports []diag.Report) {
	sort.SliceStable(reports, func(i, j int) bool {
		a, b := reports[i].Target, reports[j].Target
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

// unreadableKind is the report for a kind the scan could not list.
func unreadableKind(kind, namespace string, err error) diag.Report {
	target := diag.ObjectRef{Kind: kind, Namespace: namespace, Name: "*"}
	r := diag.NewReport("scan", target)
	res := engine.ReadError(err)
	r.Checks = append(r.Checks, diag.CheckResult{ID: "scan.list", Title: "list " + kind, Status: res.Status, Detail: res.Detail})
	for _, f := range res.Findings {
		f.Object = target
		r.Add(f)
	}
	r.Finalize()
	return r
}

// unreadableNamespace is the report naming a namespace scan -A could not read.
func unreadableNamespace(namespace string, err error) diag.Report {
	r := unreadableKind("Namespace", "", err)
	r.Target = diag.ObjectRef{Kind: "Namespace", Name: namespace}
	for i := range r.Findings {
		r.Findings[i].Object = r.Target
	}
	r.Checks[0].Title = "list the objects of namespace " + namespace
	return r
}

// unreadableObject is the report for one object that vanished or became unreadable
// between the list and its diagnosis.
func unreadableObject(obj diag.ObjectRef, err error) diag.Report {
	r := unreadableKind(obj.Kind, obj.Namespace, err)
	r.Target = obj
	for i := range r.Findings {
		r.Findings[i].Object = obj
	}
	r.Checks[0].Detail = fmt.Sprintf("could not read %s: %v", obj, err)
	return r
}

func summarize(reports []diag.Report) diag.Summary {
	var s diag.Summary
	for _, r := range reports {
		s.Errors += r.Summary.Errors
		s.Warnings += r.Summary.Warnings
		s.Infos += r.Summary.Infos
	}
	return s
}
