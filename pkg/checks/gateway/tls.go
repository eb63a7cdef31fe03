package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/tlscert"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// attached returns the listeners of p the route is served on: those that admit it
// (checkListeners) and, for route kinds with hostnames, whose hostname intersects the
// route's. Each comes with the hostnames it serves the route under ("" for any).
func (s *State) attached(p *Parent) []attachedListener {
	var out []attachedListener
	for _, l := range p.Listeners {
		a := attachedListener{Listener: l}
		switch {
		case s.Route == nil:
			// The Gateway on its own (DiagnoseGateway): each listener serves its hostname.
			if l.Hostname != nil && *l.Hostname != "" {
				a.Hosts = []string{string(*l.Hostname)}
			}
		case s.Route.HasHostnames:
			hits := intersect(l.Hostname, s.Route.Hostnames)
			if len(hits) == 0 {
				continue
			}
			if len(s.Route.Hostnames) > 0 || l.Hostname != nil && *l.Hostname != "" {
				a.Hosts = hits
			}
		case l.Hostname != nil && *l.Hostname != "":
			a.Hosts = []string{string(*l.Hostname)}
		}
		out = append(out, a)
	}
	return out
}

// attachedListener is a listener that serves the route, with the hostnames it serves
// the route under (none: every hostname, so a certificate cannot be checked against one).
type attachedListener struct {
	gatewayv1.Listener
	Hosts []string
}

