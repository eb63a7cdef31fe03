package dns

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Limits the kubelet applies to a pod's resolv.conf (pkg/kubelet/network/dns): glibc
// reads at most three nameservers; the search list is cut at 32 domains and 2048
// characters.
const (
	maxNameservers    = 3
	maxSearchDomains  = 32
	maxSearchListChar = 2048
	// defaultNdots is what the kubelet writes for ClusterFirst pods.
	defaultNdots = 5
	// resolverNdots is glibc's default when resolv.conf sets none; maxNdots its cap.
	resolverNdots = 1
	maxNdots      = 15
)

// ResolvConf is the /etc/resolv.conf the kubelet writes for a pod. Entries the kubelet
// copies from the node's own resolv.conf cannot be known from the API; the flags say
// where they come in.
type ResolvConf struct {
	// ClusterDNS is true when the pod's queries go to the cluster DNS Service
	// (dnsPolicy ClusterFirst, or ClusterFirstWithHostNet).
	ClusterDNS bool
	// Nameservers in order; NodeNameservers means the node's are used (dnsPolicy
	// Default, or ClusterFirst on the host network), before any of dnsConfig's.
	Nameservers     []string
	NodeNameservers bool
	// Search is the known search list; NodeSearch means the node's search domains
	// follow the cluster ones (or are the whole list for dnsPolicy Default).
	Search     []string
	NodeSearch bool
	// Options as written ("ndots:5", "timeout:2"), and Ndots their effective value.
	Options []string
	Ndots   int
	// Notes explain choices the kubelet made (fallbacks, truncation).
	Notes []string
}

// Lines renders the file as the pod sees it, with placeholders for the node's entries.
func (c ResolvConf) Lines() []string {
	var out []string
	if c.NodeNameservers {
		out = append(out, "nameserver <the node's nameservers>")
	}
	for _, ns := range c.Nameservers {
		out = append(out, "nameserver "+ns)
	}
	search := slices.Clone(c.Search)
	if c.NodeSearch {
		search = append(search, "<the node's search domains>")
	}
	if len(search) > 0 {
		out = append(out, "search "+strings.Join(search, " "))
	}
	if len(c.Options) > 0 {
		out = append(out, "options "+strings.Join(c.Options, " "))
	}
	return out
}

// EffectiveResolvConf computes a pod's resolv.conf the way the kubelet does
// (pkg/kubelet/network/dns, GetPodDNS): dnsPolicy picks the base (ClusterFirst: the
// cluster DNS server, search <ns>.svc.<domain> svc.<domain> <domain> plus the node's,
// ndots:5; Default: the node's file; None: nothing), where ClusterFirst on the host
// network falls back to Default unless it is ClusterFirstWithHostNet; then dnsConfig's
// nameservers and searches are appended (duplicates dropped) and its options override
// those of the same name; finally the limits are applied. clusterDNSIP is the kube-dns
// ClusterIP ("" when unknown) and clusterDomain the cluster's DNS suffix.
func EffectiveResolvConf(pod *corev1.Pod, clusterDNSIP, clusterDomain string) ResolvConf {
	var c ResolvConf
	policy := pod.Spec.DNSPolicy
	if policy == "" {
		policy = corev1.DNSClusterFirst
	}
	cluster := false
	switch policy {
	case corev1.DNSNone:
	case corev1.DNSClusterFirstWithHostNet:
		cluster = true
	case corev1.DNSClusterFirst:
		if pod.Spec.HostNetwork {
			c.Notes = append(c.Notes, "dnsPolicy ClusterFirst on the host network falls back to Default: the node's resolv.conf")
		} else {
			cluster = true
		}
	default: // Default, and anything unknown, which the API server would reject
	}
	switch {
	case cluster:
		c.ClusterDNS = true
		server := clusterDNSIP
		if server == "" {
			server = "<kube-dns ClusterIP>"
		}
		c.Nameservers = []string{server}
		ns := pod.Namespace
		if ns == "" {
			ns = "default"
		}
		c.Search = []string{ns + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain}
		c.NodeSearch = true
		c.Options = []string{"ndots:" + strconv.Itoa(defaultNdots)}
	case policy != corev1.DNSNone:
		c.NodeNameservers = true
		c.NodeSearch = true
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		for _, ns := range dc.Nameservers {
			if !slices.Contains(c.Nameservers, ns) {
				c.Nameservers = append(c.Nameservers, ns)
			}
		}
		for _, s := range dc.Searches {
			s = strings.TrimSuffix(s, ".")
			if s != "" && !slices.Contains(c.Search, s) {
				c.Search = append(c.Search, s)
			}
		}
		c.Options = mergeOptions(c.Options, dc.Options)
	}
	if len(c.Nameservers) > maxNameservers {
		c.Notes = append(c.Notes, fmt.Sprintf("only the first %d nameservers are used; %s dropped", maxNameservers, strings.Join(c.Nameservers[maxNameservers:], ", ")))
		c.Nameservers = c.Nameservers[:maxNameservers]
	}
	c.Search = limitSearch(&c)
	c.Ndots = ndotsOf(c.Options)
	return c
}

