"""The hostile corpus (tests/hostile/*.yaml): specs written to break the generators, each refused at its line.

Every case is rendered through the CLI in-process, in --quick-validation mode (the test suite's and
`make render QUICK=1`'s), over the output of an earlier good render. Each must: exit 1; print no
traceback; print exactly the expected `file:line:col: path: message` lines naming the spec, then the
summary line; and leave the earlier render byte for byte as it was. A case marked `xfail: <reason>` is
still unhandled: it states only `expect_path`, the spec path its refusal must name, and is strict, so it
fails the suite the day it is fixed (then the mark goes and the exact message becomes its `expect`).

A case is good.yaml (tests/fixtures) with `replace: [[old, new], ...]` (each old text exactly once) or
`append: text`, or a whole `spec: text`; `link: text` makes the spec a symlink to a file holding that text
elsewhere; `generate: {business: N}` or `{pad: N}` appends N business entries or N bytes of comment, `{services: N}` adds N
services before good.yaml's;
`expand: {PLACEHOLDER: [char, count]}` writes long names without spelling them out.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators import cli

HERE = Path(__file__).parent
GOOD = (HERE / "fixtures" / "good.yaml").read_text()
CORPUS = sorted((HERE / "hostile").glob("*.yaml"))
_LOCATED = re.compile(r"^monitoring\.yaml:\d+:\d+: ")


def _cases() -> list[Any]:
    out = []
    for file in CORPUS:
        for case in yaml.safe_load(file.read_text()):
            marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
            out.append(pytest.param(case, id=f"{file.stem}: {case['name']}", marks=marks))
    return out


def spec_text(case: dict[str, Any]) -> str:
    if "spec" in case:
        return str(case["spec"])
    text = GOOD
    for old, new in case.get("replace", ()):
        assert text.count(old) == 1, f"anchor {old!r} must appear exactly once in good.yaml"
        text = text.replace(old, new)
    text += case.get("append", "")
    for placeholder, (char, count) in case.get("expand", {}).items():
        text = text.replace(placeholder, char * count)
    generate = case.get("generate", {})
    if "business" in generate:
        entry = (
            '  - {{name: b{0}, team: backend, job: api, metric: b{0}_total, thresholds: {{rate_per_minute: {{warning: "< 1 for 30m"}}}}}}\n'
        )
        text += "business:\n" + "".join(entry.format(i) for i in range(generate["business"]))
    if "services" in generate:
        entry = "  s{0}: {{team: backend, kind: redis, targets: ['s{0}:9121']}}\n"
        text = text.replace("services:\n", "services:\n" + "".join(entry.format(i) for i in range(generate["services"])), 1)
    if "pad" in generate:
        text += ("#" * 99 + "\n") * (generate["pad"] // 100 + 1)
    return text


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One good render that every case must leave untouched."""
    out = tmp_path_factory.mktemp("hostile") / "out"
    assert cli.main(["render", "--spec", str(HERE / "fixtures" / "good.yaml"), "--out", str(out), "--quick-validation"]) == cli.EXIT_OK
    return out, digest(out)


def test_the_corpus_is_large_and_covers_every_class() -> None:
    cases = [c.values[0] for c in _cases()]
    assert len(cases) >= 60
    assert {f.stem for f in CORPUS} == {"paths", "numbers", "templates", "unbounded", "ignored_keys", "promql"}
    assert all(c.get("expect") or ("xfail" in c and c.get("expect_path")) for c in cases), "every case states what it expects"


@pytest.mark.parametrize("case", _cases())
def test_hostile_spec_is_refused_at_its_line(
    case: dict[str, Any], previous: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rendered, before = previous
    out = tmp_path / "out"  # a copy each: an unhandled (xfail) case that renders must not change the next case's tree
    shutil.copytree(rendered, out)
    spec = tmp_path / "monitoring.yaml"
    if "link" in case:
        target = tmp_path / "elsewhere" / "not-a-spec"
        target.parent.mkdir()
        target.write_text(case["link"])
        spec.symlink_to(target)
    else:
        spec.write_bytes(spec_text(case).encode())
    code = cli.main(["render", "--spec", str(spec), "--out", str(out), "--quick-validation"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line.replace(str(spec), "monitoring.yaml") for line in err.splitlines() if ": warning: " not in line]
    if "expect_path" in case:  # an xfail case: the refusal must name this path (its wording comes with the fix)
        assert [line.split(": ")[1] for line in lines[:-1]] == [case["expect_path"]]
        assert lines[-1] == "1 problem(s) in monitoring.yaml; nothing was written"
        assert _LOCATED.match(lines[0])
    else:
        expected = list(case["expect"])
        assert lines == [*expected, f"{len(expected)} problem(s) in monitoring.yaml; nothing was written"]
        assert all(_LOCATED.match(line) for line in expected)
    assert code == cli.EXIT_SPEC
    assert digest(out) == before
