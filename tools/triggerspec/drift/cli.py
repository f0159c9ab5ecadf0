"""The drift commands: ``docs check``, ``diff`` and ``update``.

:func:`add_parsers` registers them on the main command line; each handler takes the parsed
arguments and the project, and returns the exit code: 0 when everything holds, 1 when drift
or a breaking change was found, 2 on usage or input errors (raised as ``TriggerspecError``
and printed by the main CLI as one line, never a traceback).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from triggerspec.drift.audit import audit, load_official
from triggerspec.drift.audit_report import audit_json, audit_markdown, audit_summary, audit_text
from triggerspec.drift.check import check_docs, page_files
from triggerspec.drift.diff import diff_files
from triggerspec.drift.extract import extract_text, read_page
from triggerspec.drift.fetch_cli import add_fetch_parser
from triggerspec.drift.index import INDEX_NAME, read_index
from triggerspec.drift.known import FILE_NAME, Decisions
from triggerspec.drift.loading import load_checked
from triggerspec.drift.pages import bind, declared_format
from triggerspec.drift.report import (
    diff_json,
    diff_markdown,
    diff_summary,
    diff_text,
    docs_json,
    docs_markdown,
    docs_summary,
    docs_text,
)
from triggerspec.errors import UsageError
from triggerspec.project import Project
from triggerspec.spec.defects import DocDefects
from triggerspec.spec.model import Api


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``docs`` (with ``check``), ``diff``, ``audit`` and ``update`` on the main CLI."""
    docs = commands.add_parser(
        "docs",
        help="compare the vendor page snapshots with the specs",
        description="Commands about the vendor page snapshots in specs/docs/.",
    )
    docs_commands = docs.add_subparsers(dest="docs_command", metavar="SUBCOMMAND", required=True)
    check = docs_commands.add_parser(
        "check",
        help="report every difference between the page snapshots and the specs",
        description=(
            "Extract the curl examples, JSON examples and field lists of every page snapshot, "
            "validate the examples against the operation each page documents, and report "
            "every field, enum value or constraint that is on the page and not in the spec, "
            "or the reverse. Differences listed with a reason in "
            f"specs/docs/{FILE_NAME} are explained; an entry that no longer applies is "
            "reported. Exit 1 on unexplained drift, 0 when clean, 2 on usage errors."
        ),
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument(
        "--markdown", action="store_true", help="print the report as a pull-request comment"
    )
    check.add_argument(
        "--docs",
        type=Path,
        metavar="DIR",
        help="check the snapshots in DIR instead of specs/docs (only the pages DIR holds)",
    )
    check.add_argument(
        "--decisions",
        type=Path,
        metavar="FILE",
        help=f"the reviewed decisions list (default: specs/docs/{FILE_NAME})",
    )
    check.add_argument(
        "--all", action="store_true", help="list explained findings (with their reasons) too"
    )
    check.set_defaults(handler=docs_check)
    add_fetch_parser(docs_commands)

    diff = commands.add_parser(
        "diff",
        help="classify the changes between two spec versions by who they break",
        description=(
            "Compare two versions of a spec: `diff OLD NEW` (two files) or "
            "`diff SPEC --against GIT_REF` (the committed version at GIT_REF against the "
            "working file). Each change is classified: it breaks callers (request side), "
            "breaks consumers (response side), or breaks no one. Exit 1 when something "
            "breaks, unless --allow-breaking."
        ),
    )
    diff.add_argument("specs", nargs="+", metavar="SPEC", help="OLD NEW, or SPEC with --against")
    diff.add_argument("--against", metavar="GIT_REF", help="compare SPEC with its version at REF")
    diff.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format"
    )
    diff.add_argument(
        "--allow-breaking", action="store_true", help="exit 0 even when something breaks"
    )
    diff.set_defaults(handler=spec_diff)

    audit = commands.add_parser(
        "audit",
        help="compare a spec with the vendor's own OpenAPI document",
        description=(
            "Cut the vendor's official OpenAPI document (3.0 or 3.1, JSON or YAML) to the "
            "operations SPEC covers, matched by method and path template, compare the schemas "
            "both ways, and label every difference: decided (an x-decision with `differs`, or "
            "an x-stricter, covers it; its reason is shown), gap, or stale decision. Exit 1 on "
            "a gap or a stale decision, 0 when clean, 2 on usage or input errors."
        ),
    )
    audit.add_argument("spec", type=Path, metavar="SPEC", help="the spec to audit")
    audit.add_argument(
        "--official", type=Path, metavar="DOC", required=True, help="the vendor's OpenAPI"
    )
    audit.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format"
    )
    audit.set_defaults(handler=spec_audit)

    update = commands.add_parser(
        "update",
        help="replace a page snapshot with a new capture and show the drift",
        description=(
            "The update workflow, step one: copy a new snapshot of a vendor page over the old "
            "one in specs/docs, show the drift report, and print the next steps (edit the "
            "spec, regenerate, diff, test). Exit code: that of `docs check`."
        ),
    )
    update.add_argument("snapshot", type=Path, help="the new snapshot (a text file)")
    update.add_argument(
        "--page",
        metavar="NAME",
        help="the page it replaces: a file name in specs/docs or its number prefix "
        "(default: the snapshot's own file name)",
    )
    update.set_defaults(handler=update_page)


