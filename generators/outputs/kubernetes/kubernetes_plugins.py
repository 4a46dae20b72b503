"""Wrappers that plug other generators' documents into Kubernetes objects for kube-prometheus-stack.

Alertmanager: the whole alertmanager.yml goes into the Alertmanager config Secret (key alertmanager.yaml),
not into AlertmanagerConfig objects, because
  1. the bytes are the ones compose runs and amtool already validated (one routing tree, two wrappers);
  2. the operator adds a `namespace="<ns>"` matcher to every AlertmanagerConfig route, and the spec's alerts
     carry no namespace label (rules come from one PrometheusRule namespace, host/probe alerts from none), so
     those routes would silently match nothing;
  3. AlertmanagerConfig (v1alpha1) cannot hold the global section, the templates, or routes for other namespaces.
Credentials stay files: every `/run/secrets/<name>` path becomes `/etc/alertmanager/secrets/<credentials_secret>/<name>`,
the mount of `alertmanagerSpec.secrets: [<credentials_secret>]`; the Secret object is created by the operator of
the cluster, never rendered.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping
from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.pipeline import serialize

MANAGED_BY = {"app.kubernetes.io/managed-by": "monitoring-as-code"}
COMPOSE_SECRETS = conventions.SECRETS_DIR + "/"
AM_SECRETS = "/etc/alertmanager/secrets"
AM_CONFIG_DIR = "/etc/alertmanager/config"  # where the operator mounts the config Secret's keys
DASHBOARD_LABEL = "grafana_dashboard"
DATASOURCE_LABEL = "grafana_datasource"
FOLDER_ANNOTATION = "grafana_folder"


def metadata(model: Model, name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    k8s = model.kubernetes
    merged = {**MANAGED_BY, "release": k8s.release, **k8s.labels, **(labels or {})}
    return {"name": name, "namespace": k8s.namespace, "labels": dict(sorted(merged.items()))}


def _meta(model: Model, name: str, labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    out = metadata(model, name, labels)
    if annotations:
        out["annotations"] = dict(annotations)
    return out


def _rewrite(doc: Any, secret: str) -> Any:
    if isinstance(doc, Mapping):
        return {k: _rewrite(v, secret) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_rewrite(v, secret) for v in doc]
    if isinstance(doc, str) and doc.startswith(COMPOSE_SECRETS):
        return f"{AM_SECRETS}/{secret}/{doc.removeprefix(COMPOSE_SECRETS)}"
    return doc


def alertmanager_secret(model: Model, config: Mapping[str, Any], templates: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Alertmanager config Secret (`configSecret`): alertmanager.yaml plus its template files as keys."""
    k8s = model.kubernetes
    doc = _rewrite(config, k8s.credentials_secret)
    files = dict(templates or {})
    if "templates" in doc:
        doc["templates"] = [posixpath.join(AM_CONFIG_DIR, posixpath.basename(t)) for t in doc["templates"]]
    data = {"alertmanager.yaml": serialize.dump_yaml(doc), **{posixpath.basename(k): v for k, v in sorted(files.items())}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta(model, "alertmanager-monitoring"),
        "type": "Opaque",
        "stringData": data,
    }


def dashboard_configmaps(model: Model, dashboards: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One ConfigMap per dashboard JSON, labelled for the Grafana sidecar, folder from conventions.DASHBOARDS."""
    folders = {d.uid: d.folder for d in conventions.DASHBOARDS.values()}
    out = {}
    for dashboard in dashboards.values():
        uid = str(dashboard["uid"])
        name = f"grafana-dashboard-{uid}"
        out[f"kubernetes/grafana/dashboards/{uid}.yaml"] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(model, name, {DASHBOARD_LABEL: "1"}, {FOLDER_ANNOTATION: folders.get(uid, "General")}),
            "data": {f"{uid}.json": serialize.serialize(f"{uid}.json", dict(dashboard)).decode()},
        }
    return out


def datasource_configmap(model: Model, provisioning: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The compose datasource provisioning (same uids, so dashboards resolve) pointed at the operator's Services."""
    ns = model.kubernetes.namespace
    urls = {
        conventions.PROMETHEUS_DATASOURCE_UID: f"http://prometheus-operated.{ns}.svc:9090",
        conventions.ALERTMANAGER_DATASOURCE_UID: f"http://alertmanager-operated.{ns}.svc:9093",
    }
    doc: dict[str, Any] = (
        copy.deepcopy(dict(provisioning))
        if provisioning
        else {
            "apiVersion": 1,
            "datasources": [
                {
                    "name": "Prometheus",
                    "uid": conventions.PROMETHEUS_DATASOURCE_UID,
                    "type": "prometheus",
                    "access": "proxy",
                    "isDefault": True,
                },
                {
                    "name": "Alertmanager",
                    "uid": conventions.ALERTMANAGER_DATASOURCE_UID,
                    "type": "alertmanager",
                    "access": "proxy",
                    "jsonData": {"implementation": "prometheus"},
                },
            ],
        }
    )
    for source in doc["datasources"]:
        source["url"] = urls.get(source["uid"], source.get("url"))
        for key in ("basicAuth", "basicAuthUser", "secureJsonData"):  # the compose web config's login: the operator has none
            source.pop(key, None)
    return {
        "kubernetes/grafana/datasources.yaml": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(model, "grafana-datasources-monitoring", {DATASOURCE_LABEL: "1"}),
            "data": {"datasources.yaml": serialize.dump_yaml(doc)},
        }
    }


def grafana_values() -> dict[str, Any]:
    """kube-prometheus-stack values so the sidecar picks these ConfigMaps up and the chart's own datasource steps aside."""
    return {
        "sidecar": {
            "dashboards": {
                "enabled": True,
                "label": DASHBOARD_LABEL,
                "labelValue": "1",
                "folderAnnotation": FOLDER_ANNOTATION,
                "searchNamespace": "ALL",
                "provider": {"foldersFromFilesStructure": True},
            },
            "datasources": {"enabled": True, "label": DATASOURCE_LABEL, "labelValue": "1", "defaultDatasourceEnabled": False},
        }
    }
