"""The owners' tools as judges of a rendered tree: promtool, amtool, Grafana's JSON Schema, CRD schemas."""
