"""The base of every generated model: Python names for users, wire names on the wire.

datamodel-code-generator writes each camelCase wire name as a snake_case field with the wire
name as its alias (``pull_request_id`` for ``pullRequestId``). :class:`WireModel` lets users
construct with either name, always serialises by alias (``model_dump()`` and
``model_dump_json()`` give the wire form), and keeps unset optional fields (pydantic's
``MISSING`` sentinel) out of ``repr()`` and ``str()``. Fields marked ``x-sensitive`` are
generated with ``Field(repr=False)`` and stay hidden.

Responses are read strictly by wire name (:func:`from_wire`): a server that answers
``pull_request_id`` where the spec says ``pullRequestId`` does not fit the spec.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import MISSING, BaseModel, ConfigDict
from typing_extensions import override

ModelT = TypeVar("ModelT", bound=BaseModel)


def from_wire(model: type[ModelT], data: Any) -> ModelT:
    """``data`` as it travelled, read into ``model`` by wire names (aliases) only."""
    return model.model_validate(data, by_alias=True, by_name=False)


class WireModel(BaseModel):
    """A generated model: snake_case attributes, wire-named aliases, a quiet repr."""

    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    @override
    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return [(name, value) for name, value in super().__repr_args__() if value is not MISSING]
