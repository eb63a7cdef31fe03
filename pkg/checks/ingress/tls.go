package ingress

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/tlscert"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ExpiryWarning is how close to its NotAfter a certificate is reported as expiring soon.
const ExpiryWarning = tlscert.ExpiryWarning

// checkTLS: for every spec.tls entry the controller loads the Secret secretName from
// the Ingress's namespace and serves its certificate for the entry's hosts. A missing
// or malformed Secret makes the controller fall back to its default (usually
// self-signed) certificate; a certificate that does not name the host, or has expired,
// makes every client's TLS handshake fail.
func checkTLS(ctx context.Context, s *State) engine.Result {
	if len(s.Ingress.Spec.TLS) == 0 {
		return engine.Skip("no TLS entries: served over plain HTTP")
	}
	if !s.Source.Has(source.KindSecret) {
		return engine.Skip("the input holds no Secrets to check the TLS entries against")
	}
	var findings []diag.Finding
	var details []string
	unknown := false
	parsed := map[string]tlscert.Certificate{}
	now := s.now()
	for i, t := range s.Ingress.Spec.TLS {
		if t.SecretName == "" {
			details = append(details, fmt.Sprintf("tls[%d] %v: no secretName, the controller serves its default certificate", i, t.Hosts))
			continue
		}
		secretRef := diag.ObjectRef{Kind: "Secret", Namespace: s.Namespace, Name: t.SecretName}
		cert, seen := parsed[t.SecretName]
		if !seen {
			secret, err := source.Get[corev1.Secret](ctx, s.Source, s.Namespace, t.SecretName)
			switch {
			case source.IsNotFound(err):
				findings = append(findings, s.secretNotFound(t.SecretName, t.Hosts))
				details = append(details, fmt.Sprintf("tls[%d] %s: Secret %s not found", i, hostList(t.Hosts), t.SecretName))
				parsed[t.SecretName] = tlscert.Certificate{}
				continue
			case err != nil:
				findings = append(findings, engine.ReadErrorFinding(err))
				unknown = true
				continue
			}
			cert = tlscert.FromSecret(secret)
			parsed[t.SecretName] = cert
			if len(cert.Problems) > 0 {
				f := diag.New(diag.TLSSecretInvalid, secretRef, "TLS Secret %s/%s of Ingress %s/%s is not usable: %s",
					s.Namespace, t.SecretName, s.Namespace, s.Name, cert.Problems[0]).
					WithEvidence(cert.Problems...).
					WithEvidence("the controller ignores an unusable Secret and serves its default certificate").
					WithFix("recreate it as a TLS Secret from the PEM certificate chain and its private key: kubectl create secret tls %s -n %s --cert=tls.crt --key=tls.key --dry-run=client -o yaml | kubectl apply -f -", t.SecretName, s.Namespace).
					WithCommands(fmt.Sprintf("kubectl get secret %s -n %s -o jsonpath='{.type} {.data}'", t.SecretName, s.Namespace))
				findings = append(findings, f)
			}
			if cert.Leaf != nil {
				findings = append(findings, s.expiry(secretRef, cert, now)...)
			}
		}
		if cert.Leaf == nil {
			continue
		}
		var uncovered []string
		for _, h := range t.Hosts {
			if !tlscert.CoversHost(cert.Leaf, h) {
				uncovered = append(uncovered, h)
			}
		}
		details = append(details, fmt.Sprintf("tls[%d] %s: Secret %s, certificate for %s, valid until %s",
			i, hostList(t.Hosts), t.SecretName, tlscert.DescribeNames(cert.Leaf), cert.Leaf.NotAfter.UTC().Format(time.DateOnly)))
		if len(uncovered) > 0 {
			f := diag.New(diag.TLSCertificateHostMismatch, s.Ref(),
				"the certificate in Secret %s/%s does not cover %s, which Ingress %s/%s serves over TLS (it is valid for %s)",
				s.Namespace, t.SecretName, hostList(uncovered), s.Namespace, s.Name, tlscert.DescribeNames(cert.Leaf)).
				WithEvidence(fmt.Sprintf("certificate subject %s, issuer %s", cert.Leaf.Subject.String(), cert.Leaf.Issuer.String()))
			if strings.Contains(tlscert.DescribeNames(cert.Leaf)+hostList(uncovered), "*") {
				f = f.WithEvidence("a wildcard *.example.com covers exactly one label (a.example.com), not example.com nor a.b.example.com")
			}
			findings = append(findings, f.
				WithFix("issue a certificate whose subject alternative names include %s, or serve those hosts from a tls entry whose Secret covers them", hostList(uncovered)).
				WithCommands(tlscert.OpenSSLCommand(s.Namespace, t.SecretName, "-ext subjectAltName")))
		}
	}
	res := engine.Found(fmt.Sprintf("%d TLS entr%s", len(s.Ingress.Spec.TLS), plural(len(s.Ingress.Spec.TLS), "y", "ies")), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

func (s *State) secretNotFound(name string, hosts []string) diag.Finding {
	f := diag.New(diag.TLSSecretNotFound, s.Ref(),
		"Ingress %s/%s serves %s over TLS with Secret %s, which does not exist in namespace %s",
		s.Namespace, s.Name, hostList(hosts), name, s.Namespace).
		WithEvidence("the controller falls back to its default certificate, which clients reject for these hosts",
			"a TLS Secret must be in the Ingress's own namespace").
		WithFix("create the Secret: kubectl create secret tls %s -n %s --cert=tls.crt --key=tls.key (or, with cert-manager, check why the Certificate is not Ready)", name, s.Namespace).
		WithCommands(fmt.Sprintf("kubectl get secrets -n %s --field-selector type=kubernetes.io/tls", s.Namespace))
	return f
}

// expiry reports a certificate that has expired, is not valid yet, or expires within
// ExpiryWarning.
func (s *State) expiry(ref diag.ObjectRef, cert tlscert.Certificate, now time.Time) []diag.Finding {
	leaf := cert.Leaf
	cmd := tlscert.OpenSSLCommand(ref.Namespace, ref.Name, "-dates")
	switch validity, left := tlscert.Judge(leaf, now); validity {
	case tlscert.Expired:
		return []diag.Finding{diag.New(diag.TLSCertificateExpired, ref, "the certificate in Secret %s/%s expired %s ago (%s): clients of Ingress %s/%s reject it",
			ref.Namespace, ref.Name, tlscert.RoundDuration(left), leaf.NotAfter.UTC().Format(time.RFC3339), s.Namespace, s.Name).
			WithEvidence("valid for "+tlscert.DescribeNames(leaf)).
			WithFix("renew the certificate and update the Secret (with cert-manager: kubectl describe certificate -n %s shows why renewal failed)", ref.Namespace).
			WithCommands(cmd)}
	case tlscert.ExpiringSoon:
		return []diag.Finding{finding.TLSCertificateExpiringSoon(ref.Namespace, ref.Name, "", leaf, left)}
	case tlscert.NotYetValid:
		return []diag.Finding{diag.New(diag.TLSSecretInvalid, ref, "the certificate in Secret %s/%s is not valid before %s: clients reject it until then",
			ref.Namespace, ref.Name, leaf.NotBefore.UTC().Format(time.RFC3339)).
			WithFix("check the clock of the machine that issued it, or wait")}
	}
	return nil
}

func hostList(hosts []string) string {
	switch len(hosts) {
	case 0:
		return "every host"
	case 1:
		return hosts[0]
	}
	out := hosts[0]
	for _, h := range hosts[1:] {
		out += ", " + h
	}
	return out
}
