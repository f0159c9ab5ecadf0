"""Check a spec against the OpenAPI version it was written in.

A 3.0 document is validated as 3.0 (``nullable`` is a 3.0 keyword, not an error), on the
document as written (other files joined in), and every problem is reported at the file and
pointer where it was written.
"""

from __future__ import annotations

from collections.abc import Iterator

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from triggerspec.spec import pointer as jp
from triggerspec.spec.dialect import is_openapi_30
from triggerspec.spec.load import SpecDocument


def openapi_label(doc: SpecDocument) -> str:
    """``OpenAPI 3.0`` or ``OpenAPI 3.1``: the version a document is checked against."""
    return "OpenAPI 3.0" if is_openapi_30(doc.original or doc.raw) else "OpenAPI 3.1"


def openapi_problems(doc: SpecDocument) -> Iterator[tuple[str, str, str]]:
    """Every ``(file, pointer, message)`` breaking the document's own OpenAPI version.

    The validator itself trips over some malformed shapes; that is one problem too.
    """
    written = doc.original or doc.raw
    validator = OpenAPIV30SpecValidator if is_openapi_30(written) else OpenAPIV31SpecValidator
    label = openapi_label(doc)
    try:
        for error in validator(written).iter_errors():
            where = jp.join("", *error.absolute_path) if error.absolute_path else ""
            shown, at = doc.locate(where)
            yield shown, at, f"{label}: {error.message}"
    except Exception as exc:  # the validator's own failures are varied
        yield doc.display, "", f"{label}: the document cannot be validated: {exc}"
