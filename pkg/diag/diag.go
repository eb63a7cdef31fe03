// Package diag is the report model of netdoctor: findings with stable IDs, check
// results and the Report that printers render. It knows nothing of clusters or output.
package diag

import (
	"fmt"
	"sort"
)

// APIVersion and the kinds are the contract's JSON identity of a report.
const (
	APIVersion     = "netdoctor.dev/v1alpha1"
	KindReport     = "Report"
	KindScanReport = "ScanReport"
)

// Severity ranks findings: error means traffic fails, warning that it may fail for some
// clients, nodes or times, info that it is worth knowing.
type Severity string

// Severities, from worst to mildest.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities for sorting: lower is worse.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	default:
		return 2
	}
}

// Status is the outcome of one check of the walk.
type Status string

// Check statuses as the contract names them.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusWarn    Status = "warn"
	StatusUnknown Status = "unknown"
	StatusSkip    Status = "skip"
	// StatusInfo is never serialised: a check that only adds info findings passes.
)

// ObjectRef names the Kubernetes object a finding is about.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders the ref as kubectl users read it: Kind ns/name.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// Finding is one diagnosed problem or fact, identified by a stable catalog ID.
type Finding struct {
	ID       FindingID `json:"id"`
	Severity Severity  `json:"severity"`
	Object   ObjectRef `json:"object"`
	Message  string    `json:"message"`
	Evidence []string  `json:"evidence,omitempty"`
	Fix      string    `json:"fix,omitempty"`
	Commands []string  `json:"commands,omitempty"`
	// Location is where the finding's object was read from, for -f input.
	Location *Location `json:"location,omitempty"`
	// order is the position in the walk, used to pick the root cause deterministically.
	order int
}

// New builds a finding whose severity comes from the catalog.
func New(id FindingID, obj ObjectRef, format string, args ...any) Finding {
	return Finding{ID: id, Severity: id.Severity(), Object: obj, Message: fmt.Sprintf(format, args...)}
}

// WithEvidence appends evidence lines.
func (f Finding) WithEvidence(lines ...string) Finding {
	f.Evidence = append(f.Evidence, lines...)
	return f
}

// WithFix sets the suggested fix.
func (f Finding) WithFix(format string, args ...any) Finding {
	f.Fix = fmt.Sprintf(format, args...)
	return f
}

// WithCommands appends commands the engineer can run next.
func (f Finding) WithCommands(cmds ...string) Finding {
	f.Commands = append(f.Commands, cmds...)
	return f
}

// WithSeverity overrides the catalog severity where the contract gives one ID two
// severities (TLSCertificateExpired / expiring soon is its own ID; this is for those
// rare cases only).
func (f Finding) WithSeverity(s Severity) Finding {
	f.Severity = s
	return f
}

// Location is a position in a manifest file.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

// CheckResult is one step of the decision tree as it was walked.
type CheckResult struct {
	ID     string `json:"id"`
	Title  string `json:"title,omitempty"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Details are the per-object lines shown with --verbose (or under a failed check).
	Details []string `json:"details,omitempty"`
	// Depth nests a check under its parent in the text tree (nested backend diagnoses).
	Depth int `json:"depth,omitempty"`
}

// Summary counts findings per severity.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// PortVerdict is the reach answer for one port.
type PortVerdict struct {
	Port     int32  `json:"port"`
	Name     string `json:"name,omitempty"`
	Protocol string `json:"protocol"`
	Allowed  bool   `json:"allowed"`
	DeniedBy string `json:"deniedBy,omitempty"`
}

// Reach is present only in reports of the reach command.
type Reach struct {
	Allowed bool          `json:"allowed"`
	Ports   []PortVerdict `json:"ports"`
}

// Report is the result of one command on one target.
type Report struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Command    string        `json:"command"`
	Target     ObjectRef     `json:"target"`
	RootCause  string        `json:"rootCause"`
	Summary    Summary       `json:"summary"`
	Findings   []Finding     `json:"findings"`
	Checks     []CheckResult `json:"checks"`
	Reach      *Reach        `json:"reach,omitempty"`
	// Notes are informational lines for the text output (DNS names clients should use).
	Notes []string `json:"notes,omitempty"`
}

// ScanReport holds one report per object scanned.
type ScanReport struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Summary    Summary  `json:"summary"`
	Reports    []Report `json:"reports"`
}

// NewReport returns an empty report for command on target.
func NewReport(command string, target ObjectRef) Report {
	return Report{APIVersion: APIVersion, Kind: KindReport, Command: command, Target: target,
		Findings: []Finding{}, Checks: []CheckResult{}}
}

// Add appends findings in walk order.
func (r *Report) Add(fs ...Finding) {
	for _, f := range fs {
		f.order = len(r.Findings)
		r.Findings = append(r.Findings, f)
	}
}

// HasErrors reports whether any finding has severity error.
func (r *Report) HasErrors() bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Finalize sorts findings (severity, then walk order), counts them and picks the root
// cause: the first error in walk order, else the first warning. Deterministic by design:
// no scoring, no map iteration.
func (r *Report) Finalize() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.order < b.order
	})
	r.Summary = Summary{}
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityError:
			r.Summary.Errors++
		case SeverityWarning:
			r.Summary.Warnings++
		default:
			r.Summary.Infos++
		}
	}
	r.RootCause = ""
	if len(r.Findings) > 0 && r.Findings[0].Severity != SeverityInfo {
		r.RootCause = r.Findings[0].Message
	}
}

// StatusOf is the status of the report's own check checkID (depth 0: not one of a
// nested diagnosis's checks of the same ID), or "" when it did not run.
func (r *Report) StatusOf(checkID string) Status {
	for _, c := range r.Checks {
		if c.ID == checkID && c.Depth == 0 {
			return c.Status
		}
	}
	return ""
}

// IDs lists the finding IDs of the report in order, for tests and scan summaries.
func (r *Report) IDs() []FindingID {
	ids := make([]FindingID, 0, len(r.Findings))
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}
