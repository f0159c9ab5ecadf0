"""A page's field lists against the operation's fields, both ways.

Every field, type, required flag, enum value and constraint the page states must be in the
spec, and every one the spec states must be on the page; each difference is a finding that
points at the page line and at the spec pointer to edit. A page that lost its field names
(the Cloudflare Pages form) is compared as far as it goes: its descriptions are matched to
the spec fields they describe, and their prose rules checked. Nullability is not compared:
none of the page formats states it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from triggerspec.drift.builder import FieldBuilder
from triggerspec.drift.context import PageContext
from triggerspec.drift.fields import CONSTRAINTS, SpecField
from triggerspec.drift.findings import Finding
from triggerspec.drift.prose import DescriptionMatch, match_descriptions
from triggerspec.drift.view import ITEMS, VALUES, DocField, FieldList, FieldPath, path_text


def check_field_lists(ctx: PageContext, documented: set[str]) -> Iterator[Finding]:
    """Compare the parameters, request and documented responses with the page's lists."""
    view = ctx.view
    params: dict[FieldPath, SpecField] = {(name,): f for name, f in ctx.shape.parameters.items()}
    yield from _part(ctx, "parameters", view.field_list("parameters"), params, "path parameters")
    if ctx.shape.request is not None:
        listed = view.field_list("request")
        yield from _part(ctx, "request", listed, ctx.shape.request, "request body")
        if listed is not None:
            yield from _rules(ctx, listed)
    for status in sorted(documented):
        spec_fields = ctx.shape.responses.get(status)
        if spec_fields is None:
            continue
        listed = next(
            (
                fl
                for fl in view.field_lists
                if fl.part == "response" and ctx.status(fl.status) == status
            ),
            None,
        )
        yield from _part(ctx, f"response {status}", listed, spec_fields, f"response {status} body")


def _part(
    ctx: PageContext,
    part: str,
    listed: FieldList | None,
    spec: dict[FieldPath, SpecField],
    what: str,
) -> Iterator[Finding]:
    named = {p: f for p, f in spec.items() if p}
    if listed is None:
        if named:
            yield ctx.finding(
                "no-field-list",
                f"the page lists no fields for the {what}; the spec's {len(named)} field(s) "
                "cannot be checked against it",
                pointer=_root_pointer(spec),
                part=part,
                subject=part,
            )
        return
    if not listed.complete:
        yield from _names_lost(ctx, part, listed, spec, what)
        return
    docs = {f.path: f for f in listed.fields}
    for field in listed.fields:
        found = spec.get(field.path)
        if found is None:
            if field.path[:-1] in spec or not field.path[:-1]:
                parent = spec.get(field.path[:-1])
                yield ctx.finding(
                    "field-not-in-spec",
                    f"the page lists {path_text(field.path)!r} ({field.type_text or 'no type'}); "
                    "the spec does not have it",
                    line=field.line,
                    pointer=(
                        (parent.properties_at or parent.pointer) if parent else ctx.op.pointer
                    ),
                    part=part,
                    subject=path_text(field.path),
                )
            continue
        yield from _compare(ctx, part, field, found)
    for path, spec_field in named.items():
        if path in docs or (path[:-1] and path[:-1] not in docs):
            continue
        holder = docs.get(path[:-1])
        yield ctx.finding(
            "field-not-in-docs",
            f"the spec has {path_text(path)!r}; the page does not list it",
            line=holder.line if holder else listed.line,
            pointer=spec_field.site,
            part=part,
            subject=path_text(path),
        )


def _root_pointer(spec: dict[FieldPath, SpecField]) -> str | None:
    root = spec.get(())
    if root is not None:
        return root.properties_at or root.pointer
    first = next(iter(spec.values()), None)
    return first.site if first else None


