"""kubernetes/: prometheus-operator objects for kube-prometheus-stack, rendered from the same model as compose.

- PrometheusRule per service, carrying exactly the dict `rules.group()` renders for prometheus/rules/.
- ServiceMonitor per scrape job (job label forced to the spec's job name, so every rule selector still matches),
  Probe per blackbox job.
- Grafana datasource sidecar ConfigMap; dashboards and the Alertmanager config plug in through `build()`'s
  arguments (see kubernetes_plugins.py), so this module does not depend on those generators.
- prometheus-values.yaml: the Helm values snippet for the Prometheus and Alertmanager CRs (selectors, HA, remote_write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from generators.model import build_model, conventions, prom_compat
from generators.model.types import Model, ScrapeJob
from generators.outputs.kubernetes import kubernetes_plugins
from generators.outputs.kubernetes.kubernetes_plugins import metadata
from generators.outputs.prometheus import remote_write, report_rules, rules, slo_rules

API = "monitoring.coreos.com/v1"
FOLDER = "kubernetes"
# prometheus-operator's governing Services (prometheus-operated, alertmanager-operated): their labels, and the
# port name, which is the CR's portName (pinned in prometheus_values, the chart's default).
WEB_PORT = "http-web"
OPERATED = {
    conventions.PROMETHEUS_JOB: ({"operated-prometheus": "true"}, WEB_PORT),
    conventions.ALERTMANAGER_JOB: ({"operated-alertmanager": "true"}, WEB_PORT),
}

AlertmanagerSource = Callable[[Model], Mapping[str, Any]]  # alertmanager.yml as a dict
TemplateSource = Callable[[Model], Mapping[str, str]]  # template file name -> text
DashboardSource = Callable[[Model], Mapping[str, Mapping[str, Any]]]  # any key -> dashboard JSON dict
DatasourceSource = Callable[[Model], Mapping[str, Any]]  # Grafana datasource provisioning document


def prometheus_rules(model: Model) -> dict[str, dict[str, Any]]:
    """One PrometheusRule per rule group of prometheus/rules/: the per-service groups, the SLO and the report groups."""
    groups = [g for g in (rules.group(s) for s in model.services) if g["rules"]]
    groups += [slo_rules.group(slo) for slo in model.slos]
    groups += [report_rules.group(report) for report in model.reports]
    return {
        f"{FOLDER}/prometheusrules/{group['name']}.yaml": {
            "apiVersion": API,
            "kind": "PrometheusRule",
            "metadata": metadata(model, group["name"]),
            "spec": {"groups": [group]},
        }
        for group in groups
    }


def _service_monitor(model: Model, job: ScrapeJob) -> dict[str, Any]:
    k8s = model.kubernetes
    selector, port = OPERATED.get(job.name, ({k8s.service_label: job.name}, k8s.port))
    relabelings: list[dict[str, Any]] = [{"action": "replace", "targetLabel": "job", "replacement": job.name}]
    relabelings += [{"action": "replace", "targetLabel": k, "replacement": v} for k, v in job.labels]
    endpoint: dict[str, Any] = {
        "port": port,
        "path": job.metrics_path,
        "interval": model.stack.scrape_interval,
        "relabelings": relabelings,
    }
    if job.name == conventions.PUSHGATEWAY_JOB:
        endpoint["honorLabels"] = True  # pushed series keep their own job/instance labels
    return {
        "apiVersion": API,
        "kind": "ServiceMonitor",
        "metadata": metadata(model, job.name),
        "spec": {
            "selector": {"matchLabels": selector},
            "namespaceSelector": {"any": True},
            "endpoints": [endpoint],
        },
    }


def _probe(model: Model, job: ScrapeJob) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "Probe",
        "metadata": metadata(model, job.name),
        "spec": {
            "jobName": job.name,
            "interval": model.stack.scrape_interval,
            "module": job.module,
            "prober": {"url": model.kubernetes.prober, "path": "/probe"},
            "targets": {"staticConfig": {"static": list(job.targets)}},
        },
    }


def monitors(model: Model) -> dict[str, dict[str, Any]]:
    out = {}
    for job in model.jobs:
        if job.module is not None:
            out[f"{FOLDER}/probes/{job.name}.yaml"] = _probe(model, job)
        else:
            out[f"{FOLDER}/servicemonitors/{job.name}.yaml"] = _service_monitor(model, job)
    return out


def prometheus_values(model: Model, alertmanager_secret: str | None) -> dict[str, Any]:
    """Helm values for kube-prometheus-stack: the Prometheus CR fields this spec decides."""
    k8s, stack = model.kubernetes, model.stack
    spec: dict[str, Any] = {
        "scrapeInterval": stack.scrape_interval,
        "evaluationInterval": stack.evaluation_interval,
        "retention": stack.retention,
        "ruleSelector": {"matchLabels": {"release": k8s.release}},
        "serviceMonitorSelector": {"matchLabels": {"release": k8s.release}},
        "probeSelector": {"matchLabels": {"release": k8s.release}},
        "portName": WEB_PORT,
        "replicas": model.ha.replicas,
        "replicaExternalLabelName": model.ha.replica_label,
    }
    if stack.external_labels:
        spec["externalLabels"] = {k: prom_compat.external_label_value(v) for k, v in stack.external_labels.items()}
    if remote_write.endpoints(model):
        spec["remoteWrite"] = [remote_write.operator(rw, k8s.credentials_secret) for rw in remote_write.endpoints(model)]
    am_spec: dict[str, Any] = {"portName": WEB_PORT, "secrets": [k8s.credentials_secret]}
    if model.ha.replicas > 1:  # both Prometheus replicas send to one Alertmanager cluster, as many peers as compose runs
        am_spec["replicas"] = len(build_model.STACK_TARGETS[conventions.ALERTMANAGER_JOB])
    if alertmanager_secret:
        am_spec["useExistingSecret"] = True
        am_spec["configSecret"] = alertmanager_secret
    no_self_monitor = {"selfMonitor": False}  # servicemonitors/prometheus.yaml and alertmanager.yaml scrape them as job=<kind>
    return {
        "prometheus": {"prometheusSpec": spec, "serviceMonitor": no_self_monitor},
        "alertmanager": {"alertmanagerSpec": am_spec, "serviceMonitor": no_self_monitor},
        "grafana": kubernetes_plugins.grafana_values(),
    }


def build(
    model: Model,
    alertmanager: AlertmanagerSource | None = None,
    alertmanager_templates: TemplateSource | None = None,
    dashboards: DashboardSource | None = None,
    datasources: DatasourceSource | None = None,
) -> dict[str, Any]:
    """Every kubernetes/ file. The optional sources are the other generators' pure functions (render.py plugs them)."""
    out: dict[str, Any] = {**prometheus_rules(model), **monitors(model)}
    out.update(kubernetes_plugins.datasource_configmap(model, datasources(model) if datasources else None))
    secret_name = None
    if alertmanager is not None:
        templates = alertmanager_templates(model) if alertmanager_templates else None
        secret = kubernetes_plugins.alertmanager_secret(model, alertmanager(model), templates)
        secret_name = secret["metadata"]["name"]
        out[f"{FOLDER}/alertmanager/config-secret.yaml"] = secret
    if dashboards is not None:
        out.update(kubernetes_plugins.dashboard_configmaps(model, dashboards(model)))
    resources = sorted(path.removeprefix(f"{FOLDER}/") for path in out)
    out[f"{FOLDER}/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
    out[f"{FOLDER}/prometheus-values.yaml"] = prometheus_values(model, secret_name)
    return out
