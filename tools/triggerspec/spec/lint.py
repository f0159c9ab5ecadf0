"""``triggerspec lint``: every problem in every spec, as ``file:json-pointer: message``.

Problems are collected, not raised one at a time, so a user sees them all in one run. A
spec that cannot be loaded or parsed yields one problem naming the file and place.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.conformance import openapi_problems
from triggerspec.spec.defects import DocDefects, check_examples
from triggerspec.spec.extensions import EXTENSIONS, RETRY_SAFETY, SIDE_EFFECTS
from triggerspec.spec.load import SpecDocument, iter_refs, load_spec
from triggerspec.spec.model import HTTP_METHODS, Api, Operation, media_kind, parse_api
from triggerspec.spec.paths import segment_pattern
from triggerspec.spec.patterns import check_portable


@dataclass(frozen=True, order=True)
class Problem:
    """One lint finding."""

    file: str
    pointer: str
    message: str
    category: str = field(default="", compare=False)
    """What kind of problem this is, for the summary (the message, names blanked, if empty)."""

    def __str__(self) -> str:
        return f"{self.file}:{self.pointer or '/'}: {self.message}"

    @property
    def kind(self) -> str:
        """The problem's kind: its category, or its message with names and numbers blanked."""
        return self.category or re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", self.message)[:80]


@dataclass
class LintReport:
    """Everything lint found, and the APIs it could parse."""

    problems: list[Problem]
    apis: list[Api]
    files: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_kind(self) -> list[tuple[str, int]]:
        """How many problems of each kind, the most frequent first (then by name)."""
        counts = Counter(p.kind for p in self.problems)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def lint_files(
    paths: list[Path],
    defects: DocDefects,
    display: dict[Path, str],
    *,
    every_spec: bool = True,
) -> LintReport:
    """Lint each spec file; problems in one file never stop the others.

    With ``every_spec`` (the whole project is linted), a doc-defect entry naming a spec that
    is not among ``paths`` is a problem too.
    """
    problems: list[Problem] = []
    apis: list[Api] = []
    seen_ids: dict[str, str] = {}
    seen_routes: dict[tuple[str, str], tuple[str, Operation]] = {}
    seen_base_urls: dict[str, tuple[str, str]] = {}
    for path in paths:
        shown = display.get(path, str(path))
        try:
            doc = load_spec(path, shown)
        except SpecError as exc:
            problems.append(Problem(exc.file, exc.pointer, exc.detail))
            continue
        file_problems = [_written_at(doc, p) for p in _lint_document(doc)]
        api: Api | None = None
        if not any(p.message.startswith(("$ref", "OpenAPI 3.")) for p in file_problems):
            try:
                api = parse_api(doc)
            except SpecError as exc:
                file_problems.append(Problem(exc.file, exc.pointer, exc.detail))
        if api is not None:
            apis.append(api)
            file_problems.extend(_base_url_clash(api, shown, seen_base_urls))
            for op in api.operations:
                if op.operation_id in seen_ids:
                    file_problems.append(
                        Problem(
                            shown,
                            op.pointer + "/operationId",
                            f"operationId {op.operation_id!r} is also used in "
                            + seen_ids[op.operation_id],
                        )
                    )
                seen_ids[op.operation_id] = shown
                file_problems.extend(_route_clash(api, op, shown, seen_routes))
                file_problems.extend(_undocumented_auth_errors(api, op, shown))
            file_problems.extend(
                Problem(shown, f.pointer, f.message, f.kind) for f in check_examples(api, defects)
            )
        problems.extend(file_problems)
    problems.extend(
        Problem(defects.display, f"/{i}", f"doc-defect entry names {d.spec}, which is not linted")
        for i, d in enumerate(defects.entries)
        if every_spec and d.spec not in {p.name for p in paths}
    )
    return LintReport(sorted(set(problems)), apis, len(paths))


def route_shape(base_path: str, template: str) -> str:
    """The shape of a served path: each parameter as ``{}``, whatever its name."""
    out = []
    for segment in (base_path + template).split("/"):
        try:
            found = segment_pattern(segment)
        except ValueError:
            found = None
        out.append(found[0] if found else segment)
    return "/".join(out)


def _route_clash(
    api: Api, op: Operation, shown: str, seen: dict[tuple[str, str], tuple[str, Operation]]
) -> Iterator[Problem]:
    """Two operations the mock could not tell apart: same method, same path shape."""
    key = (op.method, route_shape(api.base_path, op.path))
    other = seen.get(key)
    if other is not None:
        yield Problem(
            shown,
            op.pointer,
            f"{op.method} {api.base_path}{op.path} ({op.operation_id}) cannot be told apart "
            f"from {other[1].operation_id} in {other[0]} (same method and path shape)",
        )
    else:
        seen[key] = (shown, op)


def _undocumented_auth_errors(api: Api, op: Operation, shown: str) -> Iterator[Problem]:
    """A declared auth refusal a secured operation documents no response for."""
    if not op.security or any(not alternative for alternative in op.security):
        return
    for kind in api.auth_errors.declared:
        status = api.auth_errors.of(kind).status
        if op.response_for(status) is None:
            yield Problem(
                shown,
                op.pointer + "/responses",
                f"x-auth-errors says a {kind} credential is answered {status}, but "
                f"{op.operation_id} documents no {status}, {str(status)[0]}XX or default response",
            )