// mergeOptions lets dnsConfig options replace base options of the same name.
func mergeOptions(base []string, add []corev1.PodDNSConfigOption) []string {
	out := slices.Clone(base)
	for _, o := range add {
		text := o.Name
		if o.Value != nil {
			text += ":" + *o.Value
		}
		replaced := false
		for i, b := range out {
			if name, _, _ := strings.Cut(b, ":"); name == o.Name {
				out[i] = text
				replaced = true
			}
		}
		if !replaced {
			out = append(out, text)
		}
	}
	return out
}

func limitSearch(c *ResolvConf) []string {
	s := c.Search
	if len(s) > maxSearchDomains {
		c.Notes = append(c.Notes, fmt.Sprintf("the search list is cut to %d domains", maxSearchDomains))
		s = s[:maxSearchDomains]
	}
	if len(strings.Join(s, " ")) > maxSearchListChar {
		for len(s) > 0 && len(strings.Join(s, " ")) > maxSearchListChar {
			s = s[:len(s)-1]
		}
		c.Notes = append(c.Notes, fmt.Sprintf("the search list is cut to %d characters", maxSearchListChar))
	}
	return s
}

// ndotsOf is the resolver's ndots: the last ndots option wins, garbage is ignored,
// values are capped at 15 as glibc does; 1 when unset.
func ndotsOf(options []string) int {
	n := resolverNdots
	for _, o := range options {
		name, value, ok := strings.Cut(o, ":")
		if name != "ndots" || !ok {
			continue
		}
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 {
			continue
		}
		n = min(v, maxNdots)
	}
	return n
}

// QuerySequence returns the names, fully qualified, that a glibc resolver queries for
// name, in order, until one answers (res_search): a name ending in '.' is absolute and
// queried alone; a name with at least ndots dots is queried as is first and then with
// each search domain; any other name is tried with each search domain first and as
// is last. Each query is made for A and, where IPv6 is configured, AAAA. musl (Alpine)
// differs: it never tries the search list after the name as is. An empty name and an
// IP address (getaddrinfo parses it without asking DNS) yield nothing.
func QuerySequence(name string, search []string, ndots int) []string {
	name = strings.TrimSpace(name)
	if name == "" || name == "." {
		return nil
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return nil
	}
	if strings.HasSuffix(name, ".") {
		return []string{name}
	}
	dots := strings.Count(name, ".")
	var out []string
	if dots >= ndots {
		out = append(out, name+".")
	}
	for _, s := range search {
		out = append(out, name+"."+strings.TrimSuffix(s, ".")+".")
	}
	if dots < ndots {
		out = append(out, name+".")
	}
	return out
}
