"""The spec's JSON Schema, built from the catalog so threshold names can never drift from the signals.

`python -m generators schema` writes it to generators/schema/monitoring.schema.json for editors
(yaml-language-server); the validator uses the same dict.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path as FilePath
from typing import Any

from generators import catalog
from generators.model import conventions
from generators.outputs.alertmanager import channels
from generators.outputs.alertmanager.channel_type import ChannelType
from generators.spec import report_schema, scaling_schema, signal_schema
from generators.spec.schema_fields import DURATION as _DURATION
from generators.spec.schema_fields import FOR as _FOR
from generators.spec.schema_fields import INTERVAL_WHY as _INTERVAL_WHY
from generators.spec.schema_fields import LABEL_NAME as _LABEL_NAME
from generators.spec.schema_fields import MAX_ENTRIES, MAX_SERVICES
from generators.spec.schema_fields import PROM_LABELS as _PROM_LABELS
from generators.spec.schema_fields import URL as _URL
from generators.spec.schema_fields import duration as _duration
from generators.spec.signal_schema import thresholds as _thresholds

# Committed where editors find it (monitoring.yaml's first line points at it); `make check` fails when stale.
SCHEMA_FILE = FilePath(__file__).parents[1] / "schema" / "monitoring.schema.json"
SCHEMA_ID = "https://github.com/acme/monitoring/generators/schema/monitoring.schema.json"
SEVERITIES = conventions.SEVERITIES
CHANNEL_TYPES = tuple(channels.TYPES)
_SECRET = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
    "maxLength": 100,
    "description": "name of a secret file under compose/secrets/ (mounted at /run/secrets/<name>)",
    "examples": ["slack_alerts_webhook"],
}


# Names become file names (rules/<service>.rules.yml, runbooks) and Kubernetes object names: a DNS label's 63.
_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 63, "examples": ["api", "payments-worker"]}
_TEAM = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 63, "examples": ["backend"]}
_TARGETS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "x-string": "go-template-text"},
    "minItems": 1,
    "examples": [["api:8000"]],
}
_CHANNEL_LIST = {"type": "array", "items": {"type": "string"}, "examples": [["oncall-pager", "alerts-slack"]]}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}, "examples": [{"cluster": "prod"}]}
_TIME_INTERVAL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": _NAME,
        "weekdays": {"type": "string", "examples": ["monday:friday"]},
        "times": {"type": "string", "examples": ["09:00-18:00"]},
        "days_of_month": {"type": "string", "examples": ["1:7"]},
        "months": {"type": "string", "examples": ["december"]},
        "location": {"type": "string", "examples": ["Europe/Paris", "UTC"]},
    },
}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _metrics(kind: str) -> dict[str, Any]:
    defaults = catalog.kind(kind).get("metrics", {})
    props = {k: {"type": "string", "default": v, "examples": [v], "x-string": _metric_kind(k)} for k, v in defaults.items()}
    if kind == "external_api":
        props["quota"] = {"type": "string", "examples": ["llm_quota_used_ratio"], "x-string": "metric-name"}
    return {"type": "object", "additionalProperties": False, "properties": props}


def _metric_kind(key: str) -> str:
    """What a `metrics:` entry is in PromQL, by the catalog's naming: *_label a label, *_status a regex, else a metric."""
    return "label-name" if key.endswith("_label") else "status-regex" if key.endswith("_status") else "metric-name"


def _slos() -> dict[str, Any]:
    """services.<name>.slos: values are checked (with located messages) by generators/slo_model.py."""
    tier = {
        "type": ["object", "boolean"],
        "not": {"const": True},
        "description": "false disables the tier",
        "additionalProperties": False,
        "properties": {"for": _FOR, "severity": {"examples": list(SEVERITIES)}, "channels": _CHANNEL_LIST},
    }
    slo = _obj(
        {
            "sli": {
                "description": "availability (requests by status) or latency (requests under a bucket boundary)",
                "examples": list(conventions.SLI_KINDS),
            },
            "objective": {"description": "share of good requests, below 100%", "examples": ["99.5%", "95%"]},
            "window": {"description": "whole days", "examples": ["30d", "28d"]},
            "bad_status": {
                "description": "availability: status regex of bad requests (default: error_status)",
                "examples": ["5.."],
                "x-string": "status-regex",
            },
            "good_status": {
                "description": "availability: status regex of good requests (instead of bad_status)",
                "examples": ["2..|3.."],
                "x-string": "status-regex",
            },
            "le": {
                "description": 'latency: the histogram bucket boundary, quoted ("1" and "1.0" select the same bucket)',
                "examples": ["0.5"],
            },
            "tiers": _obj({t["name"]: tier for t in catalog.slo_tiers()["tiers"]}),
        },
        ("sli", "objective", "window"),
    )
    return {"type": "object", "additionalProperties": slo, "propertyNames": _NAME}


