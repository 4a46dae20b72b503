"""The design, guarded: the import graph has no cycles (function-level and TYPE_CHECKING imports included),
each stage imports only the stages before it, outputs do no I/O, modules stay small, and no mapper swallows
an error. Run `python -m tests.test_architecture` to print the graph's cycles and layer breaches."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "generators"
MAX_LINES = 330  # "about 300 lines at most" (STYLE.md)

# Stage -> the stages it may import. Shared names and the catalog's data are importable by every stage.
BASE = {"errors", "catalog", "catalog.kinds", "model.conventions", "model.values", "model.types", "model.test_series", "pipeline.serialize"}
# The channel-type registry: the spec's schema and checks read its records; leaves (tests/test_channels.py).
BASE |= {"outputs.alertmanager.channels", "outputs.alertmanager.channel_type"}
ALLOWED = {
    "spec": {"spec"},
    "model": {"spec", "model"},
    "outputs": {"spec", "model", "outputs"},
    "validate": {"spec", "model", "outputs", "validate", "pipeline.writer"},
    "pipeline": {"spec", "model", "outputs", "validate", "pipeline"},
    "stack": {"spec", "model", "outputs", "validate", "pipeline", "stack"},
    "review": {"spec", "model", "outputs", "pipeline", "review"},  # python -m generators diff (docs/review.md)
}
# Modules of the outputs stage build documents from the model: they never start a process or touch a file
# (the writer writes; templates shipped with the package are read by the catalog-like loaders named here).
IMPURE = {"subprocess", "socket", "tempfile", "shutil"}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__")
        out[name] = path
    return out


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every import of a module, wherever it stands (module level, function, TYPE_CHECKING)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:  # `from generators.model import conventions` imports the submodule
                yield f"{node.module}.{alias.name}", node.lineno
                yield node.module, node.lineno  # the package itself, or the module a name comes from
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def graph() -> dict[str, set[str]]:
    mods = modules()
    out: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        found = {i[len("generators.") :] for i, _ in imports(path) if i.startswith("generators.")} & set(mods)
        # A package whose submodule is imported is not an edge of its own (the __init__s hold docstrings only).
        found -= {p for p in found if any(f.startswith(f"{p}.") for f in found)}
        out[name] = {t for t in found if t != name}
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def stage(module: str) -> str:
    return module.split(".")[0]


def breaches() -> list[str]:
    out = []
    for name, targets in sorted(graph().items()):
        allowed = ALLOWED.get(stage(name))
        if allowed is None:  # cli, __main__, errors, catalog: the entry and the shared base
            continue
        for target in sorted(targets):
            if target in BASE or any(target == a or target.startswith(f"{a}.") for a in allowed):
                continue
            out.append(f"generators.{name} imports generators.{target}")
    return out


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_function_level_imports_included() -> None:
    assert cycles(graph()) == []


def test_each_stage_imports_only_the_stages_before_it() -> None:
    assert breaches() == []


@pytest.mark.parametrize("name", [m for m in modules() if stage(m) == "outputs"])
def test_outputs_start_no_process_and_open_no_socket(name: str) -> None:
    used = {imported.split(".")[0] for imported, _ in imports(modules()[name])}
    assert used & IMPURE == set()


@pytest.mark.parametrize("name", [m for m in modules() if stage(m) == "outputs"])
def test_outputs_read_and_write_no_file(name: str) -> None:
    """Package data (catalog, templates) is read by generators.catalog; the writer writes."""
    calls = []
    for node in ast.walk(ast.parse(modules()[name].read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in {"open", "read_text", "read_bytes", "write_text", "write_bytes", "FileSystemLoader"}:
                calls.append(f"{called}() at line {node.lineno}")
    assert calls == []


def test_modules_stay_small() -> None:
    big = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert big == {}


def test_no_mapper_swallows_an_error() -> None:
    """`except ...: continue` (or pass) in the model once dropped a whole service without a word."""
    swallowed = []
    for name, path in modules().items():
        if stage(name) != "model":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and all(isinstance(s, (ast.Continue, ast.Pass)) for s in node.body):
                swallowed.append(f"{path.name}:{node.lineno}")
    assert swallowed == []


def test_tests_mirror_the_package_layout() -> None:
    """tests/<stage>/... holds the tests of generators/<stage>/...; data folders and cross-cutting tests aside."""
    tests = PACKAGE.parent / "tests"
    data = {"fixtures", "cases", "hostile", "products", "__pycache__"}
    folders = {p.relative_to(tests) for p in tests.rglob("*") if p.is_dir() and not data & set(p.relative_to(tests).parts)}
    assert {str(f) for f in folders if not (PACKAGE / f).is_dir()} == set()
    assert (tests / "outputs" / "prometheus").is_dir() and (tests / "model").is_dir()


if __name__ == "__main__":
    print("\n".join(" <-> ".join(c) for c in cycles(graph())) or "no cycles")
    print("\n".join(breaches()) or "no layer breaches")
    sys.exit(0)
