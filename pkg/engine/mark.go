package engine

import "context"

// A ScanMark is set on the context of a scan that reports a finding once for the whole
// scope (per node, per cluster), so that the diagnoses under it leave that finding to
// the scan's own group instead of repeating it for every object. Declare one as a
// package variable; its address is the context key.
type ScanMark struct {
	// name is what the mark stands for, for a reader of the code or a debugger. It
	// also keeps the struct from being zero-sized: pointers to distinct zero-sized
	// values may be equal, and the address is the key.
	name string
}

// NewScanMark declares a mark.
func NewScanMark(name string) *ScanMark { return &ScanMark{name: name} }

// Set returns ctx marked.
func (m *ScanMark) Set(ctx context.Context) context.Context {
	return context.WithValue(ctx, m, true)
}

// In reports whether ctx is marked.
func (m *ScanMark) In(ctx context.Context) bool {
	v, _ := ctx.Value(m).(bool)
	return v
}

// String implements fmt.Stringer.
func (m *ScanMark) String() string { return m.name }
