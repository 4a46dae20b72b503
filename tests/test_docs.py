"""The docs a newcomer reads: README.md stays short, every relative link in README.md and docs/*.md resolves
(file and #anchor), and every repository path they name (generators/..., tests/..., generators.x.y modules)
exists, so a file moved or renamed in the code shows up here instead of as a dead reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_LIMIT = 20_480  # bytes
# Pages other branches add. A link to one of them is accepted while the file does not exist; once it exists it
# is checked like any other link (its anchors included) and its own links and paths are checked too.
PENDING = frozenset({"docs/versions.md", "docs/backtest.md", "docs/review.md"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# A repository path: generators/... or tests/..., not preceded by a path or URL character.
_PATH = re.compile(r"(?<![\w./@$-])((?:generators|tests)/[\w./*-]*)")
_MODULE = re.compile(r"(?<![\w./-])(generators(?:\.[a-z_][a-z0-9_]*)+)")


def pages(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _blank(match: re.Match[str]) -> str:
    """The matched text with every character but newlines turned into a space: offsets and lines stay."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose(text: str) -> str:
    """The text with fenced code blocks and code spans blanked out: links there are not links."""
    return _CODE_SPAN.sub(_blank, _FENCE.sub(_blank, text))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lowercased, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading anchors on its text
    text = re.sub(r"<[^>]+>", "", text).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    for match in _HEADING.finditer(_FENCE.sub(_blank, text)):
        base = slug(match.group(1))
        name, n = base, 0
        while name in found:  # GitHub numbers repeated headings: name, name-1, name-2, ...
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def link_problems(root: Path, page: Path) -> list[str]:
    """Every relative link of one page whose file or #anchor does not exist."""
    text = page.read_text(encoding="utf-8")
    masked = prose(text)
    name = _rel(root, page)
    problems = []
    links = [*_INLINE_LINK.finditer(masked), *_REFERENCE_LINK.finditer(masked)]
    for match in sorted(links, key=lambda m: m.start()):
        target = match.group(1)
        if _SCHEME.match(target) or target.startswith("//"):
            continue  # another site: not ours to check offline
        where = f"{name}:{_line(text, match.start(1))}"
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.is_relative_to(root):
            problems.append(f"{where}: link {target} leaves the repository")
            continue
        if not dest.exists():
            if _rel(root, dest) not in PENDING:
                problems.append(f"{where}: link {target}: {_rel(root, dest)} does not exist")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text(encoding="utf-8")):
            problems.append(f"{where}: link {target}: {_rel(root, dest)} has no heading with the anchor #{anchor}")
    return problems


def path_problems(root: Path, page: Path) -> list[str]:
    """Every generators/... or tests/... path and generators.x.y module a page names that does not exist."""
    text = page.read_text(encoding="utf-8")
    name = _rel(root, page)
    problems = []
    for match in _PATH.finditer(text):
        path = match.group(1).rstrip(".,")
        where = f"{name}:{_line(text, match.start(1))}"
        if "*" in path:
            if not any(root.glob(path.rstrip("/"))):
                problems.append(f"{where}: {path} matches no file")
        elif not (root / path).exists():
            problems.append(f"{where}: {path} does not exist")
    for match in _MODULE.finditer(text):
        module = match.group(1).rstrip(".")
        base = root / module.replace(".", "/")
        if not (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()):
            problems.append(f"{name}:{_line(text, match.start(1))}: module {module} does not exist")
    return problems


def size_problem(readme: Path) -> str | None:
    size = readme.stat().st_size
    if size > README_LIMIT:
        return f"{readme.name} is {size:,} bytes, over the {README_LIMIT:,}-byte limit: move detail into docs/"
    return None


# -- the repository's own docs --------------------------------------------------------------------------


def test_the_readme_fits_in_20_kib() -> None:
    assert size_problem(ROOT / "README.md") is None


def test_every_relative_link_of_the_readme_and_docs_resolves() -> None:
    assert [p for page in pages(ROOT) for p in link_problems(ROOT, page)] == []


def test_every_repository_path_the_readme_and_docs_name_exists() -> None:
    assert [p for page in pages(ROOT) for p in path_problems(ROOT, page)] == []


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {m.group(1).partition("#")[0] for m in _INLINE_LINK.finditer(prose((ROOT / "README.md").read_text()))}
    assert sorted(_rel(ROOT, p) for p in pages(ROOT)[1:] if _rel(ROOT, p) not in linked) == []
    assert sorted(PENDING - linked) == []


# -- the checks themselves ------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "generators" / "stack").mkdir(parents=True)
    (tmp_path / "generators" / "stack" / "__init__.py").write_text("")
    (tmp_path / "generators" / "stack" / "sinks.py").write_text("")
    (tmp_path / "docs" / "routing.md").write_text(
        "# Routing\n\n## Exit codes of `python -m generators render|check`\n\n## Secrets\n\n## Secrets\n\n```\n# not a heading\n```\n"
    )
    return tmp_path


