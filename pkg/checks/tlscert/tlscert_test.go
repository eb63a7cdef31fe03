package tlscert

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

// TestCoversHost checks wildcard coverage on real certificates.
func TestCoversHost(t *testing.T) {
	t.Parallel()
	crt, _, err := fixture.Certificate([]string{"*.example.com", "example.org"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := FirstCertificate(crt)
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"shop.example.com":   true,
		"SHOP.example.com":   true,
		"a.b.example.com":    false, // a wildcard covers one label
		"example.com":        false, // nor the apex
		"*.example.com":      true,  // a wildcard host with a wildcard certificate
		"example.org":        true,
		"www.example.org":    false,
		"shop.example.com.":  true,
		"shop.example.co.uk": false,
	} {
		if got := CoversHost(leaf, host); got != want {
			t.Errorf("CoversHost(%s) = %v, want %v", host, got, want)
		}
	}
}

// TestFromSecret: what makes a controller reject a Secret, and that the leaf is still
// read when the Secret has other problems.
func TestFromSecret(t *testing.T) {
	t.Parallel()
	crt, key, err := fixture.Certificate([]string{"shop.example.com"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := fixture.Certificate([]string{"shop.example.com"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret := func(typ corev1.SecretType, data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{Type: typ, Data: data}
	}
	for _, tt := range []struct {
		name     string
		secret   *corev1.Secret
		problems int
		leaf     bool
	}{
		{"valid", secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": crt, "tls.key": key}), 0, true},
		{"Opaque", secret(corev1.SecretTypeOpaque, map[string][]byte{"tls.crt": crt, "tls.key": key}), 1, true},
		{"no type", secret("", map[string][]byte{"tls.crt": crt, "tls.key": key}), 1, true},
		{"no key", secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": crt}), 1, true},
		{"empty", secret(corev1.SecretTypeTLS, nil), 2, false},
		{"garbage", secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": []byte("not a certificate"), "tls.key": key}), 1, false},
		{"wrong key", secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": crt, "tls.key": otherKey}), 1, true},
	} {
		got := FromSecret(tt.secret)
		if len(got.Problems) != tt.problems || (got.Leaf != nil) != tt.leaf {
			t.Errorf("%s: problems %q, leaf %v; want %d problem(s), leaf %v", tt.name, got.Problems, got.Leaf != nil, tt.problems, tt.leaf)
		}
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	crt, _, err := fixture.Certificate([]string{"shop.example.com"}, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := FirstCertificate(crt)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tt := range []struct {
		at   time.Time
		want Validity
	}{
		{now, Valid},
		{now.Add(80 * 24 * time.Hour), ExpiringSoon},
		{now.Add(91 * 24 * time.Hour), Expired},
		{now.Add(-2 * time.Hour), NotYetValid},
	} {
		if got, _ := Judge(leaf, tt.at); got != tt.want {
			t.Errorf("Judge at %s = %d, want %d", tt.at, got, tt.want)
		}
	}
	if got := RoundDuration(-72 * time.Hour); got != "3 days" {
		t.Errorf("RoundDuration(-72h) = %q", got)
	}
}
