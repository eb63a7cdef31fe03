package kube

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
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
			got, ok := ResolveTargetPort(tt.pod, tt.port)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ResolveTargetPort = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
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
			if got := PodNotReadyReason(&tt.pod); !strings.Contains(got, tt.want) {
				t.Errorf("PodNotReadyReason = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestNamedPort(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	p := podWithPorts([]corev1.Container{container("app",
		corev1.ContainerPort{Name: "http", ContainerPort: 8080},
		corev1.ContainerPort{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP})})
	p.Spec.InitContainers = []corev1.Container{
		{Name: "sidecar", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "proxy", ContainerPort: 15001}}},
		{Name: "init", Ports: []corev1.ContainerPort{{Name: "setup", ContainerPort: 9999}}},
	}
	tests := []struct {
		name  string
		proto corev1.Protocol
		want  int32
		ok    bool
	}{
		{"http", "", 8080, true},
		{"http", corev1.ProtocolTCP, 8080, true},
		{"http", corev1.ProtocolUDP, 0, false},
		{"dns", corev1.ProtocolUDP, 53, true},
		{"dns", "", 0, false},
		{"proxy", "", 15001, true}, // sidecar
		{"setup", "", 0, false},    // plain init container serves nothing
		{"missing", "", 0, false},
		{"", "", 0, false},
		{"http", "ICMP", 0, false},
	}
	for _, tt := range tests {
		if got, ok := NamedPort(p, tt.name, tt.proto); got != tt.want || ok != tt.ok {
			t.Errorf("NamedPort(%q, %q) = %d, %v; want %d, %v", tt.name, tt.proto, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := NamedPort(nil, "http", ""); ok {
		t.Error("NamedPort on a nil pod")
	}
}

func TestPodRules(t *testing.T) {
	t.Parallel()
	now := metav1.Now()
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	tests := []struct {
		name                                   string
		pod                                    corev1.Pod
		ready, terminating, receives, finished bool
	}{
		{"no status", corev1.Pod{}, false, false, false, false},
		{"ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, true, false, true, false},
		{"ready false", corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}}, false, false, false, false},
		{"other condition true", corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}}, false, false, false, false},
		{"ready but terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Conditions: ready}}, true, true, false, false},
		{"succeeded", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, false, false, false, true},
		{"failed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, false, false, false, true},
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [4]bool{PodReady(&tt.pod), PodTerminating(&tt.pod), PodReceivesTraffic(&tt.pod), PodFinished(&tt.pod)}
			if want := [4]bool{tt.ready, tt.terminating, tt.receives, tt.finished}; got != want {
				t.Errorf("ready, terminating, receives traffic, finished = %v, want %v", got, want)
			}
		})
	}
}

func TestShortReason(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"container app waiting, CrashLoopBackOff (restarts 6): back-off 2m40s", "container app waiting, CrashLoopBackOff (restarts 6)"},
		{"Pending, Unschedulable: 0/3 nodes are available", "Pending, Unschedulable: 0/3 nodes are available"},
		{"Running, Ready condition is not True", "Running, Ready condition is not True"},
	}
	for _, tt := range tests {
		if got := ShortReason(tt.in); got != tt.want {
			t.Errorf("ShortReason(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