def _page(repo: Path, text: str) -> Path:
    page = repo / "docs" / "page.md"
    page.write_text(text)
    return page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See [routing](routing.md).\n", []),
        ("See [routing](routing.md#secrets) and [again](routing.md#secrets-1).\n", []),
        ("See [codes](routing.md#exit-codes-of-python--m-generators-rendercheck).\n", []),
        ("Line one.\nSee [stack](stack.md).\n", ["docs/page.md:2: link stack.md: docs/stack.md does not exist"]),
        ("[up](../README.md)\n", ["docs/page.md:1: link ../README.md: README.md does not exist"]),
        ("[out](../../elsewhere.md)\n", ["docs/page.md:1: link ../../elsewhere.md leaves the repository"]),
        (
            "[x](routing.md#secrets-2)\n",
            ["docs/page.md:1: link routing.md#secrets-2: docs/routing.md has no heading with the anchor #secrets-2"],
        ),
        (
            "[x](routing.md#not-a-heading)\n",
            ["docs/page.md:1: link routing.md#not-a-heading: docs/routing.md has no heading with the anchor #not-a-heading"],
        ),
        ("# Top\n\n[here](#top) [there](#bottom)\n", ["docs/page.md:3: link #bottom: docs/page.md has no heading with the anchor #bottom"]),
        ("[ref]: gone.md\n", ["docs/page.md:1: link gone.md: docs/gone.md does not exist"]),
        ("![diagram](pipeline.png)\n", ["docs/page.md:1: link pipeline.png: docs/pipeline.png does not exist"]),
        ("```\n[not a link](gone.md)\n```\nand `[code](gone.md)` too\n", []),
        ("[site](https://prometheus.io/docs/) [mail](mailto:sre@example.com)\n", []),
        ("[versions](versions.md) [backtest](backtest.md#usage) [review](review.md)\n", []),
    ],
    ids=[
        "a link to an existing page passes",
        "anchors of repeated headings are numbered",
        "backticks and pipes drop out of an anchor",
        "a link to a missing page fails with its line",
        "a link up to a missing README fails",
        "a link out of the repository fails",
        "a numbered anchor beyond the repeats fails",
        "a heading-like line in a code block is no anchor",
        "an anchor into the same page is checked",
        "a reference-style link is checked",
        "an image is checked",
        "links in code are not links",
        "other sites are not checked",
        "the three pending pages may be missing",
    ],
)
def test_link_problems(repo: Path, text: str, expected: list[str]) -> None:
    assert link_problems(repo, _page(repo, text)) == expected


def test_a_pending_page_is_checked_once_it_exists(repo: Path) -> None:
    (repo / "docs" / "versions.md").write_text("# Versions\n")
    page = _page(repo, "[ok](versions.md#versions) [bad](versions.md#prometheus-35)\n")
    assert link_problems(repo, page) == [
        "docs/page.md:1: link versions.md#prometheus-35: docs/versions.md has no heading with the anchor #prometheus-35"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("`generators/stack/sinks.py` and generators/stack/ and `python -m generators.stack.sinks`\n", []),
        ("the sinks (`generators/stack/sinks.py`).\n", []),
        ("Old name: `generators/sinks.py`\n", ["docs/page.md:1: generators/sinks.py does not exist"]),
        ("\n```\ngenerators/grafana/exporters.yaml\n```\n", ["docs/page.md:3: generators/grafana/exporters.yaml does not exist"]),
        (
            "`generators/stack/*.py` and `generators/grafana/checks*.py`\n",
            ["docs/page.md:1: generators/grafana/checks*.py matches no file"],
        ),
        ("`generators/outputs/<target>/`\n", ["docs/page.md:1: generators/outputs/ does not exist"]),
        ("`tests/test_gone.py`\n", ["docs/page.md:1: tests/test_gone.py does not exist"]),
        ("`python -m generators.demo --smoke`\n", ["docs/page.md:1: module generators.demo does not exist"]),
        ("https://github.com/acme/monitoring/blob/main/generators/x.py and python -m generators render\n", []),
    ],
    ids=[
        "existing file, folder and module pass",
        "a trailing period is punctuation",
        "a path from before the layout move fails",
        "a path in a code block is checked",
        "a glob must match a file",
        "a placeholder is checked up to the folder before it",
        "test paths are checked too",
        "a module path is checked",
        "URLs and the bare package name are not paths",
    ],
)
def test_path_problems(repo: Path, text: str, expected: list[str]) -> None:
    assert path_problems(repo, _page(repo, text)) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (20_480, None),
        (20_481, "README.md is 20,481 bytes, over the 20,480-byte limit: move detail into docs/"),
    ],
    ids=["exactly the limit passes", "one byte over fails"],
)
def test_size_problem(tmp_path: Path, size: int, expected: str | None) -> None:
    readme = tmp_path / "README.md"
    readme.write_bytes(b"x" * size)
    assert size_problem(readme) == expected


def _snippet_alerts(page: Path, heading: str) -> tuple[str, list[str]]:
    """The first yaml block under a heading of a page, and the backticked alert names of the paragraph after it."""
    text = page.read_text()
    section = text[text.index(heading) :]
    block = re.search(r"```yaml\n(.*?)```\n\n(.*?)\n\n", section, re.S)
    assert block is not None
    return block.group(1), re.findall(r"`([A-Z][A-Za-z0-9]+)`", block.group(2))


def test_how_to_add_a_service_lists_every_alert_its_example_produces(tmp_path: Path) -> None:
    from generators.pipeline import spec

    snippet, listed = _snippet_alerts(ROOT / "docs" / "spec.md", "## How to add a service")
    good = (ROOT / "tests" / "fixtures" / "good.yaml").read_text()
    path = tmp_path / "monitoring.yaml"
    path.write_text(good.replace("services:\n", snippet, 1))  # the snippet's services, then good.yaml's
    model, _ = spec.load(path)
    assert sorted(a.name for a in model.alerts if a.service == "payments") == sorted(listed)
