package peer

import (
	"context"
	"errors"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

func testPod(name string, labels map[string]string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: labels}, Status: corev1.PodStatus{Phase: phase}}
}

func sel(l map[string]string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: l} }

func fixtureObjects() []runtime.Object {
	web := map[string]string{"app": "web"}
	return []runtime.Object{
		testPod("web-1", web, corev1.PodRunning),
		testPod("web-2", web, corev1.PodRunning),
		testPod("web-old", web, corev1.PodSucceeded),
		testPod("db-0", map[string]string{"app": "db"}, corev1.PodRunning),
		testPod("agent-x", map[string]string{"app": "agent"}, corev1.PodRunning),
		testPod("migrate-abc", map[string]string{"batch.kubernetes.io/job-name": "migrate"}, corev1.PodRunning),
		testPod("report-abc", map[string]string{"job": "report"}, corev1.PodFailed),
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: appsv1.DeploymentSpec{Selector: sel(web)}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: "shop"}, Spec: appsv1.DeploymentSpec{Selector: sel(map[string]string{"app": "idle"})}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-7c9d", Namespace: "shop"}, Spec: appsv1.ReplicaSetSpec{Selector: sel(web)}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"}, Spec: appsv1.StatefulSetSpec{Selector: sel(map[string]string{"app": "db"})}},
		&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "shop"}, Spec: appsv1.DaemonSetSpec{Selector: sel(map[string]string{"app": "agent"})}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: "shop"}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "report", Namespace: "shop"}, Spec: batchv1.JobSpec{Selector: sel(map[string]string{"job": "report"})}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: corev1.ServiceSpec{Selector: web}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: "shop"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "none"}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "shop"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "manual", Namespace: "shop"}},
	}
}

// TestResolve: every kind resolves to the pods its controller selects, finished pods
// left out; what does not exist or has no pods is an error of its own type.
func TestResolve(t *testing.T) {
	t.Parallel()
	src := source.FromObjects(fixtureObjects()...)
	tests := []struct {
		arg      string
		pods     []string
		notFound []string // similar names, when not found
		noPods   bool
	}{
		{arg: "pod/web-1", pods: []string{"web-1"}},
		{arg: "deploy/web", pods: []string{"web-1", "web-2"}},
		{arg: "rs/web-7c9d", pods: []string{"web-1", "web-2"}},
		{arg: "sts/db", pods: []string{"db-0"}},
		{arg: "ds/agent", pods: []string{"agent-x"}},
		{arg: "job/migrate", pods: []string{"migrate-abc"}},
		{arg: "svc/web", pods: []string{"web-1", "web-2"}},
		{arg: "svc/empty", pods: []string{}},
		{arg: "ip:203.0.113.7", pods: []string{}},
		{arg: "pod/web-3", notFound: []string{"web-1", "web-2"}},
		{arg: "deploy/wbe", notFound: []string{"web"}},
		{arg: "svc/wbe", notFound: []string{"web"}},
		{arg: "sts/nothing", notFound: []string{}},
		{arg: "deploy/idle", noPods: true},
		{arg: "job/report", noPods: true},
		{arg: "svc/ext", noPods: true},
		{arg: "svc/manual", noPods: true},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			e, err := ParseEndpoint(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Resolve(context.Background(), src, e.WithNamespace("shop"))
			var nf *NotFoundError
			var np *NoPodsError
			switch {
			case tt.notFound != nil:
				if !errors.As(err, &nf) {
					t.Fatalf("err = %v, want NotFoundError", err)
				}
				if len(tt.notFound) > 0 && !slices.Equal(nf.Similar, tt.notFound) {
					t.Errorf("similar = %v, want %v", nf.Similar, tt.notFound)
				}
				return
			case tt.noPods:
				if !errors.As(err, &np) {
					t.Fatalf("err = %v, want NoPodsError", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			got := []string{}
			for _, p := range r.Pods {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tt.pods) {
				t.Errorf("pods = %v, want %v", got, tt.pods)
			}
			if e.IsWorkload() && r.LabelSelector == nil {
				t.Error("a workload resolved without its selector")
			}
		})
	}
}
