"""One command line over the toolkit.

Every command acts on the project found from the current directory upward, or on
``--root``. Exit codes: 0 when everything holds, 1 when a check found problems, 2 on usage
or spec errors. A ``TriggerspecError`` is printed as one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from triggerspec import __version__
from triggerspec.errors import TriggerspecError, UsageError
from triggerspec.extras import missing_dependency
from triggerspec.project import Project

Handler = Callable[[argparse.Namespace, Project | None], int]

_LISTS_CREDENTIALS = ("triggerspec", "mock", "fuzz")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose ``--help`` (main, ``mock``, ``fuzz``) ends with the credential
    environment variables of the specs found from the current directory."""

    def format_help(self) -> str:
        text = super().format_help()
        if self.prog.split()[-1] in _LISTS_CREDENTIALS:
            text += _credentials_help(base_urls=self.prog.split()[-1] == "triggerspec")
        return text


def _credentials_help(*, base_urls: bool) -> str:
    """The credential variables of the specs found and, with ``base_urls``, the variables
    that replace each API's base URL in the generated clients."""
    from triggerspec.spec.model import load_api
    from triggerspec.spec.security import credential_variables
    from triggerspec.spec.servers import base_url_variables

    try:
        project = Project.discover()
        apis = []
        for path in project.spec_files():
            try:
                apis.append(load_api(path, project.relative(path)))
            except TriggerspecError:
                continue  # lint names what is wrong; help still lists the rest
    except TriggerspecError:
        return ""
    where = project.relative(project.specs_dir)
    text = ""
    lines = credential_variables(apis)
    if lines:
        body = "\n".join(f"  {line}" for line in lines)
        text += (
            f"\ncredential environment variables (from the specs in {where}; "
            "x-env, or API_SCHEME derived):\n" + body + "\n"
        )
    if base_urls and apis:
        urls = "\n".join(f"  {line}" for line in base_url_variables(apis))
        text += (
            f"\nbase-URL environment variables of the generated clients (from the specs in "
            f"{where}; a base_url argument wins; x-env on the first server, or API_BASE_URL "
            "derived):\n" + urls + "\n"
        )
    return text


def _lint(args: argparse.Namespace, project: Project) -> int:
    from triggerspec.spec.defects import DocDefects
    from triggerspec.spec.lint import lint_files

    started = time.perf_counter()
    if args.specs:
        paths = [Path(p).resolve() for p in args.specs]
    else:
        paths = project.spec_files()
        _say_ignored(project)
        if not paths:
            raise UsageError(project.no_specs_message())
    defects = DocDefects.load(project.doc_defects, project.relative(project.doc_defects))
    report = lint_files(
        paths, defects, {p: project.relative(p) for p in paths}, every_spec=not args.specs
    )
    for problem in report.problems:
        print(problem)
    for kind, count in report.by_kind():
        print(f"{count:6d}  {kind}", file=sys.stderr)
    operations = sum(len(api.operations) for api in report.apis)
    names = ", ".join(project.relative(p).rsplit("/", 1)[-1] for p in paths)
    print(
        f"lint: {report.files} spec(s): {names}; {operations} operation(s), "
        f"{len(report.problems)} problem(s) in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0 if report.ok else 1


def _say_ignored(project: Project) -> None:
    for path, reason in project.ignored_files():
        print(f"ignored: {project.relative(path)}: {reason}", file=sys.stderr)


def _regen(args: argparse.Namespace, project: Project) -> int:
    from triggerspec.codegen.pipeline import regen

    project.require_writable("regen --check" if args.check else "regen")
    started = time.perf_counter()
    _say_ignored(project)
    progress = None if args.quiet else (lambda msg: print(f"  {msg}", file=sys.stderr))
    result = regen(project, check=args.check, progress=progress)
    took = f"{time.perf_counter() - started:.2f}s"
    if args.check:
        if result.stale:
            print("generated code is stale; run `triggerspec regen`. Stale files:")
            for path in result.stale:
                print(f"  {path}")
            return 1
        print(f"regen --check: generated code is up to date ({took})", file=sys.stderr)
        return 0
    for path in result.written:
        print(f"wrote   {path}")
    for path in result.removed:
        print(f"removed {path}")
    for package in result.clients_removed:
        print(f"removed client {package}/: its spec is no longer in the specs folder")
    state = "up to date, nothing rewritten" if result.up_to_date else "regenerated"
    specs = ", ".join(s.rsplit("/", 1)[-1] for s in result.specs)
    print(f"regen: {len(result.specs)} spec(s): {specs}; {state} ({took})", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    # Imported here, not at the top, so a missing third-party package (these modules import
    # requests, uvicorn, ...) reaches main() and is worded as one line, not a traceback.
    from triggerspec.drift.cli import add_parsers as add_drift_parsers
    from triggerspec.fuzz_command import add_parser as add_fuzz_parser
    from triggerspec.init_command import add_parser as add_init_parser
    from triggerspec.mock.cli import add_parser as add_mock_parser
    from triggerspec.run_command import add_parser as add_run_parser

    parser = _Parser(
        prog="triggerspec",
        description=(
            "Contract tests, codegen and a mock for CI/CD build-trigger APIs. Every command "
            "acts on the project found from the current directory upward (a folder whose "
            "pyproject.toml has a [tool.triggerspec] table), or on --root; with no project, "
            "the read-only commands use the vendor specs bundled with triggerspec."
        ),
    )
    parser.add_argument("--version", action="version", version=f"triggerspec {__version__}")
    parser.add_argument(
        "--root", type=Path, help="project root (default: found from the cwd upward)"
    )
    parser.set_defaults(needs_project=True)
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )
    add_init_parser(commands)

    lint = commands.add_parser(
        "lint",
        help="check every spec: OpenAPI 3.1 validity, $refs, regex portability, examples",
        description=(
            "Validate each spec with openapi-spec-validator, resolve every $ref, check that each "
            "regex compiles and means the same in Python and ECMAScript (u mode), that every "
            "operation has an operationId, summary, security and examples, that every example "
            "validates (or is a listed doc defect that still fails), and that only documented "
            "x- extensions are used. Problems print as file:json-pointer: message."
        ),
    )
    lint.add_argument("specs", nargs="*", help="spec files (default: every spec in specs/)")
    lint.set_defaults(handler=_lint)

    regen = commands.add_parser(
        "regen",
        help="generate pydantic models and typed httpx clients into generated/",
        description=(
            "Read every spec and write generated/triggerspec_clients: models through "
            "datamodel-code-generator (options in [tool.datamodel-codegen]) and sync/async "
            "clients from triggerspec's templates. Output is byte-deterministic; nothing is "
            "rewritten when nothing changed; a failure leaves generated/ as it was."
        ),
    )
    regen.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the stale files if any"
    )
    regen.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    regen.set_defaults(handler=_regen)

    add_mock_parser(commands)
    add_fuzz_parser(commands)
    add_drift_parsers(commands)

    add_run_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except ModuleNotFoundError as exc:
        missing = missing_dependency(exc)
        if missing is None:
            raise
        print(f"triggerspec: error: {missing}", file=sys.stderr)
        return missing.exit_code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        if not args.needs_project:
            return handler(args, None)
        project = Project.from_root(args.root) if args.root else Project.discover()
        return handler(args, project)
    except TriggerspecError as exc:
        print(f"triggerspec: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("triggerspec: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
