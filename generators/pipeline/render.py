"""The pipeline: spec -> model -> documents -> bytes -> scratch tree -> validators -> swap."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from generators.model.types import Model
from generators.outputs import grafana
from generators.outputs.alertmanager import alertmanager, alertmanager_templates  # kubernetes/ and prometheus/ha/ (Scaling out)
from generators.outputs.compose import compose
from generators.outputs.docs import runbooks, signal_docs
from generators.outputs.grafana import provisioning
from generators.outputs.kubernetes import kubernetes
from generators.outputs.prometheus import ha, prometheus_config, promtool_tests, report_rules, report_tests, rules, slo_rules, slo_tests
from generators.pipeline import parallel, spec, writer
from generators.spec import schema
from generators.validate import runner

Output = Callable[[Model], dict[str, Any]]


def _prometheus(model: Model) -> dict[str, Any]:
    return {"prometheus/prometheus.yml": prometheus_config.build(model)}


def _grafana_and_kubernetes(model: Model) -> dict[str, Any]:
    """grafana/ and kubernetes/: the dashboards are built once and handed to the ConfigMaps that wrap them,
    with the same rules, monitors and Alertmanager config, for prometheus-operator."""
    boards = grafana.dashboards(model)
    wrapped = kubernetes.build(
        model,
        alertmanager=alertmanager.config,
        alertmanager_templates=alertmanager_templates.files,
        dashboards=lambda _: boards,
        datasources=provisioning.datasources,
    )
    return {**grafana.build(model, boards), **wrapped}


# Every generator that contributes files: pure functions of the model.
OUTPUTS: list[Output] = [_prometheus, rules.build, promtool_tests.build, runbooks.build, signal_docs.build, alertmanager.build]
OUTPUTS += [_grafana_and_kubernetes, compose.build]  # grafana/, kubernetes/ (docs: scaling out), compose/
OUTPUTS += [slo_rules.build, slo_tests.build, ha.build]  # SLO rule groups and tests, prometheus/ha/
OUTPUTS += [report_rules.build, report_tests.build]  # scheduled reports: rule groups, tests, runbooks (docs/reports.md)


# For large specs the pipeline runs these in a forked child (parallel.both), the rest here: the dashboards
# and what wraps them are about half of a 1,000-service render, the promtool tests most of the other half; the
# runbooks go to the child so both take about as long (CPU seconds at 1,000 services: 3.1 there, 3.5 here).
FORKED: tuple[Output, ...] = (_grafana_and_kubernetes, alertmanager.build, compose.build, ha.build, runbooks.build)
FORK_FROM_SERVICES = 100  # below this a render takes well under a second: not worth a process


def _merge(files: dict[str, Any], more: Mapping[str, Any]) -> None:
    clash = set(files) & set(more)
    if clash:
        raise RuntimeError(f"two generators write {sorted(clash)}")
    files.update(more)


def _serialized(model: Model, outputs: list[Output]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for output in outputs:
        _merge(files, {path: writer.serialize(path, doc) for path, doc in output(model).items()})
    return files


def documents(model: Model) -> dict[str, bytes]:
    """Every output file's bytes, sorted by path, then the manifest."""
    if len(model.services) < FORK_FROM_SERVICES:
        return writer.with_manifest(_serialized(model, OUTPUTS))
    there, here = parallel.both(
        lambda: _serialized(model, [o for o in OUTPUTS if o in FORKED]),
        lambda: _serialized(model, [o for o in OUTPUTS if o not in FORKED]),
    )
    _merge(there, here)
    return writer.with_manifest(there)


class ValidationFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def validate_tree(root: Path, strict: bool, log: TextIO, full: bool = False) -> None:
    """Run every validator (validate.runner: both cores, passes kept by content); missing tools fail in strict
    mode and are reported otherwise."""
    problems = runner.run(root, strict, log, full)
    if problems:
        raise ValidationFailed(problems)


def render(
    spec_path: Path, out: Path, log: TextIO = sys.stderr, strict: bool = False, validate: bool = True, full: bool = True
) -> tuple[Model, dict[str, bytes]]:
    """Render, validate in a scratch folder, then swap in. Raises SpecError or ValidationFailed.

    full runs every validator check, as `check` does, the generated promtool unit tests included (custom
    alerts carry user-written test series that can fail): nothing is swapped in before all of it passed.
    """
    model, warnings = spec.load(spec_path)
    for warning in warnings:
        print(warning, file=log)
    files = documents(model)
    writer.previous(out)  # an unsafe manifest or a symlinked folder stops the render before anything is written
    writer.check_targets(out, files)
    same = writer.unchanged(out, files)
    tmp = writer.scratch(out)
    try:
        writer.stage(tmp, out, files, same, complete=validate)
        if validate:
            try:
                validate_tree(tmp, strict, log, full=full)
            except ValidationFailed as exc:
                raise ValidationFailed(located(model, exc.problems)) from None
        removed = writer.swap(tmp, out, files, same)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for rel in removed:
        print(f"removed stale {rel}", file=log)
    return model, files


def check(spec_path: Path, out: Path, log: TextIO = sys.stderr) -> list[str]:
    """Drift (a fresh render must change nothing) plus every validator on the committed tree."""
    model, _ = spec.load(spec_path)
    files = documents(model)
    problems = writer.drift(out, files)
    if schema.SCHEMA_FILE.read_text() != schema.text():
        problems.append(f"{schema.SCHEMA_FILE}: stale, the catalog changed (run make render)")
    try:
        validate_tree(out, strict=True, log=log, full=True)
    except ValidationFailed as exc:
        problems.extend(located(model, exc.problems))
    return problems


_NAME = re.compile(r"[\w./-]+")


def located(model: Model, problems: list[str]) -> list[str]:
    """Each problem a validator found in a generated file, after the spec line of every object that produced a
    file or alert it names (model.origins): `monitoring.yaml:42:3: services.api: produced what failed:`."""
    out = []
    for problem in problems:
        found = dict.fromkeys(model.origins[w] for w in _NAME.findall(problem) if w in model.origins)
        head = "".join(f"{origin}: produced what failed validation:\n" for origin in list(found)[:5])
        out.append(head + problem)
    return out
