"""grafana/provisioning/: the datasources every dashboard references and the file provider that loads them."""

from __future__ import annotations

from typing import Any

from generators.model import conventions
from generators.model.types import Model

# Both servers answer only with the web config's basic auth; Grafana reads the password from the compose secret
# when it provisions ($__file{}), so no password is written into the provisioning file.
LOGIN = {"basicAuth": True, "basicAuthUser": conventions.WEB_USER}
PASSWORD = {"basicAuthPassword": "$__file{" + conventions.secret_path(conventions.WEB_PASSWORD_SECRET) + "}"}


def store(model: Model) -> dict[str, Any] | None:
    """The long-term store's global view: a Prometheus-API datasource of its own uid. Every dashboard's datasource
    variable lists it, so any dashboard reads the deduplicated view of every replica (and its retention)."""
    lts = model.long_term_store
    if lts is None:
        return None
    out: dict[str, Any] = {
        "name": "Long-term store (global view)",
        "type": "prometheus",
        "uid": conventions.LONG_TERM_STORE,
        "access": "proxy",
        "url": lts.query_url,
        "isDefault": False,
        "editable": False,
        "jsonData": {"timeInterval": model.stack.scrape_interval, "httpMethod": "POST"},
    }
    if lts.headers:  # the tenant (Mimir X-Scope-OrgID, Thanos THANOS-TENANT) on queries too; not secrets
        names = list(lts.headers)
        out["jsonData"].update({f"httpHeaderName{i}": name for i, name in enumerate(names, 1)})
        out["secureJsonData"] = {f"httpHeaderValue{i}": lts.headers[name] for i, name in enumerate(names, 1)}
    return out


def datasources(model: Model) -> dict[str, Any]:
    """Prometheus (default), Alertmanager and the long-term store with the fixed uids the dashboards use; URLs inside
    the compose network."""
    extra = store(model)
    return {
        "apiVersion": 1,
        "deleteDatasources": [],
        "datasources": [
            {
                "name": "Prometheus",
                "type": "prometheus",
                "uid": conventions.PROMETHEUS_DATASOURCE_UID,
                "access": "proxy",
                "url": "http://prometheus:9090",
                "isDefault": True,
                "editable": False,
                **LOGIN,
                "jsonData": {"timeInterval": model.stack.scrape_interval, "httpMethod": "POST"},
                "secureJsonData": PASSWORD,
            },
            {
                "name": "Alertmanager",
                "type": "alertmanager",
                "uid": conventions.ALERTMANAGER_DATASOURCE_UID,
                "access": "proxy",
                "url": f"http://{conventions.ALERTMANAGER_ALIAS}:9093",  # every peer: compose network alias
                "isDefault": False,
                "editable": False,
                **LOGIN,
                "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False},
                "secureJsonData": PASSWORD,
            },
            *([extra] if extra else []),
        ],
    }


def dashboards() -> dict[str, Any]:
    """One file provider; folders mirror grafana/dashboards/<folder>/; the spec is the source of truth."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "monitoring-as-code",
                "orgId": 1,
                "type": "file",
                "disableDeletion": False,  # a dashboard removed from the spec disappears from Grafana
                "allowUiUpdates": False,  # UI edits cannot be saved: edit monitoring.yaml and re-render
                "updateIntervalSeconds": 30,
                "options": {"path": conventions.GRAFANA_DASHBOARDS_DIR, "foldersFromFilesStructure": True},
            }
        ],
    }


def build(model: Model) -> dict[str, Any]:
    return {
        "grafana/provisioning/datasources/datasources.yml": datasources(model),
        "grafana/provisioning/dashboards/dashboards.yml": dashboards(),
    }
