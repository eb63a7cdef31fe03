// Package engine walks an ordered tree of checks for one command. It owns the rules that
// every command shares: a check whose prerequisites did not pass is skipped (and says
// which one), a failed read is "unknown" with a PermissionDenied or APIError finding and
// never a pass, and the root cause is the first error in walk order.
package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Check is one node of a diagnosis tree. S is the per-command state that checks read
// from and write to (the Service, its pods, ...).
type Check[S any] struct {
	ID    string   // stable, appears as checks[].id, e.g. "service.selector"
	Title string   // short, shown in the text tree when the check has no detail
	Needs []string // checks that must pass (or warn) first; otherwise this one is skipped
	// After names checks whose results in S this one reads whatever their status (the
	// Ready pods, say, which are empty when readiness failed): they must come earlier.
	After []string
	Run   func(ctx context.Context, s *S) Result
}

// Validate checks a tree's wiring: unique IDs, and every Needs and After naming a check
// earlier in walk order. A need on a check that never ran would skip silently forever;
// reading state a later check fills reads nothing.
func Validate[S any](checks []Check[S]) error {
	seen := map[string]bool{}
	var problems []string
	for _, c := range checks {
		if c.ID == "" || seen[c.ID] {
			problems = append(problems, fmt.Sprintf("check %q: empty or duplicate ID", c.ID))
		}
		for _, dep := range append(append([]string{}, c.Needs...), c.After...) {
			if !seen[dep] {
				problems = append(problems, fmt.Sprintf("%s depends on %s, which does not run before it", c.ID, dep))
			}
		}
		seen[c.ID] = true
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Result is what a check returns.
type Result struct {
	Status   diag.Status
	Detail   string
	Details  []string
	Findings []diag.Finding
	// Fatal stops the walk: the tool cannot diagnose at all (the target itself could not
	// be read). The command exits 2 with this error.
	Fatal error
}

// Pass, Fail, Warn and Skip build results with a formatted detail.
func Pass(format string, args ...any) Result {
	return Result{Status: diag.StatusPass, Detail: fmt.Sprintf(format, args...)}
}

// Skip marks a check that does not apply to this target.
func Skip(format string, args ...any) Result {
	return Result{Status: diag.StatusSkip, Detail: fmt.Sprintf(format, args...)}
}

// Found returns a result whose status follows from the worst finding: any error → fail,
// any warning → warn, otherwise pass (info findings do not make a check fail).
func Found(detail string, findings ...diag.Finding) Result {
	status := diag.StatusPass
	for _, f := range findings {
		switch {
		case f.Severity == diag.SeverityError:
			status = diag.StatusFail
		case f.Severity == diag.SeverityWarning && status == diag.StatusPass:
			status = diag.StatusWarn
		}
	}
	return Result{Status: status, Detail: detail, Findings: findings}
}

// WithDetails attaches per-object lines shown under the check.
func (r Result) WithDetails(lines ...string) Result {
	r.Details = append(r.Details, lines...)
	return r
}

// ReadError turns a failed read into an unknown result with the finding that explains
// it. Forbidden becomes PermissionDenied naming the verb and resource to grant; any other
// failure (timeouts, 5xx) becomes APIError. The finding's object is filled in by Walk.
func ReadError(err error) Result {
	return Result{Status: diag.StatusUnknown, Detail: "could not read: " + err.Error(),
		Findings: []diag.Finding{ReadErrorFinding(err)}}
}

// ReadErrorFinding is the finding for a failed read, for checks that go on with partial data.
func ReadErrorFinding(err error) diag.Finding {
	var re *source.ReadError
	if errors.As(err, &re) && re.IsForbidden() {
		return diag.New(diag.PermissionDenied, diag.ObjectRef{}, "not allowed to %s %s", re.Verb, re.What()).
			WithEvidence(diag.FirstLine(re.Err.Error())).
			WithFix("grant %s on %s to this user (see docs/rbac.yaml), or run as a user who has it", re.Verb, re.Resource).
			WithCommands(re.CanICommand())
	}
	f := diag.New(diag.APIError, diag.ObjectRef{}, "the API server failed a read: %s", diag.FirstLine(err.Error()))
	if re != nil {
		f.Message = fmt.Sprintf("the API server failed to %s %s", re.Verb, re.What())
		f = f.WithEvidence(diag.FirstLine(re.Err.Error()))
	}
	return f.WithFix("retry, or raise --request-timeout if the API server is slow")
}

// Walk runs checks in order against state s and fills report. It returns a non-nil
// error only when a check reported Fatal. The report is finalised (sorted, counted, root
// cause chosen) before it is returned.
func Walk[S any](ctx context.Context, checks []Check[S], s *S, report *diag.Report) error {
	statuses := map[string]diag.Status{}
	for _, c := range checks {
		if blocker := unmet(c.Needs, statuses); blocker != "" {
			statuses[c.ID] = diag.StatusSkip
			report.Checks = append(report.Checks, diag.CheckResult{ID: c.ID, Title: c.Title,
				Status: diag.StatusSkip, Detail: "skipped: needs " + blocker})
			continue
		}
		res := c.Run(ctx, s)
		if res.Fatal != nil {
			return res.Fatal
		}
		if res.Status == "" {
			res.Status = diag.StatusPass
		}
		statuses[c.ID] = res.Status
		report.Checks = append(report.Checks, diag.CheckResult{ID: c.ID, Title: c.Title,
			Status: res.Status, Detail: res.Detail, Details: res.Details})
		for _, f := range res.Findings {
			if f.Object == (diag.ObjectRef{}) {
				f.Object = report.Target
			}
			report.Add(f)
		}
	}
	report.Finalize()
	return nil
}

// unmet returns the first prerequisite that did not pass or warn, or "".
func unmet(needs []string, statuses map[string]diag.Status) string {
	for _, n := range needs {
		switch statuses[n] {
		case diag.StatusPass, diag.StatusWarn:
		default:
			return n
		}
	}
	return ""
}
