"""``docs fetch [PAGE...]``: the command line of :mod:`triggerspec.drift.fetch`."""

from __future__ import annotations

import argparse
from pathlib import Path

from triggerspec.drift.fetch import fetch_pages, select_pages
from triggerspec.drift.index import INDEX_NAME, read_index
from triggerspec.errors import UsageError
from triggerspec.project import Project

DEFAULT_OUT = "captures"


def add_fetch_parser(docs_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``docs fetch`` under ``docs``."""
    fetch = docs_commands.add_parser(
        "fetch",
        help="capture the vendor pages from their URLs (specs/docs/INDEX.md)",
        description=(
            "Fetch each page listed in specs/docs/INDEX.md (or only PAGE...: file names or "
            "number prefixes) with a conditional request, convert changed pages to text in "
            "the snapshot format and write them to --out (default: captures/), ready for "
            "`triggerspec docs check --docs captures`. --update writes over the snapshots "
            "in specs/docs instead. A page declared `render: scripts` needs headless "
            "Chromium; without it the page is skipped with a message. Exit 1 when a page "
            "could not be fetched, 0 otherwise, 2 on usage errors."
        ),
    )
    fetch.add_argument("pages", nargs="*", metavar="PAGE", help="pages to fetch (default: all)")
    fetch.add_argument("--out", type=Path, metavar="DIR", help="where captures go")
    fetch.add_argument(
        "--update", action="store_true", help="write over the snapshots in specs/docs"
    )
    fetch.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="seconds per request"
    )
    fetch.set_defaults(handler=docs_fetch)


def docs_fetch(args: argparse.Namespace, project: Project) -> int:
    """``docs fetch``: one line per page; 1 when a page failed."""
    if args.update and args.out is not None:
        raise UsageError("--update writes into specs/docs; leave out --out")
    if not 0 < args.timeout <= 600:
        raise UsageError("--timeout must be between 0 and 600 seconds")
    index = read_index(project.docs_dir, project.relative(project.docs_dir / INDEX_NAME))
    pages = select_pages(index, args.pages)
    if not pages:
        raise UsageError(f"{project.relative(project.docs_dir / INDEX_NAME)} lists no page")
    out = project.docs_dir if args.update else (args.out or project.root / DEFAULT_OUT)
    results = fetch_pages(pages, out, snapshots=project.docs_dir, timeout=args.timeout)
    for r in results:
        print(f"{r.status:9}  {r.name}  {r.message}")
    changed = [r for r in results if r.status == "changed"]
    if changed and not args.update:
        print(f"\nnext: triggerspec docs check --docs {project.relative(out)}")
    elif changed:
        print("\nnext: triggerspec docs check (the snapshots were updated)")
    return 0 if all(r.ok for r in results) else 1
