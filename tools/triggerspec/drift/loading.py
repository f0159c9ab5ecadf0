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
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.dialect import normalise
from triggerspec.spec.load import SpecDocument, iter_refs, load_spec
from triggerspec.spec.model import Api, parse_api

_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)
_CHECKED: dict[str, tuple[str, str] | None] = {}
"""OpenAPI validation results by file content hash: a file is validated once per process."""


def _openapi_problem(sha256: str, raw: dict[str, Any]) -> tuple[str, str] | None:
    """The first OpenAPI 3.1 problem of a document as ``(pointer, message)``, if any."""
    if sha256 not in _CHECKED:
        try:
            error = next(iter(OpenAPIV31SpecValidator(raw).iter_errors()), None)
        except Exception as exc:  # the validator itself trips over some malformed shapes
            _CHECKED[sha256] = ("", repr(exc))
        else:
            if error is None:
                _CHECKED[sha256] = None
            else:
                where = jp.join("", *error.absolute_path) if error.absolute_path else ""
                _CHECKED[sha256] = (where, error.message.splitlines()[0][:300])
    return _CHECKED[sha256]


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
    problem = _openapi_problem(doc.sha256, doc.raw)
    if problem is not None:
        raise SpecError(doc.display, problem[0], f"not valid OpenAPI 3.1: {problem[1]} {hint}")
    try:
        return parse_api(doc)
    except _MALFORMED as exc:
        raise SpecError(
            doc.display, "", f"the contract model cannot read it ({exc!r}) {hint}"
        ) from None
