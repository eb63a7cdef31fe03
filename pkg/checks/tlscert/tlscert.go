// Package tlscert reads a TLS Secret the way ingress and Gateway controllers load it and
// judges the certificate in it: does it parse, does it pair with its key, which host
// names does it cover, and is it valid now. The ingress TLS check and the Gateway
// listener TLS check share it, so that both commands judge a certificate alike.
package tlscert

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

// Certificate is what a TLS Secret holds, as a controller would load it.
type Certificate struct {
	// Leaf is the first certificate of tls.crt, nil when it does not parse.
	Leaf *x509.Certificate
	// Problems say why a controller would reject the Secret (type, keys, parsing).
	Problems []string
}

// FromSecret reads a Secret the way ingress and Gateway controllers do: type
// kubernetes.io/tls with a PEM certificate chain in tls.crt and the matching private
// key in tls.key. The leaf is returned even when the Secret has other problems, so that
// host coverage and expiry are still reported.
func FromSecret(secret *corev1.Secret) Certificate {
	var out Certificate
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
	leaf, err := FirstCertificate(crt)
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

// FirstCertificate decodes the first PEM CERTIFICATE block: the leaf that clients see.
func FirstCertificate(data []byte) (*x509.Certificate, error) {
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

// CoversHost reports whether cert is valid for host as a TLS client checks it: against
// the DNS and IP subject alternative names only (the Common Name has been ignored by
// browsers and Go since 2017/2020), with a "*." wildcard matching exactly one label.
// A wildcard host (*.example.com, of an Ingress or a listener) needs a wildcard
// certificate: a certificate for a.example.com does not cover b.example.com.
func CoversHost(cert *x509.Certificate, host string) bool {
	return cert.VerifyHostname(host) == nil
}

// DescribeNames lists what a certificate is valid for.
func DescribeNames(cert *x509.Certificate) string {
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

// Validity is where a certificate stands in its validity period.
type Validity int

// Validities, from usable to not.
const (
	Valid Validity = iota
	// ExpiringSoon: valid, but for less than ExpiryWarning.
	ExpiringSoon
	// Expired: NotAfter has passed; clients reject it.
	Expired
	// NotYetValid: NotBefore is still ahead; clients reject it until then.
	NotYetValid
)

// Judge says where leaf stands at now, with the time left until NotAfter (negative once
// it has expired).
func Judge(leaf *x509.Certificate, now time.Time) (Validity, time.Duration) {
	left := leaf.NotAfter.Sub(now)
	switch {
	case left <= 0:
		return Expired, left
	case left < ExpiryWarning:
		return ExpiringSoon, left
	case now.Before(leaf.NotBefore):
		return NotYetValid, left
	}
	return Valid, left
}

// RoundDuration renders a validity span as an engineer reads it: days beyond two days,
// hours and minutes below.
func RoundDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

// OpenSSLCommand is the command that shows the certificate of Secret namespace/name
// with the openssl x509 options given (-dates, -ext subjectAltName, ...).
func OpenSSLCommand(namespace, name, options string) string {
	return fmt.Sprintf("kubectl get secret %s -n %s -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout %s", name, namespace, options)
}
