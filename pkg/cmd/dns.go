package cmd

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const dnsExample = `  # Is the cluster DNS healthy?
  kubectl netdoctor dns

  # Can this pod resolve names, and how does its resolver expand them?
  kubectl netdoctor dns web-7c9d-abcde -n shop

  # A workload means its pods (the first one is diagnosed)
  kubectl netdoctor dns deploy/checkout -n shop --name api.stripe.com`

// DNSOptions diagnose the cluster DNS and, optionally, one pod's DNS.
type DNSOptions struct {
	*CommonOptions
	Name string

	pod *peer.Endpoint
}

// NewCmdDNS builds `kubectl netdoctor dns [POD]`.
func NewCmdDNS(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DNSOptions{CommonOptions: NewCommonOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:   "dns [POD]",
		Short: "Diagnose cluster DNS, and a pod's DNS configuration and DNS egress",
		Long: `Checks the cluster DNS (the kube-dns Service in kube-system, its ready endpoints, the CoreDNS
pods and their ConfigMap). With POD, also the resolv.conf the kubelet gives the pod (dnsPolicy,
dnsConfig, nameserver, search list, ndots), whether its egress NetworkPolicies let it query the
DNS pods on UDP and TCP 53, and, with --name, the exact queries its resolver makes for a name.

POD is a pod name in the -n namespace, or [NAMESPACE/]KIND/NAME as for reach (a workload means
its pods; the first one is diagnosed).`,
		Example: dnsExample,
		Args:    atMostOneArg("POD"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	o.AddWatchFlags(cmd)
	cmd.ValidArgsFunction = CompleteObjectRefs(flags, 1, CompletePod, CompleteDeployment, CompleteStatefulSet, CompleteDaemonSet, CompleteReplicaSet, CompleteJob)
	cmd.Flags().StringVar(&o.Name, "name", "", "Show the queries the pod's resolver makes for this host name (a trailing dot makes it absolute)")
	return cmd
}

// Complete parses POD and --name before anything is read, then builds the shared I/O.
func (o *DNSOptions) Complete(c *cobra.Command, args []string) error {
	path := c.CommandPath()
	if len(args) == 1 {
		ep, err := parsePodArg(args[0])
		if err != nil {
			return UsageErrorf(path, "POD: %v", err)
		}
		o.pod = &ep
	}
	if o.Name != "" {
		if err := validateHostName(o.Name); err != nil {
			return UsageErrorf(path, "--name %q: %v", o.Name, err)
		}
	}
	if err := o.completeWith(path); err != nil {
		return err
	}
	if o.pod != nil {
		ep := o.pod.WithNamespace(o.Namespace)
		o.pod = &ep
	}
	return nil
}

// parsePodArg takes a bare pod name or the KIND/NAME form, which must name a pod or a
// workload.
func parsePodArg(arg string) (peer.Endpoint, error) {
	if !strings.Contains(arg, "/") && !strings.HasPrefix(strings.ToLower(arg), "ip:") {
		if errs := validation.IsDNS1123Subdomain(arg); len(errs) > 0 {
			return peer.Endpoint{}, fmt.Errorf("invalid pod name %q: a pod name is a lowercase RFC 1123 subdomain", arg)
		}
		return peer.Endpoint{Kind: peer.KindPod, Name: arg}, nil
	}
	ep, err := peer.ParseEndpoint(arg)
	if err != nil {
		return ep, err
	}
	if ep.IsService() || ep.IsIP() {
		return ep, dns.ErrNotAPod
	}
	return ep, nil
}

// validateHostName accepts what a resolver would look up: labels of letters, digits,
// '-' and '_' (SRV names), at most 63 bytes each and 253 in all, an optional trailing
// dot; or an IP address, which is not looked up at all.
func validateHostName(name string) error {
	if _, err := netip.ParseAddr(name); err == nil {
		return nil
	}
	trimmed := strings.TrimSuffix(name, ".")
	if trimmed == "" || len(trimmed) > 253 {
		return fmt.Errorf("want a host name of 1-253 characters")
	}
	for _, label := range strings.Split(trimmed, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("empty or over-long label: want labels of 1-63 characters separated by single dots")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("invalid character %q: a host name has letters, digits, '-', '_' and dots", r)
			}
		}
	}
	return nil
}

// Validate checks the options; all input was checked in Complete, before any I/O.
func (o *DNSOptions) Validate() error { return nil }

// Run diagnoses DNS and prints the report.
func (o *DNSOptions) Run(ctx context.Context) error {
	return o.Diagnose(ctx, func(ctx context.Context, src source.Source) (diag.Report, error, error) {
		return byFindings(dns.Diagnose(ctx, src, dns.Options{Namespace: o.Namespace, Pod: o.pod, QueryName: o.Name}))
	})
}
