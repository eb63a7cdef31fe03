package cmd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/printer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// clusterWithoutGatewayAPI is a live-looking Source whose API server serves no Gateway
// API, as discovery reports it on a cluster without the CRDs.
type clusterWithoutGatewayAPI struct{ *source.Objects }

func (clusterWithoutGatewayAPI) Live() bool                       { return true }
func (clusterWithoutGatewayAPI) Has(string) bool                  { return true }
func (clusterWithoutGatewayAPI) Guarantees(source.Guarantee) bool { return true }
func (clusterWithoutGatewayAPI) GatewayAPIInstalled(context.Context) (bool, error) {
	return false, nil
}

// TestRouteWithoutGatewayAPI: `route` on a cluster without the Gateway API says so
// plainly and exits 2 (it could not diagnose), printing no report.
func TestRouteWithoutGatewayAPI(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	p, err := printer.New(printer.FormatText, printer.Options{Color: printer.ColorNever})
	if err != nil {
		t.Fatal(err)
	}
	o := &RouteOptions{CommonOptions: &CommonOptions{Streams: streams, Namespace: "shop",
		Source: clusterWithoutGatewayAPI{source.FromObjects()}, Printer: p}, Name: "web"}
	err = o.Run(context.Background())
	if !errors.Is(err, gateway.ErrGatewayAPINotInstalled) {
		t.Fatalf("Run error = %v, want ErrGatewayAPINotInstalled", err)
	}
	code, msg := ExitCode(err)
	if code != ExitCannot || !strings.Contains(msg, "Gateway API is not installed") {
		t.Errorf("exit %d %q, want 2 and a plain message", code, msg)
	}
	if out.Len() != 0 {
		t.Errorf("printed a report: %s", out)
	}
}