def _base_url_clash(api: Api, shown: str, seen: dict[str, tuple[str, str]]) -> list[Problem]:
    """A base-URL variable two specs share while their servers differ: setting it would send
    both APIs' clients to one place."""
    problems: list[Problem] = []
    for name in api.base_url_env:
        other = seen.setdefault(name, (shown, api.base_url))
        if other[1] != api.base_url:
            problems.append(
                Problem(
                    shown,
                    "/servers/0",
                    f"base-URL variable {name} is also {other[0]}'s, whose server differs "
                    f"({other[1]}); give each API its own",
                )
            )
    return problems


def _written_at(doc: SpecDocument, problem: Problem) -> Problem:
    """``problem`` at the file and pointer it was written in (a spec may span files)."""
    if problem.file != doc.display or not doc.origins:
        return problem
    return Problem(*doc.locate(problem.pointer), problem.message)


def _lint_document(doc: SpecDocument) -> Iterator[Problem]:
    shown = doc.display
    dangling = False
    for ref, at in iter_refs(doc.raw):
        try:
            doc.resolve_ref(ref, at)
        except SpecError as exc:
            dangling = True
            yield Problem(shown, at, exc.detail)
    if not dangling:  # the OpenAPI validator cannot walk a document whose refs dangle
        yield from (Problem(*found) for found in openapi_problems(doc))
    yield from _lint_extensions(shown, doc.raw, "")
    yield from _lint_patterns(shown, doc.raw, "")
    yield from _lint_operations(doc)


# Maps whose keys are names chosen by the spec author (a header may be called x-...).
_NAME_MAPS = {
    "headers",
    "properties",
    "paths",
    "responses",
    "schemas",
    "parameters",
    "securitySchemes",
    "encoding",
    "examples",
    "content",
    "callbacks",
    "links",
}


def _lint_extensions(shown: str, node: Any, at: str) -> Iterator[Problem]:
    if isinstance(node, dict):
        names_map = at.rsplit("/", 1)[-1] in _NAME_MAPS
        for key, value in node.items():
            here = jp.join(at, key)
            if (
                isinstance(key, str)
                and key.startswith("x-")
                and key not in EXTENSIONS
                and not names_map
            ):
                # Other x- extensions belong to whoever published the document (x-github,
                # x-logo...); only a near miss of one of ours is a misspelling.
                near = difflib.get_close_matches(key, EXTENSIONS, n=1, cutoff=0.8)
                if near:
                    yield Problem(
                        shown, here, f"unknown extension {key!r}; did you mean {near[0]!r}?"
                    )
            if key == "x-side-effects" and value not in SIDE_EFFECTS:
                yield Problem(shown, here, f"x-side-effects must be one of {list(SIDE_EFFECTS)}")
            if key == "x-retry-safe" and value not in RETRY_SAFETY:
                yield Problem(shown, here, f"x-retry-safe must be one of {list(RETRY_SAFETY)}")
            if key in ("x-auth-errors", "x-envelope") and at != "/info" and not names_map:
                yield Problem(shown, here, f"{key} is read from info only (one per API)")
            if key in ("examples", "example") and not at.endswith("/properties"):
                continue  # example values are data, not schema
            yield from _lint_extensions(shown, value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _lint_extensions(shown, value, jp.join(at, i))


def _lint_patterns(shown: str, node: Any, at: str) -> Iterator[Problem]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = jp.join(at, key)
            if key == "pattern" and not at.endswith("/properties"):
                yield from _lint_pattern(shown, here, value)
            elif key == "patternProperties" and isinstance(value, dict):
                # The keys are regexes too: every validator compiles them.
                for regex, schema in value.items():
                    where = jp.join(here, regex)
                    yield from _lint_pattern(shown, where, regex)
                    yield from _lint_patterns(shown, schema, where)
            elif key not in ("examples", "example"):
                yield from _lint_patterns(shown, value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _lint_patterns(shown, value, jp.join(at, i))


def _lint_pattern(shown: str, here: str, value: Any) -> Iterator[Problem]:
    """A regex must be a string that compiles, with one meaning, in both engines."""
    if not isinstance(value, str):
        yield Problem(shown, here, f"a regex must be a string, not {type(value).__name__}")
        return
    problem = check_portable(value)
    if problem is not None:
        yield Problem(shown, here, f"regex {value!r} {problem.message}")


def _lint_operations(doc: SpecDocument) -> Iterator[Problem]:
    shown = doc.display
    root_security = doc.raw.get("security")
    # triggerspec's policy, not an OpenAPI rule: every operation states its auth. It binds a
    # document that declares security schemes (an operation without `security` there is
    # most likely an oversight); one that declares none has no auth to state (GitHub's own
    # description: tokens are optional on most of its operations).
    schemes = ((doc.raw.get("components") or {}).get("securitySchemes")) or {}
    for path, item in (doc.raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            at = jp.join("/paths", path, method)
            for key in ("operationId", "summary"):
                if not op.get(key):
                    yield Problem(shown, at, f"{key} is missing")
            if schemes and not op.get("security", root_security):
                yield Problem(
                    shown,
                    at,
                    "security is missing (the document declares security schemes: state which "
                    "this operation takes, or `security: []` for none)",
                )
            body = op.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                for media, content in (body.get("content") or {}).items():
                    if not (content.get("examples") or "example" in content):
                        yield Problem(
                            shown,
                            jp.join(at, "requestBody", "content", media),
                            "request body has no example",
                        )
            for status, resp in (op.get("responses") or {}).items():
                if str(status).startswith("2") and isinstance(resp, dict):
                    for media, content in (resp.get("content") or {}).items():
                        if media_kind(media) != "json":
                            continue  # a text or binary body: nothing to validate an example by
                        if not (content.get("examples") or "example" in content):
                            yield Problem(
                                shown,
                                jp.join(at, "responses", status, "content", media),
                                "success response has no example",
                            )
