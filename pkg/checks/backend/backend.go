// Package backend is what the ingress and route trees share about the Services they
// send traffic to: how a frontend names a Service port, the full `svc` diagnosis of each
// backend Service (run once per Service however many paths point at it), whether the
// port a frontend uses has ready endpoints, and how the nested diagnosis is embedded in
// the frontend's report.
package backend

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// PortRef is how a frontend names a Service port: an Ingress by number or by name, a
// Gateway API backendRef by number only.
type PortRef struct {
	Number int32
	Name   string
}

// String renders the ref as a user wrote it.
func (p PortRef) String() string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}

// FindPort returns the port of svc that ref names. A number matches spec.ports[].port
// (never the targetPort: the frontend talks to the Service, not to the pods), a name
// matches spec.ports[].name.
func FindPort(svc *corev1.Service, ref PortRef) (*corev1.ServicePort, bool) {
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if ref.Name != "" && sp.Name == ref.Name || ref.Name == "" && sp.Port == ref.Number {
			return sp, true
		}
	}
	return nil, false
}

// DescribePorts lists a Service's ports as "name 80/TCP→8080" for evidence.
func DescribePorts(svc *corev1.Service) string {
	if len(svc.Spec.Ports) == 0 {
		return "no ports"
	}
	parts := make([]string, 0, len(svc.Spec.Ports))
	for _, sp := range svc.Spec.Ports {
		s := fmt.Sprintf("%d/%s→%s", sp.Port, sp.Protocol, sp.TargetPort.String())
		if sp.Name != "" {
			s = sp.Name + " " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// Diagnosis is the `svc` diagnosis of one backend Service.
type Diagnosis struct {
	Namespace, Name string
	Report          diag.Report
	State           *service.State
	// Err is set when the Service itself could not be read; Report is then empty.
	Err error
}

// Set runs each backend's diagnosis once and keeps them in first-use order.
type Set struct {
	byKey map[string]*Diagnosis
	order []*Diagnosis
}

// Diagnose returns the diagnosis of Service namespace/name, running it on first use.
func (s *Set) Diagnose(ctx context.Context, src source.Source, namespace, name string) *Diagnosis {
	if s.byKey == nil {
		s.byKey = map[string]*Diagnosis{}
	}
	key := namespace + "/" + name
	if d, ok := s.byKey[key]; ok {
		return d
	}
	report, state, err := service.Diagnose(ctx, src, namespace, name)
	d := &Diagnosis{Namespace: namespace, Name: name, Report: report, State: state, Err: err}
	s.byKey[key] = d
	s.order = append(s.order, d)
	return d
}

// All returns the diagnoses in the order they were first asked for.
func (s *Set) All() []*Diagnosis { return s.order }

// Endpoints is how many ready endpoints a Service port has, and where that was read.
type Endpoints struct {
	Ready int
	// From is "EndpointSlices" (what ingress controllers and Gateway implementations
	// read) or "ready pods" (offline input without slices: what the controller would publish).
	From string
	// Known is false when the nested diagnosis could not tell (a read failed) or the
	// question does not apply (ExternalName: the frontend resolves the name instead).
	Known bool
}

// ReadyEndpoints counts the ready endpoints behind Service port sp, the addresses a
// proxy in front of the Service can send this port's traffic to.
func (d *Diagnosis) ReadyEndpoints(sp corev1.ServicePort) Endpoints {
	st := d.State
	if d.Err != nil || st == nil || st.Service == nil || st.Service.Spec.Type == corev1.ServiceTypeExternalName {
		return Endpoints{}
	}
	if d.Report.StatusOf(service.CheckSelector) == diag.StatusUnknown {
		return Endpoints{}
	}
	selectorless := len(st.Service.Spec.Selector) == 0
	if selectorless {
		n := readySliceEndpoints(st.Slices, sp)
		if n == 0 && d.Report.StatusOf(service.CheckSelector) == diag.StatusPass {
			// Addresses come from a legacy Endpoints object (mirrored into slices live).
			return Endpoints{Ready: 1, From: "Endpoints", Known: true}
		}
		return Endpoints{Ready: n, From: "EndpointSlices", Known: true}
	}
	if len(st.Pods) == 0 {
		return Endpoints{Ready: 0, From: "ready pods", Known: true}
	}
	switch d.Report.StatusOf(service.CheckEndpointSlices) {
	case diag.StatusPass, diag.StatusFail, diag.StatusWarn:
		return Endpoints{Ready: readySliceEndpoints(st.Slices, sp), From: "EndpointSlices", Known: true}
	case diag.StatusUnknown:
		return Endpoints{}
	}
	n := 0
	for _, e := range service.ExpectedEndpoints(st.Service, st.Pods) {
		if !e.Ready {
			continue
		}
		for _, p := range e.Ports {
			if p.Name != nil && *p.Name == sp.Name {
				n++
				break
			}
		}
	}
	return Endpoints{Ready: n, From: "ready pods", Known: true}
}

// readySliceEndpoints counts ready addresses in the slices that carry port sp (slices
// name their ports after the Service port names).
func readySliceEndpoints(slices []discoveryv1.EndpointSlice, sp corev1.ServicePort) int {
	n := 0
	for _, sl := range slices {
		if sl.AddressType == discoveryv1.AddressTypeFQDN {
			continue
		}
		carries := false
		for _, p := range sl.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			if name == sp.Name {
				carries = true
				break
			}
		}
		if !carries {
			continue
		}
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				n += len(ep.Addresses)
			}
		}
	}
	return n
}

// RootCause is the nested report's first problem, or "" when the Service is healthy.
func (d *Diagnosis) RootCause() string {
	return d.Report.RootCause
}

// Findings returns the nested report's findings in walk order, to be added to the
// frontend's report right after the finding that points at this backend.
func (d *Diagnosis) Findings() []diag.Finding {
	return append([]diag.Finding(nil), d.Report.Findings...)
}

// Embed inserts the checks of each nested report into report right after the check
// afterID, one level deeper, so the text tree shows each backend's own svc walk under
// the frontend check that led to it.
func Embed(report *diag.Report, afterID string, nested []*Diagnosis) {
	at := -1
	for i, c := range report.Checks {
		if c.ID == afterID && c.Depth == 0 {
			at = i + 1
			break
		}
	}
	if at < 0 {
		return
	}
	var rows []diag.CheckResult
	for _, d := range nested {
		if d.Err != nil {
			continue
		}
		for _, c := range d.Report.Checks {
			c.Depth++
			rows = append(rows, c)
		}
	}
	if len(rows) == 0 {
		return
	}
	out := make([]diag.CheckResult, 0, len(report.Checks)+len(rows))
	out = append(out, report.Checks[:at]...)
	out = append(out, rows...)
	out = append(out, report.Checks[at:]...)
	report.Checks = out
}
