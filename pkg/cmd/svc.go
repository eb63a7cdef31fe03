package cmd

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const svcExample = `  # 1. Paged: "checkout can't reach payments". Diagnose the Service checkout calls
  kubectl netdoctor svc payments -n shop

  # 2. Read "Root cause:", run the commands under "Try:", apply the "Fix:".
  #    See what every check looked at, passed ones included (per pod, per port)
  kubectl netdoctor svc payments -n shop --verbose

  # 3. Apply the fix and watch it land: prints what changes, ends when no error is left
  kubectl netdoctor svc payments -n shop --watch --until healthy --timeout 5m && echo fixed

  # In a runbook: exit code 0 healthy, 1 traffic fails, 2 could not diagnose
  kubectl netdoctor svc payments -n shop -o json | jq -r '.rootCause // "healthy"'

  # Before deploying: diagnose the manifests (or a kubectl get -o yaml dump) offline
  kubectl netdoctor svc payments -n shop -f manifests/

  # Check that the on-call role can read everything the diagnosis needs
  kubectl netdoctor svc payments -n shop --as=jane --as-group=oncall`

// SvcOptions diagnoses one Service.
type SvcOptions struct {
	*CommonOptions
	Name string
}

// NewCmdSvc builds `kubectl netdoctor svc NAME`.
func NewCmdSvc(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &SvcOptions{CommonOptions: NewCommonOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:     "svc NAME",
		Aliases: []string{"service"},
		Short:   "Diagnose why traffic to a Service does not arrive",
		Long: `Walks Service → selector → pods → readiness → ports → EndpointSlices → type specifics
(NodePort, LoadBalancer, ExternalName, headless) → traffic policies → StatefulSets →
environment variables → DNS names, and prints the first cause that explains a failure.`,
		Example: svcExample,
		Args:    exactArgs(1, "the Service NAME"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	o.AddWatchFlags(cmd)
	cmd.ValidArgsFunction = CompleteNames(flags, CompleteService)
	return cmd
}

// Complete takes the Service name and builds the shared I/O.
func (o *SvcOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	return o.completeWith(c.CommandPath())
}

// Validate checks the options; flag values were checked before any I/O in Complete.
func (o *SvcOptions) Validate() error {
	if o.Name == "" {
		return UsageErrorf("kubectl netdoctor svc", "a Service NAME is required")
	}
	return nil
}

// Run diagnoses the Service and prints the report.
func (o *SvcOptions) Run(ctx context.Context) error {
	return o.Diagnose(ctx, func(ctx context.Context, src source.Source) (diag.Report, error, error) {
		return byFindings(service.Diagnose(ctx, src, o.Namespace, o.Name))
	})
}
