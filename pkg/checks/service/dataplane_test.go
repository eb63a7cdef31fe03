package service_test

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source/sourcetest"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

func dataPlaneObjects(t *testing.T, recipe string) []runtime.Object {
	t.Helper()
	return scenarios.SvcDataPlaneInput(recipe).Objects(t)
}

// forbiddenCNI is a Source whose user may not list the network plugins' policies.
type forbiddenCNI struct{ *source.Objects }

func (forbiddenCNI) CNIPolicies(context.Context, string) ([]unstructured.Unstructured, error) {
	gr := schema.GroupResource{Group: "cilium.io", Resource: "ciliumnetworkpolicies"}
	return nil, &source.ReadError{Verb: "list", Resource: gr.String(), Namespace: "shop", Err: apierrors.NewForbidden(gr, "", nil)}
}

// Policies that could not be read leave who may connect unknown, with PermissionDenied:
// never "any pod may connect".
func TestNetworkPolicyCNIForbidden(t *testing.T) {
	t.Parallel()
	report, _, err := service.Diagnose(context.Background(), forbiddenCNI{source.FromObjects(dataPlaneObjects(t, "cilium-l7.yaml")...)}, "shop", "api")
	if err != nil {
		t.Fatal(err)
	}
	if report.StatusOf(service.CheckNetworkPolicy) != diag.StatusUnknown || len(report.IDs()) != 1 || report.IDs()[0] != diag.PermissionDenied {
		t.Errorf("networkpolicy check %q, findings %v; want unknown with PermissionDenied", report.StatusOf(service.CheckNetworkPolicy), report.IDs())
	}
}

// Nodes and kube-system that cannot be read make the data plane checks unknown, with
// the finding that says which read, never a pass.
type forbiddenSystem struct{ source.Source }

func (f forbiddenSystem) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	if kind == source.KindPod && namespace == "kube-system" {
		return nil, sourcetest.Forbidden(source.KindPod, "list", namespace, "")
	}
	return f.Source.ListKind(ctx, kind, namespace, selector)
}

func TestDataPlaneForbidden(t *testing.T) {
	t.Parallel()
	report, _, err := service.Diagnose(context.Background(), forbiddenSystem{sourcetest.Refuse(source.FromObjects(dataPlaneObjects(t, "dataplane-kube-proxy-down.yaml")...), source.KindNode)}, "shop", "api")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{service.CheckNodeNetwork, service.CheckKubeProxy} {
		if got := report.StatusOf(id); got != diag.StatusUnknown {
			t.Errorf("%s is %q, want unknown", id, got)
		}
	}
	for _, id := range report.IDs() {
		if id != diag.PermissionDenied {
			t.Errorf("finding %s from what could not be read", id)
		}
	}
	if report.HasErrors() {
		t.Errorf("unreadable data plane is no error: %v", report.IDs())
	}
}

// kubeadmProxy gives every kube-proxy pod of objs kubeadm's command and ConfigMap volume,
// and adds that ConfigMap with mode.
func kubeadmProxy(objs []runtime.Object, mode string) []runtime.Object {
	for _, o := range objs {
		p, ok := o.(*corev1.Pod)
		if !ok || p.Labels["k8s-app"] != "kube-proxy" {
			continue
		}
		p.Spec.Containers[0].Command = []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf"}
		p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "kube-proxy", MountPath: "/var/lib/kube-proxy"}}
		p.Spec.Volumes = []corev1.Volume{{Name: "kube-proxy", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-proxy"}}}}}
	}
	cm := &corev1.ConfigMap{Data: map[string]string{"config.conf": "kind: KubeProxyConfiguration\nmode: " + mode + "\n"}}
	cm.Name, cm.Namespace = "kube-proxy", "kube-system"
	return append(objs, cm)
}

// The mode is a note; a ConfigMap that cannot be read makes its check unknown with the
// finding that says so, and leaves the proxy's readiness verdict as it is.
func TestProxyModeNote(t *testing.T) {
	t.Parallel()
	report, _, err := service.Diagnose(context.Background(), source.FromObjects(kubeadmProxy(dataPlaneObjects(t, "dataplane-healthy.yaml"), "ipvs")...), "shop", "api")
	if err != nil {
		t.Fatal(err)
	}
	want := "Service proxy: kube-proxy, mode ipvs (ConfigMap kube-system/kube-proxy, key config.conf)"
	if !slices.Contains(report.Notes, want) || len(report.IDs()) != 0 {
		t.Errorf("notes %q, findings %v; want the note %q and no finding", report.Notes, report.IDs(), want)
	}

	report, _, err = service.Diagnose(context.Background(), sourcetest.Refuse(source.FromObjects(kubeadmProxy(dataPlaneObjects(t, "dataplane-healthy.yaml"), "ipvs")...), source.KindConfigMap), "shop", "api")
	if err != nil {
		t.Fatal(err)
	}
	if report.StatusOf(service.CheckProxyMode) != diag.StatusUnknown || report.StatusOf(service.CheckKubeProxy) != diag.StatusPass ||
		!slices.Equal(report.IDs(), []diag.FindingID{diag.PermissionDenied}) {
		t.Errorf("proxymode %q, kubeproxy %q, findings %v; want unknown, pass, [PermissionDenied]",
			report.StatusOf(service.CheckProxyMode), report.StatusOf(service.CheckKubeProxy), report.IDs())
	}
}