// checkListenerTLS: a listener with protocol HTTPS, or TLS in mode Terminate (the
// default), terminates TLS with the certificates of its tls.certificateRefs: Secrets
// of type kubernetes.io/tls (group "" and kind Secret by default) in the Gateway's
// namespace unless the reference names another, which then needs a ReferenceGrant there
// allowing Gateways of the Gateway's namespace to reference Secrets. A reference that
// does not resolve makes the controller set ResolvedRefs=False (InvalidCertificateRef,
// RefNotPermitted) and usually drop the listener; an expired certificate, or one that
// does not name the hostnames the listener serves the route under, is served anyway and
// every client's handshake fails. Passthrough listeners carry no certificate.
func checkListenerTLS(ctx context.Context, s *State) engine.Result {
	var findings []diag.Finding
	var details []string
	checked := 0
	unknown := false
	grants := map[string][]gatewayv1.ReferenceGrant{}
	once := 0
	for _, p := range s.Parents {
		if p.Gateway == nil {
			continue
		}
		// In a scan that diagnoses this Gateway on its own, its certificates are judged
		// there; the route adds only the hostnames it brings to a listener.
		hostsOnly := reportedOnce(ctx, p.Gateway)
		if hostsOnly {
			once++
		}
		for _, l := range s.attached(p) {
			if l.Protocol != gatewayv1.HTTPSProtocolType && l.Protocol != gatewayv1.TLSProtocolType {
				continue
			}
			label := fmt.Sprintf("Gateway %s/%s listener %s (%s/%d)", p.Gateway.Namespace, p.Gateway.Name, l.Name, l.Protocol, l.Port)
			if l.TLS != nil && l.TLS.Mode != nil && *l.TLS.Mode == gatewayv1.TLSModePassthrough {
				details = append(details, label+": Passthrough, the backend terminates TLS")
				continue
			}
			if hostsOnly {
				l.Hosts = slices.DeleteFunc(slices.Clone(l.Hosts), func(h string) bool { return l.Hostname != nil && string(*l.Hostname) == h })
				if len(l.Hosts) == 0 {
					details = append(details, label+": reported once, under the Gateway")
					continue
				}
			}
			checked++
			lt := listenerTLS{s: s, gw: p.Gateway, l: l, label: label, grants: grants, hostsOnly: hostsOnly}
			fs, ds, unk := lt.check(ctx)
			findings = append(findings, fs...)
			details = append(details, ds...)
			unknown = unknown || unk
		}
	}
	if checked == 0 {
		if once > 0 {
			return engine.Skip("the listeners' certificates are reported once, under the Gateway").WithDetails(details...)
		}
		if s.Route == nil {
			return engine.Skip("no listener terminates TLS")
		}
		return engine.Skip("no listener the route attaches to terminates TLS")
	}
	res := engine.Found(fmt.Sprintf("%d TLS-terminating listener(s)", checked), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

type listenerTLS struct {
	s      *State
	gw     *gatewayv1.Gateway
	l      attachedListener
	label  string
	grants map[string][]gatewayv1.ReferenceGrant
	// hostsOnly keeps only whether the certificates cover l.Hosts: what is wrong with
	// the certificateRefs themselves is reported under the Gateway.
	hostsOnly bool
}

func (t *listenerTLS) gwRef() diag.ObjectRef {
	return diag.ObjectRef{Kind: source.KindGateway, Namespace: t.gw.Namespace, Name: t.gw.Name}
}

// finding starts a GatewayListenerTLSInvalid finding with the listener's own verdict
// (its ResolvedRefs condition) as evidence when the controller has written one.
func (t *listenerTLS) finding(format string, args ...any) diag.Finding {
	f := diag.New(diag.GatewayListenerTLSInvalid, t.gwRef(), "%s: %s", t.label, fmt.Sprintf(format, args...))
	if c := listenerCondition(t.gw, t.l.Name, string(gatewayv1.ListenerConditionResolvedRefs)); c != nil && c.Status == metav1.ConditionFalse {
		f = f.WithEvidence(fmt.Sprintf("the controller agrees: listener %s ResolvedRefs=False, reason %s: %s", t.l.Name, c.Reason, c.Message))
	}
	return f.WithCommands(fmt.Sprintf("kubectl get gateway %s -n %s -o jsonpath='{range .spec.listeners[*]}{.name} {.hostname} {.tls.certificateRefs}{\"\\n\"}{end}'", t.gw.Name, t.gw.Namespace))
}

func (t *listenerTLS) check(ctx context.Context) ([]diag.Finding, []string, bool) {
	s, l := t.s, t.l
	var refs []gatewayv1.SecretObjectReference
	if l.TLS != nil {
		refs = l.TLS.CertificateRefs
	}
	if len(refs) == 0 {
		if t.hostsOnly {
			return nil, []string{t.label + ": no certificateRefs, reported once under the Gateway"}, false
		}
		if l.TLS != nil && len(l.TLS.Options) > 0 {
			return nil, []string{t.label + ": no certificateRefs, certificates come from implementation-specific tls.options (not checked)"}, false
		}
		f := t.finding("terminates TLS but has no tls.certificateRefs: the controller has no certificate to serve").
			WithFix("add tls.certificateRefs naming a kubernetes.io/tls Secret with the certificate for %s", hostsOrAny(l.Hosts))
		return []diag.Finding{f}, []string{t.label + ": no certificateRefs"}, false
	}
	if !s.Source.Has(source.KindSecret) && !s.Source.Has(source.KindReferenceGrant) {
		return nil, []string{t.label + ": the input holds no Secrets to check the certificateRefs against"}, false
	}
	var findings []diag.Finding
	var details []string
	var leaves []*tlscert.Certificate
	var leafNames []string
	unknown := false
	now := s.now()
	for i, ref := range refs {
		g, k := group(ref.Group, ""), kind(ref.Kind, "Secret")
		ns := namespaceOf(ref.Namespace, t.gw.Namespace)
		name := string(ref.Name)
		where := fmt.Sprintf("certificateRefs[%d] %s/%s", i, ns, name)
		if g != "" || k != "Secret" {
			details = append(details, fmt.Sprintf("%s: %s %s (group %q), implementation-specific, not checked", t.label, where, k, g))
			continue
		}
		if ns != t.gw.Namespace {
			gs, ok := t.grants[ns]
			if !ok {
				var err error
				gs, err = source.List[gatewayv1.ReferenceGrant](ctx, s.Source, ns, nil)
				if err != nil {
					findings = append(findings, engine.ReadErrorFinding(err))
					unknown = true
					continue
				}
				t.grants[ns] = gs
			}
			if why := t.grantMisses(ns, name, gs); why != nil {
				findings = append(findings, t.notPermitted(ns, name, why))
				details = append(details, fmt.Sprintf("%s: %s: no ReferenceGrant", t.label, where))
				continue
			}
		}
		secret, err := source.Get[corev1.Secret](ctx, s.Source, ns, name)
		switch {
		case source.IsNotFound(err):
			findings = append(findings, t.finding("certificateRefs names Secret %s/%s, which does not exist", ns, name).
				WithEvidence("without its certificate the controller cannot terminate TLS for "+hostsOrAny(l.Hosts)+": the listener is not served (or clients get the wrong certificate)").
				WithFix("create the Secret: kubectl create secret tls %s -n %s --cert=tls.crt --key=tls.key (with cert-manager, check why the Certificate for it is not Ready)", name, ns).
				WithCommands("kubectl get secrets -n "+ns+" --field-selector type=kubernetes.io/tls"))
			details = append(details, fmt.Sprintf("%s: %s: Secret not found", t.label, where))
			continue
		case err != nil:
			findings = append(findings, engine.ReadErrorFinding(err))
			unknown = true
			continue
		}
		cert := tlscert.FromSecret(secret)
		if len(cert.Problems) > 0 {
			findings = append(findings, t.finding("Secret %s/%s is not a usable TLS Secret: %s", ns, name, cert.Problems[0]).
				WithEvidence(cert.Problems...).
				WithFix("recreate it as a TLS Secret from the PEM certificate chain and its private key: kubectl create secret tls %s -n %s --cert=tls.crt --key=tls.key --dry-run=client -o yaml | kubectl apply -f -", name, ns).
				WithCommands(fmt.Sprintf("kubectl get secret %s -n %s -o jsonpath='{.type} {.data}'", name, ns)))
		}
		if cert.Leaf == nil {
			details = append(details, fmt.Sprintf("%s: %s: no certificate", t.label, where))
			continue
		}
		details = append(details, fmt.Sprintf("%s: %s: certificate for %s, valid until %s", t.label, where,
			tlscert.DescribeNames(cert.Leaf), cert.Leaf.NotAfter.UTC().Format(time.DateOnly)))
		findings = append(findings, t.expiry(ns, name, cert, now)...)
		leaves = append(leaves, &cert)
		leafNames = append(leafNames, ns+"/"+name)
	}
	if t.hostsOnly {
		findings, details, unknown = nil, nil, false
	}
	if len(leaves) > 0 && len(l.Hosts) > 0 {
		var uncovered []string
		for _, h := range l.Hosts {
			covered := false
			for _, c := range leaves {
				covered = covered || tlscert.CoversHost(c.Leaf, h)
			}
			if !covered {
				uncovered = append(uncovered, h)
			}
		}
		if len(uncovered) > 0 {
			var valid []string
			for _, c := range leaves {
				valid = append(valid, tlscert.DescribeNames(c.Leaf))
			}
			serves := "which the listener serves the route under"
			if s.Route == nil {
				serves = "the listener's hostname"
			}
			f := t.finding("the certificate in Secret %s does not cover %s, %s (it is valid for %s)",
				strings.Join(leafNames, ", "), strings.Join(uncovered, ", "), serves, strings.Join(valid, "; ")).
				WithEvidence("clients check the hostname against the certificate's subject alternative names; a wildcard *.example.com covers exactly one label (a.example.com), not example.com nor a.b.example.com").
				WithFix("issue a certificate whose subject alternative names include %s, or serve those hostnames from a listener whose certificate covers them", strings.Join(uncovered, ", "))
			for _, n := range leafNames {
				ns, name, _ := strings.Cut(n, "/")
				f = f.WithCommands(tlscert.OpenSSLCommand(ns, name, "-ext subjectAltName"))
			}
			findings = append(findings, f)
		}
	}
	return findings, details, unknown
}

// expiry reports a certificate that has expired or is not valid yet (errors of this ID),
// or expires within tlscert.ExpiryWarning (TLSCertificateExpiringSoon, a warning).
func (t *listenerTLS) expiry(ns, name string, cert tlscert.Certificate, now time.Time) []diag.Finding {
	leaf := cert.Leaf
	cmd := tlscert.OpenSSLCommand(ns, name, "-dates")
	switch validity, left := tlscert.Judge(leaf, now); validity {
	case tlscert.Expired:
		return []diag.Finding{t.finding("the certificate in Secret %s/%s expired %s ago (%s): clients reject it",
			ns, name, tlscert.RoundDuration(left), leaf.NotAfter.UTC().Format(time.RFC3339)).
			WithEvidence("valid for "+tlscert.DescribeNames(leaf), "Gateway controllers keep serving an expired certificate: the listener looks healthy in its status").
			WithFix("renew the certificate and update Secret %s/%s (with cert-manager: kubectl describe certificate -n %s shows why renewal failed)", ns, name, ns).
			WithCommands(cmd)}
	case tlscert.ExpiringSoon:
		return []diag.Finding{finding.TLSCertificateExpiringSoon(ns, name, " of "+t.label, leaf, left)}
	case tlscert.NotYetValid:
		return []diag.Finding{t.finding("the certificate in Secret %s/%s is not valid before %s: clients reject it until then",
			ns, name, leaf.NotBefore.UTC().Format(time.RFC3339)).
			WithFix("check the clock of the machine that issued it, or wait")}
	}
	return nil
}

// grantMisses returns nil when a grant in gs lets Gateways of the Gateway's namespace
// reference Secret name, else why each grant does not (empty when there is none).
func (t *listenerTLS) grantMisses(_, name string, gs []gatewayv1.ReferenceGrant) []string {
	return grantMisses(gs, referenceFrom{kind: source.KindGateway, namespace: t.gw.Namespace}, "", "Secret", name)
}

func (t *listenerTLS) notPermitted(ns, name string, why []string) diag.Finding {
	if len(why) == 0 {
		why = []string{"namespace " + ns + " has no ReferenceGrants"}
	}
	grant := fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-gateways-from-%s
  namespace: %s
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: Gateway
    namespace: %s
  to:
  - group: ""
    kind: Secret
    name: %s`, t.gw.Namespace, ns, t.gw.Namespace, name)
	return t.finding("certificateRefs names Secret %s/%s in another namespace, and no ReferenceGrant in %s allows Gateways from %s to use it: the certificate is refused",
		ns, name, ns, t.gw.Namespace).
		WithEvidence(why...).
		WithEvidence("a ReferenceGrant lives in the Secret's namespace and names kind Gateway and the Gateway's namespace in from").
		WithFix("create this ReferenceGrant:\n%s", grant).
		WithCommands("kubectl get referencegrants -n " + ns)
}

// listenerCondition is the condition of type t in the status of listener name, or nil.
func listenerCondition(gw *gatewayv1.Gateway, name gatewayv1.SectionName, t string) *metav1.Condition {
	for i := range gw.Status.Listeners {
		if gw.Status.Listeners[i].Name == name {
			return meta.FindStatusCondition(gw.Status.Listeners[i].Conditions, t)
		}
	}
	return nil
}

func hostsOrAny(hosts []string) string {
	if len(hosts) == 0 {
		return "every hostname"
	}
	return strings.Join(hosts, ", ")
}
