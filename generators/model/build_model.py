"""Map a validated spec onto the model: apply defaults, parse thresholds, render PromQL, check references."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import jinja2

from generators import catalog
from generators.errors import Problem, SpecError
from generators.model import conventions, custom_alerts, names, report_model, routing_model, scaling_model, service_fields, slo_model
from generators.model import host_metrics as host_metrics  # hosts.metrics overrides
from generators.model.context import Context
from generators.model.types import Alert, Model, Recording, ScrapeJob, Service, Stack, Tier
from generators.model.values import ValueProblem, parse_duration, parse_threshold
from generators.spec.source import Path, Source, dotted

STACK_TARGETS = {
    conventions.PROMETHEUS_JOB: ("localhost:9090",),
    conventions.ALERTMANAGER_JOB: ("alertmanager-1:9093", "alertmanager-2:9093"),  # two clustered peers (compose)
    conventions.PUSHGATEWAY_JOB: ("pushgateway:9091",),
}
BLACKBOX_ADDRESS = "blackbox-exporter:9115"
_JOB_MATCHER = re.compile(r"""\bjob\s*(=~|=|!=|!~)\s*"([^"]*)\"""")


class Builder(Context):
    # -- stack -----------------------------------------------------------------------------
    def stack(self) -> Stack:
        raw = self.spec.get("stack") or {}
        base = ("stack",)
        return Stack(
            scrape_interval=self.duration((*base, "scrape_interval"), raw.get("scrape_interval"), "15s"),
            evaluation_interval=self.duration((*base, "evaluation_interval"), raw.get("evaluation_interval"), "15s"),
            retention=self.duration((*base, "retention"), raw.get("retention"), "15d"),
            alertmanager_snapshot_interval=self.duration(
                (*base, "alertmanager_snapshot_interval"), raw.get("alertmanager_snapshot_interval"), "1m"
            ),
            external_labels=dict(sorted((raw.get("external_labels") or {}).items())),
            grafana_url=raw.get("grafana_url", "http://localhost:3000"),
            alertmanager_url=raw.get("alertmanager_url", "http://localhost:9093"),
            runbook_url=raw.get("runbook_url", "docs/runbooks"),
            team=raw.get("team", "platform"),
        )

    # -- services --------------------------------------------------------------------------
    def add_job(self, path: Path, job: ScrapeJob) -> None:
        if job.name in self.jobs:
            self.problem(path, f"scrape job '{job.name}' is declared twice; give one of them another `job:` name")
            return
        self.jobs[job.name] = job

    def services(self, stack: Stack) -> list[Service]:
        out: list[Service] = []
        pending: list[tuple[Path, dict[str, Any], str, str]] = []  # (path, raw, name, kind)
        for key, kind in catalog.BLOCK_KINDS.items():
            raw = self.spec.get(key)
            if isinstance(raw, dict):
                info = catalog.kind(kind)
                name = info["service"]
                job = raw.get("job", info["job"])
                if kind == "probe":
                    self.add_job((key,), ScrapeJob(job, tuple(raw.get("targets", ())), "/probe", raw.get("module", "http_2xx")))
                else:
                    self.add_job((key,), ScrapeJob(job, tuple(raw.get("targets", ()))))
                pending.append(((key,), {**raw, "job": job, "team": raw.get("team", stack.team)}, name, kind))
        for name, raw in (self.spec.get("services") or {}).items():
            if not isinstance(raw, dict) or raw.get("kind") not in catalog.SERVICE_KINDS:
                continue
            path: Path = ("services", name)
            job = raw.get("job", name)
            if raw.get("targets"):
                self.add_job(path, ScrapeJob(job, tuple(raw["targets"]), raw.get("metrics_path", "/metrics")))
            pending.append((path, {**raw, "job": job}, name, raw["kind"]))
        for i, raw in enumerate(self.spec.get("business") or []):
            if isinstance(raw, dict) and "name" in raw:
                pending.append((("business", i), service_fields.business(raw), raw["name"], "business"))
        for job, targets in STACK_TARGETS.items():
            self.add_job(("stack",), ScrapeJob(job, targets))
        for kind in ("prometheus", "alertmanager"):
            pending.append((("defaults", kind), {"team": stack.team, "job": kind}, kind, kind))
        pending.append((("defaults", "target"), {"team": stack.team, "job": conventions.PUSHGATEWAY_JOB}, "pushgateway", "pushgateway"))
        pending.append((("stack",), {"team": stack.team}, catalog.kind("watchdog")["service"], "watchdog"))

        seen: dict[str, Path] = {}
        for path, raw, name, kind in pending:
            if name in seen:
                self.problem(path, f"service name '{name}' is already used at {dotted(seen[name])}; names must be unique")
                continue
            seen[name] = path
            job = raw.get("job")
            if job is not None and job not in self.jobs:
                known = ", ".join(sorted(self.jobs))
                self.problem(
                    (*path, "job"),
                    f"job '{job}' is not a scrape job of this spec (declared: {known}); "
                    "give this service `targets:` or name one of those jobs",
                )
                continue
            out.append(self.service(path, raw, name, kind, stack))
        return out

    def service(self, path: Path, raw: dict[str, Any], name: str, kind: str, stack: Stack) -> Service:
        info = catalog.kind(kind) if kind != "pushgateway" else {"metrics": {}}
        metrics, context = service_fields.fields(self, path, raw, name, kind)
        found = host_metrics.overrides(self, path, raw, metrics) if "override" in info else {}  # hosts.metrics.<signal>
        required, job = info.get("required"), raw.get("job")
        recordings = tuple(
            Recording(
                catalog.render(r["record"], **context),
                catalog.render(r["expr"], **context),
                (("service", name),),
            )
            for r in info.get("recording", ())
            if all(metrics.get(k) or context.get(k) for k in r.get("requires", ()))
        )
        recordings = host_metrics.recordings(recordings, found, context)
        alerts: list[Alert] = []
        signal_sets: list[tuple[str, str]] = []
        declared = (self.spec.get("services") or {}).get(name)  # one lookup: a scan of all services is quadratic
        own_job = (
            job is not None and declared is not None and declared.get("job", name) == job and bool(declared.get("targets"))
        ) or kind in ("host", "container", "probe", "prometheus", "alertmanager", "pushgateway")
        service_fields.own_targets_only(self, path, raw, kind, own_job)
        if own_job and kind != "probe":
            signal_sets += [("target", s) for s in ("target_down", "scrape_empty")]
        if required and job is not None:
            signal_sets.append(("target", "metric_absent"))
        signal_sets += [(kind, s) for s in catalog.signals(kind)] if kind in catalog.load() else []
        spec_thresholds = raw.get("thresholds") or {}
        defaults = self.spec.get("defaults") or {}
        for signal_kind, signal_name in signal_sets:
            o = found.get(signal_name) if signal_kind == kind else None
            signal = host_metrics.signal(signal_name, catalog.signals(signal_kind)[signal_name], o)
            tiers_raw: Any = signal.get("defaults")
            tiers_path: Path = path
            for layer_path, layer in (
                (("defaults", signal_kind), defaults.get(signal_kind) or {}),
                (("defaults", kind), defaults.get(kind) or {}) if kind != signal_kind else ((), {}),
                ((*path, "thresholds"), spec_thresholds),
            ):
                if signal_name in layer:
                    tiers_raw, tiers_path = layer[signal_name], (*layer_path, signal_name)
            if not tiers_raw:
                continue
            missing = [k for k in signal.get("requires", ()) if not metrics.get(k) and not context.get(k)]
            if missing:
                if tiers_path != path and not self.reported(path):
                    self.problem(
                        tiers_path, signal.get("needs") or f"this signal needs metrics.{missing[0]} (the metric name) on the service"
                    )
                continue
            alert = self.alert(tiers_path, tiers_raw, signal_kind, signal_name, signal, host_metrics.context(context, o), raw, stack, kind)
            if alert:
                alerts.append(alert)
        team, notes, by = raw.get("team", stack.team), raw.get("notes", ""), tuple(context["by"])
        return Service(name, kind, team, job, metrics, recordings, tuple(alerts), notes, raw.get("limit"), path, by, context["le"], found)

    def alert(
        self,
        path: Path,
        tiers_raw: Mapping[str, str],
        signal_kind: str,
        signal_name: str,
        signal: dict[str, Any],
        context: dict[str, Any],
        raw: dict[str, Any],
        stack: Stack,
        kind: str,
    ) -> Alert | None:
        service = context["service"]
        unit = catalog.signal_unit(signal)
        value = catalog.has_value(signal)
        direction = signal.get("direction", "above")
        ops = signal.get("ops") or ([">", ">="] if direction == "above" else ["<", "<="])
        tiers: list[Tier] = []
        for severity, text in tiers_raw.items():
            tier_path = (*path, severity)
            if severity == "none" and signal_kind != "watchdog":
                self.problem(tier_path, "severity 'none' is reserved for the Watchdog; use critical, warning or info")
                continue
            try:
                threshold = parse_threshold(text, unit, catalog.default_for(signal), value)
            except ValueProblem as exc:
                self.problem(tier_path, str(exc))
                continue
            if threshold.op is not None and threshold.op not in ops:
                self.problem(
                    tier_path,
                    f"'{threshold.op}' does not fit this signal (bad when {direction} the threshold); "
                    f'use {" or ".join(ops)}, e.g. "{ops[0]} {threshold.text}"',
                )
                continue
            expr = catalog.render(signal["expr"], **context, op=threshold.op or "", threshold=_number(threshold.value))
            tiers.append(Tier(severity, threshold, expr))
        if not tiers:
            return None
        sides = {"below" if t.threshold.op in ("<", "<=") else "above" for t in tiers if t.threshold.op}
        direction = sides.pop() if len(sides) == 1 else direction  # a signal with both sides: the side its tiers take
        self.check_order(path, tiers, direction)
        name = signal.get("name") or conventions.alert_name(service, signal["alert"])
        self.paths[dotted(path)] = path
        # target signals show on the dashboard of the service's kind (http's for a kind outside the catalog)
        board = (
            catalog.record(signal_kind).dashboard
            if signal_kind != "target"
            else (catalog.dashboard(kind) or catalog.record("http").dashboard)
        )
        return Alert(
            name=name,
            service=service,
            team=raw.get("team", stack.team),
            kind=kind,
            signal=signal_name,
            unit=unit,
            direction=direction,
            has_value=value,
            tiers=tuple(tiers),
            by=tuple(label for b in signal.get("by", ()) for label in catalog.render(b, **context).split(",") if label),
            summary=catalog.render(signal["summary"], **context),
            description=catalog.render(signal["description"], **context),
            causes=tuple(signal.get("causes", ())),
            checks=tuple((text, catalog.render(q, **context)) for text, q in signal.get("checks", ())),
            notes=raw.get("notes", ""),
            job=context["job"],
            runbook_url=conventions.runbook_url(stack.runbook_url, name),
            dashboard_url=conventions.dashboard_url(stack.grafana_url, board, service, signal_name),
            panel=conventions.panel(board, service, signal_name),
            value_expr=Alert.compared(tiers[0]),
            test=signal.get("test"),
            test_context=context,
            warmup=parse_duration(signal.get("warmup", "1m")),
            spec_path=dotted(path),
            path=path,
        )

    # -- whole spec ------------------------------------------------------------------------
    def check_selectors(self, services: list[Service]) -> None:
        for service in services:
            exprs = [(a.spec_path, t.expr) for a in service.alerts for t in a.tiers] + [("", r.expr) for r in service.recordings]
            for spec_path, expr in exprs:
                for op, job in _JOB_MATCHER.findall(expr):
                    if op == "=" and job not in self.jobs:
                        self.problems.append(
                            Problem(
                                self.locate(spec_path),
                                spec_path,
                                f'selector job="{job}" matches no scrape job of this spec '
                                f"(declared: {', '.join(sorted(self.jobs))}): the alert could never fire",
                            )
                        )

    def build(self) -> Model:
        stack = self.stack()
        services = self.services(stack)
        channels, routing = routing_model.build(self)
        custom = custom_alerts.build(self, stack, services)
        if custom is not None:
            services.append(custom)
        routing_model.escalate(self, routing, services)
        self.check_selectors(services)
        slos = slo_model.build(self, services)
        reports = report_model.build(self, self.spec.get("reports"), services, routing, stack)
        names.check(self, services, slos, reports, routing)
        kubernetes, remote_write, ha = scaling_model.build(self)
        return Model(
            self.source.file,
            stack,
            channels,
            routing,
            tuple(services),
            tuple(self.jobs.values()),
            tuple(slos),
            kubernetes=kubernetes,
            remote_write=remote_write,
            ha=ha,
            reports=reports,
            origins=names.origins(self, services, slos, reports),
            long_term_store=scaling_model.long_term_store(self),
        )


def _number(value: Decimal | None) -> str:
    from generators.model.values import number

    return "" if value is None else number(value)


Check = Callable[[Model], tuple[list[Problem], list[Problem]]]


def build(source: Source, check: Check | None = None) -> tuple[Model, list[Problem]]:
    """The model and the warnings; raises SpecError listing every problem found.

    `check` adds the problems only a real tool can find (the pipeline passes promtool's parse of custom
    expressions), so they are reported with the others, at their spec lines. A mapper that raises on a
    spec the schema accepted is a bug and is not caught here."""
    from generators.spec import schema_errors, secrets_check

    secret_problems = secrets_check.check(source)
    flagged = {p.path for p in secret_problems}
    structural = [p for p in schema_errors.check(source) if not any(p.path.startswith(f) for f in flagged)]
    builder = Builder(source)
    try:
        model = builder.build()
    except (TypeError, KeyError, AttributeError, ValueError, jinja2.TemplateError):  # ValueError: a value the schema check refused
        if not (structural or secret_problems):
            raise  # the schema accepted this spec: a mapper that cannot map it is a bug
        raise SpecError(secret_problems + structural) from None  # the mapper tripped over what the schema reported
    problems = secret_problems + structural + builder.problems
    warnings = builder.warnings
    if check is not None:
        found, warned = check(model)
        problems, warnings = problems + found, warnings + warned
    if problems:
        raise SpecError(problems)
    return model, warnings
