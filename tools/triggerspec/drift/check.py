"""``docs check``: every page snapshot against the specs that cite it.

Example:
    >>> report = check_docs(apis, Path("specs/docs"), "specs/docs", decisions, defects)
    >>> report.ok  # no unexplained drift
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from triggerspec.drift.compare import compare_page, find_operation
from triggerspec.drift.context import PageContext
from triggerspec.drift.extract import extract_page
from triggerspec.drift.fields import shape_of
from triggerspec.drift.findings import Finding
from triggerspec.drift.index import IndexedPage, read_index
from triggerspec.drift.known import Decisions
from triggerspec.drift.pages import bind, citations, declared_format
from triggerspec.drift.view import PageNote, PageView
from triggerspec.spec.defects import DocDefects
from triggerspec.spec.model import Api, Operation


@dataclass(frozen=True)
class CheckedPage:
    """A page that was read, and what it was compared with."""

    view: PageView
    spec: str | None
    operation: str | None


@dataclass(frozen=True)
class DocsReport:
    """The outcome of ``docs check``."""

    docs: str
    decisions: str
    pages: tuple[CheckedPage, ...]
    findings: tuple[Finding, ...]

    @property
    def unexplained(self) -> list[Finding]:
        """Findings no decision or doc defect explains: the drift to act on."""
        return [f for f in self.findings if not f.explained]

    @property
    def explained(self) -> list[Finding]:
        """Findings a reviewed decision or a listed doc defect explains."""
        return [f for f in self.findings if f.explained]

    @property
    def notes(self) -> list[tuple[str, PageNote]]:
        """Guesses the extractors made (problems are findings already)."""
        return [(p.view.display, n) for p in self.pages for n in p.view.notes if not n.problem]

    @property
    def ok(self) -> bool:
        """True when there is no unexplained drift."""
        return not self.unexplained


def page_files(docs_dir: Path) -> list[Path]:
    """The page snapshots in a folder: its ``.txt`` files, sorted by name."""
    return sorted(p for p in docs_dir.iterdir() if p.suffix == ".txt" and p.is_file())


def check_docs(
    apis: list[Api],
    docs_dir: Path,
    decisions: Decisions,
    defects: DocDefects,
    *,
    display: Callable[[Path], str] = str,
    only_present: bool = False,
    index: Mapping[str, IndexedPage] | None = None,
) -> DocsReport:
    """Compare every page in ``docs_dir`` with the operation it documents.

    Args:
        apis: every spec of the project (pages are bound through their ``x-source``).
        docs_dir: the folder of page snapshots.
        decisions: the reviewed list that explains deliberate differences.
        defects: vendor examples known to break the vendor's own rules.
        display: how a path is shown to users.
        only_present: check only the pages in ``docs_dir`` (a folder of fresh captures);
            otherwise a cited page missing from it is a finding.
        index: the page index that declares each page's format (default: ``docs_dir``'s
            ``INDEX.md``; a folder of captures passes the project's). A page the index does
            not list takes the ``format`` of the ``x-source`` that cites it.
    """
    formats = {
        name: page.format
        for name, page in (read_index(docs_dir) if index is None else index).items()
    }
    bindings = bind(apis)
    findings: list[Finding] = []
    pages: list[CheckedPage] = []
    present = {p.name: p for p in page_files(docs_dir)}
    documented: set[tuple[str, str]] = set()
    for name, path in present.items():
        shown = display(path)
        bound = bindings.get(name)
        if not bound:
            findings.append(
                Finding(
                    "page-unused",
                    "no spec cites this page in x-source; add it to the spec it documents, "
                    "or remove the snapshot",
                    name,
                    shown,
                )
            )
            pages.append(CheckedPage(extract_page(path, "", shown), None, None))
            continue
        for binding in bound:
            api = binding.api
            page_format = formats.get(name) or declared_format(binding) or ""
            view = extract_page(path, page_format, shown)
            op = binding.operation or _shown_operation(api, view)
            pages.append(CheckedPage(view, api.document.display, op.operation_id if op else None))
            if op is None:
                findings.append(
                    Finding(
                        "endpoint-differs",
                        f"the page shows no operation of {api.document.display}",
                        name,
                        shown,
                        spec=api.document.display,
                        pointer=binding.pointer,
                    )
                )
                continue
            documented.add((api.name, op.operation_id))
            ctx = PageContext(view, api, op, shape_of(api, op), defects)
            findings.extend(compare_page(ctx))
    for name, bound in bindings.items():
        if name not in present and not only_present:
            for binding in bound:
                findings.append(
                    Finding(
                        "page-missing",
                        f"{binding.api.document.display} cites {name}, which is not in "
                        f"{display(docs_dir)}",
                        name,
                        f"{display(docs_dir)}/{name}",
                        spec=binding.api.document.display,
                        pointer=binding.pointer,
                    )
                )
    findings.extend(_undocumented(apis, documented, {n: display(p) for n, p in present.items()}))
    checked = set(present) if only_present else set(present) | set(bindings)
    explained = decisions.explain(sorted(findings, key=Finding.sort_key), checked)
    return DocsReport(display(docs_dir), decisions.display, tuple(pages), tuple(explained))


def _shown_operation(api: Api, view: PageView) -> Operation | None:
    shown = [(e.method, e.target) for e in view.endpoints]
    shown += [(c.method, c.url) for c in view.curls]
    for method, target in shown:
        if (op := find_operation(api, method, target)) is not None:
            return op
    return None


def _undocumented(
    apis: list[Api], documented: set[tuple[str, str]], present: dict[str, str]
) -> list[Finding]:
    """Operations of a spec with pages that no checked page shows."""
    found: list[Finding] = []
    for api in apis:
        cites = citations(api)
        home = next((c for c in cites if c.operation is None), cites[0] if cites else None)
        if home is None or home.page not in present:
            continue
        cited_elsewhere = {
            c.operation.operation_id for c in cites if c.operation and c.page not in present
        }
        for op in api.operations:
            if (api.name, op.operation_id) in documented or op.operation_id in cited_elsewhere:
                continue
            found.append(
                Finding(
                    "operation-not-in-docs",
                    f"{op.method} {op.path} is on none of the spec's pages",
                    home.page,
                    present[home.page],
                    spec=api.document.display,
                    pointer=op.pointer,
                    operation=op.operation_id,
                    subject=op.operation_id,
                )
            )
    return found
