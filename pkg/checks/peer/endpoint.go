// Package peer turns the FROM/TO arguments of `reach` (and the POD argument of `dns`)
// into the pods, Service or external address they stand for. ParseEndpoint is pure, so
// every malformed argument is rejected before anything is read; Resolve reads through a
// Source and resolves workloads to their pods the way their controllers select them.
package peer

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Kind is what an endpoint argument names. The values are the API kinds, as findings
// and kubectl users spell them.
type Kind string

// Kinds an endpoint can name.
const (
	KindPod         Kind = "Pod"
	KindDeployment  Kind = "Deployment"
	KindStatefulSet Kind = "StatefulSet"
	KindDaemonSet   Kind = "DaemonSet"
	KindReplicaSet  Kind = "ReplicaSet"
	KindJob         Kind = "Job"
	KindService     Kind = "Service"
	// KindIP is an address outside the cluster (ip:ADDRESS).
	KindIP Kind = "IP"
)

// kindAliases maps every spelling kubectl users type to its kind: the short name, the
// singular and the plural, as `kubectl get` accepts them. Keep sorted by kind.
var kindAliases = map[string]Kind{
	"po": KindPod, "pod": KindPod, "pods": KindPod,
	"deploy": KindDeployment, "deployment": KindDeployment, "deployments": KindDeployment,
	"sts": KindStatefulSet, "statefulset": KindStatefulSet, "statefulsets": KindStatefulSet,
	"ds": KindDaemonSet, "daemonset": KindDaemonSet, "daemonsets": KindDaemonSet,
	"rs": KindReplicaSet, "replicaset": KindReplicaSet, "replicasets": KindReplicaSet,
	"job": KindJob, "jobs": KindJob,
	"svc": KindService, "service": KindService, "services": KindService,
}

// kindsHelp is the list shown when a kind is not recognised.
const kindsHelp = "pod, deploy, sts, ds, rs, job, svc or ip:ADDRESS"

// ipPrefix introduces an address outside the cluster.
const ipPrefix = "ip:"

// maxArgLen is longer than any valid argument (namespace, kind and a 253-byte name).
const maxArgLen = 512

// maxQuoted bounds what an error echoes back of the argument, so a pasted manifest or
// binary junk cannot flood the terminal: longer arguments are cut and given by length.
const maxQuoted = 160

// Endpoint is a parsed FROM/TO argument. Namespace is empty when the argument did not
// give one; WithNamespace fills in the -n namespace.
type Endpoint struct {
	Kind      Kind
	Namespace string
	Name      string
	// IP is set for KindIP only.
	IP netip.Addr
}

// ErrSyntax is wrapped by every error of ParseEndpoint, so callers can tell bad input
// (a usage error) from a failed read.
var ErrSyntax = errors.New("invalid endpoint")

// syntaxError is one line naming the argument and what is wrong with it.
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }
func (e *syntaxError) Unwrap() error { return ErrSyntax }

func syntaxErrorf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...)}
}

// quote renders the argument for an error message: quoted (so control characters and
// newlines are escaped and the message stays one line) and truncated when huge.
func quote(s string) string {
	q := fmt.Sprintf("%q", s)
	if len(q) > maxQuoted {
		return fmt.Sprintf("%q... (%d bytes)", s[:maxQuoted/4], len(s))
	}
	return q
}

