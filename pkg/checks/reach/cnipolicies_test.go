package reach_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// failingCNI is a Source whose network plugin policies cannot be read.
type failingCNI struct {
	*source.Objects
	err error
}

func (f failingCNI) CNIPolicies(context.Context, string) ([]unstructured.Unstructured, error) {
	return nil, &source.ReadError{Verb: "list", Resource: "ciliumclusterwidenetworkpolicies.cilium.io", Err: f.err}
}

// Not allowed to read them: reported (unknown, PermissionDenied), and the verdict goes on
// with what was read, as for the admin policies. Any other failure: no verdict.
func TestCNIPoliciesUnreadable(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/batch", To: "svc/api", Args: []string{"--port", "80"}}
	gr := schema.GroupResource{Group: "cilium.io", Resource: "ciliumclusterwidenetworkpolicies"}
	report, st, err := reach.Diagnose(context.Background(), failingCNI{sc.Input().Source(t), apierrors.NewForbidden(gr, "", nil)}, options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if report.Reach == nil || report.Reach.Allowed || st.Undecided() != nil {
		t.Fatalf("want the NetworkPolicy denial\n%s", scenarios.Describe(report))
	}
	f := finding(report, diag.PermissionDenied)
	if report.StatusOf(reach.CheckCNIPolicies) != diag.StatusUnknown || f == nil ||
		!strings.Contains(strings.Join(f.Evidence, "\n"), "leaves out any Cilium or Calico policy") {
		t.Errorf("want reach.cnipolicies unknown with PermissionDenied saying what the verdict leaves out\n%s", scenarios.Describe(report))
	}

	report, st, err = reach.Diagnose(context.Background(), failingCNI{sc.Input().Source(t), errors.New("etcdserver: request timed out")}, options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if report.Reach != nil || st.Undecided() == nil || finding(report, diag.APIError) == nil {
		t.Errorf("a failed read must leave the verdict undecided with APIError\n%s", scenarios.Describe(report))
	}
}
