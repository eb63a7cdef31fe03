package netpol

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CalicoSelector is a parsed Calico selector expression
// (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors):
//
//	expr    = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | "(" expr ")" | "all()" | "global()" | "has(" key ")" | key op
//	op      = "==" str | "!=" str | "in" set | "not in" set
//	        | "contains" str | "starts with" str | "ends with" str
//	set     = "{" [ str { "," str } ] "}"
//
// Match operators bind tighter than "!", which binds tighter than "&&", then "||".
// Strings are quoted with ' or ". The empty expression is all(). Anything else (other
// functions, unbalanced input) is a parse error: callers must then treat the selector
// as one they cannot evaluate, never as "selects nothing".
type CalicoSelector struct {
	root selNode
	text string
}

// String is the expression as written (trimmed), "all()" for the empty one.
func (s *CalicoSelector) String() string { return s.text }

// labelLookup reads a label the way a selector does: its value, whether it is present,
// and whether netdoctor can know it at all (false for labels the plugin derives from
// objects netdoctor does not read).
type labelLookup func(key string) (value string, present, known bool)

// eval matches the selector against labels. global() is true only for non-namespaced
// resources, which the caller says with global.
func (s *CalicoSelector) eval(lk labelLookup, global bool) tri {
	if s == nil || s.root == nil {
		return yes
	}
	return s.root.eval(lk, global)
}

// usesGlobal reports whether the expression mentions global().
func (s *CalicoSelector) usesGlobal() bool {
	return s != nil && strings.Contains(s.text, "global(")
}

type selNode interface {
	eval(lk labelLookup, global bool) tri
}

type (
	selAll    struct{}
	selGlobal struct{}
	selHas    struct{ key string }
	selNot    struct{ x selNode }
	selBin    struct {
		and  bool
		l, r selNode
	}
	selOp struct {
		key, op string
		values  []string
	}
)

func (selAll) eval(labelLookup, bool) tri             { return yes }
func (selGlobal) eval(_ labelLookup, global bool) tri { return triOf(global) }

func (s selHas) eval(lk labelLookup, _ bool) tri {
	_, present, known := lk(s.key)
	if !known {
		return maybe
	}
	return triOf(present)
}

func (s selNot) eval(lk labelLookup, g bool) tri { return s.x.eval(lk, g).not() }

func (s selBin) eval(lk labelLookup, g bool) tri {
	if s.and {
		return s.l.eval(lk, g).and(s.r.eval(lk, g))
	}
	return s.l.eval(lk, g).or(s.r.eval(lk, g))
}

func (s selOp) eval(lk labelLookup, _ bool) tri {
	v, present, known := lk(s.key)
	if !known {
		return maybe
	}
	switch s.op {
	case "==":
		return triOf(present && v == s.values[0])
	case "!=":
		return triOf(!present || v != s.values[0])
	case "in":
		return triOf(present && slices.Contains(s.values, v))
	case "not in":
		return triOf(!present || !slices.Contains(s.values, v))
	case "contains":
		return triOf(present && strings.Contains(v, s.values[0]))
	case "starts with":
		return triOf(present && strings.HasPrefix(v, s.values[0]))
	case "ends with":
		return triOf(present && strings.HasSuffix(v, s.values[0]))
	}
	return maybe
}

// ParseCalicoSelector parses a Calico selector expression.
func ParseCalicoSelector(s string) (*CalicoSelector, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return &CalicoSelector{root: selAll{}, text: "all()"}, nil
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("selector is not valid UTF-8")
	}
	toks, err := tokenizeSelector(text)
	if err != nil {
		return nil, err
	}
	p := &selParser{toks: toks}
	node, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return &CalicoSelector{root: node, text: text}, nil
}

var selTwoCharOps = map[string]bool{"&&": true, "||": true, "==": true, "!=": true}

type selToken struct {
	text   string
	quoted bool // a string literal
}

func isSelKeyRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_./-", r)
}

