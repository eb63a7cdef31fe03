// Package finding builds what several commands report alike, so that a fix to a
// message, a severity rule or a piece of evidence lands once: one constructor per
// finding ID that more than one command raises, and the evidence they share (how a
// pod is named, the pods a selector nearly matches, the workloads that run no pod,
// where a Service that was not found might be).
//
// Pure Kubernetes rules (readiness, ports, labels) live in pkg/kube, which knows no
// report type; this package turns them into diag findings for the checks.
package finding
