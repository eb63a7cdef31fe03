package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/printer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// untilHealthy is the one condition --until takes.
const untilHealthy = "healthy"

// Debouncing: a rollout changes dozens of pods and slices within a second or two. The
// diagnosis runs once the changes pause for quietPeriod, and at the latest maxDelay
// after the first one, so that a long burst still shows progress.
const (
	quietPeriod = 300 * time.Millisecond
	maxDelay    = 2 * time.Second
)

// WatchOptions are the flags of the on-call loop: diagnose, change something, see the
// diagnosis change, until traffic flows.
type WatchOptions struct {
	Watch   bool
	Until   string
	Timeout time.Duration

	// watching is the Source feeding the re-diagnoses, set by Complete with --watch.
	watching *source.Watching
}

// AddWatchFlags registers --watch, --until and --timeout on a single-target command.
func (o *CommonOptions) AddWatchFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&o.Watch, "watch", "w", false, "After the diagnosis, watch the objects it read and print what changes (read-only watches)")
	cmd.Flags().StringVar(&o.Until, "until", "", `With --watch: stop as soon as the condition holds; "healthy" = no error finding (exit 0)`)
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 0, "With --watch: stop after this long (e.g. 5m); exit 1 if the diagnosis still has an error")
}

// validateWatch rejects flag combinations that cannot mean anything.
func (o *CommonOptions) validateWatch(cmdPath string) error {
	switch {
	case !o.Watch && (o.Until != "" || o.Timeout != 0):
		return UsageErrorf(cmdPath, "--until and --timeout need --watch")
	case !o.Watch:
		return nil
	case o.Until != "" && o.Until != untilHealthy:
		return UsageErrorf(cmdPath, "--until %q: the only condition is %q", o.Until, untilHealthy)
	case o.Timeout < 0:
		return UsageErrorf(cmdPath, "--timeout %s: must not be negative", o.Timeout)
	case len(o.Filenames) > 0:
		return UsageErrorf(cmdPath, "--watch needs a live cluster: files given with -f do not change")
	case o.Output == printer.FormatSARIF:
		return UsageErrorf(cmdPath, "--watch prints a report per change: use -o text, json or yaml")
	}
	return nil
}

// diagnosis runs a command's decision tree once over src. verdict is the error the
// command exits with for that report: nil, ErrFindings, or (reach) an undecided verdict.
// err means there is no report at all.
type diagnosis func(ctx context.Context, src source.Source) (report diag.Report, verdict error, err error)

// verdictOf is the verdict of a report whose only exit rule is its error findings.
func verdictOf(r diag.Report) error {
	if r.HasErrors() {
		return ErrFindings
	}
	return nil
}

// byFindings takes a check's Diagnose results as they come and judges the report by its
// error findings alone; the check's own state is not needed for that.
func byFindings[State any](report diag.Report, _ State, err error) (diag.Report, error, error) {
	return report, verdictOf(report), err
}

// Diagnose runs d once and prints its report, or with --watch keeps re-running it on
// every change until --until, --timeout or Ctrl-C ends the watch; --stats then counts
// the whole of it.
func (o *CommonOptions) Diagnose(ctx context.Context, d diagnosis) error {
	defer o.PrintStats(time.Now())
	if o.watching == nil {
		report, verdict, err := d(ctx, o.Source)
		if err != nil {
			return err
		}
		o.Locate(&report)
		if err := o.Printer.PrintReport(o.Streams.Out, report); err != nil {
			return err
		}
		return verdict
	}
	defer o.watching.Stop()
	return o.watchLoop(ctx, d)
}

// watchLoop is the --watch loop. The first diagnosis is printed in full; every later one
// only as what changed. It returns the verdict of the last diagnosis, so that Ctrl-C
// exits with the code of what is on the screen.
func (o *CommonOptions) watchLoop(ctx context.Context, d diagnosis) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var deadline <-chan time.Time
	if o.Timeout > 0 {
		timer := time.NewTimer(o.Timeout)
		defer timer.Stop()
		deadline = timer.C
	}
	updates, _ := o.Printer.(printer.UpdatePrinter)

	last, verdict, err := d(ctx, o.watching)
	if err != nil {
		return err
	}
	if err := o.Printer.PrintReport(o.Streams.Out, last); err != nil {
		return err
	}
	if o.Until == untilHealthy && verdict == nil {
		return nil
	}
	o.status("watching %d reads for changes (Ctrl-C to stop)%s", o.watching.Feeds(), o.endsWhen())

	for {
		select {
		case <-ctx.Done():
			return verdict
		case <-deadline:
			return o.timedOut(last, verdict)
		case <-o.watching.Changed():
		}
		switch settle(ctx, o.watching.Changed(), deadline) {
		case interrupted:
			return verdict
		case timedOut:
			return o.timedOut(last, verdict)
		}
		next, nextVerdict, err := d(ctx, o.watching)
		if err != nil {
			if ctx.Err() != nil {
				return verdict
			}
			o.status("could not diagnose: %s (still watching)", describe(err))
			continue
		}
		if err := updates.PrintUpdate(o.Streams.Out, time.Now(), last, next); err != nil {
			return err
		}
		last, verdict = next, nextVerdict
		if o.Until == untilHealthy && verdict == nil {
			return nil
		}
	}
}

// timedOut ends a watch at --timeout: with --until healthy, a diagnosis that still has
// an error exits 1, as the runbook's "&& echo fixed" expects.
func (o *CommonOptions) timedOut(last diag.Report, verdict error) error {
	if o.Until != untilHealthy {
		return verdict
	}
	o.status("--timeout %s reached: still not %s", o.Timeout, untilHealthy)
	if last.HasErrors() {
		return ErrFindings
	}
	return verdict
}

// settled is how waiting for a burst of changes to pass ended.
type settled int

const (
	quiet settled = iota
	interrupted
	timedOut
)

// settle waits until changes pause for quietPeriod, or maxDelay has passed.
func settle(ctx context.Context, changed <-chan struct{}, deadline <-chan time.Time) settled {
	longest := time.NewTimer(maxDelay)
	defer longest.Stop()
	for {
		pause := time.NewTimer(quietPeriod)
		select {
		case <-changed:
			pause.Stop()
			continue
		case <-pause.C:
			return quiet
		case <-longest.C:
			pause.Stop()
			return quiet
		case <-ctx.Done():
			pause.Stop()
			return interrupted
		case <-deadline:
			pause.Stop()
			return timedOut
		}
	}
}

// endsWhen describes how the watch ends, for the status line.
func (o *CommonOptions) endsWhen() string {
	switch {
	case o.Until != "" && o.Timeout > 0:
		return fmt.Sprintf("; ends when %s, or after %s", o.Until, o.Timeout)
	case o.Until != "":
		return "; ends when " + o.Until
	case o.Timeout > 0:
		return fmt.Sprintf("; ends after %s", o.Timeout)
	}
	return ""
}

// status writes a line about the watch itself on stderr, away from the reports.
func (o *CommonOptions) status(format string, args ...any) {
	fmt.Fprintf(o.Streams.ErrOut, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
