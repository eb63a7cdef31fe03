package cmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/printer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// defaultRequestTimeout bounds every API request when --request-timeout is not given:
// a diagnostic tool that hangs on a dead API server is worse than one that says so.
const defaultRequestTimeout = 20 * time.Second

// CommonOptions are the flags and the resolved I/O that every diagnosing command shares.
type CommonOptions struct {
	ConfigFlags *genericclioptions.ConfigFlags
	Streams     genericiooptions.IOStreams

	Output    string
	Color     string
	Filenames []string
	Verbose   bool
	ShowStats bool
	WatchOptions

	// Set by Complete.
	Namespace string
	Source    source.Source
	Printer   printer.Printer
	// Stats counts API requests of a live Source.
	Stats *source.Stats
}

// NewCommonOptions returns options bound to the root's ConfigFlags and streams.
func NewCommonOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *CommonOptions {
	return &CommonOptions{ConfigFlags: flags, Streams: streams, Output: printer.FormatText, Color: string(printer.ColorAuto)}
}

// AddFlags registers the output and input flags on a subcommand.
func (o *CommonOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: text, json or yaml")
	cmd.Flags().StringVar(&o.Color, "color", o.Color, "Colour the text output: auto (only on a terminal, honours NO_COLOR), always or never")
	cmd.Flags().StringArrayVarP(&o.Filenames, "filename", "f", nil, "Diagnose these manifests instead of a live cluster: a file, a directory, or - for stdin (repeatable)")
	cmd.Flags().BoolVar(&o.Verbose, "verbose", false, "Show the details of passed checks too")
	cmd.Flags().BoolVar(&o.ShowStats, "stats", false, "Print API requests, bytes read and time taken on stderr")
}

// Locate adds the file and line of each finding's object when the input came from -f,
// so that findings point at the manifest to edit.
func (o *CommonOptions) Locate(r *diag.Report) {
	files, ok := o.Source.(interface {
		Origin(kind, namespace, name string) (source.Position, bool)
	})
	if !ok {
		return
	}
	for i := range r.Findings {
		obj := r.Findings[i].Object
		if pos, found := files.Origin(obj.Kind, obj.Namespace, obj.Name); found {
			r.Findings[i].Location = &diag.Location{File: pos.File, Line: pos.Line}
		}
	}
}

// SharedReads returns the Source for a command that diagnoses several objects of one
// namespace (an Ingress and each of its backends): live, each kind of the namespace is
// then listed once and shared, instead of once per backend. It is made per diagnosis,
// so that each --watch diagnosis sees the current objects.
func (o *CommonOptions) SharedReads(src source.Source) source.Source {
	if !src.Live() {
		return src
	}
	return source.NewCached(src, o.Namespace)
}

// PrintStats writes the --stats line on stderr, away from JSON on stdout.
func (o *CommonOptions) PrintStats(start time.Time) {
	if !o.ShowStats {
		return
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	if o.Stats == nil {
		fmt.Fprintf(o.Streams.ErrOut, "stats: offline input, 0 API requests, %s\n", elapsed)
		return
	}
	snap := o.Stats.Snapshot()
	fmt.Fprintf(o.Streams.ErrOut, "stats: %d API requests, %.1f KiB read, %s\n", snap.Requests, float64(snap.Bytes)/1024, elapsed)
}

// Validate rejects bad flag values before anything is read.
func (o *CommonOptions) Validate(cmdPath string) error {
	if err := printer.ValidateFormat(o.Output); err != nil {
		return UsageErrorf(cmdPath, "%v", err)
	}
	if _, err := printer.ParseColorMode(o.Color); err != nil {
		return UsageErrorf(cmdPath, "%v", err)
	}
	return o.validateWatch(cmdPath)
}

// parseFlagValue sets *parsed to what parse makes of a command's own flag value raw, or
// to the zero value when the flag is not given; a value parse refuses is a usage error
// of cmdPath, its message led by prefix.
func parseFlagValue[T any](cmdPath, prefix, raw string, parse func(string) (T, error), parsed *T) error {
	var zero T
	*parsed = zero
	if raw == "" {
		return nil
	}
	v, err := parse(raw)
	if err != nil {
		return UsageErrorf(cmdPath, "%s%v", prefix, err)
	}
	*parsed = v
	return nil
}

// completeWith checks the shared flags, then the command's own with each parse, and
// only then builds the Source and the printer: a bad flag is a usage error before
// anything is read, and the shared flags are named first when several are wrong.
func (o *CommonOptions) completeWith(cmdPath string, parse ...func(cmdPath string) error) error {
	if err := o.Validate(cmdPath); err != nil {
		return err
	}
	for _, p := range parse {
		if err := p(cmdPath); err != nil {
			return err
		}
	}
	return o.Complete()
}

// Complete resolves the namespace, builds the Source (files with -f, else the live
// cluster) and the printer.
func (o *CommonOptions) Complete() error {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil || ns == "" {
		if len(o.Filenames) == 0 && err != nil {
			return err
		}
		ns = "default"
	}
	if o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "" {
		ns = *o.ConfigFlags.Namespace
	}
	o.Namespace = ns

	color, _ := printer.ParseColorMode(o.Color)
	p, err := printer.New(o.Output, printer.Options{Color: color, Verbose: o.Verbose, Out: o.Streams.Out, Stream: o.Watch})
	if err != nil {
		return err
	}
	o.Printer = p

	if len(o.Filenames) > 0 {
		objs, err := source.FromFiles(o.Filenames, o.Streams.In, ns)
		if err != nil {
			return err
		}
		o.Source = objs
		return nil
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return err
	}
	o.Source, o.watching, o.Stats, err = newLiveSource(cfg, o.Watch)
	return err
}

// newLiveSource builds the live Source, and with watch the Watching Source over it.
// Without watch it fails fast on an API server that keeps dropping connections: right
// for one diagnosis, wrong for --watch, which must outlive a restart of the API server.
func newLiveSource(cfg *rest.Config, watch bool) (source.Source, *source.Watching, *source.Stats, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultRequestTimeout
	}
	if !watch {
		source.GuardConnections(cfg)
	}
	stats := source.CountRequests(cfg)
	live, err := source.NewLive(cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot build a client for the cluster: %w", err)
	}
	if !watch {
		return live, nil, stats, nil
	}
	watching, err := source.NewWatching(cfg, live)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot build a client for the cluster: %w", err)
	}
	return watching, watching, stats, nil
}
