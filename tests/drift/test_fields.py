"""The spec side: operations flattened into fields, each with the pointer where it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.drift.conftest import BASELINE
from triggerspec.drift.fields import flatten, shape_of, subschema
from triggerspec.drift.view import path_text
from triggerspec.spec.load import SpecDocument, load_spec
from triggerspec.spec.model import load_api


def doc_of(tmp_path: Path, components: dict[str, Any]) -> SpecDocument:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"openapi": "3.1.0", "components": {"schemas": components}}))
    return load_spec(path, "spec.yaml")


def test_refs_are_followed_and_pointers_kept() -> None:
    api = load_api(BASELINE / "specs/cloudflare-workers-builds.yaml")
    op = next(o for o in api.operations if o.operation_id == "createManualBuild")
    shape = shape_of(api, op)
    assert shape.request is not None
    provider = shape.request[("seed_repo", "provider")]
    assert provider.pointer == "/components/schemas/ScmProviderType"
    assert provider.site == "/components/schemas/BuildSeedRepoInput/properties/provider"
    assert provider.pointer_of("enum") == "/components/schemas/ScmProviderType/enum"
    assert provider.required_at == "/components/schemas/BuildSeedRepoInput/required"
    assert provider.required and provider.enum == ("github",)
    assert shape.parameters["trigger_uuid"].constraints == {"format": "uuid"}
    assert shape.parameters["trigger_uuid"].location == "path"
    assert sorted(shape.responses) == ["200", "4XX", "5XX"]
    assert shape.response_at["4XX"] == "/components/responses/Failure"
    result = shape.responses["200"]
    assert result is not None and result[("result",)].nullable


def test_alternative_shapes_form_a_union_required_only_when_all_require(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        {
            "Body": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["a", "b"],
                        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                    },
                    {
                        "type": "object",
                        "required": ["a"],
                        "properties": {"a": {"type": "string"}, "c": {"type": "boolean"}},
                    },
                ]
            }
        },
    )
    fields = flatten(doc, {"$ref": "#/components/schemas/Body"}, "/x")
    assert {path_text(p): f.required for p, f in fields.items() if p} == {
        "a": True,
        "b": False,
        "c": False,
    }


def test_rules_are_not_fields_and_allof_adds_up(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        {
            "Base": {"type": "object", "properties": {"x": {"type": "string"}}},
            "Body": {
                "allOf": [{"$ref": "#/components/schemas/Base"}],
                "properties": {"y": {"type": "string", "maxLength": 3}},
                "anyOf": [{"required": ["x"]}, {"required": ["y"]}],
                "additionalProperties": False,
            },
        },
    )
    fields = flatten(doc, {"$ref": "#/components/schemas/Body"}, "/x")
    assert sorted(path_text(p) for p in fields) == ["", "x", "y"]
    assert fields[()].closed
    assert (
        fields[("y",)].pointer_of("maxLength") == "/components/schemas/Body/properties/y/maxLength"
    )


def test_items_maps_and_nullable_branches(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        {
            "Body": {
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}},
                    "env": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "maybe": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                },
            }
        },
    )
    fields = flatten(doc, {"$ref": "#/components/schemas/Body"}, "/x")
    assert fields[("tags", "[]")].synthetic and fields[("tags", "[]")].enum == ("a",)
    assert fields[("env", "{*}")].types == frozenset({"integer"})
    maybe = fields[("maybe",)]
    assert maybe.nullable and maybe.types == frozenset({"string"})


def test_a_recursive_schema_stops(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}},
    )
    fields = flatten(doc, {"$ref": "#/components/schemas/Node"}, "/x")
    assert ("next",) in fields
    assert len(fields) < 40


def test_subschema_walks_properties_items_and_branches() -> None:
    schema = {
        "anyOf": [
            {"properties": {"a": {"type": "string"}}},
            {"properties": {"a": {"type": "integer"}, "b": {"items": {"type": "boolean"}}}},
        ]
    }
    assert subschema(schema, ("a",)) == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert subschema(schema, ("b", "[]")) == {"type": "boolean"}
    assert subschema(schema, ("c",)) is None
