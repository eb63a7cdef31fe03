package service

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkEnvVars: the kubelet injects NAME_SERVICE_HOST and NAME_SERVICE_PORT only for
// Services that existed when the pod started (and only with enableServiceLinks). A pod
// that reads them but was created before the Service sees them unset; DNS has no such
// ordering problem.
func checkEnvVars(ctx context.Context, s *State) engine.Result {
	if s.Service.Spec.Type == corev1.ServiceTypeExternalName {
		return engine.Skip("ExternalName Services get no environment variables")
	}
	pods, err := s.namespacePods(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	prefix := EnvVarPrefix(s.Name)
	created := s.Service.CreationTimestamp
	var findings []diag.Finding
	users := 0
	for _, i := range s.serviceVariableUsers(pods) {
		pod := &pods[i]
		if !referencesEnv(pod, prefix) {
			continue
		}
		users++
		if created.IsZero() || pod.CreationTimestamp.IsZero() || !pod.CreationTimestamp.Before(&created) {
			continue
		}
		if pod.Spec.EnableServiceLinks != nil && !*pod.Spec.EnableServiceLinks {
			continue
		}
		ref := diag.ObjectRef{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}
		findings = append(findings, diag.New(diag.ServiceEnvVarsMissing, ref,
			"pod %s/%s uses %sHOST/PORT but was created before Service %s, so the variables are not set", pod.Namespace, pod.Name, prefix, s.Name).
			WithEvidence(fmt.Sprintf("pod created %s, Service created %s", pod.CreationTimestamp.UTC().Format("2006-01-02 15:04:05"), created.UTC().Format("2006-01-02 15:04:05"))).
			WithFix("use the DNS name %s.%s.svc instead of environment variables, or restart the pod (kubectl rollout restart) so it gets them", s.Name, s.Namespace))
	}
	return engine.Found(fmt.Sprintf("%d pod(s) reference %s* variables", users, prefix), findings...)
}

// EnvVarPrefix is the kubelet's variable prefix for a Service name: upper case, dashes
// become underscores, followed by SERVICE_.
func EnvVarPrefix(service string) string {
	return strings.ToUpper(strings.ReplaceAll(service, "-", "_")) + "_SERVICE_"
}

// serviceVariableUsers are the positions of the pods (the namespace's) that reference
// some Service's variables at all: a pod that does not cannot reference this Service's.
// A scan asks about every Service of the namespace, so the pods are looked through once
// per namespace (source.Memo) and each Service then looks at the few that do.
func (s *State) serviceVariableUsers(pods []corev1.Pod) []int {
	users, _ := source.Memo(s.Source, CheckEnvVars+"|"+s.Namespace, func() ([]int, error) {
		var users []int
		for i := range pods {
			// Every Service's prefix ends in _SERVICE_ (EnvVarPrefix).
			if referencesEnv(&pods[i], "_SERVICE_") {
				users = append(users, i)
			}
		}
		return users, nil
	})
	return users
}

func referencesEnv(pod *corev1.Pod, prefix string) bool {
	// Called for every pod of the namespace for every Service in a scan: no allocations.
	uses := func(t string) bool {
		i := strings.Index(t, prefix)
		return i >= 0 && (strings.Contains(t[i:], prefix+"HOST") || strings.Contains(t[i:], prefix+"PORT"))
	}
	for _, containers := range [2][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range containers {
			c := &containers[i]
			for _, t := range c.Command {
				if uses(t) {
					return true
				}
			}
			for _, t := range c.Args {
				if uses(t) {
					return true
				}
			}
			for j := range c.Env {
				if uses(c.Env[j].Value) {
					return true
				}
			}
		}
	}
	return false
}
