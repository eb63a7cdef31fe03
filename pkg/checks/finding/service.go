package finding

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// ServiceRef is how findings about a Service name it.
func ServiceRef(svc *corev1.Service) diag.ObjectRef {
	return diag.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}
}

// SelectorMatchesNoPods is raised when no pod of its namespace carries the selector of
// Service svc (rendered as selector): traffic to the Service goes nowhere. pods says
// which pods were looked at ("pod", "running pod") and lacking what the message ends
// with (which labels, and what follows from it).
func SelectorMatchesNoPods(svc *corev1.Service, selector, pods, lacking string) diag.Finding {
	return diag.New(diag.SelectorMatchesNoPods, ServiceRef(svc), "Service %s/%s selects %s, but no %s in %s has %s",
		svc.Namespace, svc.Name, selector, pods, svc.Namespace, lacking)
}

// TargetPortWords are the words a command uses in a TargetPortNotFound message: what it
// calls the pods it looked at, and what follows when some or none of them serve the port.
type TargetPortWords struct {
	Pods, SomeServe, NoneServe string
}

// TargetPortNotFound is raised when missing of the pods behind Service svc do not
// declare the port name that its port (rendered as port) targets: the EndpointSlice
// controller leaves them out of that port. It is an error when no pod declares it (the
// port has no endpoints) and a warning when some still serve it.
func TargetPortNotFound(svc *corev1.Service, port, name string, missing, pods int, words TargetPortWords) diag.Finding {
	f := diag.New(diag.TargetPortNotFound, ServiceRef(svc), "Service %s/%s port %s targets port name %q, which %d of %d %s do not declare",
		svc.Namespace, svc.Name, port, name, missing, pods, words.Pods)
	if missing < pods {
		f = f.WithSeverity(diag.SeverityWarning)
		f.Message += "; " + words.SomeServe
	} else {
		f.Message += ", " + words.NoneServe
	}
	return f
}
