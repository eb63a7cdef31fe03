package cmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
)

const svcExample = `  # Why does traffic to payments in namespace shop not arrive?
  kubectl netdoctor svc payments -n shop

  # The same for a runbook: branch on the exit code, parse the JSON report
  kubectl netdoctor svc payments -n shop -o json

  # Diagnose manifests before they reach a cluster
  kubectl netdoctor svc payments -n shop -f manifests/`

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
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// Complete takes the Service name and builds the shared I/O.
func (o *SvcOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	if err := o.CommonOptions.Validate(c.CommandPath()); err != nil {
		return err
	}
	return o.CommonOptions.Complete()
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
	if ctx == nil {
		ctx = context.Background()
	}
	defer o.PrintStats(time.Now())
	report, _, err := service.Diagnose(ctx, o.Source, o.Namespace, o.Name)
	if err != nil {
		return err
	}
	o.Locate(&report)
	if err := o.Printer.PrintReport(o.Streams.Out, report); err != nil {
		return err
	}
	if report.HasErrors() {
		return ErrFindings
	}
	return nil
}
