package cmd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Exit codes of the contract. They are decided here and nowhere else.
const (
	ExitOK       = 0 // diagnosis ran, no error finding (reach: allowed)
	ExitFindings = 1 // diagnosis ran, at least one error finding (reach: denied)
	ExitCannot   = 2 // could not diagnose: usage, input, connection, target unreadable
)

// ErrFindings is returned by a command whose report holds an error finding. It prints
// nothing: the report already said everything.
var ErrFindings = errors.New("diagnosis found errors")

// usageError marks bad command lines, which get a pointer to the command's help.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// UsageErrorf builds a usage error for command path cmd (e.g. "kubectl netdoctor svc").
func UsageErrorf(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// ExitCode maps the error a command returned to the process exit code and the one line
// to print on stderr ("" for none). We follow a policy of one clear line per failure:
// no stack traces, no wrapped chains of five "failed to" prefixes.
func ExitCode(err error) (int, string) {
	if err == nil {
		return ExitOK, ""
	}
	if errors.Is(err, ErrFindings) {
		return ExitFindings, ""
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitCannot, fmt.Sprintf("error: %s\nSee '%s -h' for help and examples.", ue.err, ue.cmd)
	}
	return ExitCannot, "error: " + describe(err)
}

// describe reshapes the errors users meet most into what they can act on, the way
// kubectl's CheckErr does.
func describe(err error) string {
	var re *source.ReadError
	if errors.As(err, &re) {
		switch {
		case re.IsForbidden():
			return fmt.Sprintf("not allowed to %s %s (check with: %s)", re.Verb, re.What(), re.CanICommand())
		case apierrors.IsUnauthorized(re.Err):
			return "You must be logged in to the server (Unauthorized)"
		}
		if msg := connectionProblem(re.Err); msg != "" {
			return msg
		}
		return fmt.Sprintf("cannot %s %s: %s", re.Verb, re.What(), oneLine(re.Err.Error()))
	}
	if clientcmd.IsConfigurationInvalid(err) || clientcmd.IsEmptyConfig(err) {
		return "Error in configuration: " + oneLine(err.Error()) + " (use --kubeconfig/--context, or -f to diagnose manifests offline)"
	}
	return oneLine(err.Error())
}

// connectionProblem recognises an API server that cannot be reached or does not answer.
func connectionProblem(err error) string {
	var ue *url.Error
	var ne net.Error
	host := ""
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Scheme + "://" + u.Host
		}
	}
	switch {
	case errors.As(err, &ne) && ne.Timeout(), strings.Contains(err.Error(), "context deadline exceeded"), strings.Contains(err.Error(), "Client.Timeout"):
		return fmt.Sprintf("the Kubernetes API server %s did not answer within --request-timeout", host)
	case ue != nil:
		return fmt.Sprintf("cannot reach the Kubernetes API server %s: %s (check --kubeconfig/--context, or use -f to diagnose manifests offline)", host, oneLine(ue.Err.Error()))
	}
	return ""
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
