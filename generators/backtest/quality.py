"""Alert quality on the corpus: pages on benign traces, incidents detected, detection delay against its bound.

A notification with firing alerts (the Watchdog's left out) is a true positive when every firing alert in
it belongs to an incident in progress (its `related` alertnames, from onset to end + GRACE, the time a
resolving alert still takes to be sent); any other is a false positive, a page when it reached a pager.
An incident is detected when a notification carrying its `detect` labels arrives after its onset; the bound
is what the data and the spec allow: the time until the condition holds in the samples (`fill`), one
scrape for the sample to land, one evaluation interval, the rule's `for` and the route's group_wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generators.backtest.common import HOUR, show_duration, show_time
from generators.backtest.corpus import Incident
from generators.backtest.notify import Notification, flushes
from generators.backtest.routing import parse_route
from generators.backtest.run import Result

GRACE = 1 * HOUR
WATCHDOG = "Watchdog"


@dataclass(frozen=True)
class Detection:
    incident: Incident
    first_ms: int | None  # first notification carrying the detect labels
    bound: dict[str, int]  # term -> ms

    @property
    def delay_ms(self) -> int | None:
        return None if self.first_ms is None else self.first_ms - self.incident.onset_ms

    @property
    def bound_ms(self) -> int:
        return sum(self.bound.values())

    @property
    def within(self) -> bool:
        return self.delay_ms is not None and self.delay_ms <= self.bound_ms


@dataclass(frozen=True)
class Quality:
    detections: tuple[Detection, ...]
    true: tuple[Notification, ...]
    false: tuple[Notification, ...]

    @property
    def precision(self) -> float:
        total = len(self.true) + len(self.false)
        return len(self.true) / total if total else 1.0

    @property
    def recall(self) -> float:
        return sum(d.within for d in self.detections) / len(self.detections) if self.detections else 1.0

    @property
    def false_pages(self) -> int:
        return sum(n.page for n in self.false)


def _explained(note: Notification, incidents: Sequence[Incident]) -> bool:
    for alert in note.firing:
        name = dict(alert)["alertname"]
        if not any(i.onset_ms <= note.at <= i.end_ms + GRACE and name in i.related for i in incidents):
            return False
    return True


def _bound(result: Result, incident: Incident) -> dict[str, int]:
    dep = result.deployment
    wanted = dict(incident.detect)
    rules = [r for r in dep.rules if all(dict((*r.labels, ("alertname", r.name))).get(k) == v for k, v in wanted.items())]
    rule = min(rules, key=lambda r: r.for_ms)
    labels = {**dict(dep.external_labels), **dict(rule.labels), "alertname": rule.name}
    group_wait = min(route.group_wait for route in parse_route(dep.alertmanager["route"]).match(labels))
    return {
        f"fill ({incident.fill_why})": incident.fill_ms,
        "scrape": dep.scrape_interval_ms,
        "evaluation": rule.interval_ms,
        "for": rule.for_ms,
        "group_wait": group_wait,
    }


def score(result: Result, incidents: Sequence[Incident]) -> Quality:
    notes = [n for n in flushes(result.notifications) if n.firing and any(dict(a)["alertname"] != WATCHDOG for a in n.firing)]
    true = tuple(n for n in notes if _explained(n, incidents))
    false = tuple(n for n in notes if not _explained(n, incidents))
    detections = []
    for incident in incidents:
        wanted = set(incident.detect)
        hits = [n.at for n in notes if n.at >= incident.onset_ms and any(wanted <= set(a) for a in n.firing)]
        detections.append(Detection(incident, min(hits) if hits else None, _bound(result, incident)))
    return Quality(tuple(detections), true, false)


def markdown(quality: Quality) -> str:
    pages = sum(n.page for n in (*quality.true, *quality.false))
    lines = [
        "## Alert quality on the corpus",
        "",
        f"- precision {quality.precision:.0%}: {len(quality.true)} of {len(quality.true) + len(quality.false)} notifications "
        f"(Watchdog left out) belong to an incident; {quality.false_pages} of {pages} pages came from benign traces",
        f"- recall {quality.recall:.0%}: {sum(d.within for d in quality.detections)} of {len(quality.detections)} incidents "
        "detected within their bound",
        "",
        "| incident | onset | detected by | delay | bound | bound terms |",
        "|---|---|---|---|---|---|",
    ]
    for d in quality.detections:
        detect = ", ".join(f"{k}={v}" for k, v in d.incident.detect)
        delay = "not detected" if d.delay_ms is None else show_duration(d.delay_ms) + ("" if d.within else " (late)")
        terms = " + ".join(f"{k} {show_duration(v)}" for k, v in d.bound.items())
        lines.append(
            f"| {d.incident.name} | {show_time(d.incident.onset_ms)} | {detect} | {delay} | {show_duration(d.bound_ms)} | {terms} |"
        )
    if quality.false:
        lines += ["", "Notifications outside every incident:", ""]
        for n in quality.false:
            lines.append(f"- {show_time(n.at)} {n.receiver} {n.integration}: {', '.join(n.alertnames)}" + (" (page)" if n.page else ""))
    return "\n".join(lines) + "\n"
