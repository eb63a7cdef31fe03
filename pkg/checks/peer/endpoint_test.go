package peer

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Endpoint
		wantErr string // substring; empty means success
	}{
		{in: "pod/web-1", want: Endpoint{Kind: KindPod, Name: "web-1"}},
		{in: "po/web-1", want: Endpoint{Kind: KindPod, Name: "web-1"}},
		{in: "pods/web-1", want: Endpoint{Kind: KindPod, Name: "web-1"}},
		{in: "shop/pod/web-1", want: Endpoint{Kind: KindPod, Namespace: "shop", Name: "web-1"}},
		{in: "deploy/checkout", want: Endpoint{Kind: KindDeployment, Name: "checkout"}},
		{in: "Deployment/checkout", want: Endpoint{Kind: KindDeployment, Name: "checkout"}},
		{in: "deployments/checkout", want: Endpoint{Kind: KindDeployment, Name: "checkout"}},
		{in: "shop/deploy/checkout", want: Endpoint{Kind: KindDeployment, Namespace: "shop", Name: "checkout"}},
		{in: "sts/db", want: Endpoint{Kind: KindStatefulSet, Name: "db"}},
		{in: "statefulset/db", want: Endpoint{Kind: KindStatefulSet, Name: "db"}},
		{in: "ds/agent", want: Endpoint{Kind: KindDaemonSet, Name: "agent"}},
		{in: "daemonset/agent", want: Endpoint{Kind: KindDaemonSet, Name: "agent"}},
		{in: "rs/web-7c9d", want: Endpoint{Kind: KindReplicaSet, Name: "web-7c9d"}},
		{in: "replicaset/web-7c9d", want: Endpoint{Kind: KindReplicaSet, Name: "web-7c9d"}},
		{in: "job/migrate", want: Endpoint{Kind: KindJob, Name: "migrate"}},
		{in: "svc/payments", want: Endpoint{Kind: KindService, Name: "payments"}},
		{in: "service/payments", want: Endpoint{Kind: KindService, Name: "payments"}},
		{in: "payments/svc/api", want: Endpoint{Kind: KindService, Namespace: "payments", Name: "api"}},
		{in: "pod/web.v2", want: Endpoint{Kind: KindPod, Name: "web.v2"}},
		{in: "ip:203.0.113.7", want: Endpoint{Kind: KindIP, IP: netip.MustParseAddr("203.0.113.7")}},
		{in: "IP:203.0.113.7", want: Endpoint{Kind: KindIP, IP: netip.MustParseAddr("203.0.113.7")}},
		{in: "ip:2001:db8::1", want: Endpoint{Kind: KindIP, IP: netip.MustParseAddr("2001:db8::1")}},
		{in: "ip:::ffff:10.0.0.1", want: Endpoint{Kind: KindIP, IP: netip.MustParseAddr("10.0.0.1")}},

		{in: "", wantErr: "empty argument"},
		{in: "checkout", wantErr: `"checkout" needs a kind: write KIND/NAME, e.g. deploy/checkout`},
		{in: "shop/deploy", wantErr: "has no name"},
		{in: "foo/bar", wantErr: `unknown kind "foo"`},
		{in: "cm/settings", wantErr: `unknown kind "cm"`},
		{in: "/web", wantErr: "empty kind"},
		{in: "pod/", wantErr: "empty name"},
		{in: "/pod/web", wantErr: `invalid namespace ""`},
		{in: "Shop/pod/web", wantErr: `invalid namespace "Shop"`},
		{in: "a/b/c/d", wantErr: "too many '/'"},
		{in: "pod/Web", wantErr: `invalid Pod name "Web"`},
		{in: "pod/web_1", wantErr: `invalid Pod name "web_1"`},
		{in: "svc/1payments", wantErr: `invalid Service name "1payments"`},
		{in: "svc/pay.ments", wantErr: `invalid Service name "pay.ments"`},
		{in: "ip:", wantErr: "has no address"},
		{in: "ip:10.0.0.0/8", wantErr: "is a CIDR: give one address, e.g. ip:10.0.0.0"},
		{in: "ip:10.0.0.300", wantErr: `invalid IP address "10.0.0.300"`},
		{in: "ip:example.com", wantErr: `invalid IP address "example.com"`},
		{in: "ip:fe80::1%eth0", wantErr: "invalid IP address"},
		{in: "pod/web\nrm -rf", wantErr: `"web\nrm -rf"`},
		{in: strings.Repeat("a", 4096), wantErr: "(4096 bytes) is too long"},
		{in: "pod/" + strings.Repeat("x", 300), wantErr: "... (300 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEndpoint(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseEndpoint(%q) = %+v, want error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrSyntax) {
					t.Errorf("error %q does not wrap ErrSyntax", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEndpoint(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseEndpoint(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEndpointRendering(t *testing.T) {
	t.Parallel()
	e, err := ParseEndpoint("deploy/checkout")
	if err != nil {
		t.Fatal(err)
	}
	e = e.WithNamespace("shop")
	if got := e.String(); got != "Deployment shop/checkout" {
		t.Errorf("String() = %q", got)
	}
	if got := e.Arg(); got != "shop/deploy/checkout" {
		t.Errorf("Arg() = %q", got)
	}
	explicit, _ := ParseEndpoint("ops/pod/monitor")
	if got := explicit.WithNamespace("shop").Namespace; got != "ops" {
		t.Errorf("WithNamespace overrode an explicit namespace: %q", got)
	}
	ip, _ := ParseEndpoint("ip:203.0.113.7")
	if ip.WithNamespace("shop").Namespace != "" || ip.String() != "IP 203.0.113.7" || ip.Arg() != "ip:203.0.113.7" {
		t.Errorf("ip endpoint rendered as %q / %q", ip.String(), ip.Arg())
	}
}

// FuzzParseEndpoint: whatever the input, ParseEndpoint returns, never panics, and an
// error is one line wrapping ErrSyntax; a success round-trips through Arg.
func FuzzParseEndpoint(f *testing.F) {
	for _, seed := range []string{"pod/web", "shop/deploy/checkout", "svc/payments", "ip:10.0.0.1", "ip:2001:db8::1",
		"", "/", "//", "a/b/c/d", "ip:", "IP:1.2.3.4/8", "deploy/", "x/y", "ns/svc/a.b", "pod/web\n", "\xff/\xfe"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := ParseEndpoint(in)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error for %q spans lines: %q", in, msg)
			}
			if !utf8.ValidString(msg) {
				t.Fatalf("error for %q is not valid UTF-8: %q", in, msg)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error for %q does not wrap ErrSyntax", in)
			}
			if len(msg) > 1024 {
				t.Fatalf("error for %q is %d bytes long", in, len(msg))
			}
			return
		}
		if e.Kind == "" {
			t.Fatalf("ParseEndpoint(%q) succeeded without a kind", in)
		}
		again, err := ParseEndpoint(e.WithNamespace("default").Arg())
		if err != nil {
			t.Fatalf("Arg() of %q does not parse: %v", in, err)
		}
		if again.Kind != e.Kind || again.Name != e.Name || again.IP != e.IP {
			t.Fatalf("round trip of %q: %+v != %+v", in, again, e)
		}
	})
}
