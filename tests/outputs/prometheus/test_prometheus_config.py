"""prometheus_config: the command-line flags the spec decides (`for` state kept across a restart)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from generators.model import build_model
from generators.model.types import Model
from generators.outputs.prometheus import prometheus_config
from generators.spec import source
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def example() -> Model:
    model, _ = build_model.build(source.load("monitoring.yaml", (ROOT / "monitoring.yaml").read_bytes()))
    return model


def with_fors(model: Model, fors: tuple[int, ...], slo_fors: tuple[int, ...] = ()) -> Model:
    """The model with one alert whose tiers have exactly these `for` seconds, and SLO tiers with slo_fors."""
    alert = model.alerts[0]
    tiers = tuple(
        dataclasses.replace(alert.tiers[0], threshold=dataclasses.replace(alert.tiers[0].threshold, for_=Decimal(f))) for f in fors
    )
    service = dataclasses.replace(model.services[0], alerts=(dataclasses.replace(alert, tiers=tiers),))
    slo = model.slos[0]
    slos = (dataclasses.replace(slo, tiers=tuple(dataclasses.replace(slo.tiers[0], for_=f) for f in slo_fors)),)
    return dataclasses.replace(model, services=(service,), slos=slos)


@pytest.mark.parametrize(
    ("fors", "slo_fors", "grace"),
    [
        pytest.param((30,), (), "30s", id="a 30s for sets a 30s grace period, so it is restored"),
        pytest.param((60, 45), (), "45s", id="the shortest for of all tiers counts"),
        pytest.param((120,), (90,), "1m30s", id="an SLO burn-rate tier's for counts too"),
        pytest.param((0, 120), (0,), "2m", id="a for of 0s has no pending state and does not count"),
        pytest.param((0,), (), "10m", id="without any for, Prometheus' default"),
        pytest.param((900, 3600), (), "10m", id="never above Prometheus' default of 10m"),
    ],
)
def test_the_grace_period_is_the_shortest_for(example: Model, fors: tuple[int, ...], slo_fors: tuple[int, ...], grace: str) -> None:
    assert prometheus_config.for_grace_period(with_fors(example, fors, slo_fors)) == grace


def test_the_example_restores_every_for_and_tolerates_an_hour_of_outage(example: Model) -> None:
    assert prometheus_config.server_flags(example) == ["--rules.alert.for-grace-period=1m", "--rules.alert.for-outage-tolerance=1h"]