def _service() -> dict[str, Any]:
    base = {
        "team": _TEAM,
        "kind": {"enum": list(catalog.SERVICE_KINDS)},
        "job": {**_NAME, "description": "scrape job whose series this service reads (default: the service name)"},
        "targets": _TARGETS,
        "metrics_path": {"type": "string", "pattern": "^/", "examples": ["/metrics"], "x-string": "go-template-text"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000, "description": "connections: the maximum the service allows"},
        "by": {
            "type": "array",
            "items": _LABEL_NAME,
            "maxItems": 5,
            "description": "histogram and gauge: the labels whose values get a series (and an alert) of their own",
            "examples": [["index"], ["pool"]],
        },
        "le": {
            "type": "string",
            "description": "histogram: the bucket boundary fraction_over counts above, as the exporter writes it",
            "examples": ["0.5"],
        },
        "notes": {"type": "string", "description": "added to every runbook of this service"},
        "metrics": {"type": "object"},
        "thresholds": {"type": "object"},
        "slos": _slos(),
    }
    branches = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"properties": {"metrics": _metrics(kind), "thresholds": _thresholds(kind, target=True)}},
        }
        for kind in catalog.SERVICE_KINDS
    ]
    return _obj(base, ("team", "kind"), allOf=branches)


def _block(kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {
        "team": _TEAM,
        "job": _NAME,
        "targets": _TARGETS,
        "thresholds": _thresholds(kind, target=kind != "probe"),
        "notes": {"type": "string"},
    }
    props.update(extra or {})
    return _obj(props, ("targets",))


def _channel_field(t: ChannelType, key: str) -> dict[str, Any]:
    """One spec key of a channel type; a `*_secret` key is a secret name, with the type's example."""
    if key.endswith("_secret"):
        return {**_SECRET, "examples": [t.secrets[key].example], **t.fields[key]}
    return dict(t.fields[key])


def _channel() -> dict[str, Any]:
    fields = {t.name: {k: _channel_field(t, k) for k in t.fields} for t in channels.TYPES.values()}
    all_props: dict[str, Any] = {"type": {"enum": list(CHANNEL_TYPES)}, "send_resolved": {"type": "boolean"}}
    for props in fields.values():
        all_props.update(props)
    branches = [
        {
            "if": {"properties": {"type": {"const": t.name}}, "required": ["type"]},
            "then": {
                "required": list(t.required),
                "propertyNames": {"enum": ["type", "send_resolved", *fields[t.name]]},
            },
        }
        for t in channels.TYPES.values()
    ]
    return _obj(all_props, ("type",), allOf=branches)


def _custom() -> dict[str, Any]:
    series = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "labels": {"type": "string", "examples": ['my_metric{job="api"}']},
            "value": {"type": "string"},
            "rate": {"type": "string"},
            "values": {"type": "string"},
        },
        "required": ["labels"],
    }
    return _obj(
        {
            "name": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]*$", "maxLength": 100, "examples": ["LLMQuotaNearlyExhausted"]},
            "team": _TEAM,
            "service": _NAME,
            "job": _NAME,
            "expr": {"type": "string", "examples": ['max(my_ratio{job="api"}) {{ op }} {{ threshold }}']},
            "unit": {"enum": ["percent", "seconds", "per_second", "per_minute", "count"]},
            "thresholds": _obj({s: {"type": "string", "examples": ["> 90% for 5m"]} for s in SEVERITIES}),
            "summary": {"type": "string", "x-string": "annotation"},
            "description": {"type": "string"},
            "by": {"type": "array", "items": _LABEL_NAME},
            "notes": {"type": "string"},
            "test": _obj(
                {"series": {"type": "array", "items": series}, "warmup": _duration(maximum="1d", why="the tests replay every minute of it")}
            ),
        },
        ("name", "team", "job", "expr", "unit", "thresholds", "summary", "description"),
    )


