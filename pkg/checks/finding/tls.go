package finding

import (
	"crypto/x509"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/tlscert"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// TLSCertificateExpiringSoon is raised when the certificate leaf in the TLS Secret
// namespace/name expires within tlscert.ExpiryWarning (left is the time remaining).
// of names what serves it, for commands that say so (" of listener https of Gateway
// shop/web"); it may be empty.
func TLSCertificateExpiringSoon(namespace, name, of string, leaf *x509.Certificate, left time.Duration) diag.Finding {
	return diag.New(diag.TLSCertificateExpiringSoon, diag.ObjectRef{Kind: "Secret", Namespace: namespace, Name: name},
		"the certificate in Secret %s/%s%s expires in %s (%s)", namespace, name, of, tlscert.RoundDuration(left), leaf.NotAfter.UTC().Format(time.RFC3339)).
		WithEvidence("valid for "+tlscert.DescribeNames(leaf)).
		WithFix("renew it before %s; with cert-manager check that the Certificate is Ready and renewal is not failing", leaf.NotAfter.UTC().Format(time.DateOnly)).
		WithCommands(tlscert.OpenSSLCommand(namespace, name, "-dates"))
}
