"""Spec section `reports:`: scheduled digests (docs/reports.md). Values the schema cannot judge (the channel
exists, `every` is a day or a week, the window, the services and what applies to their kinds) are checked with
located messages by generators/model/report_model.py. schema.build() splices this in."""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.spec.schema_fields import TEXT, duration

# A report name becomes the `report` label, an alert name, file names and a time interval name.
_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 50, "examples": ["daily-errors", "weekly-performance"]}
EXAMPLE = {
    "channel": "digest-email",
    "every": "24h",
    "at": "09:00-10:00",
    "weekdays": "monday:friday",
    "location": "Europe/Paris",
    "services": ["api"],
    "contents": ["error_ratio", "latency_p95", "requests", "alerts"],
}


def properties(name: dict[str, Any]) -> dict[str, Any]:
    contents = list(catalog.reports()["contents"])
    report = {
        "type": "object",
        "additionalProperties": False,
        "required": ["channel", "every", "services"],
        "examples": [EXAMPLE],
        "properties": {
            "channel": {"type": "string", "description": "the channel it is sent to (a key of channels:)", "examples": ["digest-email"]},
            "every": {
                **duration(positive=True),
                "description": "the period it covers and how often it is sent: a day or a week",
                "examples": ["24h", "7d"],
            },
            "at": {
                "type": "string",
                "description": "the window it is sent in, once per period (default 09:00-10:00)",
                "examples": ["09:00-10:00"],
            },
            "weekdays": {
                "type": "string",
                "description": "weekdays it is sent on: any range for a daily report, one day for a weekly one",
                "examples": ["monday:friday", "monday"],
            },
            "location": {
                "type": "string",
                "description": "time zone of at and weekdays (default: routing.business_hours', else UTC)",
                "examples": ["Europe/Paris"],
            },
            "title": {
                **TEXT,
                "maxLength": 100,
                "description": "its subject line (default: from the name)",
                "examples": ["Daily error summary"],
            },
            "services": {"type": "array", "items": name, "minItems": 1, "uniqueItems": True, "examples": [["api", "llm-provider"]]},
            "contents": {
                "type": "array",
                "items": {"enum": contents},
                "minItems": 1,
                "uniqueItems": True,
                "description": "what each service's line shows (default: " + ", ".join(catalog.reports()["default_contents"]) + ")",
                "examples": [catalog.reports()["default_contents"]],
            },
        },
    }
    return {
        "reports": {
            "type": "object",
            "propertyNames": _NAME,
            "additionalProperties": report,
            "maxProperties": 50,
            "examples": [{"daily-errors": EXAMPLE}],
        }
    }
