package dialect

import (
	"fmt"
	"strings"
	"unicode"
)

// Labels Calico gives workload endpoints beside the pod's own.
const (
	calicoNamespaceLabel      = "projectcalico.org/namespace"
	calicoOrchestratorLabel   = "projectcalico.org/orchestrator"
	calicoServiceAccountLabel = "projectcalico.org/serviceaccount"
	calicoNamespacePrefix     = "pcns."
)

// calicoRules reads a Calico NetworkPolicy or GlobalNetworkPolicy spec: one rule whose
// directions are spec.types, defaulted as Calico does (Egress when there are egress
// rules, Ingress when there are ingress rules or no egress rules).
func calicoRules(spec map[string]any, namespace string, clusterWide bool) []rule {
	if spec == nil {
		spec = map[string]any{}
	}
	r := rule{where: "spec"}
	if types, ok := spec["types"].([]any); ok && len(types) > 0 {
		for _, t := range types {
			switch fmt.Sprint(t) {
			case "Ingress":
				r.ingress = true
			case "Egress":
				r.egress = true
			}
		}
	} else {
		in, _ := spec["ingress"].([]any)
		eg, _ := spec["egress"].([]any)
		r.egress = len(eg) > 0
		r.ingress = len(in) > 0 || len(eg) == 0
	}
	selector, _ := spec["selector"].(string)
	nsSelector, _ := spec["namespaceSelector"].(string)
	saSelector, _ := spec["serviceAccountSelector"].(string)
	r.selects = func(s Subject) (Match, string) {
		if !clusterWide && s.Pod.Namespace != namespace {
			return NoMatch, ""
		}
		if s.Pod.Spec.HostNetwork {
			if clusterWide {
				return Maybe, "a GlobalNetworkPolicy may select the host endpoints of nodes, and so hostNetwork pods; netdoctor does not match host endpoints"
			}
			return NoMatch, "" // hostNetwork pods are no Calico workload endpoints
		}
		m, why := calicoMatch("selector", selector, calicoPodLookup(s))
		if m == NoMatch {
			return NoMatch, ""
		}
		if clusterWide && strings.TrimSpace(nsSelector) != "" {
			nm, nwhy := calicoMatch("namespaceSelector", nsSelector, calicoNamespaceLookup(s))
			if nm == NoMatch {
				return NoMatch, ""
			}
			m, why = and(m, nm), joinReasons(m, why, nm, nwhy)
		}
		if strings.TrimSpace(saSelector) != "" {
			m = and(m, Maybe)
			why = fmt.Sprintf("%s; serviceAccountSelector %q matches service account labels, which netdoctor does not read: assumed to select", why, saSelector)
		}
		return m, why
	}
	return []rule{r}
}

// joinReasons keeps the reasons that matter: both when both matched, else the one that
// could not be evaluated.
func joinReasons(a Match, awhy string, b Match, bwhy string) string {
	switch {
	case a == Maybe && b != Maybe:
		return awhy
	case b == Maybe && a != Maybe:
		return bwhy
	}
	return awhy + "; " + bwhy
}

func calicoPodLookup(s Subject) lookup {
	return func(key string) (string, bool, bool) {
		switch {
		case key == calicoNamespaceLabel:
			return s.Pod.Namespace, true, true
		case key == calicoOrchestratorLabel:
			return "k8s", true, true
		case key == calicoServiceAccountLabel:
			return s.serviceAccount(), true, true
		case strings.HasPrefix(key, calicoNamespacePrefix):
			return s.nsLabel(strings.TrimPrefix(key, calicoNamespacePrefix))
		case strings.HasPrefix(key, "projectcalico.org/"), strings.HasPrefix(key, "pcsa."):
			return "", false, false
		}
		v, ok := s.Pod.Labels[key]
		return v, ok, true
	}
}

func calicoNamespaceLookup(s Subject) lookup {
	return func(key string) (string, bool, bool) {
		if key == "projectcalico.org/name" {
			return s.Pod.Namespace, true, true
		}
		if strings.HasPrefix(key, "projectcalico.org/") {
			return "", false, false
		}
		return s.nsLabel(key)
	}
}

// calicoMatch evaluates a Calico selector expression; an empty one is all().
func calicoMatch(field, expr string, lk lookup) (Match, string) {
	if strings.TrimSpace(expr) == "" {
		expr = "all()"
	}
	node, err := ParseCalicoSelector(expr)
	if err != nil {
		return Maybe, fmt.Sprintf("%s %q: %v, so netdoctor does not evaluate it: assumed to select", field, expr, err)
	}
	m := node.eval(lk)
	switch m {
	case Selects:
		return Selects, fmt.Sprintf("%s %q matches", field, expr)
	case Maybe:
		return Maybe, fmt.Sprintf("%s %q uses labels netdoctor cannot read from the API: assumed to select", field, expr)
	}
	return NoMatch, ""
}

// CalicoSelector is a parsed Calico selector expression.
type CalicoSelector interface {
	eval(lookup) Match
}

type (
	allSel struct{ global bool }
	hasSel struct{ key string }
	notSel struct{ x CalicoSelector }
	binSel struct {
		and  bool
		l, r CalicoSelector
	}
	opSel struct {
		key, op string
		values  []string
	}
)

func (s allSel) eval(lookup) Match {
	if s.global {
		return NoMatch // global() selects non-namespaced resources (host endpoints, network sets), never pods
	}
	return Selects
}

func (s hasSel) eval(lk lookup) Match {
	_, present, known := lk(s.key)
	if !known {
		return Maybe
	}
	return boolMatch(present)
}

