"""Load a spec for the drift tools: checked first, so a malformed file is one clear error.

The contract model's parser expects a valid OpenAPI document; a spec being edited (the
``NEW`` of a diff, or a spec mid-update) may not be one yet. So every ``$ref`` is resolved
and the document validated against OpenAPI 3.1 before it is parsed, and the first problem
is raised as a ``SpecError`` naming the file and the JSON pointer, with the command that
lists all of them.
"""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import OpenAPIV31SpecValidator

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.load import iter_refs, load_spec
from triggerspec.spec.model import Api, parse_api

_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def load_checked(path: Path, display: str | None = None) -> Api:
    """Load, validate and parse one spec file.

    Raises:
        SpecError: the file is unreadable, a ``$ref`` dangles, the document is not valid
            OpenAPI 3.1, or the contract model cannot read it (file and pointer named).
    """
    doc = load_spec(path, display)
    for ref, at in iter_refs(doc.raw):
        doc.resolve_ref(ref, at)
    hint = f"(`triggerspec lint {doc.display}` lists every problem)"
    try:
        error = next(iter(OpenAPIV31SpecValidator(doc.raw).iter_errors()), None)
    except Exception as exc:  # the validator itself trips over some malformed shapes
        raise SpecError(doc.display, "", f"not valid OpenAPI 3.1 ({exc!r}) {hint}") from None
    if error is not None:
        where = jp.join("", *error.absolute_path) if error.absolute_path else ""
        raise SpecError(doc.display, where, f"not valid OpenAPI 3.1: {error.message} {hint}")
    try:
        return parse_api(doc)
    except _MALFORMED as exc:
        raise SpecError(
            doc.display, "", f"the contract model cannot read it ({exc!r}) {hint}"
        ) from None