func tokenizeSelector(s string) ([]selToken, error) {
	var toks []selToken
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
			toks = append(toks, selToken{text: string(rs[i+1 : j]), quoted: true})
			i = j + 1
		case i+1 < len(rs) && selTwoCharOps[string(rs[i:i+2])]:
			toks = append(toks, selToken{text: string(rs[i : i+2])})
			i += 2
		case strings.ContainsRune("!(){},", r):
			toks = append(toks, selToken{text: string(r)})
			i++
		case isSelKeyRune(r):
			j := i
			for j < len(rs) && isSelKeyRune(rs[j]) {
				j++
			}
			toks = append(toks, selToken{text: string(rs[i:j])})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", r)
		}
	}
	return toks, nil
}

type selParser struct {
	toks []selToken
	pos  int
}

// maxSelectorDepth bounds nesting, so a hostile selector cannot exhaust the stack.
const maxSelectorDepth = 100

func (p *selParser) peek() (selToken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return selToken{}, false
}

// accept consumes the next token if it is the unquoted text.
func (p *selParser) accept(text string) bool {
	if t, ok := p.peek(); ok && !t.quoted && t.text == text {
		p.pos++
		return true
	}
	return false
}

func (p *selParser) expect(text string) error {
	if !p.accept(text) {
		if t, ok := p.peek(); ok {
			return fmt.Errorf("expected %q, found %q", text, t.text)
		}
		return fmt.Errorf("expected %q at the end", text)
	}
	return nil
}

func (p *selParser) expr(depth int) (selNode, error) {
	if depth > maxSelectorDepth {
		return nil, fmt.Errorf("selector nests deeper than %d", maxSelectorDepth)
	}
	return p.chain(depth, "||", p.and)
}

func (p *selParser) and(depth int) (selNode, error) {
	return p.chain(depth, "&&", p.unary)
}

// chain parses operands joined by op ("&&" or "||"), grouped from the left; operand
// parses the tighter-binding level below.
func (p *selParser) chain(depth int, op string, operand func(int) (selNode, error)) (selNode, error) {
	left, err := operand(depth)
	if err != nil {
		return nil, err
	}
	for p.accept(op) {
		right, err := operand(depth)
		if err != nil {
			return nil, err
		}
		left = selBin{and: op == "&&", l: left, r: right}
	}
	return left, nil
}

func (p *selParser) unary(depth int) (selNode, error) {
	if depth > maxSelectorDepth {
		return nil, fmt.Errorf("selector nests deeper than %d", maxSelectorDepth)
	}
	switch {
	case p.accept("!"):
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return selNot{x: x}, nil
	case p.accept("("):
		x, err := p.expr(depth + 1)
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
	if !isSelKeyRune([]rune(t.text)[0]) {
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	p.pos++
	switch t.text {
	case "all", "global":
		if p.accept("(") {
			if t.text == "global" {
				return selGlobal{}, p.expect(")")
			}
			return selAll{}, p.expect(")")
		}
	case "has":
		if p.accept("(") {
			key, ok := p.peek()
			if !ok || key.quoted || !isSelKeyRune([]rune(key.text)[0]) {
				return nil, fmt.Errorf("has() needs a label key")
			}
			p.pos++
			return selHas{key: key.text}, p.expect(")")
		}
	}
	if next, ok := p.peek(); ok && !next.quoted && next.text == "(" {
		return nil, fmt.Errorf("function %s() is not part of the Calico selector language netdoctor evaluates", t.text)
	}
	return p.operator(t.text)
}

// selectorOperators are the operators that may follow a label key, in the order they
// are tried; the second word of a two-word operator must follow its first.
var selectorOperators = [][2]string{
	{"==", ""}, {"!=", ""}, {"in", ""}, {"not", "in"}, {"contains", ""}, {"starts", "with"}, {"ends", "with"},
}

func (p *selParser) operator(key string) (selNode, error) {
	var op string
	for _, words := range selectorOperators {
		if !p.accept(words[0]) {
			continue
		}
		op = words[0]
		if words[1] != "" {
			if err := p.expect(words[1]); err != nil {
				return nil, err
			}
			op += " " + words[1]
		}
		break
	}
	if op == "" {
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
		return selOp{key: key, op: op, values: values}, nil
	}
	t, ok := p.peek()
	if !ok || !t.quoted {
		return nil, fmt.Errorf("%s %s needs a quoted value", key, op)
	}
	p.pos++
	return selOp{key: key, op: op, values: []string{t.text}}, nil
}

func (p *selParser) set() ([]string, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	values := []string{}
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
