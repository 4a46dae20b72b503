"""Validators for kubernetes/ and prometheus/ha/: CRD schemas, DNS-1123 names, promtool on the rule groups.

Every PrometheusRule group equals its compose rule group byte for byte, and every compose group has a PrometheusRule.
"""

from __future__ import annotations

import collections
import functools
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generators.outputs.kubernetes.kubernetes_plugins import AM_CONFIG_DIR
from generators.pipeline import writer
from generators.validate import json_schema, tools

K8S_SCHEMA = Path(os.environ.get("K8S_SCHEMA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "k8s-schema")
CRD_FILES = {
    "PrometheusRule": "monitoring.coreos.com_prometheusrules.yaml",
    "ServiceMonitor": "monitoring.coreos.com_servicemonitors.yaml",
    "Probe": "monitoring.coreos.com_probes.yaml",
    "AlertmanagerConfig": "monitoring.coreos.com_alertmanagerconfigs.yaml",
}
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_NOT_OBJECTS = ("kustomization.yaml", "prometheus-values.yaml")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 30 s -> 1 s on 1,000 services' objects


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


class _CrdLoader(_LOADER):  # type: ignore[misc,valid-type]
    """SafeLoader that reads a bare `=` (YAML 1.1 'value' tag, in the alertmanagerconfigs enum) as a string."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


@functools.cache
def spec_schema(kind: str, schema_dir: Path | None = None) -> dict[str, Any]:
    """openAPIV3Schema.properties.spec of the CRD's served version for `kind` (K8S_SCHEMA unless given)."""
    schema_dir = schema_dir or K8S_SCHEMA
    path = schema_dir / CRD_FILES[kind]
    if not path.is_file():
        raise tools.SchemaMissing("prometheus-operator CRDs", schema_dir, "K8S_SCHEMA_DIR")
    crd = yaml.load(path.read_text(), Loader=_CrdLoader)
    version = next(v for v in crd["spec"]["versions"] if v.get("served", True))
    spec: dict[str, Any] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return spec


@functools.cache
def _crd_validator(kind: str, schema_dir: Path) -> json_schema.Validator:
    return json_schema.Validator(spec_schema(kind, schema_dir))


def dns1123(name: str) -> bool:
    return len(name) <= 253 and bool(_DNS_SUBDOMAIN.match(name))


def crd_problems(rel: str, obj: dict[str, Any]) -> list[str]:
    """The object's spec against its CRD's schema ([] for kinds without a CRD). Raises SchemaMissing."""
    kind = obj.get("kind", "")
    if kind not in CRD_FILES:
        return []
    return [
        f"{rel}: spec.{'.'.join(str(p) for p in path)}: {message} ({kind} CRD schema)"
        for path, message in _crd_validator(kind, K8S_SCHEMA).errors(obj.get("spec", {}))
    ]


def object_problems(rel: str, obj: dict[str, Any], schemas: bool = True) -> list[str]:
    """Name, kind and data keys; with schemas, the CRD schema too (crd_problems)."""
    problems = []
    name = str(obj.get("metadata", {}).get("name", ""))
    if not dns1123(name):
        problems.append(f"{rel}: metadata.name '{name}' is not a DNS-1123 subdomain (lower case letters, digits, '-', '.')")
    kind = obj.get("kind", "")
    if kind in CRD_FILES:
        problems += crd_problems(rel, obj) if schemas else []
    elif kind in ("ConfigMap", "Secret"):
        data = obj.get("data") or obj.get("stringData") or {}
        problems += [f"{rel}: data key '{k}' is not a valid ConfigMap/Secret key" for k in data if not _CONFIGMAP_KEY.match(k)]
    else:
        problems.append(f"{rel}: unexpected kind '{kind}'")
    return problems


def _compose_group(root: Path, name: str) -> str | None:
    path = root / "prometheus" / "rules" / f"{name}.rules.yml"
    return path.read_text().split("\n", 1)[1] if path.is_file() else None


def _without_prometheus_rule(root: Path, operator_groups: set[str], carried: set[str]) -> list[str]:
    """The other direction: every group of prometheus/rules/ must be carried by a PrometheusRule. A file in
    `carried` equals the dump of one PrometheusRule group byte for byte, so that group is all it holds
    (writer.dump_yaml round-trips, tests/pipeline/test_writer.py) and it is not parsed again."""
    problems = []
    for path in sorted((root / "prometheus" / "rules").glob("*.rules.yml")):
        if path.name in carried:
            continue
        for group in (_load(path.read_text()) or {}).get("groups", []):
            if str(group["name"]) not in operator_groups:
                problems.append(f"{path.relative_to(root)}: group '{group['name']}' has no PrometheusRule under kubernetes/")
    return problems


def _operator_rules(groups: list[dict[str, Any]], toolset: str) -> list[str]:
    """promtool check rules on PrometheusRule groups, as one file."""
    if not groups:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "operator.rules.yml").write_bytes(writer.serialize("x.yml", {"groups": groups}))
        result = tools.promtool(["check", "rules", "operator.rules.yml"], Path(tmp), toolset)
    return [] if result.ok else [f"promtool check rules (groups from PrometheusRule objects):\n{result.output}"]


def _objects(root: Path) -> list[tuple[str, dict[str, Any]]]:
    folder = root / "kubernetes"
    paths = sorted(p for p in folder.rglob("*.yaml") if p.name not in _NOT_OBJECTS) if folder.is_dir() else []
    return [(str(p.relative_to(root)), _load(p.read_text())) for p in paths]


def crd_schemas(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator: every prometheus-operator object's spec against its CRD schema (SchemaMissing without them)."""
    del full, toolset  # no promtool/amtool involved
    return [problem for rel, obj in _objects(root) for problem in crd_problems(rel, obj)]


def kubernetes(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator: names, kinds, keys, rule groups equal to the compose ones, promtool and amtool on what they wrap."""
    if not (root / "kubernetes").is_dir():
        return []
    objects = _objects(root)
    groups = [g for _, obj in objects if obj.get("kind") == "PrometheusRule" for g in obj["spec"]["groups"]]
    problems: list[str] = []
    carried: set[str] = set()
    for rel, obj in objects:
        problems += object_problems(rel, obj, schemas=False)  # crd_schemas, a validator of its own, does those
        if obj.get("kind") == "Secret" and "alertmanager.yaml" in obj.get("stringData", {}):
            problems += alertmanager_secret(rel, obj["stringData"], toolset)
        if obj.get("kind") != "PrometheusRule":
            continue
        for group in obj["spec"]["groups"]:
            name = group["name"]
            compose = _compose_group(root, name)
            if compose is None:
                problems.append(f"{rel}: group '{name}' has no compose rule file prometheus/rules/{name}.rules.yml")
            elif compose != writer.dump_yaml({"groups": [group]}):
                problems.append(f"{rel}: group '{name}' differs from prometheus/rules/{name}.rules.yml")
            elif (root / "prometheus" / "rules" / f"{name}.rules.yml").read_bytes().startswith(b"#"):
                carried.add(f"{name}.rules.yml")  # its first line, which the comparison skips, is a comment
    problems += _without_prometheus_rule(root, {str(g["name"]) for g in groups}, carried)
    problems += _operator_rules(_unchecked(root, groups, carried), toolset)
    return problems


def _unchecked(root: Path, groups: list[dict[str, Any]], carried: set[str]) -> list[dict[str, Any]]:
    """The groups promtool has not judged elsewhere. A carried group has the bytes of a rule file that the prometheus
    validator runs promtool on (check config loads prometheus/rules/, check rules takes the rest), so it counts as
    checked when prometheus.yml is there; a name two groups share goes to promtool too, which refuses it in one file."""
    names = collections.Counter(str(g["name"]) for g in groups)
    if not (root / "prometheus" / "prometheus.yml").is_file():
        return groups
    return [g for g in groups if f"{g['name']}.rules.yml" not in carried or names[str(g["name"])] > 1]


def alertmanager_secret(rel: str, data: dict[str, str], toolset: str = tools.STABLE) -> list[str]:
    """amtool check-config on the Secret's alertmanager.yaml, its templates read from the Secret's other keys."""
    config = _load(data["alertmanager.yaml"])
    missing = [t for t in config.get("templates", []) if not t.startswith(AM_CONFIG_DIR) or Path(t).name not in data]
    if missing:
        return [f"{rel}: templates {missing} are not keys of this Secret (mounted at {AM_CONFIG_DIR})"]
    with tempfile.TemporaryDirectory() as tmp:
        for key, text in data.items():
            (Path(tmp) / key).write_text(text.replace(f"{AM_CONFIG_DIR}/", "") if key == "alertmanager.yaml" else text)
        result = tools.run("amtool", ["check-config", "alertmanager.yaml"], Path(tmp), toolset=toolset)
    return [] if result.ok else [f"{rel}: amtool check-config:\n{result.output}"]


def ha(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    configs = sorted(str(p.relative_to(root)) for p in (root / "prometheus" / "ha").glob("*.yml"))
    if not configs:
        return []
    result = tools.promtool(["check", "config", *configs], root, toolset)
    return [] if result.ok else [f"promtool check config (HA replicas):\n{result.output}"]
