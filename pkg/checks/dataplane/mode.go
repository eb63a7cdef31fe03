package dataplane

import (
	"context"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ProxyMode is how kube-proxy turns Services into forwarding rules on the nodes, and
// where netdoctor read it. The mode decides which commands an on-call engineer runs on a
// node (iptables-save, ipvsadm -Ln, nft list ruleset) and which bugs apply.
type ProxyMode struct {
	// Mode is iptables, ipvs, nftables or kernelspace; "" when it could not be told.
	Mode string
	// From says where the mode was read, or why it could not be.
	From string
}

// String is the note for a check: "mode ipvs (ConfigMap kube-system/kube-proxy, key config.conf)".
func (m ProxyMode) String() string {
	if m.Mode == "" {
		return "mode not known: " + m.From
	}
	return fmt.Sprintf("mode %s (%s)", m.Mode, m.From)
}

// defaultProxyMode is kube-proxy's mode when neither its configuration file nor its
// flags set one (cmd/kube-proxy: iptables on Linux, kernelspace on Windows).
func defaultProxyMode(p *corev1.Pod) string {
	if p.Spec.NodeSelector[corev1.LabelOSStable] == "windows" {
		return "kernelspace"
	}
	return "iptables"
}

// ProxyMode reads the mode of kube-proxy as its pods run it. A pod's --config file wins
// over its --proxy-mode flag (kube-proxy ignores the flag when a file is given); the file
// is found through the pod's own volume mounts, so the ConfigMap's name and key are the
// ones this cluster uses (kubeadm and kind: kube-proxy/config.conf, EKS:
// kube-proxy-config/config), not guessed. At most one ConfigMap read. A proxy other than
// kube-proxy, or none, has no mode.
func (s *Snapshot) ProxyMode(ctx context.Context, p Proxy) (ProxyMode, error) {
	pod := p.anyPod()
	if p.Name != ProxyKubeProxy || pod == nil {
		return ProxyMode{}, nil
	}
	c := proxyContainer(pod)
	if c == nil {
		return ProxyMode{From: fmt.Sprintf("pod %s/%s has no containers", pod.Namespace, pod.Name)}, nil
	}
	args := append(append([]string{}, c.Command...), c.Args...)
	if file := flagValue(args, "config"); file != "" {
		return s.modeFromFile(ctx, pod, c, file)
	}
	if mode := flagValue(args, "proxy-mode"); mode != "" {
		return ProxyMode{Mode: mode, From: fmt.Sprintf("--proxy-mode of pod %s/%s", pod.Namespace, pod.Name)}, nil
	}
	return ProxyMode{Mode: defaultProxyMode(pod), From: fmt.Sprintf("kube-proxy's default: pod %s/%s sets neither --config nor --proxy-mode", pod.Namespace, pod.Name)}, nil
}

func (s *Snapshot) modeFromFile(ctx context.Context, pod *corev1.Pod, c *corev1.Container, file string) (ProxyMode, error) {
	name, key, ok := configMapFile(pod, c, file)
	if !ok {
		return ProxyMode{From: fmt.Sprintf("the --config file %s of pod %s/%s is not in a ConfigMap volume", file, pod.Namespace, pod.Name)}, nil
	}
	where := fmt.Sprintf("ConfigMap %s/%s, key %s", pod.Namespace, name, key)
	if !s.src.Has(source.KindConfigMap) {
		return ProxyMode{From: where + ": the input holds no ConfigMaps"}, nil
	}
	cm, err := source.Get[corev1.ConfigMap](ctx, s.src, pod.Namespace, name)
	switch {
	case source.IsNotFound(err):
		return ProxyMode{From: where + ": not found"}, nil
	case err != nil:
		return ProxyMode{}, err
	}
	text, ok := cm.Data[key]
	if !ok {
		return ProxyMode{From: where + ": no such key"}, nil
	}
	var cfg struct {
		Mode string `json:"mode"`
	}
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		return ProxyMode{From: where + ": not a KubeProxyConfiguration (" + diag.FirstLine(err.Error()) + ")"}, nil
	}
	if cfg.Mode == "" {
		return ProxyMode{Mode: defaultProxyMode(pod), From: "kube-proxy's default: " + where + " leaves mode empty"}, nil
	}
	return ProxyMode{Mode: cfg.Mode, From: where}, nil
}

// proxyContainer is the container that runs kube-proxy: the one named so, else the first.
func proxyContainer(p *corev1.Pod) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == "kube-proxy" {
			return &p.Spec.Containers[i]
		}
	}
	if len(p.Spec.Containers) > 0 {
		return &p.Spec.Containers[0]
	}
	return nil
}

// flagValue is the value of --name=V or --name V in args, the last one winning as with
// pflag; "" when absent.
func flagValue(args []string, name string) string {
	value := ""
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--"+name+"="):
			value = strings.TrimPrefix(a, "--"+name+"=")
		case a == "--"+name && i+1 < len(args):
			value = args[i+1]
		}
	}
	return value
}

// configMapFile maps a file path inside container c to the ConfigMap and key mounted
// there: the deepest volume mount that holds the path, a configMap volume, and the key
// whose projected path (items) or own name is the rest of the path.
func configMapFile(p *corev1.Pod, c *corev1.Container, file string) (name, key string, ok bool) {
	file = path.Clean(file)
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		dir := path.Clean(m.MountPath)
		holds := strings.HasPrefix(file, dir+"/") || (file == dir && m.SubPath != "")
		if holds && (mount == nil || len(dir) > len(path.Clean(mount.MountPath))) {
			mount = m
		}
	}
	if mount == nil {
		return "", "", false
	}
	// A subPath mount puts one entry of the volume at the mount path itself.
	rel := path.Join(mount.SubPath, strings.TrimPrefix(strings.TrimPrefix(file, path.Clean(mount.MountPath)), "/"))
	for _, v := range p.Spec.Volumes {
		if v.Name != mount.Name || v.ConfigMap == nil {
			continue
		}
		for _, item := range v.ConfigMap.Items {
			if path.Clean(item.Path) == rel {
				return v.ConfigMap.Name, item.Key, true
			}
		}
		if len(v.ConfigMap.Items) == 0 && !strings.Contains(rel, "/") {
			return v.ConfigMap.Name, rel, true
		}
	}
	return "", "", false
}
