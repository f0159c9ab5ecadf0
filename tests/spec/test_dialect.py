"""OpenAPI 3.0 documents read with their exact 3.0 meaning, in the 3.1 dialect."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triggerspec.errors import SpecError
from triggerspec.spec.dialect import TARGET_VERSION, is_openapi_30, normalise


def doc30(schemas: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
        **extra,
    }


def schema_of(doc: dict[str, Any], name: str = "S") -> Any:
    return normalise(doc, "a.yaml")["components"]["schemas"][name]


def accepts(schema: dict[str, Any], instance: object, defs: dict[str, Any] | None = None) -> bool:
    full = {**schema, "$defs": defs or {}}
    return bool(jsonschema.Draft202012Validator(full).is_valid(instance))


def test_version_becomes_31_and_input_is_untouched() -> None:
    doc = doc30({"S": {"type": "string", "nullable": True, "example": "x"}})
    before = copy.deepcopy(doc)
    out = normalise(doc, "a.yaml")
    assert out["openapi"] == TARGET_VERSION
    assert doc == before


@pytest.mark.parametrize("version", ["3.1.0", "3.1.1", "2.0", None])
def test_other_versions_pass_through_as_the_same_object(version: str | None) -> None:
    doc: dict[str, Any] = {"components": {"schemas": {"S": {"type": "string", "nullable": True}}}}
    if version:
        doc["openapi"] = version
    assert normalise(doc, "a.yaml") is doc
    assert not is_openapi_30(doc)


def test_nullable_type_gains_null() -> None:
    assert schema_of(doc30({"S": {"type": "integer", "nullable": True}})) == {
        "type": ["integer", "null"]
    }


def test_nullable_enum_gains_null_in_type_and_enum() -> None:
    out = schema_of(doc30({"S": {"type": "string", "enum": ["a", "b"], "nullable": True}}))
    assert out == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert accepts(out, None) and accepts(out, "a") and not accepts(out, "c")


def test_nullable_false_is_dropped_and_null_stays_refused() -> None:
    out = schema_of(doc30({"S": {"type": "string", "nullable": False}}))
    assert out == {"type": "string"}
    assert not accepts(out, None)


def test_nullable_ref_is_wrapped_with_annotations_outside() -> None:
    out = schema_of(
        doc30(
            {
                "T": {"type": "object"},
                "S": {"$ref": "#/components/schemas/T", "nullable": True, "description": "d"},
            }
        )
    )
    assert out == {
        "anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}],
        "description": "d",
    }


def test_nullable_allof_accepts_null_and_still_applies_its_parts() -> None:
    part = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    out = schema_of(doc30({"S": {"allOf": [part], "nullable": True, "default": None}}))
    assert out["default"] is None and "nullable" not in str(out)
    assert accepts(out, None)
    assert accepts(out, {"a": 1})
    assert not accepts(out, {"a": "x"})
    assert not accepts(out, {})


def test_nullable_without_type_keeps_accepting_everything() -> None:
    out = schema_of(doc30({"S": {"description": "any", "nullable": True}}))
    assert out == {"description": "any"}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"minimum": 0, "exclusiveMinimum": True}, {"exclusiveMinimum": 0}),
        ({"maximum": 9, "exclusiveMaximum": True}, {"exclusiveMaximum": 9}),
        ({"minimum": 0, "exclusiveMinimum": False}, {"minimum": 0}),
        ({"exclusiveMinimum": True}, {}),  # no bound to make exclusive: no constraint
        ({"exclusiveMinimum": 3}, {"exclusiveMinimum": 3}),  # already numeric: kept
    ],
)
def test_boolean_exclusive_bounds_become_numeric(
    schema: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert schema_of(doc30({"S": {"type": "number", **schema}})) == {"type": "number", **expected}


def test_exclusive_minimum_keeps_its_meaning() -> None:
    out = schema_of(doc30({"S": {"type": "integer", "minimum": 0, "exclusiveMinimum": True}}))
    assert not accepts(out, 0)
    assert accepts(out, 1)


def test_schema_example_becomes_examples_but_media_example_stays() -> None:
    doc = doc30({"S": {"type": "string", "example": "x"}})
    doc["paths"] = {
        "/a": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "integer", "example": 1},
                            "example": 1,
                        }
                    }
                },
                "responses": {"204": {"description": "ok"}},
            }
        }
    }
    out = normalise(doc, "a.yaml")
    assert out["components"]["schemas"]["S"] == {"type": "string", "examples": ["x"]}
    media = out["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]
    assert media == {"schema": {"type": "integer", "examples": [1]}, "example": 1}


def test_every_place_a_schema_sits_is_rewritten() -> None:
    nullable = {"type": "string", "nullable": True}
    expected = {"type": ["string", "null"]}
    param = {"name": "p", "in": "query", "schema": nullable}
    header = {"schema": nullable}
    content = {"application/json": {"schema": nullable}}
    operation = {
        "parameters": [param],
        "requestBody": {"content": content},
        "responses": {"200": {"description": "ok", "headers": {"x-h": header}, "content": content}},
        "callbacks": {
            "cb": {"{$request.body#/u}": {"post": {"requestBody": {"content": content}}}}
        },
    }
    doc = doc30(
        {
            "S": {
                "type": "object",
                "properties": {"x-name": nullable, "list": {"type": "array", "items": nullable}},
                "additionalProperties": nullable,
            },
            "C": {"oneOf": [nullable], "not": nullable},
        },
        paths={"/a": {"parameters": [param], "get": operation}},
    )
    doc["components"].update(
        {
            "parameters": {"P": param},
            "headers": {"H": header},
            "requestBodies": {"B": {"content": content}},
            "responses": {"R": {"description": "r", "content": content}},
        }
    )
    out = normalise(doc, "a.yaml")
    assert "nullable" not in str(out)
    op = out["paths"]["/a"]["get"]
    assert out["paths"]["/a"]["parameters"][0]["schema"] == expected
    assert op["responses"]["200"]["headers"]["x-h"]["schema"] == expected
    assert out["components"]["schemas"]["S"]["properties"]["x-name"] == expected
    assert out["components"]["schemas"]["S"]["properties"]["list"]["items"] == expected
    assert out["components"]["schemas"]["C"]["oneOf"] == [expected]


def test_extensions_are_not_read_as_schemas() -> None:
    ext = {"type": "string", "nullable": True, "example": 1}
    doc = doc30({}, paths={"/a": {"get": {"responses": {"x-keep": ext}}}, "x-keep": ext})
    doc["x-top"] = ext
    out = normalise(doc, "a.yaml")
    assert out["paths"]["x-keep"] is ext
    assert out["paths"]["/a"]["get"]["responses"]["x-keep"] is ext
    assert out["x-top"] is ext


def test_untouched_subtrees_are_shared_not_copied() -> None:
    plain = {"type": "object", "properties": {"a": {"type": "string"}}}
    doc = doc30({"Plain": plain, "N": {"type": "string", "nullable": True}})
    doc["paths"] = {"/a": {"get": {"responses": {"200": {"description": "x"}}}}}
    out = normalise(doc, "a.yaml")
    assert out["components"]["schemas"]["Plain"] is plain
    assert out["paths"] is doc["paths"]


def test_a_schema_shared_by_yaml_aliases_is_rewritten_once() -> None:
    shared = {"type": "string", "nullable": True}
    doc = doc30({"A": shared, "B": shared})
    out = normalise(doc, "a.yaml")["components"]["schemas"]
    assert out["A"] is out["B"]


def test_bad_nullable_names_file_and_pointer() -> None:
    doc = doc30({"S": {"type": "object", "properties": {"a/b": {"nullable": "yes"}}}})
    with pytest.raises(SpecError) as err:
        normalise(doc, "a.yaml")
    assert str(err.value).startswith("a.yaml:/components/schemas/S/properties/a~1b/nullable: ")
    assert "true or false" in str(err.value)


def test_a_self_containing_schema_is_refused() -> None:
    loop: dict[str, Any] = {"type": "object", "nullable": True}
    loop["properties"] = {"me": loop}
    with pytest.raises(SpecError, match="contains itself"):
        normalise(doc30({"S": loop}), "a.yaml")


def test_deep_nesting_is_a_spec_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"type": "string", "nullable": True}
    for _ in range(5000):
        deep = {"type": "array", "items": deep}
    with pytest.raises(SpecError, match="nested too deeply"):
        normalise(doc30({"S": deep}), "a.yaml")


# -- property: a 3.0 schema and its normalised form accept exactly the same values ----------

_scalar_30 = st.one_of(
    st.builds(
        lambda t, n: {"type": t, "nullable": n},
        st.sampled_from(["string", "integer", "boolean", "number"]),
        st.booleans(),
    ),
    st.builds(
        lambda lo, ex, n: {"type": "integer", "minimum": lo, "exclusiveMinimum": ex, "nullable": n},
        st.integers(-3, 3),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(
        lambda hi, ex: {"type": "number", "maximum": hi, "exclusiveMaximum": ex},
        st.integers(-3, 3),
        st.booleans(),
    ),
    st.builds(
        lambda n: {"type": "string", "enum": ["a", "b"], "nullable": n, "example": "a"},
        st.booleans(),
    ),
)
_schema_30 = st.recursive(
    _scalar_30,
    lambda inner: st.one_of(
        st.builds(
            lambda p, n: {"type": "object", "properties": {"p": p}, "nullable": n},
            inner,
            st.booleans(),
        ),
        st.builds(lambda i, n: {"type": "array", "items": i, "nullable": n}, inner, st.booleans()),
        st.builds(lambda a, n: {"allOf": [a], "nullable": n}, inner, st.booleans()),
    ),
    max_leaves=4,
)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-4, 4) | st.sampled_from(["a", "c"]) | st.just(0.5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.just("p"), inner, max_size=1),
    max_leaves=3,
)


def accepts_30(schema: Any, value: object) -> bool:
    """The OpenAPI 3.0 meaning, written out by hand as the reference."""
    if not isinstance(schema, dict):
        return True
    if value is None:
        if schema.get("nullable"):
            return True
        if "allOf" in schema:
            return all(accepts_30(s, None) for s in schema["allOf"])
        return "type" not in schema
    if "allOf" in schema and not all(accepts_30(s, value) for s in schema["allOf"]):
        return False
    kind = schema.get("type")
    checks = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        None: True,
    }
    if not checks[kind]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "minimum" in schema:
        lo = schema["minimum"]
        if value < lo or (schema.get("exclusiveMinimum") and value == lo):
            return False
    if "maximum" in schema:
        hi = schema["maximum"]
        if value > hi or (schema.get("exclusiveMaximum") and value == hi):
            return False
    if isinstance(value, dict) and "p" in value and "properties" in schema:
        return accepts_30(schema["properties"]["p"], value["p"])
    if isinstance(value, list) and "items" in schema:
        return all(accepts_30(schema["items"], v) for v in value)
    return True


@settings(max_examples=300, deadline=None)
@given(_schema_30, st.none() | _values)
def test_normalised_schema_accepts_what_the_30_schema_accepts(schema: Any, value: object) -> None:
    out = schema_of(doc30({"S": schema}))
    assert accepts(out, value) == accepts_30(schema, value)
