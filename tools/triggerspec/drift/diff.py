"""``diff OLD NEW``: each change between two versions of a spec, classified by who it breaks.

One principle decides every constraint (:func:`triggerspec.drift.changes.impact`): a
request schema must keep accepting everything it accepted (or it breaks **callers**, whose
existing requests start failing), and a response schema must keep within what it promised
(or it breaks **consumers**, whose parsing of responses starts failing). So a narrower
request constraint breaks callers and a wider one breaks no one; a wider response
constraint (a new enum value, a field made optional or nullable, a loosened pattern) breaks
consumers and a narrower one breaks no one. Additions
and removals follow the usual rules: a new required request field or parameter, a removed
request field or operation, a changed endpoint or auth break callers; a removed response
field breaks consumers; a new optional field, a new response field, a new operation break
no one. Whether a changed regex is stricter is decided by bounded sampling
(:mod:`triggerspec.drift.sampling`), and a change it cannot show to be safe counts as breaking.

Example:
    >>> diff = diff_apis(load_api(Path("old.yaml")), load_api(Path("new.yaml")))
    >>> [c.kind for c in diff.changes if c.impact == "consumers"]
    ['response-enum-widened']
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from triggerspec.drift.changes import IMPACTS, Change, Impact, SpecDiff
from triggerspec.drift.fielddiff import field_changes, fields_changes
from triggerspec.drift.fields import Shape, shape_at
from triggerspec.drift.loading import load_checked
from triggerspec.spec.load import SpecDocument
from triggerspec.spec.model import Api, Operation, SecurityScheme

Schemes = dict[str, SecurityScheme]

__all__ = ["IMPACTS", "Change", "SpecDiff", "diff_apis", "diff_files", "operation_changes"]


def diff_files(old: Path, new: Path, old_display: str, new_display: str) -> SpecDiff:
    """Load two spec files with the contract model and diff them."""
    return diff_apis(load_checked(old, old_display), load_checked(new, new_display))


def diff_apis(old: Api, new: Api) -> SpecDiff:
    """Classify every change from ``old`` to ``new``."""
    changes: list[Change] = []
    if old.servers and old.base_url not in new.servers:
        changes.append(
            Change(
                "server-changed",
                "callers",
                "",
                "servers",
                "",
                f"the base URL {old.base_url} is gone (now {new.base_url})",
                "/servers",
                "/servers",
            )
        )
    old_ops = {op.operation_id: op for op in old.operations}
    new_ops = {op.operation_id: op for op in new.operations}
    matched: set[str] = set()
    for op_id, o in old_ops.items():
        n = new_ops.get(op_id)
        if n is None:
            n = next(
                (
                    op
                    for op in new.operations
                    if (op.method, op.path) == (o.method, o.path) and op.operation_id not in old_ops
                ),
                None,
            )
            if n is None:
                changes.append(
                    _op_change("operation-removed", "callers", o, f"{o.method} {o.path} is gone")
                )
                continue
            changes.append(
                Change(
                    "operation-renamed",
                    "callers",
                    op_id,
                    "operation",
                    "operationId",
                    f"operationId {op_id!r} is now {n.operation_id!r}: generated client methods "
                    "change name",
                    o.pointer,
                    n.pointer,
                )
            )
        matched.add(n.operation_id)
        changes.extend(
            operation_changes((old.document, old.schemes, o), (new.document, new.schemes, n))
        )
    for op_id, n in new_ops.items():
        if op_id not in matched:
            changes.append(
                Change(
                    "operation-added",
                    "none",
                    op_id,
                    "operation",
                    "",
                    f"new operation {n.method} {n.path}",
                    None,
                    n.pointer,
                )
            )
    return SpecDiff(old.document.display, new.document.display, tuple(changes))


def _op_change(kind: str, impact: Impact, op: Operation, message: str) -> Change:
    return Change(kind, impact, op.operation_id, "operation", "", message, op.pointer, None)


def operation_changes(
    old: tuple[SpecDocument, Schemes, Operation], new: tuple[SpecDocument, Schemes, Operation]
) -> Iterator[Change]:
    """Every change of one operation: ``(document, security schemes, operation)`` each side.

    The documents need not be triggerspec specs (``audit`` compares a spec with a vendor's
    own document through this function)."""
    (old_doc, old_schemes, o), (new_doc, new_schemes, n) = old, new
    op_id = o.operation_id
    if (o.method, o.path) != (n.method, n.path):
        yield Change(
            "endpoint-changed",
            "callers",
            op_id,
            "operation",
            "",
            f"{o.method} {o.path} is now {n.method} {n.path}",
            o.pointer,
            n.pointer,
        )
    if n.deprecated and not o.deprecated:
        yield Change(
            "operation-deprecated",
            "none",
            op_id,
            "operation",
            "",
            "the operation is now deprecated"
            + (f" (replaced by {n.replaced_by})" if n.replaced_by else ""),
            o.pointer,
            n.pointer,
        )
    yield from _auth(old_schemes, o, new_schemes, n)
    so, sn = shape_at(old_doc, o), shape_at(new_doc, n)
    yield from _parameters(op_id, so, sn)
    yield from _body(op_id, o, so, n, sn)
    yield from _responses(op_id, o, so, n, sn)


def _alternatives(schemes: Schemes, op: Operation) -> dict[frozenset[tuple[str, str]], str]:
    found: dict[frozenset[tuple[str, str]], str] = {}
    for alternative in op.security:
        key = frozenset(
            (schemes[name].kind, schemes[name].header.lower())
            for name in alternative
            if name in schemes
        )
        found[key] = " + ".join(alternative) or "no auth"
    return found


def _auth(old: Schemes, o: Operation, new: Schemes, n: Operation) -> Iterator[Change]:
    before, after = _alternatives(old, o), _alternatives(new, n)
    for key, name in before.items():
        if key not in after:
            yield Change(
                "auth-removed",
                "callers",
                o.operation_id,
                "security",
                name,
                f"authenticating with {name} ({', '.join(sorted(h for _, h in key))}) is no "
                "longer accepted",
                o.pointer + "/security",
                n.pointer + "/security",
            )
    for key, name in after.items():
        if key not in before:
            yield Change(
                "auth-added",
                "none",
                o.operation_id,
                "security",
                name,
                f"{name} is accepted as a new way to authenticate",
                o.pointer + "/security",
                n.pointer + "/security",
            )


def _parameters(op_id: str, so: Shape, sn: Shape) -> Iterator[Change]:
    for name, old in so.parameters.items():
        new = sn.parameters.get(name)
        if new is None:
            yield Change(
                "parameter-removed",
                "callers",
                op_id,
                "parameters",
                name,
                f"{old.location} parameter {name!r} is gone",
                old.site,
            )
        elif new.location != old.location:
            yield Change(
                "parameter-moved",
                "callers",
                op_id,
                "parameters",
                name,
                f"parameter {name!r} moved from {old.location} to {new.location}",
                old.site,
                new.site,
            )
        else:
            yield from field_changes("parameter", op_id, "parameters", old, new)
    for name, new in sn.parameters.items():
        if name not in so.parameters:
            required = new.required
            yield Change(
                f"parameter-added-{'required' if required else 'optional'}",
                "callers" if required else "none",
                op_id,
                "parameters",
                name,
                f"new {'required' if required else 'optional'} {new.location} parameter {name!r}",
                None,
                new.site,
            )


def _body(op_id: str, o: Operation, so: Shape, n: Operation, sn: Shape) -> Iterator[Change]:
    if so.request is None and sn.request is None:
        return
    if so.request is None or sn.request is None:
        added = so.request is None
        required = sn.request_required if added else so.request_required
        kind = f"request-body-{'added' if added else 'removed'}"
        if added:
            kind += "-required" if required else "-optional"
        yield Change(
            kind,
            "callers" if (not added or required) else "none",
            op_id,
            "request",
            "",
            "the operation now takes a " + ("required " if required else "") + "request body"
            if added
            else "the operation no longer takes a request body",
            so.request_at,
            sn.request_at,
        )
        return
    if so.request_media != sn.request_media:
        yield Change(
            "request-media-type-changed",
            "callers",
            op_id,
            "request",
            "",
            f"the request body is now {sn.request_media} (was {so.request_media})",
            so.request_at,
            sn.request_at,
        )
        return
    if sn.request_required and not so.request_required:
        yield Change(
            "request-body-made-required",
            "callers",
            op_id,
            "request",
            "",
            "the request body is now required",
            so.request_at,
            sn.request_at,
        )
    yield from fields_changes("request", op_id, "request", so.request, sn.request)
    yield from _rules(op_id, o, n, so, sn)


def _rules(op_id: str, o: Operation, n: Operation, so: Shape, sn: Shape) -> Iterator[Change]:
    def keyed(op: Operation) -> dict[tuple[str, frozenset[str], str], str]:
        return {
            (r.kind, frozenset(r.fields), r.at): r.message
            for r in op.rules
            if r.kind != "max-bytes"
        }

    before, after = keyed(o), keyed(n)
    for key, message in after.items():
        if key not in before:
            yield Change(
                "request-rule-added",
                "callers",
                op_id,
                "request",
                key[2] or "(body)",
                f"new rule: {message}",
                so.request_at,
                sn.request_at,
            )
    for key, message in before.items():
        if key not in after:
            yield Change(
                "request-rule-removed",
                "none",
                op_id,
                "request",
                key[2] or "(body)",
                f"rule dropped: {message}",
                so.request_at,
                sn.request_at,
            )


def _responses(op_id: str, o: Operation, so: Shape, n: Operation, sn: Shape) -> Iterator[Change]:
    if o.success.status != n.success.status:
        yield Change(
            "success-status-changed",
            "consumers",
            op_id,
            "responses",
            o.success.status,
            f"success is now {n.success.status} (was {o.success.status})",
            o.success.pointer,
            n.success.pointer,
        )
    old_2xx = {r.status: r for r in o.successes}
    new_2xx = {r.status: r for r in n.successes}
    for status in sorted(set(new_2xx) - set(old_2xx) - {n.success.status}):
        yield Change(
            "success-status-added",
            "consumers",
            op_id,
            "responses",
            status,
            f"a {status} success response is added (consumers may not expect it)",
            None,
            new_2xx[status].pointer,
        )
    for status in sorted(set(old_2xx) - set(new_2xx) - {o.success.status}):
        yield Change(
            "success-status-removed",
            "none",
            op_id,
            "responses",
            status,
            f"the {status} success response is removed",
            old_2xx[status].pointer,
            None,
        )
    pairs = [(o.success.status, n.success.status)]
    pairs += [(s, s) for s in so.responses if s in sn.responses and s != o.success.status]
    for old_status, new_status in pairs:
        before, after = so.responses.get(old_status), sn.responses.get(new_status)
        part = f"response {new_status}"
        if before is not None and after is None:
            yield Change(
                "response-body-removed",
                "consumers",
                op_id,
                part,
                "",
                f"the {new_status} response no longer has a JSON body",
                so.response_at.get(old_status),
                sn.response_at.get(new_status),
            )
        elif before is not None and after is not None:
            yield from fields_changes("response", op_id, part, before, after)
    for status in so.responses:
        if status not in sn.responses and status != o.success.status and not status.startswith("2"):
            yield Change(
                "response-removed",
                "none",
                op_id,
                f"response {status}",
                status,
                f"the {status} response is no longer documented",
                so.response_at.get(status),
            )
    for status in sn.responses:
        if status not in so.responses and status != n.success.status and not status.startswith("2"):
            yield Change(
                "response-added",
                "none",
                op_id,
                f"response {status}",
                status,
                f"a {status} response is now documented",
                None,
                sn.response_at.get(status),
            )
