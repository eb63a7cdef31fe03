package ingress

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ExpiryWarning is how close to its NotAfter a certificate is reported as expiring soon.
const ExpiryWarning = 14 * 24 * time.Hour

// secretCertificate is what a TLS Secret holds, as a controller would load it.
type secretCertificate struct {
	// Leaf is the first certificate of tls.crt, nil when it does not parse.
	Leaf *x509.Certificate
	// Problems say why the controller would reject the Secret (type, keys, parsing).
	Problems []string
}

// parseTLSSecret reads a Secret the way ingress controllers do: type kubernetes.io/tls
// with a PEM certificate chain in tls.crt and the matching private key in tls.key.
// The leaf is returned even when the Secret has other problems, so that host coverage
// and expiry are still reported.
func parseTLSSecret(secret *corev1.Secret) secretCertificate {
	var out secretCertificate
	if secret.Type != corev1.SecretTypeTLS {
		t := string(secret.Type)
		if t == "" {
			t = string(corev1.SecretTypeOpaque)
		}
		out.Problems = append(out.Problems, fmt.Sprintf("type is %s, not %s", t, corev1.SecretTypeTLS))
	}
	crt, key := secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey]
	if len(crt) == 0 {
		out.Problems = append(out.Problems, "no "+corev1.TLSCertKey+" key")
	}
	if len(key) == 0 {
		out.Problems = append(out.Problems, "no "+corev1.TLSPrivateKeyKey+" key")
	}
	if len(crt) == 0 {
		return out
	}
	leaf, err := firstCertificate(crt)
	if err != nil {
		out.Problems = append(out.Problems, corev1.TLSCertKey+": "+err.Error())
		return out
	}
	out.Leaf = leaf
	if len(key) > 0 {
		if _, err := tls.X509KeyPair(crt, key); err != nil {
			out.Problems = append(out.Problems, "tls.crt and tls.key do not form a key pair: "+strings.TrimPrefix(err.Error(), "tls: "))
		}
	}
	return out
}

// firstCertificate decodes the first PEM CERTIFICATE block: the leaf that clients see.
func firstCertificate(data []byte) (*x509.Certificate, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM CERTIFICATE block")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate does not parse: %v", err)
		}
		return cert, nil
	}
}

// coversHost reports whether cert is valid for host as a TLS client checks it: against
// the DNS and IP subject alternative names only (the Common Name has been ignored by
// browsers and Go since 2017/2020), with a "*." wildcard matching exactly one label.
// A wildcard host of the Ingress (*.example.com) needs a wildcard certificate: a
// certificate for a.example.com does not cover b.example.com.
func coversHost(cert *x509.Certificate, host string) bool {
	return cert.VerifyHostname(host) == nil
}

// describeNames lists what a certificate is valid for.
func describeNames(cert *x509.Certificate) string {
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		if cert.Subject.CommonName != "" {
			return "no subject alternative names, only CN=" + cert.Subject.CommonName + " (ignored by clients)"
		}
		return "no names at all"
	}
	return strings.Join(names, ", ")
}
