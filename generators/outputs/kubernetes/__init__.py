"""kubernetes/: prometheus-operator objects for kube-prometheus-stack, from the same model as compose."""
