"""SLOs and scrape jobs of the two models: added, removed, changed (objective, window, burn tiers; targets)."""

from __future__ import annotations

from generators.model.types import SLO, BurnTier, Model, ScrapeJob
from generators.outputs.prometheus.slo_rules import num
from generators.review import text


def describe(slo: SLO) -> str:
    what = f"{text.code(slo.objective_text)} over {slo.window_text}, tiers {', '.join(t.name for t in slo.tiers)}"
    return f"(service {text.code(slo.service)}, {slo.sli}): {what}, alert {text.code(slo.alert)}"


def _tier_facts(slo: SLO, tier: BurnTier) -> dict[str, str]:
    return {
        "severity": tier.severity,
        "windows": f"{tier.long_text} / {tier.short_text}",
        "factor": num(tier.factor),
        "error ratio threshold": num(slo.threshold(tier)),
        "for": tier.for_text,
        "channels": ", ".join(tier.channels) or "-",
    }


def changes(old: SLO, new: SLO) -> list[str]:
    """'objective `99.5%` → `99.9%`', 'tier page-1h: error ratio threshold `0.072` → `0.0144`', 'tier ... disabled'."""
    out = []
    for name, was, now in (
        ("objective", old.objective_text, new.objective_text),
        ("window", old.window_text, new.window_text),
        ("SLI", old.sli, new.sli),
        ("team", old.team, new.team),
    ):
        if was != now:
            out.append(f"{name} {text.change(was, now)}")
    a, b = {t.name: t for t in old.tiers}, {t.name: t for t in new.tiers}
    for name in dict.fromkeys([*b, *a]):
        if name not in a or name not in b:
            out.append(f"tier {name} {'enabled' if name in b else 'disabled'}")
            continue
        x, y = _tier_facts(old, a[name]), _tier_facts(new, b[name])
        diffs = [f"{k} {text.change(x[k], y[k])}" for k in x if x[k] != y[k]]
        if diffs:
            out.append(f"tier {name}: {', '.join(diffs)}")
    return out


def compare(old: Model, new: Model) -> tuple[list[SLO], list[SLO], list[tuple[SLO, SLO]]]:
    """(added, removed, [(old, new) of SLOs both sides have])."""
    a, b = {s.id: s for s in old.slos}, {s.id: s for s in new.slos}
    return [b[i] for i in b if i not in a], [a[i] for i in a if i not in b], [(a[i], b[i]) for i in b if i in a]


def _job_facts(job: ScrapeJob) -> dict[str, str]:
    return {
        "metrics_path": job.metrics_path,
        "module": job.module or "-",
        "labels": ", ".join(f"{k}={v}" for k, v in job.labels) or "-",
    }


def jobs(old: Model, new: Model) -> list[str]:
    """Markdown lines: scrape jobs added, removed, and changed (targets gained and lost, path, module, labels)."""
    a, b = {j.name: j for j in old.jobs}, {j.name: j for j in new.jobs}
    out = [f"- added {text.code(n)}: {text.codes(b[n].targets)}" for n in b if n not in a]
    out += [f"- removed {text.code(n)} (was {text.codes(a[n].targets)})" for n in a if n not in b]
    for name in (n for n in b if n in a):
        x, y = a[name], b[name]
        parts = [f"targets added {text.codes(t for t in y.targets if t not in x.targets)}"] if set(y.targets) - set(x.targets) else []
        parts += [f"targets removed {text.codes(t for t in x.targets if t not in y.targets)}"] if set(x.targets) - set(y.targets) else []
        fx, fy = _job_facts(x), _job_facts(y)
        parts += [f"{k} {text.change(fx[k], fy[k])}" for k in fx if fx[k] != fy[k]]
        if parts:
            out.append(f"- {text.code(name)}: {'; '.join(parts)}")
    return out
