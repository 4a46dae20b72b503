"""route_classes: the route tests one amtool run answers for, and the proof that amtool answers each test alike.

The proof runs amtool on every route test of the Alertmanager fixture (every channel type, a `continue` route, an
escalation) and of route trees changed so that some tests fail, and compares each test's own verdict with the verdict
of the test that stands for its class.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.outputs.alertmanager import alertmanager
from generators.pipeline import render, spec, writer
from generators.validate import alertmanager_check, route_classes
from tests.conftest import ROOT, require_tool

FIXTURE = ROOT / "tests" / "cases" / "alertmanager" / "spec.yaml"
Change = Callable[[dict[str, Any]], None]
ROUTE = {
    "receiver": "r",
    "routes": [{"matchers": ['severity="critical"'], "receiver": "p"}, {"matchers": ['team=~"ba.*"'], "receiver": "t"}],
}
CLASSES_READ = route_classes.read_labels(ROUTE)


def test_the_labels_the_tree_reads_and_how() -> None:
    assert {"severity": {"critical"}, "team": None} == CLASSES_READ


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"alertname": "A", "severity": "critical", "team": "db"}, ("class", (("severity", "critical"), ("team", "db")), ("p",))),
        ({"alertname": "B", "severity": "warning", "team": "db"}, ("class", (("severity", route_classes.OTHER), ("team", "db")), ("p",))),
        ({"alertname": "C", "severity": "info", "team": "db"}, ("class", (("severity", route_classes.OTHER), ("team", "db")), ("p",))),
        ({"alertname": "D", "severity": "info"}, ("class", (("severity", route_classes.OTHER), ("team", None)), ("p",))),
        ({"alertname": "E,team=x", "severity": "info"}, ("exact", (("alertname", "E,team=x"), ("severity", "info")), ("p",))),
    ],
    ids=[
        "a value an equality matcher names is its own class",
        "a value no equality matcher names joins the others",
        "so do all such values, whatever the unread labels",
        "a missing label is kept apart",
        "a label amtool's command line could split is kept whole",
    ],
)
def test_the_class_of_a_test(labels: dict[str, str], expected: tuple[Any, ...]) -> None:
    assert route_classes.key(CLASSES_READ, {"labels": labels, "receivers": ["p"]}) == expected


@pytest.mark.parametrize(
    "matcher",
    ["severity=critical", 'severity="critical",team="db"', '{severity="critical"}', 'severity="crit\\"ical"'],
    ids=["an unquoted value", "two matchers in one string", "braces", "an escaped quote"],
)
def test_a_matcher_it_does_not_parse_gives_every_test_its_own_class(matcher: str) -> None:
    route = {"receiver": "r", "routes": [{"matchers": [matcher], "receiver": "p"}]}
    assert route_classes.read_labels(route) is None
    assert route_classes.key(None, {"labels": {"b": "2", "a": "1"}, "receivers": ["p"]}) == ("exact", (("a", "1"), ("b", "2")), ("p",))


def test_match_and_match_re_maps_are_not_parsed() -> None:
    assert route_classes.read_labels({"receiver": "r", "routes": [{"match": {"severity": "critical"}, "receiver": "p"}]}) is None


# -- the proof, with amtool -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("routes")
    writer.write_tree(root, {k: v for k, v in render.documents(spec.load(FIXTURE)[0]).items() if k.startswith("alertmanager/")})
    return root


def _unchanged(route: dict[str, Any]) -> None:
    pass


def _regex_team_route_first(route: dict[str, Any]) -> None:
    route["routes"].insert(1, {"matchers": ['team=~"back.*"'], "receiver": "warnings"})


def _one_alert_routed_apart(route: dict[str, Any]) -> None:
    route["routes"].insert(0, {"matchers": ['alertname="DbSlowQueries"'], "receiver": "digest"})


def _warnings_to_the_digest(route: dict[str, Any]) -> None:
    next(r for r in route["routes"] if r.get("matchers") == ['severity="warning"'])["receiver"] = "digest"


def _critical_continues_to_warnings(route: dict[str, Any]) -> None:
    route["routes"].insert(1, {"matchers": ['severity!="critical"', 'team!="backend"'], "receiver": "warnings", "continue": True})


CHANGES = [_unchanged, _regex_team_route_first, _one_alert_routed_apart, _warnings_to_the_digest, _critical_continues_to_warnings]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_").replace("_", " ") for c in CHANGES])
def test_amtool_answers_every_test_of_a_class_as_it_answers_the_first(tree: Path, tmp_path: Path, change: Change) -> None:
    require_tool("amtool")
    writer.write_tree(tmp_path, {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*") if p.is_file()})
    config = yaml.safe_load((tmp_path / alertmanager.CONFIG).read_text())
    config["route"] = copy.deepcopy(config["route"])
    change(config["route"])
    (tmp_path / alertmanager.CONFIG).write_text(writer.dump_yaml(config))
    tests = yaml.safe_load((tmp_path / alertmanager.ROUTE_TESTS).read_text())["tests"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        passes = list(pool.map(lambda t: alertmanager_check.route_test(tmp_path, t) is None, tests))
    groups = route_classes.classes(config, tests)
    assert len(groups) < len(tests) / 3  # the classes save most amtool runs
    assert {i: passes[members[0]] for members in groups.values() for i in members} == dict(enumerate(passes))
    if change is not _unchanged:
        assert not all(passes), "the change must make some route tests fail, or the proof proves nothing about failures"
