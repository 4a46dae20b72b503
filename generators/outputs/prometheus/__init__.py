"""prometheus/: prometheus.yml, rule files, HA replicas, remote_write, and the promtool unit tests of every rule."""
