"""Names that cross modules must be injective: two spec objects never produce the same file, group or alert.

Each name is computed by the one function in conventions.py that the generators call too; here every name
of the model is claimed by the spec object it comes from, and a second claim is a spec error at the second
object's line that names the first object and its line. A collision would otherwise overwrite a rule file
(a service named `custom` and the `custom:` alerts), crash the writer (a service named like an SLO file),
or merge two services' alerts under one name (`api-v2` and `api_v2` both give ApiV2...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generators.errors import Problem
from generators.model import conventions
from generators.model.context import Context
from generators.model.types import SLO, Report, Routing, Service
from generators.spec.source import Path, dotted

Claim = tuple[str, str, Path]  # (what, name, spec path of the object that produces it)


def _service_claims(service: Service) -> Iterable[Claim]:
    if service.alerts or service.recordings:
        yield "rule file", f"prometheus/{conventions.rule_file(service.name)}", service.path
        yield "rule group", service.name, service.path
        yield "test file", f"prometheus/{conventions.test_file(service.name)}", service.path


def _slo_claims(slo: SLO) -> Iterable[Claim]:
    yield "rule file", f"prometheus/{conventions.slo_rule_file(slo.id)}", slo.path
    yield "rule group", conventions.slo_group(slo.id), slo.path
    for tier in slo.tiers:
        yield "test file", f"prometheus/{conventions.slo_test_file(slo.id, tier.name)}", slo.path
    yield "alert name", slo.alert, slo.path
    yield "panel id", str(conventions.panel_id(slo.id, conventions.SLO_ALERT_PANEL)), slo.path


def _report_claims(report: Report) -> Iterable[Claim]:
    yield "rule file", f"prometheus/{conventions.report_rule_file(report.name)}", report.path
    yield "rule group", conventions.report_group(report.name), report.path
    yield "test file", f"prometheus/{conventions.report_test_file(report.name)}", report.path
    yield "alert name", report.alert, report.path
    yield "route", f'{conventions.REPORT}="{report.name}"', report.path
    yield "time interval", report.window.name, report.path


def _interval_claims(routing: Routing | None) -> Iterable[Claim]:
    if routing is None:
        return
    yield "time interval", (routing.business_hours.name if routing.business_hours else "business-hours"), ("routing", "business_hours")
    for i, window in enumerate(routing.maintenance):
        yield "time interval", window.name, ("routing", "maintenance", i)


def check(ctx: Context, services: list[Service], slos: list[SLO], reports: Sequence[Report] = (), routing: Routing | None = None) -> None:
    """Report every collision of the names the model's objects produce (file:line:col of both)."""
    claimed: dict[tuple[str, str], Path] = {}
    prefixes: dict[str, Path] = {}
    clashing: set[str] = set()  # services whose alert prefix already clashed: their alerts are not listed again

    reported: set[tuple[Path, Path]] = set()  # one problem per pair of objects, for the first name they share

    def claim(what: str, name: str, path: Path, hint: str) -> None:
        first = claimed.setdefault((what, name), path)
        if first != path and (first, path) not in reported:
            reported.add((first, path))
            where = ctx.source.key_at(first)
            at = f" ({where})" if where else ""
            ctx.problems.append(
                Problem(ctx.source.key_at(path), dotted(path), f"{what} '{name}' is also produced by {dotted(first)}{at}; {hint}")
            )

    for service in services:
        if service.kind != "custom" and any(a.name.startswith(conventions.camel(service.name)) for a in service.alerts):
            prefix = conventions.camel(service.name)
            first = prefixes.setdefault(prefix, service.path)
            if first != service.path:
                clashing.add(service.name)
                where = ctx.source.key_at(first)
                ctx.problems.append(
                    Problem(
                        ctx.source.key_at(service.path),
                        dotted(service.path),
                        f"alert names start with '{prefix}', as those of {dotted(first)} ({where}) do: "
                        "service names that differ only in their '-' give the same alert names; rename one of them",
                    )
                )
        for what, name, path in _service_claims(service):
            claim(what, name, path, "rename the service" if service.kind != "custom" else "rename the service that clashes with it")
    for slo in slos:
        for what, name, path in _slo_claims(slo):
            claim(what, name, path, "rename the service or the SLO")
    for what, name, path in _interval_claims(routing):
        claim(what, name, path, "rename the maintenance window")
    for service in services:
        if service.name in clashing:
            continue
        for alert in service.alerts:
            claim("alert name", alert.name, alert.path, "rename the service or the custom alert")
            pid = conventions.panel_id(alert.service, alert.signal)
            claim("panel id", str(pid), alert.path, "rename the service (panel ids are hashes of service and signal)")
    for report in reports:  # last: a clash with a service's name is reported at the report
        for what, name, path in _report_claims(report):
            claim(what, name, path, "rename the report")


def origins(ctx: Context, services: Sequence[Service], slos: Sequence[SLO], reports: Sequence[Report] = ()) -> dict[str, str]:
    """Generated rule/test file and alert name -> `file:line:col: spec.path` of the object that produced it, from the
    same claims check() makes: a validator's verdict on a generated file points back to the spec line."""
    claims = [c for s in services for c in _service_claims(s)] + [c for s in slos for c in _slo_claims(s)]
    claims += [c for r in reports for c in _report_claims(r)]
    claims += [("alert name", a.name, a.path) for s in services for a in s.alerts]
    out: dict[str, str] = {}
    for what, name, path in claims:
        if what in ("rule file", "test file", "alert name"):
            out.setdefault(name, f"{ctx.source.key_at(path)}: {dotted(path)}")
    return out
