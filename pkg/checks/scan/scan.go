// Package scan runs every diagnosis over every object in a namespace or the cluster.
// It reads each kind once (source.Cached) and shares that snapshot between all
// diagnoses, so the cost of a scan is one paginated list per kind, not requests per object.
package scan

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Scanner finds the objects of one kind in scope and diagnoses one of them.
type Scanner struct {
	Kind string
	// List returns the objects of this kind in namespace (source.AllNamespaces for all).
	List func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error)
	// Diagnose returns the report for one object; an error means it could not be read.
	Diagnose func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error)
}

// Scanners is every kind scan covers, in the order their reports are grouped.
// Keep it in step with the commands: each new diagnosis joins here.
var Scanners = []Scanner{
	{
		Kind: "Service",
		List: func(ctx context.Context, src source.Source, namespace string) ([]diag.ObjectRef, error) {
			svcs, err := src.Services(ctx, namespace, "")
			refs := make([]diag.ObjectRef, 0, len(svcs))
			for _, s := range svcs {
				refs = append(refs, diag.ObjectRef{Kind: "Service", Namespace: s.Namespace, Name: s.Name})
			}
			return refs, err
		},
		Diagnose: func(ctx context.Context, src source.Source, obj diag.ObjectRef) (diag.Report, error) {
			r, _, err := service.Diagnose(ctx, src, obj.Namespace, obj.Name)
			return r, err
		},
	},
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
	workers := opts.Workers
	if workers <= 0 {
		workers = max(2, runtime.GOMAXPROCS(0))
	}
	out := diag.ScanReport{APIVersion: diag.APIVersion, Kind: diag.KindScanReport, Reports: []diag.Report{}}
	var firstErr error
	listed := 0
	for _, sc := range Scanners {
		refs, err := sc.List(ctx, cached, opts.Namespace)
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			out.Reports = append(out.Reports, unreadableKind(sc.Kind, opts.Namespace, err))
			continue
		}
		listed++
		out.Reports = append(out.Reports, diagnoseAll(ctx, cached, sc, refs, workers)...)
	}
	if listed == 0 && firstErr != nil {
		return out, firstErr
	}
	out.Summary = summarize(out.Reports)
	return out, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
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
	sort.SliceStable(reports, func(i, j int) bool {
		a, b := reports[i].Target, reports[j].Target
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return reports
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
