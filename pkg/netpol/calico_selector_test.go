package netpol

import (
	"strings"
	"testing"
)

func selectorLookup(labels map[string]string, unknown ...string) labelLookup {
	return func(k string) (string, bool, bool) {
		for _, u := range unknown {
			if strings.HasPrefix(k, u) {
				return "", false, false
			}
		}
		v, ok := labels[k]
		return v, ok, true
	}
}

// TestCalicoSelector: the operators of the Calico selector reference, their
// precedence, and "maybe" for labels netdoctor cannot read.
func TestCalicoSelector(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"app": "api", "tier": "backend", "my-label": "production"}
	tests := []struct {
		expr string
		want tri
	}{
		{"", yes},
		{"all()", yes},
		{"!all()", no},
		{"global()", no},
		{"app == 'api'", yes},
		{`app == "api"`, yes},
		{"app == 'web'", no},
		{"app != 'web'", yes},
		{"missing != 'x'", yes},
		{"has(app)", yes},
		{"!has(app)", no},
		{"has(missing)", no},
		{"app in {'web', 'api'}", yes},
		{"app in {}", no},
		{"app not in {'web'}", yes},
		{"missing not in {'web'}", yes},
		{"app == 'api' && tier == 'backend'", yes},
		{"app == 'api' && tier == 'frontend'", no},
		{"app == 'web' || tier == 'backend'", yes},
		{"(app == 'web' || app == 'api') && has(tier)", yes},
		{"!(app == 'api')", no},
		{"! app == 'api'", no},
		{"app starts with 'a'", yes},
		{"app ends with 'pi'", yes},
		{"app contains 'x'", no},
		// The precedence example of the reference: ((!has(my-label)) || ((my-label starts with 'prod') && (role in {...}))).
		{"! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}", no},
		{"! has(other) || my-label starts with 'prod' && role in {'frontend','business'}", yes},
		// What netdoctor cannot read is maybe, unless the other side decides.
		{"pcsa.role == 'x'", maybe},
		{"pcsa.role == 'x' && app == 'web'", no},
		{"pcsa.role == 'x' || app == 'api'", yes},
		{"!(pcsa.role == 'x')", maybe},
		{"has(pcsa.role)", maybe},
	}
	for _, tt := range tests {
		sel, err := ParseCalicoSelector(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := sel.eval(selectorLookup(labels, "pcsa."), false); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.expr, got, tt.want)
		}
	}
	if sel, _ := ParseCalicoSelector("global()"); sel.eval(selectorLookup(nil), true) != yes {
		t.Error("global() must match non-namespaced resources")
	}
}

func TestCalicoSelectorErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{"app ==", "app == api", "foo(app)", "(app == 'a'", "app in {'a'", "'x'", "app ~ 'a'",
		"has()", "app == 'a' extra", "&& app == 'a'", "app == 'a' &&", "app not 'a'", "app starts 'a'", "has('app')", ")", "{"} {
		if _, err := ParseCalicoSelector(expr); err == nil {
			t.Errorf("%q parsed, want an error", expr)
		}
	}
	deep := strings.Repeat("(", 500) + "all()" + strings.Repeat(")", 500)
	if _, err := ParseCalicoSelector(deep); err == nil {
		t.Error("a selector nested 500 deep parsed; want the depth limit")
	}
}

// FuzzCalicoSelector: the parser never panics, and a selector it accepts parses again
// from its own text to one that agrees on every label set tried.
func FuzzCalicoSelector(f *testing.F) {
	for _, s := range []string{
		"all()", "app == 'api'", "has(app) && !has(canary)", "app in {'a', 'b'} || tier not in {}",
		"(a == 'x' || b != \"y\") && c starts with 'p'", "projectcalico.org/namespace == 'shop'",
		"global()", "k contains 's' && k ends with 'e'", "!(!(a == 'b'))", "",
	} {
		f.Add(s, "app", "api")
	}
	f.Fuzz(func(t *testing.T, expr, key, value string) {
		sel, err := ParseCalicoSelector(expr)
		if err != nil {
			return
		}
		again, err := ParseCalicoSelector(sel.String())
		if err != nil {
			t.Fatalf("%q parsed, but its text %q does not: %v", expr, sel.String(), err)
		}
		for _, labels := range []map[string]string{nil, {key: value}, {"app": "api", key: value + "x"}} {
			for _, global := range []bool{false, true} {
				a, b := sel.eval(selectorLookup(labels), global), again.eval(selectorLookup(labels), global)
				if a != b {
					t.Fatalf("%q and its text %q disagree on %v: %v vs %v", expr, sel.String(), labels, a, b)
				}
				if a == maybe {
					t.Fatalf("%q is maybe with every label known", expr)
				}
			}
		}
	})
}
