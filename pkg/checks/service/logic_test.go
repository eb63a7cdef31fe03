package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

func podWithPorts(containers []corev1.Container, sidecars ...corev1.Container) *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	for i := range sidecars {
		sidecars[i].RestartPolicy = &always
	}
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: containers, InitContainers: sidecars}}
}

func container(name string, ports ...corev1.ContainerPort) corev1.Container {
	return corev1.Container{Name: name, Ports: ports}
}

func TestResolveTargetPort(t *testing.T) {
	t.Parallel()
	http := corev1.ContainerPort{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}
	dnsUDP := corev1.ContainerPort{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP}
	metrics := corev1.ContainerPort{Name: "metrics", ContainerPort: 9090}
	plainInit := corev1.Container{Name: "migrate", Ports: []corev1.ContainerPort{{Name: "init", ContainerPort: 7000}}}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		port   corev1.ServicePort
		want   int32
		wantOK bool
	}{
		{"number is used as is", podWithPorts(nil), corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}, 8080, true},
		{"zero targetPort means the port", podWithPorts(nil), corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP}, 80, true},
		{"named port in main container", podWithPorts([]corev1.Container{container("app", http)}), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 8080, true},
		{"named port in second container", podWithPorts([]corev1.Container{container("app"), container("proxy", http)}), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 8080, true},
		{"named port missing", podWithPorts([]corev1.Container{container("app", metrics)}), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 0, false},
		{"named port with another protocol", podWithPorts([]corev1.Container{container("dns", dnsUDP)}), corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolTCP}, 0, false},
		{"named port protocol defaults to TCP", podWithPorts([]corev1.Container{container("app", metrics)}), corev1.ServicePort{Port: 9090, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP}, 9090, true},
		{"sidecar port counts", podWithPorts([]corev1.Container{container("app")}, container("envoy", http)), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 8080, true},
		{"plain init container does not", &corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{plainInit}}}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("init"), Protocol: corev1.ProtocolTCP}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := service.ResolveTargetPort(tt.pod, tt.port)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ResolveTargetPort = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNearMisses(t *testing.T) {
	t.Parallel()
	pod := func(name string, labels map[string]string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	tests := []struct {
		name     string
		selector map[string]string
		pods     []corev1.Pod
		want     []string
	}{
		{"typo in value", map[string]string{"app": "payment"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments"})}, []string{"payments-1 has app=payments"}},
		{"value under another key", map[string]string{"app": "payments"}, []corev1.Pod{pod("payments-1", map[string]string{"name": "payments"})}, []string{"payments-1 has name=payments but no app label"}},
		{"unrelated pod is no near miss for one label", map[string]string{"app": "payments"}, []corev1.Pod{pod("web-1", map[string]string{"tier": "web"})}, []string{}},
		{"two labels, one differs", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments", "tier": "api"})}, []string{"payments-1 has tier=api"}},
		{"two labels, one missing", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("payments-1", map[string]string{"app": "payments"})}, []string{"payments-1 lacks label tier"}},
		{"two labels both differ", map[string]string{"app": "payments", "tier": "backend"}, []corev1.Pod{pod("x", map[string]string{"app": "x", "tier": "y"})}, []string{}},
		{"replicas reported once, closest first", map[string]string{"app": "payment"}, []corev1.Pod{
			pod("paymentz-1", map[string]string{"app": "paymentz-service"}),
			pod("payments-1", map[string]string{"app": "payments"}),
			pod("payments-2", map[string]string{"app": "payments"}),
		}, []string{"payments-1 has app=payments", "paymentz-1 has app=paymentz-service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, m := range service.NearMisses(tt.selector, tt.pods) {
				got = append(got, m.Describe())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("NearMisses = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExternalNameProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		valid bool
	}{
		{"db.example.com", true},
		{"db.example.com.", true},
		{"localhost", true},
		{"192.0.2.10", false},
		{"2001:db8::1", false},
		{"https://db.example.com", false},
		{"db.example.com:5432", false},
		{"db.example.com/path", false},
		{"DB.Example.com", false},
		{"under_score.example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := service.ExternalNameProblem(tt.name); (got == "") != tt.valid {
			t.Errorf("ExternalNameProblem(%q) = %q, want valid=%v", tt.name, got, tt.valid)
		}
	}
}

func TestEnvVarPrefix(t *testing.T) {
	t.Parallel()
	if got := service.EnvVarPrefix("payments-api"); got != "PAYMENTS_API_SERVICE_" {
		t.Errorf("EnvVarPrefix = %q", got)
	}
}

func TestPodNotReadyReason(t *testing.T) {
	t.Parallel()
	now := metav1.Now()
	longAgo := metav1.NewTime(now.Add(-time.Hour))
	falseVal := false
	tests := []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"unschedulable", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient cpu."}}}},
			"Pending, Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}, "terminating, grace period ends"},
		{"stuck on a finalizer", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &longAgo, Finalizers: []string{"example.com/drain"}}},
			"stuck terminating: its grace period ended at " + longAgo.UTC().Format("15:04:05")},
		{"finalizers named", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &longAgo, Finalizers: []string{"example.com/drain"}}},
			"finalizers example.com/drain not yet removed"},
		{"stuck on a silent node", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &longAgo}, Spec: corev1.PodSpec{NodeName: "node-c"}},
			"the kubelet on node-c has not confirmed it stopped"},
		{"image pull", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}},
			"container app waiting, ImagePullBackOff"},
		{"readiness failing", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", Ready: false, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
			"readiness probe failing"},
		{"startup probe", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", Started: &falseVal, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
			"startup probe"},
		{"not scheduled", corev1.Pod{}, "not scheduled to a node yet"},
		{"init container running", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", InitContainers: []corev1.Container{{Name: "migrate"}}},
			Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{Name: "migrate", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
			"init container migrate still running"},
		{"init container crashing", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", InitContainers: []corev1.Container{{Name: "migrate"}}},
			Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{Name: "migrate", RestartCount: 3, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}},
			"init container migrate waiting, CrashLoopBackOff (restarts 3)"},
		{"readiness gate", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "target-health.elbv2.k8s.aws"}}}},
			"readiness gate target-health.elbv2.k8s.aws"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := service.PodNotReadyReason(&tt.pod); !strings.Contains(got, tt.want) {
				t.Errorf("PodNotReadyReason = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestReadinessWithTerminatingPods: pods in their grace period are what every rollout
// leaves behind and are no finding while others serve; pods stuck past it are, and a
// Service whose every pod is going away has no endpoint at all.
func TestReadinessWithTerminatingPods(t *testing.T) {
	t.Parallel()
	inGrace := metav1.NewTime(time.Now().Add(30 * time.Second))
	stuck := metav1.NewTime(time.Now().Add(-10 * time.Minute))
	pod := func(name string, ready bool, deletion *metav1.Time) runtime.Object {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"app": "cart"}, DeletionTimestamp: deletion},
			Spec:       corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{{ContainerPort: 7070}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1." + name[len(name)-1:],
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "cart", Namespace: "shop"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "cart"}, Ports: []corev1.ServicePort{{Port: 7070, TargetPort: intstr.FromInt32(7070)}}}}
	tests := []struct {
		name     string
		pods     []runtime.Object
		want     []diag.FindingID
		evidence string
	}{
		{"rollout: two serve, two shut down", []runtime.Object{pod("new-1", true, nil), pod("new-2", true, nil),
			pod("old-3", true, &inGrace), pod("old-4", true, &inGrace)}, nil, ""},
		{"one stuck terminating", []runtime.Object{pod("new-1", true, nil), pod("old-2", true, &stuck)},
			[]diag.FindingID{diag.SomePodsNotReady}, "stuck terminating"},
		{"all shutting down", []runtime.Object{pod("old-1", true, &inGrace), pod("old-2", true, &inGrace)},
			[]diag.FindingID{diag.NoReadyPods}, "terminating, grace period ends"},
		{"the new pod fails while the old one leaves", []runtime.Object{pod("new-1", false, nil), pod("old-2", true, &inGrace)},
			[]diag.FindingID{diag.NoReadyPods}, "old-2: terminating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := fixture.WithControllerSlices(append([]runtime.Object{svc.DeepCopy()}, tt.pods...))
			report, _, err := service.Diagnose(context.Background(), source.FromObjects(objs...), "shop", "cart")
			if err != nil {
				t.Fatal(err)
			}
			if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, scenarios.UniqueIDs(tt.want)) {
				t.Fatalf("findings = %v, want %v\nroot cause: %s", got, tt.want, report.RootCause)
			}
			if tt.evidence != "" && !slices.ContainsFunc(report.Findings[0].Evidence, func(e string) bool { return strings.Contains(e, tt.evidence) }) {
				t.Errorf("evidence %q does not mention %q", report.Findings[0].Evidence, tt.evidence)
			}
		})
	}
}
