package gateway

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

func loadObjects(t *testing.T, file string) []runtime.Object {
	t.Helper()
	objs, err := fixture.LoadScenario(filepath.Join("..", "..", "..", "test", "testdata", "gateway", file), "shop")
	if err != nil {
		t.Fatal(err)
	}
	return fixture.WithControllerSlices(objs)
}

func walk(t *testing.T, src source.Source, now time.Time) []diag.FindingID {
	t.Helper()
	s := NewState(src, "shop", "foo-route", "")
	s.Now = func() time.Time { return now }
	report := diag.NewReport("route", s.Ref())
	if err := engine.Walk(context.Background(), Checks(), s, &report); err != nil {
		t.Fatal(err)
	}
	var ids []diag.FindingID
	for _, id := range report.IDs() {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestListenerTLSExpiryClock: the listener certificate (valid for 90 days) is judged
// against the injected clock: expiring soon (a warning) in 80 days, expired in 100.
func TestListenerTLSExpiryClock(t *testing.T) {
	t.Parallel()
	src := source.FromObjects(loadObjects(t, "listener-tls.yaml")...)
	for _, tt := range []struct {
		days int
		want []diag.FindingID
	}{
		{0, nil},
		{80, []diag.FindingID{diag.TLSCertificateExpiringSoon}},
		{100, []diag.FindingID{diag.GatewayListenerTLSInvalid}},
	} {
		got := walk(t, src, time.Now().Add(time.Duration(tt.days)*24*time.Hour))
		if !slices.Equal(got, tt.want) {
			t.Errorf("in %d days: findings %v, want %v", tt.days, got, tt.want)
		}
	}
}

// TestProgrammedUnknownIsNotFalse: the conditions the Gateway CRD defaults a new
// Gateway's status to (Unknown, Pending) are not a finding; False is.
func TestProgrammedUnknownIsNotFalse(t *testing.T) {
	t.Parallel()
	cond := func(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.Now()}
	}
	for _, tt := range []struct {
		name       string
		conditions []metav1.Condition
		listener   []metav1.Condition
		want       []diag.FindingID
	}{
		{"absent", nil, nil, nil},
		{"CRD default", []metav1.Condition{
			cond("Accepted", metav1.ConditionUnknown, "Pending", "Waiting for controller"),
			cond("Programmed", metav1.ConditionUnknown, "Pending", "Waiting for controller")}, nil, nil},
		{"Programmed False", []metav1.Condition{
			cond("Accepted", metav1.ConditionTrue, "Accepted", ""),
			cond("Programmed", metav1.ConditionFalse, "NoResources", "Envoy replicas unavailable")}, nil, []diag.FindingID{diag.GatewayNotProgrammed}},
		{"Accepted False", []metav1.Condition{
			cond("Accepted", metav1.ConditionFalse, "UnsupportedAddress", "spec.addresses is not supported")}, nil, []diag.FindingID{diag.GatewayNotProgrammed}},
		{"listener Pending", nil, []metav1.Condition{
			cond("Programmed", metav1.ConditionUnknown, "Pending", "Waiting for controller")}, nil},
		{"listener PortUnavailable", nil, []metav1.Condition{
			cond("Accepted", metav1.ConditionFalse, "PortUnavailable", "port 80 is in use"),
			cond("Programmed", metav1.ConditionFalse, "Invalid", "Listener is invalid, see other Conditions for details.")}, []diag.FindingID{diag.GatewayNotProgrammed}},
	} {
		objs := loadObjects(t, "gateway-status-absent.yaml")
		for _, o := range objs {
			if gw, ok := o.(*gatewayv1.Gateway); ok {
				gw.Status.Conditions = tt.conditions
				if tt.listener != nil {
					gw.Status.Listeners = []gatewayv1.ListenerStatus{{Name: "http", Conditions: tt.listener}}
				}
			}
		}
		if got := walk(t, source.FromObjects(objs...), time.Now()); !slices.Equal(got, tt.want) {
			t.Errorf("%s: findings %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAttached: the listeners a route is served on, with the hostnames it is served
// under there.
func TestAttached(t *testing.T) {
	t.Parallel()
	h := func(s string) *gatewayv1.Hostname { x := gatewayv1.Hostname(s); return &x }
	p := &Parent{Listeners: []gatewayv1.Listener{
		{Name: "any", Protocol: gatewayv1.HTTPSProtocolType},
		{Name: "foo", Protocol: gatewayv1.HTTPSProtocolType, Hostname: h("foo.example.com")},
		{Name: "wild", Protocol: gatewayv1.HTTPSProtocolType, Hostname: h("*.example.com")},
		{Name: "other", Protocol: gatewayv1.HTTPSProtocolType, Hostname: h("other.example.net")},
	}}
	for _, tt := range []struct {
		name  string
		route Route
		want  map[gatewayv1.SectionName][]string
	}{
		{"route hostnames", Route{HasHostnames: true, Hostnames: []gatewayv1.Hostname{"foo.example.com"}},
			map[gatewayv1.SectionName][]string{"any": {"foo.example.com"}, "foo": {"foo.example.com"}, "wild": {"foo.example.com"}}},
		{"no route hostnames", Route{HasHostnames: true},
			map[gatewayv1.SectionName][]string{"any": nil, "foo": {"foo.example.com"}, "wild": {"*.example.com"}, "other": {"other.example.net"}}},
		{"TCPRoute", Route{},
			map[gatewayv1.SectionName][]string{"any": nil, "foo": {"foo.example.com"}, "wild": {"*.example.com"}, "other": {"other.example.net"}}},
	} {
		s := &State{Route: &tt.route}
		got := map[gatewayv1.SectionName][]string{}
		for _, a := range s.attached(p) {
			got[a.Name] = a.Hosts
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: attached %v, want %v", tt.name, got, tt.want)
			continue
		}
		for name, hosts := range tt.want {
			if g, ok := got[name]; !ok || !slices.Equal(g, hosts) {
				t.Errorf("%s: listener %s hosts %v, want %v", tt.name, name, g, hosts)
			}
		}
	}
}
