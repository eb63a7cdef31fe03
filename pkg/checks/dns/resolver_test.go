package dns

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func pod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}}
	if mutate != nil {
		mutate(p)
	}
	return p
}

// TestEffectiveResolvConf is the kubelet's GetPodDNS as a truth table, one row per
// dnsPolicy (and hostNetwork), then dnsConfig merging and the limits.
func TestEffectiveResolvConf(t *testing.T) {
	t.Parallel()
	clusterSearch := []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	tests := []struct {
		name      string
		pod       *corev1.Pod
		clusterIP string
		want      ResolvConf
		wantNote  string
	}{
		{name: "ClusterFirst (the default)", pod: pod(nil), clusterIP: "10.96.0.10",
			want: ResolvConf{ClusterDNS: true, Nameservers: []string{"10.96.0.10"}, Search: clusterSearch, NodeSearch: true, Options: []string{"ndots:5"}, Ndots: 5}},
		{name: "ClusterFirst, kube-dns unknown", pod: pod(nil),
			want: ResolvConf{ClusterDNS: true, Nameservers: []string{"<kube-dns ClusterIP>"}, Search: clusterSearch, NodeSearch: true, Options: []string{"ndots:5"}, Ndots: 5}},
		{name: "ClusterFirst on the host network falls back to Default",
			pod:       pod(func(p *corev1.Pod) { p.Spec.HostNetwork = true; p.Spec.DNSPolicy = corev1.DNSClusterFirst }),
			clusterIP: "10.96.0.10",
			want:      ResolvConf{NodeNameservers: true, NodeSearch: true, Ndots: 1}, wantNote: "falls back to Default"},
		{name: "ClusterFirstWithHostNet on the host network",
			pod:       pod(func(p *corev1.Pod) { p.Spec.HostNetwork = true; p.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet }),
			clusterIP: "10.96.0.10",
			want:      ResolvConf{ClusterDNS: true, Nameservers: []string{"10.96.0.10"}, Search: clusterSearch, NodeSearch: true, Options: []string{"ndots:5"}, Ndots: 5}},
		{name: "ClusterFirstWithHostNet off the host network is ClusterFirst",
			pod:       pod(func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet }),
			clusterIP: "10.96.0.10",
			want:      ResolvConf{ClusterDNS: true, Nameservers: []string{"10.96.0.10"}, Search: clusterSearch, NodeSearch: true, Options: []string{"ndots:5"}, Ndots: 5}},
		{name: "Default", pod: pod(func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSDefault }), clusterIP: "10.96.0.10",
			want: ResolvConf{NodeNameservers: true, NodeSearch: true, Ndots: 1}},
		{name: "None takes dnsConfig only",
			pod: pod(func(p *corev1.Pod) {
				p.Spec.DNSPolicy = corev1.DNSNone
				p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1"}, Searches: []string{"example.com."},
					Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("2")}, {Name: "edns0"}}}
			}),
			clusterIP: "10.96.0.10",
			want:      ResolvConf{Nameservers: []string{"1.1.1.1"}, Search: []string{"example.com"}, Options: []string{"ndots:2", "edns0"}, Ndots: 2}},
		{name: "ClusterFirst + dnsConfig: appended, duplicates dropped, options override",
			pod: pod(func(p *corev1.Pod) {
				p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"10.96.0.10", "1.1.1.1"},
					Searches: []string{"svc.cluster.local", "corp.example"},
					Options:  []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("2")}, {Name: "timeout", Value: ptr("1")}}}
			}),
			clusterIP: "10.96.0.10",
			want: ResolvConf{ClusterDNS: true, Nameservers: []string{"10.96.0.10", "1.1.1.1"}, Search: append(slices.Clone(clusterSearch), "corp.example"),
				NodeSearch: true, Options: []string{"ndots:2", "timeout:1"}, Ndots: 2}},
		{name: "at most three nameservers",
			pod: pod(func(p *corev1.Pod) {
				p.Spec.DNSPolicy = corev1.DNSNone
				p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9", "8.8.4.4"}}
			}),
			want: ResolvConf{Nameservers: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9"}, Ndots: 1}, wantNote: "only the first 3 nameservers"},
		{name: "ndots garbage is ignored, huge is capped",
			pod: pod(func(p *corev1.Pod) {
				p.Spec.DNSPolicy = corev1.DNSNone
				p.Spec.DNSConfig = &corev1.PodDNSConfig{Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("x")}, {Name: "ndots", Value: ptr("40")}}}
			}),
			want: ResolvConf{Options: []string{"ndots:40"}, Ndots: 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := EffectiveResolvConf(tt.pod, tt.clusterIP, "cluster.local")
			notes := got.Notes
			got.Notes = nil
			if !equalConf(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q lack %q", notes, tt.wantNote)
			}
		})
	}
}