@functools.cache
def build() -> dict[str, Any]:
    am_zero = "Alertmanager refuses 0s here"
    timing = _obj(
        {
            "group_wait": _DURATION,
            "group_interval": _duration(positive=True, why=am_zero),
            "repeat_interval": _duration(positive=True, why=am_zero),
        }
    )
    routing = _obj(
        {
            **{s: _CHANNEL_LIST for s in SEVERITIES},
            "watchdog": {
                "type": ["string", "boolean"],
                "description": "the dead man's switch channel (a webhook); false: none, on purpose (no warning)",
                "examples": ["deadmans-switch", False],
            },
            "default": {"type": "string"},
            "group_by": {"type": "array", "items": {"type": "string", "x-string": "group-by"}, "examples": [["alertname", "service"]]},
            "timings": _obj({s: timing for s in SEVERITIES}),
            "teams": {
                "type": "object",
                "additionalProperties": _obj({**{s: _CHANNEL_LIST for s in SEVERITIES}, "continue": {"type": "boolean"}}),
            },
            "escalations": {
                "type": "array",
                "items": _obj(
                    {
                        "severity": {"enum": list(SEVERITIES)},
                        "after": _duration(positive=True, maximum="1d", why="it adds to the alert's `for`"),
                        "notify": _CHANNEL_LIST,
                        "team": _TEAM,
                    },
                    ("severity", "after", "notify"),
                ),
            },
            "business_hours": _TIME_INTERVAL,
            "maintenance": {"type": "array", "items": {**_TIME_INTERVAL, "required": ["name"]}},
        },
        ("critical",),
        examples=[{"critical": ["oncall-pager"]}],
    )
    stack = _obj(
        {
            "scrape_interval": _duration(positive=True, minimum="1s", maximum="2m", why=_INTERVAL_WHY),
            "evaluation_interval": _duration(positive=True, minimum="1s", maximum="2m", why=_INTERVAL_WHY),
            "retention": _duration(positive=True, why="Prometheus reads 0s as unset (it would keep 15d)"),
            "alertmanager_snapshot_interval": _duration(
                positive=True, minimum="1s", maximum="15m", why="a crash loses the silences and notification log of the last interval"
            ),
            "external_labels": _PROM_LABELS,
            "grafana_url": {**_URL, "examples": ["http://localhost:3000"]},
            "alertmanager_url": {**_URL, "examples": ["http://localhost:9093"]},
            "runbook_url": {
                "type": "string",
                "x-string": "url-or-path",
                "examples": ["https://github.com/acme/monitoring/blob/main/docs/runbooks"],
            },
            "team": _TEAM,
        }
    )
    kinds = list(catalog.load())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "monitoring.yaml",
        "description": "Thresholds and notification channels of the monitoring stack (version 1)",
        **_obj(
            {
                "version": {"const": 1, "examples": [1]},
                "stack": stack,
                "channels": {
                    "type": "object",
                    "additionalProperties": _channel(),
                    "propertyNames": _NAME,
                    "examples": [{"oncall-pager": {"type": "pagerduty", "routing_key_secret": "pagerduty_routing_key"}}],
                },
                "routing": routing,
                "defaults": _obj({k: _thresholds(k) for k in kinds if catalog.signals(k)}),
                "hosts": _block("host", {"metrics": signal_schema.host_metrics()}),
                "containers": _block("container"),
                "probes": _block("probe", {"module": {"type": "string", "examples": ["http_2xx"]}}),
                "services": {"type": "object", "additionalProperties": _service(), "propertyNames": _NAME, "maxProperties": MAX_SERVICES},
                "business": {"type": "array", "items": signal_schema.business(_NAME, _TEAM), "maxItems": MAX_ENTRIES},
                "custom": {"type": "array", "items": _custom(), "maxItems": MAX_ENTRIES},
                **scaling_schema.properties(_DURATION, _SECRET, _LABELS),
                **report_schema.properties(_NAME),
            },
            ("version", "channels", "routing"),
        ),
    }


def text() -> str:
    """The schema file's bytes: sorted keys, two-space indent, one final newline."""
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"
