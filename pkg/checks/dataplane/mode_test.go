package dataplane

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// kubeProxyPod is a kube-proxy pod running command, with a volume named "config"
// mounted at mountPath (subPath as given) from ConfigMap cmName (items as given).
func kubeProxyPod(command []string, mountPath, subPath, cmName string, items ...corev1.KeyToPath) *corev1.Pod {
	p := sysPod("kube-proxy-x5v2k", "node-a", map[string]string{"k8s-app": "kube-proxy"}, true, controller("DaemonSet", "kube-proxy"))
	c := corev1.Container{Name: "kube-proxy", Command: command}
	if mountPath != "" {
		c.VolumeMounts = []corev1.VolumeMount{{Name: "config", MountPath: mountPath, SubPath: subPath}}
		p.Spec.Volumes = []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cmName}, Items: items}}}}
	}
	p.Spec.Containers = []corev1.Container{c}
	return p
}

func proxyConfig(name, key, text string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace}, Data: map[string]string{key: text}}
}

const kubeadmCommand = "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=$(NODE_NAME)"

func TestProxyMode(t *testing.T) {
	kubeadm := kubeProxyPod(strings.Fields(kubeadmCommand), "/var/lib/kube-proxy", "", "kube-proxy")
	tests := []struct {
		name     string
		objs     []runtime.Object
		wantMode string
		wantFrom string
	}{
		{"kubeadm leaves mode empty", []runtime.Object{kubeadm, proxyConfig("kube-proxy", "config.conf", "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: \"\"\n")},
			"iptables", "kube-proxy's default: ConfigMap kube-system/kube-proxy, key config.conf leaves mode empty"},
		{"ipvs in the kubeadm ConfigMap", []runtime.Object{kubeadm, proxyConfig("kube-proxy", "config.conf", "kind: KubeProxyConfiguration\nmode: ipvs\n")},
			"ipvs", "ConfigMap kube-system/kube-proxy, key config.conf"},
		{"EKS layout", []runtime.Object{
			kubeProxyPod([]string{"kube-proxy", "--v=2", "--config", "/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)"}, "/var/lib/kube-proxy-config/", "", "kube-proxy-config"),
			proxyConfig("kube-proxy-config", "config", "mode: \"iptables\"\n")},
			"iptables", "ConfigMap kube-system/kube-proxy-config, key config"},
		{"items map a key to another file name", []runtime.Object{
			kubeProxyPod([]string{"kube-proxy", "--config=/etc/kp/proxy.yaml"}, "/etc/kp", "", "kp", corev1.KeyToPath{Key: "config.conf", Path: "proxy.yaml"}),
			proxyConfig("kp", "config.conf", "mode: nftables\n")},
			"nftables", "ConfigMap kube-system/kp, key config.conf"},
		{"subPath mount of one key", []runtime.Object{
			kubeProxyPod([]string{"kube-proxy", "--config=/etc/kube-proxy.yaml"}, "/etc/kube-proxy.yaml", "config.conf", "kube-proxy"),
			proxyConfig("kube-proxy", "config.conf", "mode: ipvs\n")},
			"ipvs", "ConfigMap kube-system/kube-proxy, key config.conf"},
		{"the file wins over --proxy-mode", []runtime.Object{
			kubeProxyPod([]string{"kube-proxy", "--proxy-mode=ipvs", "--config=/var/lib/kube-proxy/config.conf"}, "/var/lib/kube-proxy", "", "kube-proxy"),
			proxyConfig("kube-proxy", "config.conf", "mode: nftables\n")},
			"nftables", "ConfigMap kube-system/kube-proxy, key config.conf"},
		{"--proxy-mode alone", []runtime.Object{kubeProxyPod([]string{"kube-proxy", "--proxy-mode", "ipvs"}, "", "", "")},
			"ipvs", "--proxy-mode of pod kube-system/kube-proxy-x5v2k"},
		{"flags only, no mode (GKE's static pod)", []runtime.Object{kubeProxyPod([]string{"kube-proxy", "--kubeconfig=/var/lib/kube-proxy/kubeconfig", "--v=2"}, "", "", "")},
			"iptables", "kube-proxy's default: pod kube-system/kube-proxy-x5v2k sets neither --config nor --proxy-mode"},
		{"ConfigMap gone", []runtime.Object{kubeadm, proxyConfig("other", "config.conf", "mode: ipvs")},
			"", "ConfigMap kube-system/kube-proxy, key config.conf: not found"},
		{"key missing", []runtime.Object{kubeadm, proxyConfig("kube-proxy", "kubeconfig.conf", "apiVersion: v1")},
			"", "ConfigMap kube-system/kube-proxy, key config.conf: no such key"},
		{"not YAML", []runtime.Object{kubeadm, proxyConfig("kube-proxy", "config.conf", "mode: [ipvs")},
			"", "ConfigMap kube-system/kube-proxy, key config.conf: not a KubeProxyConfiguration"},
		{"config file outside any ConfigMap", []runtime.Object{kubeProxyPod([]string{"kube-proxy", "--config=/etc/kp.yaml"}, "", "", "")},
			"", "the --config file /etc/kp.yaml of pod kube-system/kube-proxy-x5v2k is not in a ConfigMap volume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := New(source.FromObjects(tt.objs...))
			proxy, err := snap.Proxy(context.Background())
			if err != nil || proxy.Name != ProxyKubeProxy {
				t.Fatalf("proxy %q, %v", proxy.Name, err)
			}
			mode, err := snap.ProxyMode(context.Background(), proxy)
			if err != nil {
				t.Fatal(err)
			}
			if mode.Mode != tt.wantMode || !strings.HasPrefix(mode.From, tt.wantFrom) {
				t.Errorf("mode %q from %q, want %q from %q", mode.Mode, mode.From, tt.wantMode, tt.wantFrom)
			}
		})
	}
}

// Offline input without ConfigMaps says so; it is not an error and not a guess.
func TestProxyModeOfflineWithoutConfigMaps(t *testing.T) {
	kubeadm := kubeProxyPod(strings.Fields(kubeadmCommand), "/var/lib/kube-proxy", "", "kube-proxy")
	snap := New(source.FromObjects(kubeadm)) // no ConfigMap among the objects: Has(source.KindConfigMap) is false
	proxy, _ := snap.Proxy(context.Background())
	mode, err := snap.ProxyMode(context.Background(), proxy)
	if err != nil || mode.Mode != "" || !strings.HasSuffix(mode.From, "the input holds no ConfigMaps") {
		t.Errorf("mode %+v, %v", mode, err)
	}
}

// A ConfigMap that may not be read is an error for the caller to report, never a mode.
func TestProxyModeForbidden(t *testing.T) {
	kubeadm := kubeProxyPod(strings.Fields(kubeadmCommand), "/var/lib/kube-proxy", "", "kube-proxy")
	snap := New(forbiddenConfig(source.FromObjects(kubeadm, proxyConfig("other", "k", "v"))))
	proxy, _ := snap.Proxy(context.Background())
	if _, err := snap.ProxyMode(context.Background(), proxy); !apierrors.IsForbidden(err) {
		t.Errorf("err = %v, want Forbidden", err)
	}
}
