package service

import (
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// portList renders declared ports for evidence.
func portList(ports []kube.DeclaredPort) string {
	if len(ports) == 0 {
		return "no ports"
	}
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ", ")
}
