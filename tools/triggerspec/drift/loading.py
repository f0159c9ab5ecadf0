"""Load a spec for the drift tools: checked first, so a malformed file is one clear error.

An OpenAPI 3.0 document is first normalised to the 3.1 dialect
(:mod:`triggerspec.spec.dialect`). The contract model's parser expects a valid OpenAPI
document; a spec being edited (the ``NEW`` of a diff, or a spec mid-update) may not be
one yet. So every ``$ref`` is resolved and the document validated against OpenAPI 3.1
before it is parsed, and the first problem is raised as a ``SpecError`` naming the file
and the JSON pointer, with the command that lists all of them.
"""

from __future__ import annotations

from pathlib import Path

from triggerspec.errors import SpecError
from triggerspec.spec.conformance import openapi_label, openapi_problems
from triggerspec.spec.dialect import normalise
from triggerspec.spec.load import SpecDocument, iter_refs, load_spec
from triggerspec.spec.model import Api, parse_api

_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)
_CHECKED: dict[str, tuple[str, str, str] | None] = {}
"""OpenAPI validation results by content hash: a spec is validated once per process."""


def _openapi_problem(doc: SpecDocument) -> tuple[str, str, str] | None:
    """The first problem of a document against its own OpenAPI version, if any."""
    if doc.sha256 not in _CHECKED:
        found = next(openapi_problems(doc), None)
        if found is not None:
            shown, at, message = found
            found = (shown, at, message.splitlines()[0][:300])
        _CHECKED[doc.sha256] = found
    return _CHECKED[doc.sha256]


def load_checked(path: Path, display: str | None = None) -> Api:
    """Load, validate and parse one spec file.

    Raises:
        SpecError: the file is unreadable, a ``$ref`` dangles, the document is not valid
            OpenAPI 3.1, or the contract model cannot read it (file and pointer named).
    """
    doc = load_spec(path, display)
    raw = normalise(doc.raw, doc.display)  # OpenAPI 3.0 is read in the 3.1 dialect
    if raw is not doc.raw:
        doc = SpecDocument(doc.path, doc.display, raw, doc.sha256)
    for ref, at in iter_refs(doc.raw):
        doc.resolve_ref(ref, at)
    hint = f"(`triggerspec lint {doc.display}` lists every problem)"
    problem = _openapi_problem(doc)
    if problem is not None:
        shown, at, message = problem
        message = message.removeprefix(f"{openapi_label(doc)}: ")
        raise SpecError(shown, at, f"not valid {openapi_label(doc)}: {message} {hint}")
    try:
        return parse_api(doc)
    except _MALFORMED as exc:
        raise SpecError(
            doc.display, "", f"the contract model cannot read it ({exc!r}) {hint}"
        ) from None