def _names_lost(
    ctx: PageContext,
    part: str,
    listed: FieldList,
    spec: dict[FieldPath, SpecField],
    what: str,
) -> Iterator[Finding]:
    top = {p[0]: f for p, f in spec.items() if len(p) == 1}
    matches, unmatched = match_descriptions(
        listed.descriptions, {name: f.description for name, f in top.items()}
    )
    recognised: list[str] = []
    for match in matches:
        recognised.append(match.name)
        yield from _compare(ctx, part, _described(ctx, match), top[match.name], partial=True)
    for prose in unmatched:
        yield ctx.finding(
            "description-unmatched",
            f"the page describes a field whose name was lost ({prose.text[:60]!r}); no spec "
            "field has that description",
            line=prose.line,
            pointer=_root_pointer(spec),
            part=part,
            subject=prose.text[:40],
        )
    shown = {e for e in _example_keys(ctx, part)}
    unnamed = sorted(n for n in top if n not in recognised and n not in shown)
    detail = f"{len(recognised)} recognised by their descriptions, " if recognised else ""
    detail += f"{len(shown & set(top))} named in its examples"
    yield ctx.finding(
        "no-field-list",
        f"the page lost the field names of the {what} ({detail}); not on the page: "
        + (", ".join(unnamed) if unnamed else "none")
        + "; their types and constraints cannot be checked",
        line=listed.line,
        pointer=_root_pointer(spec),
        part=part,
        subject=part,
        detail=",".join(unnamed),
    )


def _described(ctx: PageContext, match: DescriptionMatch) -> DocField:
    """A field known only by its description (the page lost its name)."""
    builder = FieldBuilder((match.name,), match.prose.line)
    for line in range(match.prose.line, match.prose.end_line + 1):
        builder.describe(ctx.view.lines[line - 1].strip(), line)
    return builder.build()


def _example_keys(ctx: PageContext, part: str) -> set[str]:
    """Top-level field names the page's examples for ``part`` show (curl bodies included)."""
    keys: set[str] = set()
    if part == "request":
        for curl in ctx.view.curls:
            keys |= set(curl.form_values)
            if isinstance(curl.json, dict):
                keys |= set(curl.json)
    for ex in ctx.view.examples:
        if ex.role == "request":
            wanted = part == "request"
        else:
            wanted = part == f"response {ctx.status(ex.status)}"
        if wanted and not ex.field and isinstance(ex.value, dict):
            keys |= set(ex.value)
    return keys


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _compare(
    ctx: PageContext, part: str, field: DocField, found: SpecField, partial: bool = False
) -> Iterator[Finding]:
    """Types, required flag, enum and constraints of one field on both sides.

    ``partial``: the page states only some facts (a description whose name was lost), so
    only what it states is compared.
    """
    subject = path_text(field.path)
    if field.types is not None and found.types is not None and field.types != found.types:
        yield ctx.finding(
            "type-differs",
            f"{subject!r} is {_types(field.types)} on the page and {_types(found.types)} in "
            "the spec",
            line=field.line,
            pointer=found.pointer_of("type"),
            part=part,
            subject=subject,
            detail=f"{_types(field.types)}!={_types(found.types)}",
        )
    comparable = field.required is not None and not (field.synthetic or found.synthetic)
    if comparable and field.required != found.required:
        yield ctx.finding(
            "required-differs",
            f"{subject!r} is {'required' if field.required else 'optional'} on the page "
            f"and {'required' if found.required else 'optional'} in the spec",
            line=field.line,
            pointer=found.required_at,
            part=part,
            subject=subject,
            detail="docs-required" if field.required else "docs-optional",
        )
    if not partial:
        yield from _enum(ctx, part, field, found)
    for key in CONSTRAINTS:
        if not partial or key in field.constraints:
            yield from _constraint(ctx, part, field, found, key)


def _types(types: frozenset[str]) -> str:
    return "/".join(sorted(types))


def _enum(ctx: PageContext, part: str, field: DocField, found: SpecField) -> Iterator[Finding]:
    subject = path_text(field.path)
    if field.enum is None and found.enum is None:
        return
    if field.enum is None or found.enum is None:
        on_page = field.enum is not None
        yield ctx.finding(
            "constraint-not-in-spec" if on_page else "constraint-not-in-docs",
            f"{subject!r} has an enum "
            + ("on the page but not in the spec" if on_page else "in the spec but not on the page")
            + f": {', '.join(map(_shown, field.enum or found.enum or ()))}",
            line=field.line,
            pointer=found.pointer if on_page else found.pointer_of("enum"),
            part=part,
            subject=subject,
            detail="enum",
        )
        return
    spec_values = [_shown(v) for v in found.enum]
    for value in field.enum:
        if value not in spec_values:
            yield ctx.finding(
                "enum-value-not-in-spec",
                f"the page lists {value!r} for {subject!r}; the spec's enum does not have it",
                line=field.line_of(f"enum:{value}"),
                pointer=found.pointer_of("enum"),
                part=part,
                subject=subject,
                detail=value,
            )
    if field.enum_partial:
        return
    for value in spec_values:
        if value not in field.enum:
            yield ctx.finding(
                "enum-value-not-in-docs",
                f"the spec's enum for {subject!r} has {value!r}; the page does not list it",
                line=field.line,
                pointer=found.pointer_of("enum"),
                part=part,
                subject=subject,
                detail=value,
            )


