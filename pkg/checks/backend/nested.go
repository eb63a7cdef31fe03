package backend

import (
	"fmt"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// Nested is what a frontend's endpoints check reports of the svc diagnoses of its
// backends. Several paths or backendRefs often send to one Service: its findings, or
// the failed read of it, are reported once, however many of them name it.
type Nested struct {
	findings []diag.Finding
	details  []string
	reported map[*Diagnosis]bool
	// unreadable is set when a backend Service could not be read: the check cannot pass.
	unreadable bool
}

// Read reports whether d's Service could be read. The first time it could not, the
// failed read is a finding.
func (n *Nested) Read(d *Diagnosis) bool {
	if d.Err == nil {
		return true
	}
	if n.first(d) {
		n.findings = append(n.findings, engine.ReadErrorFinding(d.Err))
		n.unreadable = true
	}
	return false
}

// Nest adds the frontend's own findings about one backend (lead), then, the first time
// d is nested, the findings of d's svc diagnosis, so that each lead is followed by
// what explains it.
func (n *Nested) Nest(d *Diagnosis, lead ...diag.Finding) {
	n.findings = append(n.findings, lead...)
	if n.first(d) {
		n.findings = append(n.findings, d.Findings()...)
	}
}

// Detail adds a line shown under the check.
func (n *Nested) Detail(line string) {
	n.details = append(n.details, line)
}

// Result is the check's result: skipped (with the reason none) when no backend Service
// was diagnosed, unknown rather than a pass or warning when one could not be read.
func (n *Nested) Result(none string) engine.Result {
	if len(n.reported) == 0 {
		return engine.Skip("%s", none)
	}
	res := engine.Found(fmt.Sprintf("%d backend Service(s) diagnosed (svc checks below)", len(n.reported)), n.findings...).WithDetails(n.details...)
	if n.unreadable && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

// first marks d as reported and says whether it was not before.
func (n *Nested) first(d *Diagnosis) bool {
	if n.reported[d] {
		return false
	}
	if n.reported == nil {
		n.reported = map[*Diagnosis]bool{}
	}
	n.reported[d] = true
	return true
}
