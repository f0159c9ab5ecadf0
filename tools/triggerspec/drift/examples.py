"""A page's curl and JSON examples against the operation they show.

Every request body (curl ``-d`` JSON, curl ``-F`` form, a body example) is validated against
the request schema, every response example against the schema of its status, each through
the same validator as lint (:func:`triggerspec.spec.validate.violations`). An example that
fails is expected when the spec carries the same example and lists it in the doc-defects
file for the same reason. Keys the schema does not declare are reported too: a renamed form
field still validates against an open schema, but it is drift. Finally, the spec's own
``doc-*`` examples say they were copied from the page, so each must still equal one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from triggerspec.drift.context import PageContext
from triggerspec.drift.fields import SpecField, subschema
from triggerspec.drift.findings import Explanation, Finding
from triggerspec.drift.view import ITEMS, VALUES, FieldPath, path_text
from triggerspec.spec.validate import violations

AUTH_HEADERS = {"authorization", "x-auth-email", "x-auth-key", "x-api-key", "api-key"}


@dataclass(frozen=True)
class PageExample:
    """An example from the page, normalised: what it is, where, and its value."""

    label: str
    line: int
    value: Any
    role: str
    status: str | None = None
    field: FieldPath = ()
    key_lines: tuple[tuple[str, int], ...] = ()
    """For a form: the line of each field."""


def page_examples(ctx: PageContext) -> list[PageExample]:
    """Every example on the page: curl bodies and forms first, then JSON blocks."""
    found: list[PageExample] = []
    for curl in ctx.view.curls:
        if curl.json is not None:
            found.append(PageExample("curl -d body", curl.data_line, curl.json, "request"))
        if curl.form:
            found.append(
                PageExample(
                    "curl -F form",
                    curl.form[0].line,
                    curl.form_values,
                    "request",
                    key_lines=tuple((f.name, f.line) for f in curl.form),
                )
            )
    for ex in ctx.view.examples:
        label = "request example" if ex.role == "request" else "response example"
        if ex.field:
            label = f"example of {path_text(ex.field)}"
        found.append(PageExample(label, ex.line, ex.value, ex.role, ex.status, ex.field))
    return found


def check_curls(ctx: PageContext) -> Iterator[Finding]:
    """Content type and auth headers of each curl example, and bodies that do not parse."""
    media = ctx.shape.request_media
    alternatives = [
        {ctx.api.schemes[name].header.lower() for name in alt if name in ctx.api.schemes}
        for alt in ctx.op.security
    ]
    accepted = set().union(*alternatives) if alternatives else set()
    body_at = ctx.shape.request_at or ctx.op.pointer
    for curl in ctx.view.curls:
        sent = curl.header("Content-Type")
        if sent and media and sent.split(";")[0].strip().lower() != media:
            yield ctx.finding(
                "curl-header-differs",
                f"the curl example sends Content-Type {sent!r}; the spec's body is {media}",
                line=curl.line,
                pointer=body_at,
                part="request",
                subject="Content-Type",
                detail=sent,
            )
        for name, value in curl.headers:
            if name.lower() in AUTH_HEADERS and name.lower() not in accepted:
                yield ctx.finding(
                    "curl-header-differs",
                    f"the curl example authenticates with {name}, which no security scheme "
                    f"of {ctx.op.operation_id} uses",
                    line=curl.line,
                    pointer=ctx.op.pointer + "/security",
                    part="request",
                    subject=name,
                    detail=value.split(" ")[0],
                )
            elif name.lower() == "authorization" and not value.lower().startswith("bearer"):
                yield ctx.finding(
                    "curl-header-differs",
                    f"the curl example sends Authorization {value.split(' ')[0]!r}; the spec "
                    "expects a bearer token",
                    line=curl.line,
                    pointer=ctx.op.pointer + "/security",
                    part="request",
                    subject=name,
                    detail=value.split(" ")[0],
                )
        if curl.json_error is not None:
            yield ctx.finding(
                "page-unreadable",
                f"the curl example's -d body is {curl.json_error}",
                line=curl.data_line,
                pointer=body_at,
                part="request",
                subject="curl -d body",
            )


def check_examples(ctx: PageContext) -> Iterator[Finding]:
    """Validate every page example and report keys its schema does not declare."""
    for example in page_examples(ctx):
        target = _target(ctx, example)
        if target is None:
            continue
        schema, fields, part, at = target
        if example.field in fields:
            at = fields[example.field].pointer
        sub = subschema(schema, example.field)
        if sub is None:
            continue
        undeclared = list(_walk_undeclared(example.value, example.field, fields))
        names = {repr(path[-1]) for path, _ in undeclared}
        # An undeclared key is reported on its own line below, not as a failure here too.
        broken = [
            v
            for v in violations(sub, example.value)
            if not (v.rule == "additionalProperties" and any(n in v.message for n in names))
        ]
        if broken:
            first = broken[0]
            finding = ctx.finding(
                "example-invalid",
                f"the page's {example.label} does not validate: "
                + "; ".join(str(v) for v in broken[:3])
                + (f" (and {len(broken) - 3} more)" if len(broken) > 3 else ""),
                line=example.line,
                pointer=at,
                part=part,
                subject=example.label,
                detail=first.rule,
            )
            yield _known_defect(ctx, finding, example, [v.message for v in broken])
        yield from _undeclared(ctx, example, undeclared, part)


def _target(
    ctx: PageContext, example: PageExample
) -> tuple[dict[str, Any], dict[FieldPath, SpecField], str, str] | None:
    if example.role == "request":
        if ctx.op.body is None or ctx.shape.request is None:
            return None
        return ctx.op.body.schema, ctx.shape.request, "request", ctx.shape.request[()].pointer
    status = ctx.status(example.status)
    response = next((r for r in ctx.op.responses if r.status == status), None)
    fields = ctx.shape.responses.get(status or "")
    if response is None or response.schema is None or fields is None:
        return None
    schema = ctx.api.document.deref(response.schema, response.pointer)
    return schema, fields, f"response {status}", fields[()].pointer


def _known_defect(
    ctx: PageContext, finding: Finding, example: PageExample, messages: list[str]
) -> Finding:
    """The finding, explained when the spec lists this very example as a doc defect."""
    spec_name = ctx.api.document.path.name
    for spec_example in _spec_examples(ctx, example.role, example.status):
        if spec_example[1] != example.value or example.field:
            continue
        defect = ctx.defects.find(spec_name, spec_example[2])
        if defect is not None and any(defect.violates in m for m in messages):
            return replace(
                finding,
                explanation=Explanation(
                    "doc-defect", f"{ctx.defects.display}:{spec_example[2]}", defect.reason
                ),
            )
    return finding


def _spec_examples(ctx: PageContext, role: str, status: str | None) -> list[tuple[str, Any, str]]:
    """``(name, value, pointer)`` of the spec's examples for a role (and status)."""
    if role == "request":
        examples = ctx.op.body.examples if ctx.op.body is not None else ()
    else:
        wanted = ctx.status(status)
        examples = next((r.examples for r in ctx.op.responses if r.status == wanted), ())
    return [(e.name, e.value, e.pointer) for e in examples]


