"""`hosts.metrics.<signal>`: a host signal that reads a gauge the host's targets export instead of node-exporter's.

An app that exports `system_cpu_usage_percent` (0-100) rather than `node_cpu_seconds_total` writes

    hosts:
      metrics:
        cpu: {metric: system_cpu_usage_percent, unit: percent}                  # busy share, 0-100
        disk_free: {metric: system_disk_usage_percent, unit: percent, measures: used, by: [instance, mountpoint]}

Each overridden signal gets a recording rule of its value in the signal's own sense and as a ratio
(`instance:system_cpu_usage_percent:used_ratio`; a gauge of the other sense is flipped, `1 - used`), an alert on
it, its panel, runbook checks and generated tests that feed the gauge; the node-exporter recording rules only
overridden signals read are dropped, and `metric_absent` watches the gauge that replaced `node_cpu_seconds_total`.
The PromQL is the catalog's (`kinds.host.override` in catalog/signals.yaml); here it gets its variables `o`.
Names were checked against Prometheus' grammar by the schema (x-string), at their spec lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators import catalog
from generators.model.context import Context
from generators.model.service_fields import RESERVED_BY
from generators.model.types import Recording
from generators.spec.source import Path

KIND = "host"
UNITS = ("percent", "ratio")  # percent: a gauge from 0 to 100; ratio: from 0 to 1
SENSES = ("used", "free")
DEFAULT_BY = ("instance",)


def overridable() -> dict[str, dict[str, str]]:
    """Signal name -> its `override:` record (sense, what), in catalog order."""
    return {name: s["override"] for name, s in catalog.signals(KIND).items() if "override" in s}


def overrides(b: Context, path: Path, raw: Mapping[str, Any], metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Signal name -> `o`, the template variables of its override; problems at their spec lines. metrics["required"]
    becomes the gauge that replaced node_cpu_seconds_total (metric_absent watches it)."""
    out: dict[str, dict[str, Any]] = {}
    allowed = overridable()
    for signal, given in (raw.get("metrics") or {}).items():
        if signal not in allowed or not isinstance(given, dict) or not isinstance(given.get("metric"), str):
            continue  # the schema check reports it
        at: Path = (*path, "metrics", signal)
        sense = allowed[signal]["sense"]
        measures = str(given.get("measures", sense))
        by = [str(label) for label in given.get("by") or DEFAULT_BY]
        bad = [label for label in by if label in RESERVED_BY]
        if bad:
            b.problem((*at, "by"), f"'{bad[0]}' is set by the generated rules themselves; group by the gauge's labels, e.g. by: [instance]")
            continue
        if len(set(by)) != len(by):
            b.problem((*at, "by"), f"{by} names a label twice; list each once, e.g. by: [instance, mountpoint]")
            continue
        labels = [*by, "job"] if "job" not in by else by
        shown = [label for label in labels if label != "job"]
        worst_high = (catalog.signals(KIND)[signal].get("direction", "above") == "above") != (measures != sense)
        o = {
            "metric": given["metric"],
            "by": labels,
            "level": "_".join(shown),
            "sense": sense,
            "what": allowed[signal]["what"],
            "agg": "max" if worst_high else "min",
            "flip": measures != sense,
            "percent": given.get("unit") == "percent",
            "where": " ".join(f"{{{{ $labels.{label} }}}}" for label in shown),
            "extra": [label for label in shown if label != "instance"],
        }
        o["record"] = catalog.render(_template("record"), o=o)
        out[signal] = o
    if "cpu" in out:
        metrics["required"] = out["cpu"]["metric"]
    return out


def _template(key: str) -> Any:
    return catalog.kind(KIND)["override"][key]


def signal(name: str, base: dict[str, Any], o: Mapping[str, Any] | None) -> dict[str, Any]:
    """The catalog's signal record, its expression, labels, description, checks and test read from the gauge."""
    if o is None:
        return base
    return {**base, **{key: _template(key) for key in ("expr", "by", "description", "checks", "test")}}


def context(base: Mapping[str, Any], o: Mapping[str, Any] | None) -> dict[str, Any]:
    """The alert's template context: with `o`, and `o_key` (the test-series caches key on it: promtool_series)."""
    if o is None:
        return dict(base)
    return {**base, "o": o, "o_key": repr(sorted((k, repr(v)) for k, v in o.items()))}


def recordings(node: tuple[Recording, ...], found: Mapping[str, Mapping[str, Any]], ctx: Mapping[str, Any]) -> tuple[Recording, ...]:
    """node-exporter's recordings that a signal still reads, then one per overridden signal (one per record name)."""
    if not found:
        return node
    kept = [s["expr"] for name, s in catalog.signals(KIND).items() if name not in found]
    out = [r for r in node if any(r.record in expr for expr in kept)]
    for o in found.values():
        if all(r.record != o["record"] for r in out):
            expr = catalog.render(_template("record_expr"), **ctx, o=o)
            out.append(Recording(str(o["record"]), expr, (("service", str(ctx["service"])),)))
    return tuple(out)
