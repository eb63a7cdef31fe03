package kube

// ClusterDomain is the DNS suffix of the cluster, the kubelet's default
// --cluster-domain. The flag can change it; cluster.local is the default of every
// mainstream distribution (kubeadm, EKS, GKE, AKS, k3s).
const ClusterDomain = "cluster.local"
