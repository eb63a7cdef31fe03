package cmd

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestFlagValidation: bad --kind and --controller-selector values are usage errors
// (exit 2) raised before anything is read.
func TestFlagValidation(t *testing.T) {
	for _, args := range [][]string{
		{"route", "web", "--kind", "udproute", "-f", "-"},
		{"ingress", "web", "--controller-selector", "edge/app in (", "-f", "-"},
	} {
		streams, _, _, errOut := genericiooptions.NewTestIOStreams()
		code := Execute(NewCmdNetdoctor(streams), streams, args)
		if code != ExitCannot || !strings.Contains(errOut.String(), "-h' for help") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
}
