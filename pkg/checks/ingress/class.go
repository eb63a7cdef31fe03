package ingress

import (
	"context"
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// LegacyClassAnnotation is the pre-IngressClass way to pick a controller. The API
// server still accepts it (never together with spec.ingressClassName) and most
// controllers still honour it.
const LegacyClassAnnotation = "kubernetes.io/ingress.class"

// checkClass resolves the class that decides which controller serves the Ingress:
// spec.ingressClassName, else the legacy annotation, else the default IngressClass
// (annotation ingressclass.kubernetes.io/is-default-class=true). The DefaultIngressClass
// admission plugin writes the default into spec.ingressClassName when an Ingress is
// created, choosing the newest when several are marked default; an Ingress that still
// has no class was created while there was none, and controllers ignore it unless they
// are told to watch Ingresses without a class.
func checkClass(ctx context.Context, s *State) engine.Result {
	name, from := ClassOf(s.Ingress)
	// Known before the classes are read, so that later checks (conflicts) still know
	// the class when the IngressClasses cannot be listed.
	s.ClassName = name
	if !s.Source.Has(source.KindIngressClass) {
		if name == "" {
			return engine.Skip("no class given, and the input holds no IngressClasses to find the default among")
		}
		return engine.Pass("class %s (from %s); the input holds no IngressClasses to check it against", name, from)
	}
	classes, err := source.List[networkingv1.IngressClass](ctx, s.Source, source.AllNamespaces, nil)
	if err != nil {
		return engine.ReadError(err)
	}
	if defaults := defaultClasses(classes); len(defaults) > 0 {
		s.DefaultClassName = defaults[0].Name
	}
	if name != "" {
		return s.namedClass(classes, name, from)
	}
	return s.defaultClass(ctx, classes)
}

// ClassOf is the class an Ingress names and where it names it (spec.ingressClassName,
// else the legacy annotation); "" when it names none and the default class applies.
func ClassOf(ing *networkingv1.Ingress) (name, from string) {
	switch {
	case ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName != "":
		return *ing.Spec.IngressClassName, "spec.ingressClassName"
	case ing.Annotations[LegacyClassAnnotation] != "":
		return ing.Annotations[LegacyClassAnnotation], "annotation " + LegacyClassAnnotation
	}
	return "", ""
}

func (s *State) namedClass(classes []networkingv1.IngressClass, name, from string) engine.Result {
	s.ClassName = name
	for i := range classes {
		if classes[i].Name == name {
			s.Class = &classes[i]
			return engine.Pass("IngressClass %s (from %s), controller %s", name, from, classes[i].Spec.Controller)
		}
	}
	names := classNames(classes)
	f := diag.New(diag.IngressClassNotFound, s.Ref(), "Ingress %s/%s asks for IngressClass %s (%s), which does not exist: no controller is configured to serve it",
		s.Namespace, s.Name, name, from).
		WithEvidence(fmt.Sprintf("IngressClasses in the cluster: %s", orNone(describeClasses(classes)))).
		WithCommands("kubectl get ingressclass")
	if similar := kube.SimilarNames(name, names); len(similar) > 0 {
		f.Message += fmt.Sprintf(" (did you mean %s?)", similar[0])
	}
	if strings.HasPrefix(from, "annotation") {
		f = f.WithEvidence("the legacy annotation is matched by some controllers against their --ingress-class flag rather than an IngressClass object, but it is deprecated and newer controllers need the IngressClass")
		f = f.WithFix("replace the %s annotation by spec.ingressClassName naming an existing class%s", LegacyClassAnnotation, suggestion(names))
	} else {
		f = f.WithFix("set spec.ingressClassName to an existing class%s, or install the controller that provides %s", suggestion(names), name)
	}
	return engine.Found("IngressClass "+name+" not found", f)
}

func (s *State) defaultClass(ctx context.Context, classes []networkingv1.IngressClass) engine.Result {
	defaults := defaultClasses(classes)
	switch len(defaults) {
	case 0:
		f := diag.New(diag.IngressClassMissing, s.Ref(), "Ingress %s/%s names no IngressClass and no class is marked default: no controller will serve it",
			s.Namespace, s.Name).
			WithEvidence("spec.ingressClassName and the "+LegacyClassAnnotation+" annotation are both unset",
				fmt.Sprintf("IngressClasses in the cluster (none marked %s=true): %s", networkingv1.AnnotationIsDefaultIngressClass, orNone(describeClasses(classes)))).
			WithFix("set spec.ingressClassName%s, or mark one class default with the annotation %s: \"true\" (the default is applied only to Ingresses created afterwards)",
				suggestion(classNames(classes)), networkingv1.AnnotationIsDefaultIngressClass).
			WithCommands("kubectl get ingressclass")
		return engine.Found("no class given and no default IngressClass", f)
	case 1:
		s.Class, s.ClassName = &defaults[0], defaults[0].Name
		return engine.Pass("no class given; default IngressClass %s, controller %s (controllers serve class-less Ingresses only when configured to)",
			defaults[0].Name, defaults[0].Spec.Controller)
	}
	// The admission plugin gives new Ingresses the newest default; later checks look at
	// that class's controller as the likeliest one.
	s.Class, s.ClassName = &defaults[0], defaults[0].Name
	detail := fmt.Sprintf("no class given; %d default IngressClasses", len(defaults))
	if ClassesLintedOnce.In(ctx) {
		return engine.Pass("%s (the newest, %s, is assumed): reported once, under IngressClass %s", detail, defaults[0].Name, defaults[0].Name)
	}
	f := multipleDefaults(s.Ref(), defaults, fmt.Sprintf("%d IngressClasses are marked default (%s) and Ingress %s/%s names none: which controller serves it is ambiguous",
		len(defaults), strings.Join(classNames(defaults), ", "), s.Namespace, s.Name), ", and set spec.ingressClassName on this Ingress")
	return engine.Found(detail, f)
}

// multipleDefaults is MultipleDefaultIngressClasses on obj with message; fixMore ends
// the fix.
func multipleDefaults(obj diag.ObjectRef, defaults []networkingv1.IngressClass, message, fixMore string) diag.Finding {
	return diag.New(diag.MultipleDefaultIngressClasses, obj, "%s", message).
		WithEvidence(describeClasses(defaults)...).
		WithEvidence(fmt.Sprintf("new Ingresses without a class get the newest default, %s; controllers may disagree about existing ones", defaults[0].Name)).
		WithFix("keep %s=true on one IngressClass only%s", networkingv1.AnnotationIsDefaultIngressClass, fixMore).
		WithCommands("kubectl get ingressclass -o custom-columns=NAME:.metadata.name,CONTROLLER:.spec.controller,DEFAULT:.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class")
}

// defaultClasses returns the classes marked default, newest first, as the
// DefaultIngressClass admission plugin orders them.
func defaultClasses(classes []networkingv1.IngressClass) []networkingv1.IngressClass {
	var defaults []networkingv1.IngressClass
	for _, c := range classes {
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			defaults = append(defaults, c)
		}
	}
	sort.SliceStable(defaults, func(i, j int) bool {
		a, b := defaults[i].CreationTimestamp, defaults[j].CreationTimestamp
		if !a.Equal(&b) {
			return b.Before(&a)
		}
		return defaults[i].Name < defaults[j].Name
	})
	return defaults
}

func classNames(classes []networkingv1.IngressClass) []string {
	names := make([]string, 0, len(classes))
	for _, c := range classes {
		names = append(names, c.Name)
	}
	return names
}

func describeClasses(classes []networkingv1.IngressClass) []string {
	out := make([]string, 0, len(classes))
	for _, c := range classes {
		d := fmt.Sprintf("%s (controller %s", c.Name, c.Spec.Controller)
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			d += ", default"
		}
		out = append(out, d+")")
	}
	return out
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

func suggestion(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return " (" + names[0] + ")"
	}
	return " (one of " + strings.Join(names, ", ") + ")"
}
