"""The internal model: frozen, fully resolved (defaults applied, templates rendered, references checked).

Generators read only this, never the raw spec.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

# The scale-out dataclasses live in scaling_types.py; re-exported here (`X as X`), where the other modules import them
from generators.model.scaling_types import HighAvailability as HighAvailability
from generators.model.scaling_types import Kubernetes as Kubernetes
from generators.model.scaling_types import LongTermStore as LongTermStore
from generators.model.scaling_types import RemoteWrite as RemoteWrite
from generators.model.values import Threshold, format_duration, number


@dataclass(frozen=True)
class Tier:
    """One alerting rule: a severity, its threshold, and the PromQL it renders to."""

    severity: str
    threshold: Threshold
    expr: str
    labels: tuple[tuple[str, str], ...] = ()  # extra labels, e.g. escalation

    @property
    def for_(self) -> Decimal:
        return self.threshold.for_


@dataclass(frozen=True)
class Alert:
    """One signal of one service: one alert name with one or more severity tiers."""

    name: str
    service: str
    team: str
    kind: str
    signal: str
    unit: str
    direction: str
    has_value: bool
    tiers: tuple[Tier, ...]
    by: tuple[str, ...]
    summary: str
    description: str  # Go template, without the threshold sentence
    causes: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]
    notes: str
    job: str | None
    runbook_url: str
    dashboard_url: str
    test: Mapping[str, Any] | None
    test_context: Mapping[str, Any]
    warmup: Decimal
    spec_path: str
    path: tuple[str | int, ...] = ()  # where the spec defines it, for located messages after mapping
    panel: tuple[str, int] = ("", 0)  # (dashboard uid, panel id) of the panel that shows it; dashboard_url opens it
    value_expr: str | None = None  # the expression without its `<op> <threshold>`: what the alert compares

    @staticmethod
    def compared(tier: Tier) -> str | None:
        """A tier's expression without its trailing `<op> <threshold>` (None when it compares nothing)."""
        if tier.threshold.op is None or tier.threshold.value is None:
            return None
        tail = f" {tier.threshold.op} {number(tier.threshold.value)}"
        return tier.expr[: -len(tail)] if tier.expr.endswith(tail) else None

    def labels(self, tier: Tier) -> dict[str, str]:
        """Labels the rule sets (the expression may add more: see `by`)."""
        out = {"severity": tier.severity, "service": self.service, "team": self.team}
        out.update(tier.labels)
        return out


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ScrapeJob:
    name: str
    targets: tuple[str, ...]
    metrics_path: str = "/metrics"
    module: str | None = None  # blackbox module: targets are probed through the exporter
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Service:
    name: str
    kind: str
    team: str
    job: str | None
    metrics: Mapping[str, str]
    recordings: tuple[Recording, ...]
    alerts: tuple[Alert, ...]
    notes: str = ""
    limit: int | None = None
    path: tuple[str | int, ...] = ()  # where the spec defines it
    by: tuple[str, ...] = ()  # histogram and gauge services: the labels their series are kept per
    le: str = ""  # histogram services: the bucket boundary fraction_over counts above
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # hosts.metrics: signal -> o (host_metrics.py)


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    settings: Mapping[str, Any]
    send_resolved: bool


@dataclass(frozen=True)
class TimeInterval:
    name: str
    weekdays: str | None = None
    times: str | None = None
    days_of_month: str | None = None
    months: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Escalation:
    severity: str
    after: Decimal
    notify: tuple[str, ...]
    team: str | None = None

    @property
    def label(self) -> str:
        return f"after-{format_duration(self.after)}"


@dataclass(frozen=True)
class Routing:
    severities: Mapping[str, tuple[str, ...]]
    watchdog: str | None
    default: str | None
    group_by: tuple[str, ...]
    timings: Mapping[str, Mapping[str, str]]
    teams: Mapping[str, Mapping[str, Any]]
    escalations: tuple[Escalation, ...]
    business_hours: TimeInterval | None
    maintenance: tuple[TimeInterval, ...]


@dataclass(frozen=True)
class ReportLine:
    """One service's line of a report: the contents (catalog/reports.yaml keys) that apply to its kind."""

    service: str
    kind: str
    contents: tuple[str, ...]
    context: Mapping[str, Any]  # what the contents' PromQL templates read: job, service, m (metrics)