def _load_apis(project: Project) -> list[Api]:
    return [load_checked(path, project.relative(path)) for path in project.spec_files()]


def docs_check(args: argparse.Namespace, project: Project) -> int:
    """``docs check``: print the drift report; 1 on unexplained drift."""
    started = time.perf_counter()
    docs_dir = (args.docs or project.docs_dir).resolve()
    if not docs_dir.is_dir():
        raise UsageError(f"{docs_dir}: not a folder of page snapshots")
    decisions_file = args.decisions or project.docs_dir / FILE_NAME
    if args.decisions and not decisions_file.is_file():
        raise UsageError(f"{decisions_file}: no such decisions file")
    decisions = Decisions.load(decisions_file, project.relative(decisions_file))
    defects = DocDefects.load(project.doc_defects, project.relative(project.doc_defects))
    report = check_docs(
        _load_apis(project),
        docs_dir,
        decisions,
        defects,
        display=project.relative,
        only_present=args.docs is not None,
        index=read_index(project.docs_dir, project.relative(project.docs_dir / INDEX_NAME)),
    )
    if args.json:
        print(docs_json(report))
        print(docs_summary(report), file=sys.stderr)
    elif getattr(args, "markdown", False):
        print(docs_markdown(report))
        print(docs_summary(report), file=sys.stderr)
    else:
        print(docs_text(report, show_explained=args.all))
    print(f"docs check: done in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0 if report.ok else 1


def spec_diff(args: argparse.Namespace, project: Project) -> int:
    """``diff``: print the classified changes; 1 when something breaks (unless allowed)."""
    if args.against is not None:
        if len(args.specs) != 1:
            raise UsageError("with --against, give exactly one spec: diff SPEC --against REF")
        path = Path(args.specs[0])
        if not path.is_file():
            raise UsageError(f"{path}: no such spec file")
        with tempfile.TemporaryDirectory() as tmp:
            old = Path(tmp) / path.name
            old.write_bytes(read_at_ref(path, args.against))
            shown = project.relative(path)
            diff = diff_files(old, path, f"{shown}@{args.against}", shown)
    else:
        if len(args.specs) != 2:
            raise UsageError("give two specs (diff OLD NEW) or one with --against GIT_REF")
        old, new = (Path(p) for p in args.specs)
        diff = diff_files(old, new, project.relative(old), project.relative(new))
    rendered = {"text": diff_text, "markdown": diff_markdown, "json": diff_json}[args.format]
    print(rendered(diff))
    if args.format != "text":
        print(diff_summary(diff), file=sys.stderr)
    return 1 if diff.breaking and not args.allow_breaking else 0


def spec_audit(args: argparse.Namespace, project: Project) -> int:
    """``audit``: print the labelled differences; 1 on a gap or a stale decision."""
    for path in (args.spec, args.official):
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    spec = load_checked(args.spec, project.relative(args.spec))
    report = audit(spec, load_official(args.official, project.relative(args.official)))
    rendered = {"text": audit_text, "markdown": audit_markdown, "json": audit_json}[args.format]
    print(rendered(report))
    if args.format != "text":
        print(audit_summary(report), file=sys.stderr)
    return 0 if report.ok else 1


def read_at_ref(path: Path, ref: str) -> bytes:
    """The committed content of ``path`` at git revision ``ref``.

    Raises:
        UsageError: git is missing, the file is not in a git work tree, or it does not exist
            at ``ref`` (the message says which).
    """
    where = path.resolve().parent

    def git(*argv: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(["git", *argv], cwd=where, capture_output=True, check=False)
        except FileNotFoundError:
            raise UsageError("git is not installed; use diff OLD NEW with two files") from None

    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"{path}: not inside a git work tree; use diff OLD NEW")
    if git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise UsageError(f"{ref!r} is not a git revision here")
    relative = path.resolve().relative_to(Path(top.stdout.decode().strip()).resolve())
    shown = git("show", f"{ref}:{relative.as_posix()}")
    if shown.returncode != 0:
        raise UsageError(f"{relative.as_posix()} does not exist at {ref}; nothing to compare")
    return shown.stdout


def update_page(args: argparse.Namespace, project: Project) -> int:
    """``update``: copy a new snapshot over its page, show the drift and the next steps."""
    source: Path = args.snapshot
    project.require_writable("update")
    if not source.is_file():
        raise UsageError(f"{source}: no such snapshot file")
    target = _page_to_replace(project, args.page or source.name)
    shown = project.relative(target)
    _check_snapshot(source, target.name, _load_apis(project), project.docs_dir)
    if source.resolve() == target.resolve() or source.read_bytes() == target.read_bytes():
        print(f"{shown} already holds this snapshot; nothing copied")
    else:
        shutil.copyfile(source, target)
        print(f"updated {shown} from {source}")
    print()
    code = docs_check(argparse.Namespace(docs=None, decisions=None, json=False, all=False), project)
    apis = _load_apis(project)
    specs = sorted({b.api.document.display for b in bind(apis).get(target.name, [])}) or [
        "specs/<the spec citing this page>.yaml"
    ]
    spec = specs[0]
    print(
        "\nnext steps:\n"
        f"  1. edit {spec} until `triggerspec docs check` reports no unexplained drift\n"
        f"     (or record a deliberate difference, with its reason, in "
        f"{project.relative(project.docs_dir / FILE_NAME)})\n"
        "  2. triggerspec regen\n"
        f"  3. triggerspec diff {spec} --against HEAD\n"
        "  4. python -m pytest -n 2\n"
        f"  5. if the vendor publishes an OpenAPI document: triggerspec audit {spec} "
        "--official DOC"
    )
    return code


MAX_PAGE_BYTES = 4 * 1024 * 1024
"""The largest page snapshot ``update`` takes (the real ones are a few dozen KiB)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _check_snapshot(source: Path, page: str, apis: list[Api], docs_dir: Path) -> None:
    """Refuse a snapshot that is not a readable page, before anything is replaced.

    It must be UTF-8 text without control characters, at most :data:`MAX_PAGE_BYTES`, and
    read in its page's format it must show at least one endpoint (``METHOD URL``).
    """
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise UsageError(f"{source}: cannot read the snapshot: {exc.strerror}") from None
    if size > MAX_PAGE_BYTES:
        raise UsageError(
            f"{source}: {size} bytes, larger than any page snapshot ({MAX_PAGE_BYTES}); "
            "nothing replaced"
        )
    text = read_page(source)
    if not text.strip():
        raise UsageError(f"{source}: the snapshot is empty; nothing replaced")
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        raise UsageError(
            f"{source}: line {line}: control character {control.group()!r}: not a text "
            "snapshot of a page; nothing replaced"
        )
    bindings = bind(apis).get(page, [])
    declared = read_index(docs_dir).get(page)
    page_format = (
        (declared.format if declared else "")
        or (declared_format(bindings[0]) if bindings else "")
        or ""
    )
    try:
        view = extract_text(text, page, str(source), page_format)
    except Exception as exc:  # a reader tripping on the text: not a page we can take
        raise UsageError(
            f"{source}: cannot be read as a {page_format or 'vendor'} page "
            f"({type(exc).__name__}); nothing replaced"
        ) from None
    if not view.endpoints:
        raise UsageError(
            f"{source}: no endpoint (METHOD https://...) found: this does not look like a "
            "vendor API page; nothing replaced"
        )


def _page_to_replace(project: Project, name: str) -> Path:
    pages = page_files(project.docs_dir)
    exact = [p for p in pages if p.name == name]
    if exact:
        return exact[0]
    prefix = name.split("_", 1)[0] if "_" in name else name
    found = [p for p in pages if p.name.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    known = ", ".join(p.name for p in pages)
    raise UsageError(
        f"{name!r} names no single page in {project.relative(project.docs_dir)} "
        f"(pages: {known}); pass --page with one of them"
    )
