"""``format: email``, ``uri`` and ``date-time``: the models and the validator agree.

The models are those the generator wrote for the ``shapes`` golden case (pydantic's
``EmailStr`` and ``AnyUrl``, and ``runtime.formats.DateTime``); the validator is the one the
mock, the fuzz checks and lint use. On every string Hypothesis draws (random text, and text
shaped like each format), both give the same verdict.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from triggerspec.spec.validate import SchemaValidator

MODELS = Path(__file__).parents[1] / "codegen/golden/shapes/expected/shapes/models.py"


def _models() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shapes_golden_models", MODELS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the postponed annotations there
    spec.loader.exec_module(module)
    return module


_M = _models()
# field -> (model, the other required fields, format)
_FIELDS: dict[str, tuple[type[BaseModel], dict[str, Any], str]] = {
    "notify": (_M.TriggerPipelineRequest, {"token": "t", "ref": "main"}, "email"),
    "web_url": (
        _M.TriggerPipelineResponse201,
        {"id": 1, "status": "pending", "created_at": "2024-01-01T00:00:00Z"},
        "uri",
    ),
    "created_at": (
        _M.TriggerPipelineResponse201,
        {"id": 1, "status": "pending", "web_url": "https://x.test/"},
        "date-time",
    ),
}
_VALIDATORS = {
    f: SchemaValidator({"type": "string", "format": f}) for f in ("email", "uri", "date-time")
}


def _model_accepts(field: str, value: str) -> bool:
    model, others, _ = _FIELDS[field]
    try:
        model.model_validate({**others, field: value})
    except ValidationError:
        return False
    return True


def _shaped() -> st.SearchStrategy[str]:
    parts = st.text(alphabet="az09.-_+@:/?#[]%T Z", max_size=12)
    dates = st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
        lambda d: d.isoformat()
    )
    return st.one_of(
        st.text(max_size=30),
        st.emails(),
        dates,
        dates.map(lambda s: s.replace("+00:00", "Z")),
        dates.map(lambda s: s[:19]),  # naive
        st.integers(0, 2**31).map(str),  # a Unix timestamp as text
        st.builds(lambda a, b: f"https://{a}.test/{b}", parts, parts),
        st.builds(lambda a, b: f"{a}:{b}", parts, parts),
        st.builds(lambda a, b: f"{a}@{b}", parts, parts),
    )


@pytest.mark.parametrize("field", sorted(_FIELDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_shaped())
def test_models_and_validator_agree(field: str, value: str) -> None:
    fmt = _FIELDS[field][2]
    assert _model_accepts(field, value) == _VALIDATORS[fmt].is_valid(value), (fmt, value)


@pytest.mark.parametrize(
    ("fmt", "value", "valid"),
    [
        ("date-time", "2024-01-01T00:00:00Z", True),
        ("date-time", "2024-01-01T00:00:00", False),  # no offset
        ("date-time", "1700000000", False),  # lax pydantic would read a timestamp
        ("email", "mona@example.com", True),
        ("email", "mona@", False),
        ("uri", "https://example.com/x", True),
        ("uri", "not a uri", False),
    ],
)
def test_each_format_both_ways(fmt: str, value: str, valid: bool) -> None:
    field = next(f for f, (_, _, k) in _FIELDS.items() if k == fmt)
    assert _VALIDATORS[fmt].is_valid(value) is valid
    assert _model_accepts(field, value) is valid
