package netpol

// tri is a three-valued truth: a match netdoctor can decide (no, yes) or one it cannot
// (maybe), because it needs something the API does not show (a label the plugin adds
// on its own, a DNS answer, a set of addresses it did not read). Kleene's logic keeps
// "maybe" only where the other operand does not decide.
type tri int8

const (
	no tri = iota
	maybe
	yes
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

func (a tri) and(b tri) tri { return min(a, b) }
func (a tri) or(b tri) tri  { return max(a, b) }
func (a tri) not() tri      { return yes - a }

func (a tri) String() string {
	switch a {
	case yes:
		return "yes"
	case maybe:
		return "maybe"
	}
	return "no"
}
