"""Command line: python -m generators render|check|schema|diff|backtest (backtest: generators/backtest/command.py).

Exit codes: 0 ok, 1 invalid spec (every problem printed), 2 usage (bad arguments, an --out that cannot
be written or must not be: /, the home folder, a folder that holds something else), 3 a validator
rejected the output or is missing (check), 4 drift: the committed output is stale, 70 an internal error:
a bug in the generators, never the spec's fault (--debug prints the traceback).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from generators.backtest import command as backtest_command
from generators.errors import SpecError
from generators.model.types import Model
from generators.outputs.prometheus import promtool_tests
from generators.pipeline import parallel, render, writer
from generators.spec import schema

EXIT_OK, EXIT_SPEC, EXIT_USAGE, EXIT_TOOL, EXIT_DRIFT, EXIT_BUG = 0, 1, 2, 3, 4, 70  # 70: EX_SOFTWARE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generators", description="Render the monitoring stack from monitoring.yaml")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("render", "render every output and validate it"), ("check", "validate the committed output and fail on drift")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--spec", default="monitoring.yaml", help="spec file (default: monitoring.yaml)")
        cmd.add_argument("--out", default=".", help="output root (default: the current folder)")
        if name == "render":
            cmd.add_argument(
                "--force",
                action="store_true",
                help="write into a non-empty --out that holds no earlier render (no .generated-files)",
            )
            checks = cmd.add_mutually_exclusive_group()
            checks.add_argument("--skip-validation", action="store_true", help="do not run promtool/amtool (benchmarks only)")
            checks.add_argument(
                "--quick-validation",
                action="store_true",
                help="skip the slow checks: promtool unit tests, amtool route tests (the test suite, which renders often)",
            )
        cmd.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
    cmd = sub.add_parser("schema", help="write the spec's JSON Schema for editors")
    cmd.add_argument("--out", default=str(schema.SCHEMA_FILE))
    cmd.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
    cmd = sub.add_parser("diff", help="what the spec change does against a git revision, in Markdown (docs/review.md)")
    cmd.add_argument("--base", default="HEAD", help="git revision of the spec to compare with (default: HEAD)")
    cmd.add_argument("--spec", default="monitoring.yaml", help="spec file (default: monitoring.yaml)")
    cmd.add_argument("--base-generators", action="store_true", help="render the base side with the revision's own generators")
    cmd.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
    backtest_command.add_arguments(sub.add_parser("backtest", help="evaluate the rules over recorded history (docs/backtest.md)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    if args.command == "backtest":
        return backtest_command.main(args)
    if args.command == "schema":
        try:
            Path(args.out).write_text(schema.text())
        except OSError as exc:
            return _usage(args.command, f"--out {args.out}: cannot write the schema: {_why(exc, Path(args.out))}")
        return EXIT_OK
    if args.command == "diff":
        from generators.review import command

        try:
            return command.run(args.base, Path(args.spec), args.base_generators)
        except Exception as exc:  # bad input and git are handled in run(): what raises here is a bug
            if args.debug:
                raise
            print(f"python -m generators diff: internal error, a bug in the generators: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_BUG
    spec_path, out = Path(args.spec), Path(args.out)
    bad_out = _not_a_folder(out)
    if bad_out:
        return _usage(args.command, f"--out {out}: {bad_out}; give the output folder (e.g. --out .)")
    refused = _refused_out(out, force=args.force) if args.command == "render" else ""
    if refused:
        return _usage(args.command, f"--out {out}: {refused}")
    # A render allocates millions of small objects and frees almost none until it ends; the cyclic garbage
    # collector would walk them all again and again (a quarter of a 1,000-service render). No cycles are
    # left to collect that matter for one short command, so it is paused for its duration.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _run(args, spec_path, out)
    except Exception as exc:  # after validation nothing may raise: what does is a bug, said in one line
        if args.debug:
            raise
        print(
            f"python -m generators {args.command}: internal error, a bug in the generators (not in {spec_path}): "
            f"{type(exc).__name__}: {exc}; the previous output is unchanged; rerun with --debug for the traceback",
            file=sys.stderr,
        )
        return EXIT_BUG
    finally:
        if gc_was_on:
            gc.enable()


def _run(args: argparse.Namespace, spec_path: Path, out: Path) -> int:
    try:
        if args.command == "render":
            start = time.perf_counter()
            validate, full = not args.skip_validation, not args.quick_validation
            model, files = render.render(spec_path, out, validate=validate, full=full)
            untested = promtool_tests.untested(model)
            rules = sum(len(a.tiers) for a in model.alerts)
            print(
                f"rendered {len(files)} files from {spec_path}: {len(model.alerts)} alerts, {rules} alert rules, "
                f"{len(model.services)} rule groups in {time.perf_counter() - start:.2f}s"
                + (f"; alerts without a generated test: {', '.join(untested)}" if untested else "")
                + _slo_summary(model)
            )
            return EXIT_OK
        problems = render.check(spec_path, out)
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {spec_path}; nothing was written", file=sys.stderr)
        return EXIT_SPEC
    except render.ValidationFailed as exc:
        for message in exc.problems:
            print(message, file=sys.stderr)
        print("the rendered output failed validation; the previous output is unchanged", file=sys.stderr)
        return EXIT_TOOL
    except parallel.WorkerDied as exc:
        print(f"python -m generators {args.command}: {exc}; the previous output is unchanged", file=sys.stderr)
        return EXIT_TOOL
    except writer.UnsafePath as exc:
        return _usage(args.command, f"--out {out}: {exc}")
    except OSError as exc:
        if exc.filename is not None and _inside(Path(exc.filename), out):  # e.g. --out in a read-only place
            return _usage(args.command, f"--out {out}: cannot write: {exc.strerror}: {exc.filename}")
        where = f": {exc.filename}" if exc.filename is not None else ""  # the machine, not the spec: no fork, no promtool, ...
        print(f"python -m generators {args.command}: {exc.strerror or exc}{where}; the previous output is unchanged", file=sys.stderr)
        return EXIT_TOOL
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        drift = any("make render" in p for p in problems)
        return EXIT_DRIFT if drift else EXIT_TOOL
    print(f"check passed: {out} matches {spec_path} and every validator accepts it")
    return EXIT_OK


def _usage(command: str, message: str) -> int:
    print(f"python -m generators {command}: {message}", file=sys.stderr)
    return EXIT_USAGE


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _not_a_folder(out: Path) -> str:
    """Why out cannot be the output folder ('' when it can be, or can be created)."""
    for folder in (out, *out.parents):
        if folder.exists():
            if folder.is_dir():
                return ""
            return "is a file, not a folder" if folder == out else f"{folder} is a file, not a folder"
    return ""


def _refused_out(out: Path, force: bool) -> str:
    """Why a render must not write into out ('' when it may): a render owns its folder and removes stale files."""
    target = out.resolve()
    if target == Path(target.anchor):
        return "refusing to render into the filesystem root; give a folder of its own (e.g. --out monitoring)"
    home = Path.home().resolve()
    if target == home or home.is_relative_to(target):
        return "refusing to render into the home folder or a folder above it; give a folder of its own (e.g. --out ~/monitoring)"
    if force or not target.is_dir() or (target / writer.MANIFEST).is_file() or not any(target.iterdir()):
        return ""
    return (
        f"the folder is not empty and holds no earlier render (no {writer.MANIFEST}); render into a new or empty folder, "
        "or add --force to write beside what is there (files of the same names are replaced)"
    )


def _why(exc: OSError, target: Path) -> str:
    if isinstance(exc, FileNotFoundError) and not target.parent.is_dir():
        return f"{exc.strerror} (the folder {target.parent} must exist)"
    return str(exc.strerror)


def _slo_summary(model: Model) -> str:
    from generators.outputs.prometheus import slo_tests

    if not model.slos:
        return ""
    rules = sum(len(s.tiers) for s in model.slos)
    untested = slo_tests.untested(model)
    missing = f" (SLOs without generated tests: {', '.join(untested)})" if untested else ""
    return f"; {len(model.slos)} SLOs, {rules} burn-rate alert rules{missing}"
