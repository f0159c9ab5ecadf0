"""``format: email``, ``uri`` and ``date-time``: one judgement for models, clients and checks.

The generated models use pydantic's ``EmailStr`` and ``AnyUrl``, and :data:`DateTime` for
``date-time`` (pydantic's ``AwareDatetime`` held to RFC 3339's shape: lax pydantic would also
take a Unix timestamp or a naive time). The validator every tool uses
(:mod:`triggerspec.spec.validate`) asserts the three formats with the functions below, which
call the very same pydantic validators, so a string is valid for the models exactly when it
is valid for the mock, the fuzz checks and lint.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AnyUrl, AwareDatetime, BeforeValidator, TypeAdapter, ValidationError
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and _RFC3339.match(value) is None:
        raise ValueError("not an RFC 3339 date-time (format date-time)")
    if isinstance(value, (int, float, bytes)):
        raise ValueError("a date-time is a string (format date-time)")
    return value


DateTime = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
"""``format: date-time`` in generated models."""

_DATE_TIME: TypeAdapter[Any] = TypeAdapter(DateTime)
_URI: TypeAdapter[Any] = TypeAdapter(AnyUrl)


def is_date_time(value: object) -> bool:
    """Whether a string is a date-time as the models read it (non-strings pass)."""
    if not isinstance(value, str):
        return True
    try:
        _DATE_TIME.validate_python(value)
    except ValidationError:
        return False
    return True


def is_email(value: object) -> bool:
    """Whether a string is an email address as pydantic's ``EmailStr`` reads it."""
    if not isinstance(value, str):
        return True
    try:
        validate_email(value)
    except PydanticCustomError:
        return False
    return True


def is_uri(value: object) -> bool:
    """Whether a string is a URI as pydantic's ``AnyUrl`` reads it."""
    if not isinstance(value, str):
        return True
    try:
        _URI.validate_python(value)
    except ValidationError:
        return False
    return True
