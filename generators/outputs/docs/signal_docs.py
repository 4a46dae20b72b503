"""docs/signals.md: the catalog as a reference table (threshold names per kind, units, defaults)."""

from __future__ import annotations

from generators import catalog
from generators.model import conventions
from generators.model.types import Model


def render() -> str:
    lines = [
        f"<!-- {conventions.GENERATED_HEADER} -->",
        "# Signal catalog",
        "",
        "Threshold names you can set per service under `thresholds:` (or for every service of a kind under",
        "`defaults.<kind>:`). Set a signal to `false` to disable it. Source: `generators/catalog/signals.yaml`.",
        "The scrape-target signals (the first table) are set per service under its `thresholds:` too, or for every",
        "target under `defaults.target:`; `target_down` and `scrape_empty` need the service's own `targets:`.",
        "",
    ]
    for record in catalog.records():  # each kind's docs_title, in catalog order
        kind, title = record.name, record.docs_title
        signals = catalog.signals(kind)
        if not signals:
            continue
        lines += [f"## {title}", "", "| threshold | alert | unit | default | meaning |", "|---|---|---|---|---|"]
        for name, signal in signals.items():
            unit = catalog.signal_unit(signal) if catalog.has_value(signal) else "none (write `for 5m`)"
            defaults = ", ".join(f'{sev}: "{text}"' for sev, text in (signal.get("defaults") or {}).items()) or "opt-in"
            summary = (
                signal["summary"]
                .replace("{{ service }}: ", "")
                .replace("{{ limit }}", "the limit")
                .replace("{{ m.required }}", "(the kind's main metric)")
                .replace("{{ m.histogram }}", "the histogram")
            )
            lines.append(f"| `{name}` | `<Service>{signal['alert']}` | {unit} | {defaults} | {summary} |")
        lines.append("")
        overridable = [f"`{name}`" for name, signal in signals.items() if "override" in signal]
        if overridable:
            lines += [
                f"{', '.join(overridable)} can read a gauge the targets export instead (`{record.declared}.metrics.<signal>: "
                "{metric, unit: percent | ratio, measures: used | free, by}`): see [spec.md](spec.md#hosts-with-an-apps-own-metrics).",
                "",
            ]
    return "\n".join(lines)


def build(model: Model) -> dict[str, str]:
    del model  # the catalog, not the spec, defines this page
    return {"docs/signals.md": render()}