func equalConf(a, b ResolvConf) bool {
	return a.ClusterDNS == b.ClusterDNS && a.NodeNameservers == b.NodeNameservers && a.NodeSearch == b.NodeSearch &&
		a.Ndots == b.Ndots && slices.Equal(a.Nameservers, b.Nameservers) && slices.Equal(a.Search, b.Search) && slices.Equal(a.Options, b.Options)
}

func TestSearchListLimits(t *testing.T) {
	t.Parallel()
	var many []string
	for i := 0; i < 40; i++ {
		many = append(many, fmt.Sprintf("%s%02d.example", strings.Repeat("d", 60), i))
	}
	p := pod(func(p *corev1.Pod) {
		p.Spec.DNSPolicy = corev1.DNSNone
		p.Spec.DNSConfig = &corev1.PodDNSConfig{Searches: many}
	})
	got := EffectiveResolvConf(p, "", "cluster.local")
	if len(got.Search) > maxSearchDomains || len(strings.Join(got.Search, " ")) > maxSearchListChar {
		t.Errorf("search list not limited: %d domains, %d chars", len(got.Search), len(strings.Join(got.Search, " ")))
	}
	if len(got.Notes) == 0 {
		t.Error("no note about the cut search list")
	}
}

// TestQuerySequence is glibc's res_search order.
func TestQuerySequence(t *testing.T) {
	t.Parallel()
	search := []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	tests := []struct {
		name  string
		ndots int
		want  []string
	}{
		{"payments", 5, []string{"payments.shop.svc.cluster.local.", "payments.svc.cluster.local.", "payments.cluster.local.", "payments."}},
		{"payments.billing", 5, []string{"payments.billing.shop.svc.cluster.local.", "payments.billing.svc.cluster.local.", "payments.billing.cluster.local.", "payments.billing."}},
		{"api.stripe.com", 5, []string{"api.stripe.com.shop.svc.cluster.local.", "api.stripe.com.svc.cluster.local.", "api.stripe.com.cluster.local.", "api.stripe.com."}},
		// At least ndots dots: the name as is first, then the search list.
		{"api.stripe.com", 2, []string{"api.stripe.com.", "api.stripe.com.shop.svc.cluster.local.", "api.stripe.com.svc.cluster.local.", "api.stripe.com.cluster.local."}},
		// The classic surprise: a full cluster name without the trailing dot has 4 dots,
		// fewer than 5, so it too goes through the whole search list first.
		{"payments.shop.svc.cluster.local", 5, []string{"payments.shop.svc.cluster.local.shop.svc.cluster.local.",
			"payments.shop.svc.cluster.local.svc.cluster.local.", "payments.shop.svc.cluster.local.cluster.local.", "payments.shop.svc.cluster.local."}},
		// A trailing dot is absolute: exactly one query.
		{"api.stripe.com.", 5, []string{"api.stripe.com."}},
		{"payments.", 5, []string{"payments."}},
		// No dots and ndots 0: as is first.
		{"payments", 0, []string{"payments.", "payments.shop.svc.cluster.local.", "payments.svc.cluster.local.", "payments.cluster.local."}},
		// Addresses and empty names are not looked up.
		{"10.0.0.1", 5, nil},
		{"2001:db8::1", 5, nil},
		{"", 5, nil},
		{".", 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := QuerySequence(tt.name, search, tt.ndots); !slices.Equal(got, tt.want) {
				t.Errorf("QuerySequence(%q, ndots %d) =\n  %q\nwant\n  %q", tt.name, tt.ndots, got, tt.want)
			}
		})
	}
	if got := QuerySequence("payments", nil, 5); !slices.Equal(got, []string{"payments."}) {
		t.Errorf("without a search list: %q", got)
	}
}

func TestHasKubernetesPlugin(t *testing.T) {
	t.Parallel()
	for corefile, want := range map[string]bool{
		".:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n    }\n}":    true,
		".:53 {\n    # kubernetes cluster.local\n    forward . /etc/resolv.conf\n}": false,
		".:53 {\n    kubernetesx\n}": false,
	} {
		if got := hasKubernetesPlugin(corefile); got != want {
			t.Errorf("hasKubernetesPlugin(%q) = %v, want %v", corefile, got, want)
		}
	}
}
