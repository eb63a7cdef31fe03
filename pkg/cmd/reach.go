package cmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const reachExample = `  # Can checkout reach the payments Service (every Service port)?
  kubectl netdoctor reach deploy/checkout svc/payments -n shop

  # Across namespaces, one port
  kubectl netdoctor reach shop/deploy/checkout payments/svc/api --port 8443

  # Can a pod reach an address outside the cluster?
  kubectl netdoctor reach pod/web-7c9d-abcde ip:203.0.113.7 --port 443

  # For a runbook: exit 0 allowed, 1 denied, 2 could not decide
  kubectl netdoctor reach deploy/checkout svc/payments -n shop -o json`

// ReachOptions answer whether FROM can open a connection to TO.
type ReachOptions struct {
	*CommonOptions
	Port     string
	Protocol string

	from, to peer.Endpoint
}

// NewCmdReach builds `kubectl netdoctor reach FROM TO`.
func NewCmdReach(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ReachOptions{CommonOptions: NewCommonOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:   "reach FROM TO",
		Short: "Tell whether FROM can connect to TO, and which NetworkPolicy stops it",
		Long: `Evaluates the NetworkPolicies on the path from FROM to TO: the egress policies of FROM's pods,
the ingress policies of TO's pods (on the pod port a Service port translates to), and, for a
Service, FROM's egress to the cluster DNS. Prints the verdict per port, the policy and rule that
decide it, and a NetworkPolicy that would allow denied traffic.

FROM and TO are [NAMESPACE/]KIND/NAME, with KIND one of pod, deploy, sts, ds, rs, job, or svc
(TO only); or ip:ADDRESS for an address outside the cluster. A workload stands for its pods.

Exit codes: 0 allowed, 1 denied, 2 could not decide.`,
		Example: reachExample,
		Args:    exactArgs(2, "FROM and TO"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	o.AddWatchFlags(cmd)
	cmd.ValidArgsFunction = CompleteObjectRefs(flags, 2, CompletePod, CompleteDeployment, CompleteStatefulSet, CompleteDaemonSet, CompleteReplicaSet, CompleteJob, CompleteService)
	cmd.Flags().StringVar(&o.Port, "port", "", "Port to check: a number or a port name (default: every port of the Service, or every declared port of TO's pods)")
	cmd.Flags().StringVar(&o.Protocol, "protocol", "", "Protocol of --port: TCP, UDP or SCTP (default: the port's own, TCP for numbers)")
	return cmd
}

// Complete parses FROM and TO (bad input is a usage error before anything is read),
// checks --port and --protocol, then builds the shared I/O.
func (o *ReachOptions) Complete(c *cobra.Command, args []string) error {
	path := c.CommandPath()
	var err error
	if o.from, err = peer.ParseEndpoint(args[0]); err != nil {
		return UsageErrorf(path, "FROM: %v", err)
	}
	if o.to, err = peer.ParseEndpoint(args[1]); err != nil {
		return UsageErrorf(path, "TO: %v", err)
	}
	if o.from.IsService() {
		return UsageErrorf(path, "FROM cannot be a Service (%s): traffic comes from pods; name the client, e.g. deploy/NAME or pod/NAME", args[0])
	}
	if err := validatePort(o.Port); err != nil {
		return UsageErrorf(path, "%v", err)
	}
	if o.Protocol != "" {
		switch p := strings.ToUpper(o.Protocol); corev1.Protocol(p) {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			o.Protocol = p
		default:
			return UsageErrorf(path, "--protocol %q: want TCP, UDP or SCTP", o.Protocol)
		}
	}
	if o.to.IsIP() && o.Port == "" {
		return UsageErrorf(path, "TO %s is an address: give the port with --port NUMBER", args[1])
	}
	if err := o.completeWith(path); err != nil {
		return err
	}
	o.from = o.from.WithNamespace(o.Namespace)
	o.to = o.to.WithNamespace(o.Namespace)
	return nil
}

// validatePort accepts a port number (1-65535) or a port name as containers declare it.
func validatePort(port string) error {
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			return fmt.Errorf("--port %d: want a port number 1-65535 or a port name", n)
		}
		return nil
	}
	if errs := validation.IsValidPortName(port); len(errs) > 0 {
		return fmt.Errorf("--port %q: want a port number 1-65535 or a port name (up to 15 lowercase letters, digits and '-')", port)
	}
	return nil
}

// Validate checks the options; all input was checked in Complete, before any I/O.
func (o *ReachOptions) Validate() error { return nil }

// Run evaluates reachability and prints the report. A verdict that could not be
// decided (policies unreadable) prints what is known and exits 2.
func (o *ReachOptions) Run(ctx context.Context) error {
	return o.Diagnose(ctx, func(ctx context.Context, src source.Source) (diag.Report, error, error) {
		report, state, err := reach.Diagnose(ctx, src, reach.Options{
			From: o.from, To: o.to, Port: o.Port, Protocol: corev1.Protocol(o.Protocol)})
		if err != nil {
			return report, nil, err
		}
		// A verdict that could not be reached exits 2 even though a report was printed,
		// so that a runbook never reads "allowed" from a guess.
		if undecided := state.Undecided(); undecided != nil {
			return report, undecided, nil
		}
		return report, verdictOf(report), nil
	})
}