def _constraint(
    ctx: PageContext, part: str, field: DocField, found: SpecField, key: str
) -> Iterator[Finding]:
    subject = path_text(field.path)
    on_page, in_spec = field.constraints.get(key), found.constraints.get(key)
    if (on_page is None and in_spec is None) or on_page == in_spec:
        return
    if on_page is not None and in_spec is not None:
        yield ctx.finding(
            "constraint-differs",
            f"{subject!r} {key} is {_shown(on_page)} on the page and {_shown(in_spec)} in the spec",
            line=field.line_of(key),
            pointer=found.pointer_of(key),
            part=part,
            subject=subject,
            detail=key,
        )
    elif on_page is not None:
        yield ctx.finding(
            "constraint-not-in-spec",
            f"the page gives {subject!r} {key} {_shown(on_page)}; the spec has no {key}",
            line=field.line_of(key),
            pointer=found.pointer,
            part=part,
            subject=subject,
            detail=key,
        )
    else:
        yield ctx.finding(
            "constraint-not-in-docs",
            f"the spec gives {subject!r} {key} {_shown(in_spec)}; the page states none",
            line=field.line,
            pointer=found.pointer_of(key),
            part=part,
            subject=subject,
            detail=key,
        )


def _instance_at(path: FieldPath) -> str:
    return "".join("/*" if s in (ITEMS, VALUES) else f"/{s}" for s in path)


def _rules(ctx: PageContext, listed: FieldList) -> Iterator[Finding]:
    """Prose rules ("required if X not provided", "mutually exclusive with X") vs spec rules."""
    docs = list(listed.fields)
    if not listed.complete:
        top = {p[0]: f for p, f in (ctx.shape.request or {}).items() if len(p) == 1}
        matches, _ = match_descriptions(
            listed.descriptions, {n: f.description for n, f in top.items()}
        )
        docs = [_described(ctx, m) for m in matches]
    rules = [r for r in ctx.op.rules if r.kind != "max-bytes"]
    spec_fields = ctx.shape.request or {}
    stated: set[int] = set()
    for field in docs:
        at = _instance_at(field.path[:-1])
        for other, kinds, what in [
            *((o, ("at-least-one-of", "exactly-one-of"), "required if") for o in field.required_if),
            *(
                (o, ("mutually-exclusive", "exactly-one-of"), "exclusive with")
                for o in field.exclusive_with
            ),
        ]:
            pair = {field.name, other}
            hits = [
                i
                for i, r in enumerate(rules)
                if r.kind in kinds and r.at == at and pair <= set(r.fields)
            ]
            stated.update(hits)
            if not hits:
                parent = spec_fields.get(field.path[:-1])
                yield ctx.finding(
                    "rule-not-in-spec",
                    f"the page says {field.name!r} is {what} {other!r}; the spec states no "
                    "such rule",
                    line=field.line,
                    pointer=parent.pointer if parent else ctx.shape.request_at,
                    part="request",
                    subject=path_text(field.path),
                    detail=f"{what} {other}",
                )
    for i, rule in enumerate(rules):
        if i in stated:
            continue
        path = tuple(s for s in rule.at.split("/") if s)
        holder = spec_fields.get(path)
        yield ctx.finding(
            "rule-not-in-docs",
            f"the spec's rule '{rule.message}' is not stated on the page",
            line=listed.line,
            pointer=holder.pointer if holder else ctx.shape.request_at,
            part="request",
            subject=rule.at or "(body)",
            detail=rule.kind,
        )
