"""Spec sections for running beyond one machine: `kubernetes:`, `remote_write:`, `ha:` and `long_term_store:`.

Kept apart from schema.py so the additions merge cleanly; schema.build() splices these in.
"""

from __future__ import annotations

from typing import Any

from generators.spec import schema_fields

_DNS_LABEL = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
_INT32 = 2_147_483_647  # what Prometheus' queue_config reads these into
_REGEX_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def properties(duration: dict[str, Any], secret: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    kubernetes = _obj(
        {
            "namespace": {**_DNS_LABEL, "description": "namespace of every rendered object", "examples": ["monitoring"]},
            "release": {
                "type": "string",
                "description": "Helm release of kube-prometheus-stack: its Prometheus selects rules and monitors labelled release=<this>",
                "examples": ["kube-prometheus-stack"],
            },
            "labels": {**labels, "description": "extra labels on every object (e.g. what a custom ruleSelector matches)"},
            "service_label": {
                "type": "string",
                "description": "label of the Kubernetes Services a ServiceMonitor selects; its value is the scrape job name",
                "examples": ["app.kubernetes.io/name"],
            },
            "port": {"type": "string", "description": "name of the metrics port on those Services", "examples": ["metrics"]},
            "prober": {
                "type": "string",
                "description": "blackbox exporter host:port for Probe objects",
                "examples": ["blackbox-exporter:9115"],
            },
            "credentials_secret": {
                **_DNS_LABEL,
                "description": "Kubernetes Secret holding one key per spec secret name (mounted into Alertmanager/Prometheus)",
                "examples": ["monitoring-credentials"],
            },
        }
    )
    queue = _obj(
        {
            "capacity": {"type": "integer", "minimum": 1, "maximum": _INT32},
            "max_shards": {"type": "integer", "minimum": 1, "maximum": _INT32},
            "min_shards": {"type": "integer", "minimum": 1, "maximum": _INT32},
            "max_samples_per_send": {"type": "integer", "minimum": 1, "maximum": _INT32},
            "batch_send_deadline": duration,
        }
    )
    endpoint = _obj(
        {
            "name": {**_DNS_LABEL, "examples": ["mimir"]},
            "url": {"type": "string", "pattern": "^https?://", "examples": ["https://mimir.example.com/api/v1/push"]},
            "username": {"type": "string", "description": "basic auth user (the password comes from password_secret)"},
            "password_secret": {**secret, "examples": ["mimir_password"]},
            "bearer_token_secret": {**secret, "examples": ["thanos_receive_token"]},
            "headers": {**labels, "examples": [{"X-Scope-OrgID": "acme"}]},
            "queue": queue,
            "drop_metrics": {
                **_REGEX_LIST,
                "description": "metric-name regexes never sent (high-cardinality series)",
                "examples": [["go_gc_.*"]],
            },
            "drop_labels": {**_REGEX_LIST, "description": "label-name regexes removed before sending", "examples": [["pod_template_hash"]]},
        },
        ("name", "url"),
    )
    ha = _obj(
        {
            "replicas": {"type": "integer", "enum": [1, 2], "description": "2 renders one Prometheus config per replica"},
            "replica_label": {"type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$", "examples": ["replica"]},
        }
    )
    long_term_store = _obj(
        {
            "write_url": {
                **schema_fields.URL,
                "description": "where every Prometheus (the single one and each HA replica) sends its samples (remote_write)",
                "examples": ["http://victoria-metrics:8428/api/v1/write"],
            },
            "query_url": {
                **schema_fields.URL,
                "description": "the store's Prometheus query API: Grafana's datasource for the global view",
                "examples": ["http://victoria-metrics:8428"],
            },
            "headers": {**labels, "description": "HTTP headers sent with every write (a tenant: X-Scope-OrgID, THANOS-TENANT)"},
            "replica_label": {
                "enum": ["drop", "keep"],
                "description": "drop: the HA replica label is removed on write, so the store deduplicates the pair's identical "
                "series (VictoriaMetrics -dedup.minScrapeInterval); keep: the store deduplicates by that label itself "
                "(Mimir's HA tracker, Thanos' --query.replica-label)",
                "examples": ["drop"],
            },
            "retention": {
                **schema_fields.duration(minimum="1d", why="VictoriaMetrics keeps at least one day (-retentionPeriod)"),
                "examples": ["1y", "90d"],
            },
        }
    )
    return {
        "kubernetes": kubernetes,
        "remote_write": {"type": "array", "items": endpoint},
        "ha": ha,
        "long_term_store": long_term_store,
    }
