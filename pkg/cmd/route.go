package cmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const routeExample = `  # Why does the HTTPRoute checkout not get any traffic?
  kubectl netdoctor route checkout -n shop

  # A GRPCRoute and an HTTPRoute share the name: pick one
  kubectl netdoctor route checkout -n shop --kind grpcroute

  # Check Gateway API manifests (routes, Gateways, Services, ReferenceGrants) offline
  kubectl netdoctor route checkout -n shop -f deploy/`

// RouteOptions diagnoses one Gateway API route.
type RouteOptions struct {
	*CommonOptions
	Name string
	// Kind is --kind as given; resolved to a route kind in Complete.
	Kind string

	kind string
}

// NewCmdRoute builds `kubectl netdoctor route NAME`.
func NewCmdRoute(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RouteOptions{CommonOptions: NewCommonOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:     "route NAME",
		Aliases: []string{"httproute", "grpcroute"},
		Short:   "Diagnose why a Gateway API route does not get or deliver traffic",
		Long: `Walks a Gateway API route (` + strings.Join(gateway.RouteKinds, ", ") + `, looked up in that order)
→ parentRefs → Gateway → GatewayClass (Accepted) → the listeners that admit it (sectionName, port,
protocol, allowedRoutes kinds and namespaces, hostnames) → backendRefs (Service and port, ReferenceGrant
for other namespaces, weights) → each backend's own svc diagnosis → the route's status conditions.

When the cluster does not serve the Gateway API at all, it says so and exits 2.`,
		Example: routeExample,
		Args:    exactArgs(1, "the route NAME"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	o.AddWatchFlags(cmd)
	cmd.ValidArgsFunction = CompleteNames(flags, CompleteRoute)
	cmd.Flags().StringVar(&o.Kind, "kind", "", "Route kind to look for: "+strings.Join(gateway.RouteKinds, ", ")+" (default: each in that order)")
	return cmd
}

// Complete takes the route name, checks the flags and builds the shared I/O.
func (o *RouteOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	return o.completeWith(c.CommandPath(), o.parseKind)
}

func (o *RouteOptions) parseKind(cmdPath string) error {
	return parseFlagValue(cmdPath, "--kind: ", o.Kind, gateway.ParseKind, &o.kind)
}

// Validate checks the options; flag values were checked before any I/O in Complete.
func (o *RouteOptions) Validate() error {
	if o.Name == "" {
		return UsageErrorf("kubectl netdoctor route", "a route NAME is required")
	}
	if o.Kind != "" && o.kind == "" {
		return o.parseKind("kubectl netdoctor route")
	}
	return nil
}

// Run diagnoses the route and prints the report.
func (o *RouteOptions) Run(ctx context.Context) error {
	return o.Diagnose(ctx, func(ctx context.Context, src source.Source) (diag.Report, error, error) {
		return byFindings(gateway.Diagnose(ctx, o.SharedReads(src), o.Namespace, o.Name, o.kind))
	})
}
