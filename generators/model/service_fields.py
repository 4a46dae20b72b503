"""The fields only some kinds have, checked and turned into a service's metrics and template context.

build_model maps every service the same way; what differs per kind is here, each checked at its spec line:
`metrics.error_status` (a regex the generated tests can feed), `limit` (connections), `by` (the labels a
histogram's quantiles or a gauge are kept per), `le` (the bucket boundary of a histogram's `fraction_over`),
and a business counter's ratio (`numerator:`, or `status_label:` with `ratio_status:`).
"""

from __future__ import annotations

import re
from typing import Any

from generators import catalog
from generators.model import prom_compat, test_series
from generators.model.context import Context
from generators.spec import strings
from generators.spec.source import Path

BY_KINDS = ("histogram", "gauge")  # kinds whose signals keep one series per value of the service's `by:` labels
RESERVED_BY = ("le", "service", "severity", "team")  # set by the rules themselves: a `by:` label of that name would clash
_LE = re.compile(r"^\d+(?:\.\d+)?(?:e[+-]?\d+)?$")
TARGET_SIGNALS = tuple(catalog.signals("target"))


def business(raw: dict[str, Any]) -> dict[str, Any]:
    """A `business:` entry as a service of kind business: its counters and status pattern become metric keys."""
    metrics = {"counter": raw.get("metric")}
    for key in ("numerator", "status_label", "ratio_status"):
        if raw.get(key):
            metrics[key] = raw[key]
    return {**raw, "metrics": metrics}


def _by(b: Context, path: Path, raw: dict[str, Any], kind: str) -> list[str]:
    labels = raw.get("by")
    if labels is None:
        return []
    if kind not in BY_KINDS:
        b.problem((*path, "by"), f"`by:` belongs to the kinds {' and '.join(BY_KINDS)}; a {kind} service's signals are per service")
        return []
    out = [str(label) for label in labels]
    for i, label in enumerate(out):
        if label in RESERVED_BY:
            b.problem(
                (*path, "by", i),
                f"'{label}' is set by the generated rules themselves; keep series apart by another label, e.g. by: [tenant]",
            )
    if len(set(out)) != len(out):
        b.problem((*path, "by"), f"{out} names a label twice; list each once, e.g. by: [tenant, model]")
    return out if not any(label in RESERVED_BY for label in out) else []


def _le(b: Context, path: Path, raw: dict[str, Any], kind: str) -> str:
    le = raw.get("le")
    if le is None:
        return ""
    if kind != "histogram":
        b.problem((*path, "le"), f"`le:` belongs to histogram services (the bucket boundary of fraction_over), not to a {kind} service")
        return ""
    if not isinstance(le, str):
        return str(le)  # the schema check reports it (a string); the spec is refused, and fraction_over is not blamed too
    if not _LE.match(le):
        b.problem((*path, "le"), f'{le!r} is not a bucket boundary; quote it exactly as the exporter writes it, e.g. le: "0.5"')
        return ""
    return le


def _ratio(b: Context, path: Path, raw: dict[str, Any], metrics: dict[str, Any]) -> None:
    """A business ratio: of a second counter (`numerator`) or of the statuses `ratio_status` matches."""
    has_status = bool(metrics.get("ratio_status"))
    if metrics.get("numerator") and (has_status or metrics.get("status_label")):
        b.problem(
            (*path, "numerator"),
            "a ratio is either of two counters (`numerator:`) or of one counter's statuses (`status_label:` and `ratio_status:`), not both",
        )
        return
    if has_status != bool(metrics.get("status_label")):
        missing = "status_label" if has_status else "ratio_status"
        example = "status_label: status" if has_status else 'ratio_status: "failed|declined"'
        b.problem(path, f"a ratio of one counter's statuses needs `{missing}:` too, e.g. {example}")
        return
    if (
        has_status
        and strings.status_regex(str(metrics["ratio_status"])) is None
        and test_series.status_examples(str(metrics["ratio_status"]), *test_series.BUSINESS) is None
    ):
        b.problem(
            (*path, "ratio_status"),
            f"'{metrics['ratio_status']}' must match some statuses and not others (the generated tests feed one of "
            f'{", ".join(test_series.BUSINESS[0])}), e.g. "failed|declined"',
        )
        return
    if metrics.get("numerator") or has_status:
        metrics["ratio"] = "numerator" if metrics.get("numerator") else "status"


def own_targets_only(b: Context, path: Path, raw: dict[str, Any], kind: str, own_job: bool) -> None:
    """target_down and scrape_empty watch a service's own scrape targets: set on a service without any, they would do nothing."""
    if own_job or kind == "business":
        return
    for name in ("target_down", "scrape_empty"):
        if name in (raw.get("thresholds") or {}):
            b.problem(
                (*path, "thresholds", name),
                f"{name} watches this service's own scrape targets and it has none (it reads job '{raw.get('job')}'); "
                "set it on the service that declares that job's `targets:`",
            )


def fields(b: Context, path: Path, raw: dict[str, Any], name: str, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metrics, template context) of one service."""
    info = catalog.kind(kind) if kind != "pushgateway" else {"metrics": {}}
    given = (raw.get("metrics") or {}) if "override" not in info else {}  # hosts.metrics: generators/model/host_metrics.py
    metrics = {**info.get("metrics", {}), **{k: v for k, v in given.items() if v}}
    required = info.get("required")
    if required:
        metrics["required"] = metrics.get(required, required) + ("_bucket" if kind == "histogram" else "")
    pattern = str(metrics.get("error_status", ""))
    if (
        "error_status" in (raw.get("metrics") or {})
        and strings.status_regex(pattern) is None
        and test_series.status_examples(pattern) is None
    ):
        b.problem(
            (*path, "metrics", "error_status"),
            f"'{metrics['error_status']}' must be a regex that matches the bad statuses and not the good ones "
            f"(the generated tests feed one of {', '.join(test_series.BAD_STATUSES)} and one of "
            f'{", ".join(test_series.GOOD_STATUSES)}), e.g. error_status: "5.." or "5xx|error"',
        )
        metrics["error_status"] = "5.."
    if kind == "business":
        _ratio(b, path, raw, metrics)
    context = {"job": raw.get("job"), "service": name, "m": metrics, "limit": raw.get("limit")}
    context.update(by=_by(b, path, raw, kind), le=_le(b, path, raw, kind))
    # Prometheus 3 stores le="1" as le="1.0": rules select every spelling, tests feed the one 3.x stores
    le = str(context["le"] or "")
    context.update(le_matcher=prom_compat.matcher("le", le) if le else "", le_stored=prom_compat.spellings(le)[-1] if le else "")
    if kind == "connections" and not raw.get("limit"):
        b.problem(path, "a connections service needs `limit:` (the maximum connections it allows), e.g. limit: 1000")
        context["limit"] = 1
    return metrics, context