def _undeclared(
    ctx: PageContext,
    example: PageExample,
    undeclared: list[tuple[FieldPath, SpecField]],
    part: str,
) -> Iterator[Finding]:
    for path, parent in undeclared:
        key = path[-1]
        line = dict(example.key_lines).get(key) or ctx.view.find_line(json.dumps(key), example.line)
        yield ctx.finding(
            "example-field-not-in-spec",
            f"the page's {example.label} has {path_text(path)!r}, which the spec does not declare",
            line=line or example.line,
            pointer=parent.properties_at or parent.pointer,
            part=part,
            subject=path_text(path),
        )


def _walk_undeclared(
    value: Any, path: FieldPath, fields: dict[FieldPath, SpecField]
) -> Iterator[tuple[FieldPath, SpecField]]:
    if isinstance(value, dict):
        parent = fields.get(path)
        for key, item in value.items():
            child = (*path, key)
            if child in fields:
                yield from _walk_undeclared(item, child, fields)
            elif (*path, VALUES) in fields:
                yield from _walk_undeclared(item, (*path, VALUES), fields)
            elif parent is not None and (parent.properties_at is not None or parent.closed):
                yield child, parent
    elif isinstance(value, list) and (*path, ITEMS) in fields:
        for item in value:
            yield from _walk_undeclared(item, (*path, ITEMS), fields)


def check_spec_examples(ctx: PageContext, documented: set[str]) -> Iterator[Finding]:
    """Each ``doc-*`` spec example must still equal an example on the page."""
    on_page = [e for e in page_examples(ctx) if not e.field]
    roles: list[tuple[str, str | None]] = [("request", None)]
    roles.extend(("response", status) for status in sorted(documented))
    for role, status in roles:
        candidates = [
            e
            for e in on_page
            if e.role == role and (role == "request" or ctx.status(e.status) == status)
        ]
        for name, value, pointer in _spec_examples(ctx, role, status):
            if not name.startswith("doc-") or any(e.value == value for e in candidates):
                continue
            nearest = candidates[0] if candidates else None
            where = (
                f"; the page's {nearest.label} at line {nearest.line} differs at "
                f"{_first_difference(value, nearest.value)}"
                if nearest
                else "; the page shows no such example"
            )
            yield ctx.finding(
                "spec-example-not-on-page",
                f"spec example {name!r} was copied from the page but no longer matches it{where}",
                line=nearest.line if nearest else None,
                pointer=pointer,
                part="request" if role == "request" else f"response {status}",
                subject=name,
            )


def _first_difference(a: Any, b: Any, at: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            here = f"{at}/{key}"
            if key not in b:
                return f"{here} (only in the spec)"
            if key not in a:
                return f"{here} (only on the page)"
            if a[key] != b[key]:
                return _first_difference(a[key], b[key], here)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{at}/{i}")
    return f"{at or '/'} ({json.dumps(a)[:40]} in the spec, {json.dumps(b)[:40]} on the page)"