func (s notSel) eval(lk lookup) Match { return not(s.x.eval(lk)) }

func (s binSel) eval(lk lookup) Match {
	if s.and {
		return and(s.l.eval(lk), s.r.eval(lk))
	}
	return or(s.l.eval(lk), s.r.eval(lk))
}

func (s opSel) eval(lk lookup) Match {
	v, present, known := lk(s.key)
	if !known {
		return Maybe
	}
	switch s.op {
	case "==":
		return boolMatch(present && v == s.values[0])
	case "!=":
		return boolMatch(!present || v != s.values[0])
	case "in":
		return boolMatch(present && contains(s.values, v))
	case "not in":
		return boolMatch(!present || !contains(s.values, v))
	case "contains":
		return boolMatch(present && strings.Contains(v, s.values[0]))
	case "starts with":
		return boolMatch(present && strings.HasPrefix(v, s.values[0]))
	case "ends with":
		return boolMatch(present && strings.HasSuffix(v, s.values[0]))
	}
	return Maybe
}

// ParseCalicoSelector parses the Calico selector syntax netdoctor knows:
//
//	expr    = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | "(" expr ")" | "all()" | "global()" | "has(" key ")" | key op
//	op      = "==" str | "!=" str | "in" set | "not in" set
//	        | "contains" str | "starts with" str | "ends with" str
//	set     = "{" [ str { "," str } ] "}"
//
// Anything else (other functions, unbalanced input) is an error: the caller then assumes
// the selector may select anything.
func ParseCalicoSelector(s string) (CalicoSelector, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	node, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return node, nil
}

var twoCharOps = map[string]bool{"&&": true, "||": true, "==": true, "!=": true}

type token struct {
	text   string
	quoted bool // a string literal
}

func tokenize(s string) ([]token, error) {
	var toks []token
	isKey := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_./-", r)
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j == len(rs) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, token{text: string(rs[i+1 : j]), quoted: true})
			i = j + 1
		case i+1 < len(rs) && twoCharOps[string(rs[i:i+2])]:
			toks = append(toks, token{text: string(rs[i : i+2])})
			i += 2
		case strings.ContainsRune("!(){},", r):
			toks = append(toks, token{text: string(r)})
			i++
		case isKey(r):
			j := i
			for j < len(rs) && isKey(rs[j]) {
				j++
			}
			toks = append(toks, token{text: string(rs[i:j])})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", r)
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// accept consumes the next token if it is the unquoted text.
func (p *parser) accept(text string) bool {
	if t, ok := p.peek(); ok && !t.quoted && t.text == text {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(text string) error {
	if !p.accept(text) {
		if t, ok := p.peek(); ok {
			return fmt.Errorf("expected %q, found %q", text, t.text)
		}
		return fmt.Errorf("expected %q at the end", text)
	}
	return nil
}

func (p *parser) expr() (CalicoSelector, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.accept("||") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = binSel{and: false, l: left, r: right}
	}
	return left, nil
}

func (p *parser) and() (CalicoSelector, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.accept("&&") {
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = binSel{and: true, l: left, r: right}
	}
	return left, nil
}

func (p *parser) unary() (CalicoSelector, error) {
	switch {
	case p.accept("!"):
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notSel{x: x}, nil
	case p.accept("("):
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	}
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("unexpected end of selector")
	}
	if t.quoted {
		return nil, fmt.Errorf("unexpected string %q", t.text)
	}
	p.pos++
	switch t.text {
	case "all", "global":
		if p.accept("(") {
			return allSel{global: t.text == "global"}, p.expect(")")
		}
	case "has":
		if p.accept("(") {
			key, ok := p.peek()
			if !ok || key.quoted {
				return nil, fmt.Errorf("has() needs a label key")
			}
			p.pos++
			return hasSel{key: key.text}, p.expect(")")
		}
	}
	if next, ok := p.peek(); ok && !next.quoted && next.text == "(" {
		return nil, fmt.Errorf("function %s() is not one netdoctor evaluates", t.text)
	}
	return p.operator(t.text)
}

func (p *parser) operator(key string) (CalicoSelector, error) {
	var op string
	switch {
	case p.accept("=="):
		op = "=="
	case p.accept("!="):
		op = "!="
	case p.accept("in"):
		op = "in"
	case p.accept("not"):
		if err := p.expect("in"); err != nil {
			return nil, err
		}
		op = "not in"
	case p.accept("contains"):
		op = "contains"
	case p.accept("starts"):
		if err := p.expect("with"); err != nil {
			return nil, err
		}
		op = "starts with"
	case p.accept("ends"):
		if err := p.expect("with"); err != nil {
			return nil, err
		}
		op = "ends with"
	default:
		if t, ok := p.peek(); ok {
			return nil, fmt.Errorf("unexpected %q after %s", t.text, key)
		}
		return nil, fmt.Errorf("label %s without an operator", key)
	}
	if op == "in" || op == "not in" {
		values, err := p.set()
		if err != nil {
			return nil, err
		}
		return opSel{key: key, op: op, values: values}, nil
	}
	t, ok := p.peek()
	if !ok || !t.quoted {
		return nil, fmt.Errorf("%s %s needs a quoted value", key, op)
	}
	p.pos++
	return opSel{key: key, op: op, values: []string{t.text}}, nil
}

func (p *parser) set() ([]string, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var values []string
	if p.accept("}") {
		return values, nil
	}
	for {
		t, ok := p.peek()
		if !ok || !t.quoted {
			return nil, fmt.Errorf("a set holds quoted values")
		}
		p.pos++
		values = append(values, t.text)
		if p.accept("}") {
			return values, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}