@dataclass(frozen=True)
class Report:
    """A scheduled digest (spec `reports:`): one always-firing alert, sent once per period inside its window."""

    name: str  # daily-errors: the `report` label, file and interval names
    alert: str  # DailyErrorsReport
    title: str
    channel: str
    every: Decimal  # seconds: 86400 or 604800
    window: TimeInterval  # when it may be sent (active_time_intervals)
    window_seconds: int  # the length of one window occurrence
    lines: tuple[ReportLine, ...]
    runbook_url: str
    dashboard_url: str
    path: tuple[str | int, ...] = ()

    @property
    def period(self) -> str:
        """The period it covers, as a PromQL range: 24h, 7d."""
        return "24h" if self.every == 86_400 else format_duration(self.every)

    @property
    def repeat_interval(self) -> str:
        """Shorter than the period by one window: sent at the first group_interval tick inside each window."""
        return format_duration(self.every - self.window_seconds)


@dataclass(frozen=True)
class Stack:
    scrape_interval: str = "15s"
    evaluation_interval: str = "15s"
    retention: str = "15d"
    alertmanager_snapshot_interval: str = "1m"  # --data.maintenance-interval: silences and notification log to disk
    external_labels: Mapping[str, str] = field(default_factory=dict)
    grafana_url: str = "http://localhost:3000"
    alertmanager_url: str = "http://localhost:9093"
    runbook_url: str = "docs/runbooks"
    team: str = "platform"


@dataclass(frozen=True)
class BurnTier:
    """One burn-rate alert of one SLO."""

    name: str  # page-1h
    kind: str  # page | ticket
    long: int  # seconds
    short: int
    budget_share: Fraction
    factor: Fraction  # budget_share x window / long
    severity: str
    for_: int  # seconds
    channels: tuple[str, ...] = ()

    @property
    def long_text(self) -> str:
        return format_duration(Decimal(self.long))

    @property
    def short_text(self) -> str:
        return format_duration(Decimal(self.short))

    @property
    def for_text(self) -> str:
        return format_duration(Decimal(self.for_))


@dataclass(frozen=True)
class SLO:
    name: str  # availability (key under slos:)
    id: str  # api-availability: the `slo` label
    service: str
    team: str
    sli: str  # availability | latency
    objective: Fraction
    objective_text: str  # as written: 99.5%
    window_days: int
    bad: str  # PromQL: bad events per second over 5m
    total: str  # PromQL: all events per second over 5m
    tiers: tuple[BurnTier, ...]  # enabled tiers, fastest first
    alert: str  # alert name (one per SLO; the tier label tells the tiers apart)
    runbook_url: str
    dashboard_url: str
    inputs: dict[str, str]  # what the generated tests need: job, metric names, labels, le
    path: tuple[str | int, ...] = ()  # where the spec defines it

    @property
    def budget(self) -> Fraction:
        return 1 - self.objective

    @property
    def window(self) -> int:
        return self.window_days * 86_400

    @property
    def window_text(self) -> str:
        return f"{self.window_days}d"

    def threshold(self, tier: BurnTier) -> Fraction:
        """The error ratio both windows must exceed: factor x budget."""
        return tier.factor * self.budget


@dataclass(frozen=True)
class Model:
    spec_file: str
    stack: Stack
    channels: Mapping[str, Channel]
    routing: Routing
    services: tuple[Service, ...]
    jobs: tuple[ScrapeJob, ...]
    slos: tuple[SLO, ...] = ()  # from services.<name>.slos (generators/slo_model.py)
    kubernetes: Kubernetes = field(default_factory=Kubernetes)
    remote_write: tuple[RemoteWrite, ...] = ()
    ha: HighAvailability = field(default_factory=HighAvailability)
    reports: tuple[Report, ...] = ()  # from reports: (generators/model/report_model.py)
    origins: Mapping[str, str] = field(default_factory=dict)  # generated file or alert -> its spec line (names.origins)
    long_term_store: LongTermStore | None = None

    @functools.cached_property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a for s in self.services for a in s.alerts)

    @functools.cached_property
    def watchdog_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.alerts if a.kind == "watchdog")

    @property
    def teams(self) -> frozenset[str]:
        return frozenset(s.team for s in self.services) | frozenset(a.team for a in self.alerts)
