"""One page's docs view against the operation it documents → findings.

The page is checked in the order a reader would: is it the right endpoint (method and
path, from the heading and from each curl example), does it agree on deprecation, do its
curl headers and its examples fit the schemas, which responses does it document, and do
its field lists say what the spec says. Each step lives in its own module; this one holds
the endpoint, deprecation and response-status checks and puts the steps together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from triggerspec.drift.context import PageContext
from triggerspec.drift.examples import check_curls, check_examples, check_spec_examples
from triggerspec.drift.fieldlists import check_field_lists
from triggerspec.drift.findings import Finding
from triggerspec.spec.model import Api, Operation

_PLACEHOLDER = re.compile(r"^(\$\{?\w+\}?|\{[^}]+\}|:\w+|<[^>]+>)$")


def compare_page(ctx: PageContext) -> list[Finding]:
    """Every difference between one page and its operation."""
    documented = documented_statuses(ctx)
    return [
        *_endpoints(ctx),
        *_deprecation(ctx),
        *check_curls(ctx),
        *check_examples(ctx),
        *check_spec_examples(ctx, documented),
        *_responses(ctx, documented),
        *check_field_lists(ctx, documented),
        *(
            ctx.finding("page-unreadable", note.message, line=note.line, subject=str(note.line))
            for note in ctx.view.notes
            if note.problem
        ),
    ]


def path_of(target: str, api: Api) -> str | None:
    """The API path a page URL or path shows (``None``: a URL outside the spec's servers)."""
    if not target.startswith(("http://", "https://")):
        base = api.base_path
        return target[len(base) :] if base and target.startswith(base + "/") else target
    for server in api.servers:
        if target.startswith(server.rstrip("/") + "/"):
            return target[len(server.rstrip("/")) :]
    return None


def matches_path(shown: str, template: str) -> bool:
    """Whether a path the page shows is the spec's path template.

    Page placeholders (``$ACCOUNT_ID``, ``{projectId}``, ``:id``) match any spec parameter;
    a concrete value matches a spec parameter too.
    """
    got = shown.split("?", 1)[0].strip("/").split("/")
    want = template.strip("/").split("/")
    if len(got) != len(want):
        return False
    for g, w in zip(got, want, strict=True):
        is_param = w.startswith("{") and w.endswith("}")
        if g != w and not is_param:
            return False
        if is_param and not g:
            return False
    return True


def find_operation(api: Api, method: str, shown: str) -> Operation | None:
    """The operation of ``api`` a method and page path show."""
    path = path_of(shown, api)
    if path is None:
        return None
    return next(
        (op for op in api.operations if op.method == method and matches_path(path, op.path)),
        None,
    )


def _endpoints(ctx: PageContext) -> Iterator[Finding]:
    shown = [(e.method, e.target, e.line, "heading") for e in ctx.view.endpoints]
    shown += [(c.method, c.url, c.line, "curl example") for c in ctx.view.curls]
    for method, target, line, where in shown:
        path = path_of(target, ctx.api)
        if path is None:
            yield ctx.finding(
                "endpoint-differs",
                f"the page's {where} targets {target}, which is under none of the spec's "
                f"servers ({', '.join(ctx.api.servers)})",
                line=line,
                pointer="/servers",
                subject=where,
                detail=target,
            )
        elif method != ctx.op.method or not matches_path(path, ctx.op.path):
            yield ctx.finding(
                "endpoint-differs",
                f"the page's {where} shows {method} {path}; the spec has {ctx.op.method} "
                f"{ctx.op.path}",
                line=line,
                pointer=ctx.op.pointer,
                subject=where,
                detail=f"{method} {path}",
            )


def _deprecation(ctx: PageContext) -> Iterator[Finding]:
    view, op = ctx.view, ctx.op
    if (view.deprecated is not None) != op.deprecated:
        yield ctx.finding(
            "deprecation-differs",
            "the page says the operation is deprecated; the spec does not"
            if view.deprecated is not None
            else "the spec marks the operation deprecated; the page does not",
            line=view.deprecated,
            pointer=op.pointer,
            subject="deprecated",
        )
    if view.replacement is not None:
        named = find_operation(ctx.api, view.replacement.method, view.replacement.target)
        if named is None or named.operation_id != op.replaced_by:
            yield ctx.finding(
                "deprecation-differs",
                f"the page names {view.replacement.method} {view.replacement.target} as the "
                f"replacement; the spec's x-replaced-by is {op.replaced_by!r}"
                + ("" if named else " and no operation has that endpoint"),
                line=view.replacement.line,
                pointer=op.pointer + "/x-replaced-by",
                subject="replacement",
                detail=f"{view.replacement.method} {view.replacement.target}",
            )


def documented_statuses(ctx: PageContext) -> set[str]:
    """The spec response statuses the page documents (a field list or an example)."""
    shown = [fl.status for fl in ctx.view.field_lists if fl.part == "response"]
    shown += [ex.status for ex in ctx.view.examples if ex.role == "response"]
    return {s for s in map(ctx.status, shown) if s is not None}


def _responses(ctx: PageContext, documented: set[str]) -> Iterator[Finding]:
    shown = {fl.status: fl.line for fl in ctx.view.field_lists if fl.part == "response"}
    for ex in ctx.view.examples:
        if ex.role == "response":
            shown.setdefault(ex.status, ex.line)
    for status, line in shown.items():
        if ctx.status(status) is None:
            yield ctx.finding(
                "response-not-in-spec",
                f"the page documents a {status} response; the spec has none",
                line=line,
                pointer=ctx.op.pointer + "/responses",
                part=f"response {status}",
                subject=str(status),
            )
    for response in ctx.op.responses:
        if response.status not in documented:
            yield ctx.finding(
                "response-not-in-docs",
                f"the spec documents a {response.status} response ({response.description}); "
                "the page does not",
                pointer=ctx.shape.response_at.get(response.status, response.pointer),
                part=f"response {response.status}",
                subject=response.status,
            )
