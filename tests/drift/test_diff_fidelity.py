"""``diff`` reports only real differences: the false findings an official document exposed.

Each case is one the issue lists: ``enum: [null]`` read as an object, an empty "restricted
to" list, ``minLength`` on an array read as a tightening, a missed ``maxProperties``
tightening; and a 3.0 document is read in the 3.1 dialect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.drift.conftest import apply_edits
from tests.drift.test_diff import BASE, IN, OUT, add, diff_edits, remove, replace
from triggerspec.drift.diff import diff_files


def _kinds(tmp_path: Path, edits: list[dict[str, Any]], base: str = BASE) -> set[tuple[str, str]]:
    return {(c.kind, c.impact) for c in diff_edits(tmp_path, edits, base).changes}


def _edited(edits: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(apply_edits(yaml.safe_load(BASE), edits), sort_keys=False)


def _with(field: dict[str, Any]) -> str:
    """BASE with a response field ``extra`` set to ``field``."""
    raw = yaml.safe_load(BASE)
    raw["components"]["schemas"]["Item"]["properties"]["extra"] = field
    return yaml.safe_dump(raw, sort_keys=False)


def test_enum_of_null_is_null_not_an_object(tmp_path: Path) -> None:
    # Cloudflare's `type: object, nullable: true, enum: [null]`, in 3.1 spelling
    base = _with({"type": ["object", "null"], "enum": [None]})
    assert _kinds(tmp_path, [replace(f"{OUT}/properties/extra", {"type": "null"})], base) == set()


def test_a_field_narrowed_to_null_is_a_type_change_with_no_empty_enum(tmp_path: Path) -> None:
    base = _with({"type": ["object", "null"]})
    edit = [replace(f"{OUT}/properties/extra", {"type": ["object", "null"], "enum": [None]})]
    changes = diff_edits(tmp_path, edit, base).changes
    assert {(c.kind, c.impact) for c in changes} == {("response-type-narrowed", "none")}
    assert all("restricted to" not in c.message for c in changes)


def test_an_enum_added_names_its_values(tmp_path: Path) -> None:
    changes = diff_edits(tmp_path, [add(f"{IN}/properties/color/enum", ["red"])]).changes
    assert [c.message for c in changes] == ["now restricted to 'red'"]


def test_min_length_on_an_array_constrains_nothing(tmp_path: Path) -> None:
    edit = [add(f"{IN}/properties/tags/minLength", 3)]
    assert _kinds(tmp_path, edit) == set()
    base = _edited(edit)  # tags: an array with a meaningless minLength
    swap = [remove(f"{IN}/properties/tags/minLength"), add(f"{IN}/properties/tags/minItems", 1)]
    assert _kinds(tmp_path, swap, base) == {("request-items-tightened", "callers")}


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        (
            [add(f"{IN}/properties/head/maxProperties", 1)],
            ("request-properties-tightened", "callers"),
        ),
        (
            [add(f"{IN}/properties/head/minProperties", 1)],
            ("request-properties-tightened", "callers"),
        ),
        ([add(f"{OUT}/maxProperties", 3)], ("response-properties-tightened", "none")),
    ],
    ids=["maxProperties added", "minProperties added", "response maxProperties"],
)
def test_property_counts_are_compared(
    tmp_path: Path, edits: list[dict[str, Any]], expected: tuple[str, str]
) -> None:
    assert _kinds(tmp_path, edits) == {expected}


def test_a_tightened_max_properties_breaks_callers(tmp_path: Path) -> None:
    base = _edited([add(f"{IN}/properties/head/maxProperties", 2)])
    edit = [replace(f"{IN}/properties/head/maxProperties", 1)]
    changes = diff_edits(tmp_path, edit, base).changes
    assert [(c.kind, c.impact, c.message) for c in changes] == [
        ("request-properties-tightened", "callers", "maxProperties 2 is now 1")
    ]
    loosen = [replace(f"{IN}/properties/head/maxProperties", 3)]
    assert _kinds(tmp_path, loosen, base) == {("request-properties-loosened", "none")}


def _as_30(text: str) -> str:
    """BASE in OpenAPI 3.0 spelling: ``nullable`` instead of a ``null`` type."""
    raw = yaml.safe_load(text)
    raw["openapi"] = "3.0.3"
    raw["info"].pop("summary", None)
    raw["components"]["schemas"]["Item"]["properties"]["note"] = {
        "type": "string",
        "nullable": True,
    }
    return yaml.safe_dump(raw, sort_keys=False)


def test_openapi_30_input_is_read_in_the_31_dialect(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(_as_30(BASE))
    nullable_31 = yaml.safe_load(BASE)
    nullable_31["components"]["schemas"]["Item"]["properties"]["note"] = {
        "type": ["string", "null"]
    }
    new.write_text(yaml.safe_dump(nullable_31, sort_keys=False))
    assert diff_files(old, new, "old.yaml", "new.yaml").changes == ()
    plain = tmp_path / "plain.yaml"
    plain.write_text(BASE)
    changes = diff_files(old, plain, "old.yaml", "plain.yaml").changes
    assert {(c.kind, c.subject) for c in changes} >= {("response-field-made-non-nullable", "note")}
