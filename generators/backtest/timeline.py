"""The PNG timeline: one row per alert tier that fired, firing spans coloured by severity; incidents in rows above."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display; must come before pyplot is imported
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from generators.backtest.common import SECOND
from generators.backtest.report import SEVERITY_ORDER, TierKey, show_tier, tier_key
from generators.backtest.run import Result

COLOURS = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4", "none": "#7f7f7f", "incident": "#9e9e9e"}
Span = tuple[str, int, int]  # (label, start ms, end ms)


def _x(ms: int) -> float:
    return float(mdates.date2num(datetime.fromtimestamp(ms / SECOND, UTC)))  # type: ignore[no-untyped-call]


def spans(result: Result) -> dict[TierKey, list[tuple[int, int]]]:
    """Firing spans per alert tier, rows in order of first firing."""
    out: dict[TierKey, list[tuple[int, int]]] = {}
    for rule, episodes in result.episodes.items():
        key = tier_key((*rule.labels, ("alertname", rule.name)))
        for ep in episodes:
            if ep.fired_at is not None:
                out.setdefault(key, []).append((ep.fired_at, ep.ended_at if ep.ended_at is not None else result.end_ms))
    return {k: sorted(out[k]) for k in sorted(out, key=lambda k: (min(s for s, _ in out[k]), k))}


def draw(result: Result, path: Path, incidents: Sequence[Span] = ()) -> int:
    """Write the PNG; returns the number of rows drawn (incidents included)."""
    firing = spans(result)
    rows: list[tuple[str, str, list[tuple[int, int]]]] = [(f"{k[0]} {show_tier(k)}", k[1], s) for k, s in reversed(firing.items())]
    rows += [(f"incident: {label}", "incident", [(start, end)]) for label, start, end in reversed(incidents)]
    pages = sorted({n.at for n in result.notifications if n.page})
    fig, ax = plt.subplots(figsize=(14, 1.6 + 0.28 * max(len(rows), 1)), dpi=100)
    try:
        for row, (_, kind, parts) in enumerate(rows):
            ax.broken_barh([(_x(s), _x(e) - _x(s)) for s, e in parts], (row - 0.3, 0.6), color=COLOURS.get(kind, COLOURS["none"]))
        if pages:
            ax.plot([_x(p) for p in pages], [-1.0] * len(pages), "v", color=COLOURS["critical"], markersize=5)
        ax.set_yticks(range(len(rows)), [label for label, _, _ in rows], fontsize=7)
        ax.set_ylim(-1.5, len(rows) - 0.4)
        ax.set_xlim(_x(result.start_ms), _x(result.end_ms))
        ax.xaxis_date(tz=UTC)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M", tz=UTC))  # type: ignore[no-untyped-call]
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_title(f"Backtest of {result.deployment.spec_path}: alerts firing (UTC); pages marked at the bottom", fontsize=9)
        kinds = {kind for _, kind, _ in rows}
        handles = [Patch(color=COLOURS[s], label=s) for s in (*SEVERITY_ORDER, "incident") if s in kinds]
        ax.legend(handles=handles, loc="lower right", fontsize=7, ncol=len(handles) or 1)
        fig.tight_layout()
        fig.savefig(path, metadata={"Software": None})  # no matplotlib version in the file
    finally:
        plt.close(fig)
    return len(rows)
