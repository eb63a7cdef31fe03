package source

// Origin identifies an object read from files.
type Origin struct {
	Kind, Namespace, Name string
}

// Position is where an object starts in the input: the file ("stdin" for -) and the
// line of its document (for a List, the line of the List).
type Position struct {
	File string
	Line int
}

// Origin returns where the object was read from, for findings that point at manifests
// (SARIF locations, scan output). ok is false for live objects and synthetic pods.
func (o *Objects) Origin(kind, namespace, name string) (Position, bool) {
	p, ok := o.origins[Origin{Kind: kind, Namespace: namespace, Name: name}]
	return p, ok
}