// ParseEndpoint parses `[NAMESPACE/]KIND/NAME` or `ip:ADDRESS`. It never panics and
// every error it returns wraps ErrSyntax and is a single line. Whether a Service is
// acceptable (TO only) is the caller's decision: see Endpoint.IsService.
func ParseEndpoint(s string) (Endpoint, error) {
	if s == "" {
		return Endpoint{}, syntaxErrorf("empty argument: want [NAMESPACE/]KIND/NAME or ip:ADDRESS")
	}
	if len(s) > maxArgLen {
		return Endpoint{}, syntaxErrorf("%s is too long for [NAMESPACE/]KIND/NAME or ip:ADDRESS", quote(s))
	}
	if len(s) >= len(ipPrefix) && strings.EqualFold(s[:len(ipPrefix)], ipPrefix) {
		return parseIP(s)
	}
	parts := strings.Split(s, "/")
	var ns, kind, name string
	switch len(parts) {
	case 1:
		return Endpoint{}, syntaxErrorf("%s needs a kind: write KIND/NAME, e.g. deploy/%s or pod/%s (kinds: %s)", quote(s), printable(s), printable(s), kindsHelp)
	case 2:
		kind, name = parts[0], parts[1]
	case 3:
		ns, kind, name = parts[0], parts[1], parts[2]
	default:
		return Endpoint{}, syntaxErrorf("%s has too many '/': want [NAMESPACE/]KIND/NAME", quote(s))
	}
	k, ok := kindAliases[strings.ToLower(kind)]
	if !ok {
		if kind == "" {
			return Endpoint{}, syntaxErrorf("%s has an empty kind: want [NAMESPACE/]KIND/NAME (kinds: %s)", quote(s), kindsHelp)
		}
		if _, isKind := kindAliases[strings.ToLower(name)]; isKind && ns == "" {
			// "shop/deploy" without a name: the user probably meant NAMESPACE/KIND/NAME.
			return Endpoint{}, syntaxErrorf("%s has no name: want [NAMESPACE/]KIND/NAME, e.g. %s/%s/NAME", quote(s), printable(kind), printable(name))
		}
		return Endpoint{}, syntaxErrorf("unknown kind %s in %s: use %s", quote(kind), quote(s), kindsHelp)
	}
	if ns != "" || len(parts) == 3 {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return Endpoint{}, syntaxErrorf("invalid namespace %s in %s: a namespace is a lowercase RFC 1123 label (a-z, 0-9, '-')", quote(ns), quote(s))
		}
	}
	if name == "" {
		return Endpoint{}, syntaxErrorf("%s has an empty name: want [NAMESPACE/]KIND/NAME", quote(s))
	}
	if k == KindService {
		if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
			return Endpoint{}, syntaxErrorf("invalid Service name %s in %s: a Service name is a lowercase RFC 1035 label (a-z, 0-9, '-', starting with a letter)", quote(name), quote(s))
		}
	} else if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return Endpoint{}, syntaxErrorf("invalid %s name %s in %s: a name is a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.')", k, quote(name), quote(s))
	}
	return Endpoint{Kind: k, Namespace: ns, Name: name}, nil
}

func parseIP(s string) (Endpoint, error) {
	addr := s[len(ipPrefix):]
	if addr == "" {
		return Endpoint{}, syntaxErrorf("%s has no address: write ip:ADDRESS, e.g. ip:203.0.113.7", quote(s))
	}
	if strings.Contains(addr, "/") {
		return Endpoint{}, syntaxErrorf("%s is a CIDR: give one address, e.g. ip:%s", quote(s), printable(strings.SplitN(addr, "/", 2)[0]))
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return Endpoint{}, syntaxErrorf("invalid IP address %s in %s", quote(addr), quote(s))
	}
	return Endpoint{Kind: KindIP, IP: ip.Unmap()}, nil
}

// printable returns s for use inside an example, or a placeholder when s itself would
// need quoting.
func printable(s string) string {
	if s == "" || len(s) > 63 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return "NAME"
	}
	return s
}

// WithNamespace returns e with namespace filled in when the argument gave none.
// Addresses have no namespace.
func (e Endpoint) WithNamespace(namespace string) Endpoint {
	if e.Kind != KindIP && e.Namespace == "" {
		e.Namespace = namespace
	}
	return e
}

// IsService reports whether e names a Service (valid as TO only).
func (e Endpoint) IsService() bool { return e.Kind == KindService }

// IsIP reports whether e is an address outside the cluster.
func (e Endpoint) IsIP() bool { return e.Kind == KindIP }

// IsWorkload reports whether e is resolved to pods through a selector.
func (e Endpoint) IsWorkload() bool {
	switch e.Kind {
	case KindDeployment, KindStatefulSet, KindDaemonSet, KindReplicaSet, KindJob:
		return true
	}
	return false
}

// Ref is the endpoint as a finding object.
func (e Endpoint) Ref() diag.ObjectRef {
	if e.Kind == KindIP {
		return diag.ObjectRef{Kind: string(KindIP), Name: e.IP.String()}
	}
	return diag.ObjectRef{Kind: string(e.Kind), Namespace: e.Namespace, Name: e.Name}
}

// String renders the endpoint as findings name it: "Deployment shop/checkout",
// "IP 203.0.113.7".
func (e Endpoint) String() string { return e.Ref().String() }

// Arg renders the endpoint in the grammar it was parsed from, fully qualified, for
// the commands suggested to the user.
func (e Endpoint) Arg() string {
	if e.Kind == KindIP {
		return ipPrefix + e.IP.String()
	}
	short := map[Kind]string{KindPod: "pod", KindDeployment: "deploy", KindStatefulSet: "sts", KindDaemonSet: "ds",
		KindReplicaSet: "rs", KindJob: "job", KindService: "svc"}[e.Kind]
	if e.Namespace == "" {
		return short + "/" + e.Name
	}
	return e.Namespace + "/" + short + "/" + e.Name
}
