"""The backtest in a reviewer's terms: per alert and tier, per receiver, and old spec -> new spec (Markdown)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generators.backtest.common import Labels, show_duration, show_time
from generators.backtest.notify import Notification, flushes
from generators.backtest.run import Result

SEVERITY_ORDER = ("critical", "warning", "info", "none")
TierKey = tuple[str, str, str]  # (alertname, severity, tier or escalation label or "")


def tier_key(lset: Labels | Mapping[str, str]) -> TierKey:
    d = dict(lset)
    return (d.get("alertname", ""), d.get("severity", "none"), d.get("tier") or d.get("escalation") or "")


def show_tier(key: TierKey) -> str:
    return " ".join(p for p in key[1:] if p)


@dataclass
class TierStats:
    fired: int = 0
    firing_ms: int = 0
    longest_ms: int = 0
    notifications: Counter[str] = field(default_factory=Counter)
    pages: int = 0


def tier_stats(result: Result) -> dict[TierKey, TierStats]:
    stats: dict[TierKey, TierStats] = defaultdict(TierStats)
    for rule, episodes in result.episodes.items():
        key = tier_key((*rule.labels, ("alertname", rule.name)))
        one = stats[key]
        for ep in episodes:
            if ep.fired_at is None:
                continue
            length = (ep.ended_at if ep.ended_at is not None else result.end_ms) - ep.fired_at
            one.fired += 1
            one.firing_ms += length
            one.longest_ms = max(one.longest_ms, length)
    for note in flushes(result.notifications):
        for key in {tier_key(a) for a in (*note.firing, *note.resolved)}:
            stats[key].notifications[note.receiver] += 1
            stats[key].pages += note.page
    return dict(stats)


def receiver_label(config: Mapping[str, Any], name: str) -> str:
    """'warnings-slack (#alerts-warnings)': the receiver and where its notifications land."""
    for receiver in config.get("receivers") or ():
        if receiver["name"] == name:
            where = [str(c["channel"]) for c in receiver.get("slack_configs") or () if c.get("channel")]
            where += [str(c["to"]) for c in receiver.get("email_configs") or () if c.get("to")]
            where += ["PagerDuty" for _ in receiver.get("pagerduty_configs") or ()]
            where += ["Opsgenie" for _ in receiver.get("opsgenie_configs") or ()]
            where += ["webhook" for _ in receiver.get("webhook_configs") or ()]
            return f"{name} ({', '.join(where)})" if where else name
    return name


def per_receiver(notes: Iterable[Notification]) -> dict[str, tuple[int, int]]:
    """receiver -> (notifications, pages); a receiver with two integrations sends one notification per flush."""
    seen: dict[str, set[tuple[int, str, Labels]]] = defaultdict(set)
    pages: Counter[str] = Counter()
    for note in notes:
        seen[note.receiver].add((note.at, note.route, note.group))
        pages[note.receiver] += note.page
    return {r: (len(s), pages[r]) for r, s in sorted(seen.items())}


def _rate(count: float, days: float, per: float) -> str:
    return f"{count * per / days:.1f}" if days > 0 else "-"


def markdown(result: Result) -> str:
    dep, days = result.deployment, result.days
    lines = [
        f"## Backtest of {dep.spec_path}: {show_time(result.start_ms)} to {show_time(result.end_ms)} UTC "
        f"({show_duration(result.end_ms - result.start_ms)})",
        "",
        f"{len(dep.rules)} alert rules evaluated every {show_duration(dep.evaluation_interval_ms)} (recording rules inlined), "
        f"routed through the rendered Alertmanager tree.",
        "",
        "| receiver | notifications | per day | pages | pages per day |",
        "|---|---|---|---|---|",
    ]
    for receiver, (count, pages) in per_receiver(result.notifications).items():
        label = receiver_label(dep.alertmanager, receiver)
        lines.append(f"| {label} | {count} | {_rate(count, days, 1)} | {pages} | {_rate(pages, days, 1)} |")
    stats = tier_stats(result)
    shown = sorted(
        (k for k, s in stats.items() if s.fired or s.notifications),
        key=lambda k: (SEVERITY_ORDER.index(k[1]) if k[1] in SEVERITY_ORDER else 9, k),
    )
    lines += [
        "",
        "| alert | tier | fired | firing in total | longest | notifications per receiver | pages per day | pages per week |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in shown:
        s = stats[key]
        per = ", ".join(f"{r} {n}" for r, n in sorted(s.notifications.items())) or "-"
        lines.append(
            f"| {key[0]} | {show_tier(key)} | {s.fired} | {show_duration(s.firing_ms)} | {show_duration(s.longest_ms)} | {per} "
            f"| {_rate(s.pages, days, 1)} | {_rate(s.pages, days, 7)} |"
        )
    quiet = len({tier_key((*r.labels, ("alertname", r.name))) for r in dep.rules}) - len(shown)
    lines += ["", f"{quiet} other alert tiers never fired."]
    return "\n".join(lines) + "\n"


def _weekly(result: Result) -> dict[tuple[str, str], float]:
    """(receiver, severity) -> notifications per week; ('pages', '') -> pages per week."""
    out: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, int, str, Labels]] = set()
    for note in result.notifications:
        if (note.receiver, note.at, note.route, note.group) in seen:
            continue
        seen.add((note.receiver, note.at, note.route, note.group))
        severities = {dict(a).get("severity", "none") for a in (*note.firing, *note.resolved)}
        worst = min(severities, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 9)
        out[(note.receiver, worst)] += 1
    out[("pages", "")] = sum(n.page for n in result.notifications)
    return {k: v * 7 / result.days for k, v in out.items()}


def compare(old: Result, new: Result) -> str:
    """Both specs over the same window, side by side, and the one-line summary a pull request needs."""
    before, after = _weekly(old), _weekly(new)
    keys = sorted((set(before) | set(after)) - {("pages", "")})
    config = new.deployment.alertmanager
    changed = [k for k in keys if round(before.get(k, 0), 1) != round(after.get(k, 0), 1)]
    parts = [f"{before.get(k, 0):.0f} → {after.get(k, 0):.0f} {k[1]} notifications/week on {receiver_label(config, k[0])}" for k in changed]
    parts.append(f"{before.get(('pages', ''), 0):.0f} → {after.get(('pages', ''), 0):.0f} pages/week")
    lines = [
        f"## Backtest: {old.deployment.spec_path} → {new.deployment.spec_path}",
        "",
        f"This change: {'; '.join(parts)}.",
        "",
        "| receiver | severity | before (per week) | after (per week) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {receiver_label(config, r)} | {s} | {before.get((r, s), 0):.1f} | {after.get((r, s), 0):.1f} |" for r, s in keys]
    old_stats, new_stats = tier_stats(old), tier_stats(new)
    tiers = sorted(k for k in set(old_stats) | set(new_stats) if _line(old_stats.get(k)) != _line(new_stats.get(k)))
    if tiers:
        lines += ["", "| alert | tier | fired before | after | firing before | after |", "|---|---|---|---|---|---|"]
        for key in tiers:
            a, b = old_stats.get(key, TierStats()), new_stats.get(key, TierStats())
            lines.append(
                f"| {key[0]} | {show_tier(key)} | {a.fired} | {b.fired} | {show_duration(a.firing_ms)} | {show_duration(b.firing_ms)} |"
            )
    return "\n".join(lines) + "\n"


def _line(s: TierStats | None) -> tuple[int, int]:
    return (s.fired, s.firing_ms) if s else (0, 0)
