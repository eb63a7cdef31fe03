package diag

// ChangeKind says how a finding differs between two diagnoses of the same target.
type ChangeKind string

// Change kinds, as --watch prints them.
const (
	ChangeAppeared ChangeKind = "appeared"
	ChangeResolved ChangeKind = "resolved"
	ChangeChanged  ChangeKind = "changed"
)

// FindingChange is one finding that appeared, resolved or changed its message,
// severity or evidence between two diagnoses.
type FindingChange struct {
	Kind    ChangeKind
	Finding Finding // the new finding; the old one for ChangeResolved
}

// findingKey identifies a finding across diagnoses: the same rule about the same
// object. Its message may change (1 of 3 pods Ready, then 2 of 3) and still be the
// same finding.
type findingKey struct {
	id  FindingID
	obj ObjectRef
}

// Changes lists how next differs from prev, in next's finding order with the resolved
// findings first: what stopped being wrong is the news an on-call engineer waits for.
func Changes(prev, next Report) []FindingChange {
	before := map[findingKey]Finding{}
	for _, f := range prev.Findings {
		before[findingKey{f.ID, f.Object}] = f
	}
	after := map[findingKey]bool{}
	for _, f := range next.Findings {
		after[findingKey{f.ID, f.Object}] = true
	}
	var out []FindingChange
	for _, f := range prev.Findings {
		if !after[findingKey{f.ID, f.Object}] {
			out = append(out, FindingChange{Kind: ChangeResolved, Finding: f})
		}
	}
	for _, f := range next.Findings {
		old, seen := before[findingKey{f.ID, f.Object}]
		switch {
		case !seen:
			out = append(out, FindingChange{Kind: ChangeAppeared, Finding: f})
		case !sameFinding(old, f):
			out = append(out, FindingChange{Kind: ChangeChanged, Finding: f})
		}
	}
	return out
}

func sameFinding(a, b Finding) bool {
	if a.Severity != b.Severity || a.Message != b.Message || len(a.Evidence) != len(b.Evidence) {
		return false
	}
	for i := range a.Evidence {
		if a.Evidence[i] != b.Evidence[i] {
			return false
		}
	}
	return true
}
