// Package cmd holds the cobra commands of kubectl netdoctor. Commands only parse flags,
// build a Source and a printer, run a diagnosis and map its outcome to an exit code.
package cmd

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewCmdNetdoctor builds the root command with every subcommand.
func NewCmdNetdoctor(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:   "kubectl-netdoctor",
		Short: "Explain why traffic to a Service, Ingress or route does not arrive",
		Long: `netdoctor reads the cluster (read-only) and walks a decision tree through selectors,
readiness, ports, EndpointSlices, traffic policies, network policies and DNS, then prints
one root cause with its evidence and the fix.

Exit codes: 0 no error found, 1 an error finding (traffic fails), 2 could not diagnose.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl netdoctor"},
	}
	flags.AddFlags(root.PersistentFlags())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageErrorf(c.CommandPath(), "%v", err)
	})
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(NewCmdSvc(flags, streams))
	root.AddCommand(NewCmdIngress(flags, streams))
	root.AddCommand(NewCmdRoute(flags, streams))
	root.AddCommand(NewCmdReach(flags, streams))
	root.AddCommand(NewCmdDNS(flags, streams))
	root.AddCommand(NewCmdVersion(streams))
	root.AddCommand(NewCmdScan(flags, streams))
	root.AddCommand(NewCmdExplain(streams))
	decorateRoot(root)
	return root
}

// Execute runs the root command with args and returns the exit code, after printing
// the one-line error, if any, on stderr.
func Execute(root *cobra.Command, streams genericiooptions.IOStreams, args []string) int {
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code, msg := ExitCode(err)
	if msg != "" {
		_, _ = streams.ErrOut.Write([]byte(msg + "\n"))
	}
	return code
}

// options is the kubectl flags→options shape every diagnosing command follows.
type options interface {
	Complete(c *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE runs Complete, Validate and Run in that order, as kubectl commands do.
func runE(o options) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if err := o.Complete(c, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(c.Context())
	}
}

// exactArgs is cobra.ExactArgs with a usage error that names what is missing.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return UsageErrorf(c.CommandPath(), "%s expects %s, got %d argument(s)", c.CommandPath(), what, len(args))
		}
		return nil
	}
}

// atMostOneArg is cobra.MaximumNArgs(1) with a usage error that names what the one
// argument is.
func atMostOneArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 1 {
			return UsageErrorf(c.CommandPath(), "%s expects at most one %s, got %d arguments", c.CommandPath(), what, len(args))
		}
		return nil
	}
}
