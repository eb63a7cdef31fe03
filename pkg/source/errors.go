package source

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ReadError is a failed read, classified so that checks can turn it into the right
// finding: Forbidden → PermissionDenied (naming the verb and resource to grant),
// anything else → APIError. A read failure is never a pass.
type ReadError struct {
	Verb      string // get or list
	Resource  string // e.g. "endpointslices.discovery.k8s.io"
	Namespace string // empty for cluster-scoped reads or all namespaces
	Name      string // for get
	Err       error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("cannot %s %s: %v", e.Verb, e.What(), e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// What names what was read, the way kubectl auth can-i takes it.
func (e *ReadError) What() string {
	what := e.Resource
	if e.Name != "" {
		what += " " + e.Name
	}
	if e.Namespace != "" {
		what += " in namespace " + e.Namespace
	}
	return what
}

// CanICommand is the kubectl command that confirms the missing permission.
func (e *ReadError) CanICommand() string {
	cmd := "kubectl auth can-i " + e.Verb + " " + e.Resource
	if e.Namespace != "" {
		return cmd + " -n " + e.Namespace
	}
	if e.Verb == "list" {
		return cmd + " --all-namespaces"
	}
	return cmd
}

// IsNotFound reports whether the read failed only because the object does not exist.
func (e *ReadError) IsNotFound() bool { return apierrors.IsNotFound(e.Err) }

// IsForbidden reports whether RBAC refused the read.
func (e *ReadError) IsForbidden() bool { return apierrors.IsForbidden(e.Err) }

// IsNotFound reports whether err is a ReadError for a missing object.
func IsNotFound(err error) bool {
	var re *ReadError
	return errors.As(err, &re) && re.IsNotFound()
}

// IsForbidden reports whether err is a ReadError refused by RBAC.
func IsForbidden(err error) bool {
	var re *ReadError
	return errors.As(err, &re) && re.IsForbidden()
}

func readErr(verb, resource, namespace, name string, err error) error {
	if err == nil {
		return nil
	}
	return &ReadError{Verb: verb, Resource: resource, Namespace: namespace, Name: name, Err: err}
}
