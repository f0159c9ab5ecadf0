"""Whole-API scale: operations read on first use, one read per process, and cuts.

A large vendor document (GitHub's: 1,200 operations) is served and fuzzed one operation at
a time, so only what that operation reaches is read; lint and regen still read everything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from triggerspec.errors import SpecError
from triggerspec.spec.cache import cached_api
from triggerspec.spec.cut import cut_document
from triggerspec.spec.load import load_spec
from triggerspec.spec.model import load_api, parse_api

BROKEN_POINTER = "/paths/~1broken~1{id}/get/responses/200/content/application~1json/schema"


def two_operations() -> dict[str, Any]:
    """One sound operation and one whose response names a schema nobody defined."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "x-publisher-notes": {"huge": "left out of cuts"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "summary": "Create a thing",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NewThing"},
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "made",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            },
            "/broken/{id}": {
                "parameters": [{"$ref": "#/components/parameters/id"}],
                "get": {
                    "operationId": "getBroken",
                    "summary": "A response schema nobody defined",
                    "responses": {
                        "200": {
                            "description": "x",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Missing"}
                                }
                            },
                        }
                    },
                },
            },
        },
        "components": {
            "parameters": {
                "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            },
            "schemas": {
                "NewThing": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "pet": {
                            "oneOf": [{"$ref": "#/components/schemas/Cat"}],
                            "discriminator": {
                                "propertyName": "type",
                                "mapping": {"cat": "#/components/schemas/Cat", "dog": "Dog"},
                            },
                        },
                    },
                },
                "Kind": {"enum": ["a", "b"]},
                "Cat": {"type": "object", "properties": {"type": {"const": "cat"}}},
                "Dog": {"type": "object", "properties": {"type": {"const": "dog"}}},
                "Thing": {
                    "allOf": [
                        {"$ref": "#/components/schemas/NewThing"},
                        {"type": "object", "properties": {"id": {"type": "string"}}},
                    ]
                },
                "Unrelated": {"type": "object"},
            },
        },
    }


def with_copies(doc: dict[str, Any], count: int) -> dict[str, Any]:
    """``doc`` with ``count`` more copies of ``createThing`` (``createThing00``, ...)."""
    for i in range(count):
        post = {**doc["paths"]["/things"]["post"], "operationId": f"createThing{i:02d}"}
        doc["paths"][f"/things{i:02d}"] = {"post": post}
    return doc


def write(tmp_path: Path, doc: dict[str, Any], name: str = "things.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_a_lazy_parse_reads_an_operation_only_when_asked(tmp_path: Path) -> None:
    spec = write(tmp_path, two_operations())
    api = parse_api(load_spec(spec, "things.json"), lazy=True)
    ops = {op.operation_id: op for op in api.operations}
    assert set(ops) == {"createThing", "getBroken"}
    assert ops["getBroken"].method == "GET" and ops["getBroken"].path == "/broken/{id}"
    assert ops["createThing"].body is not None
    assert ops["createThing"].body.schema["required"] == ["name"]
    assert ops["createThing"].body_media_types == ("application/json",)
    with pytest.raises(SpecError) as broken:
        _ = ops["getBroken"].responses
    assert str(broken.value).startswith(f"things.json:{BROKEN_POINTER}/$ref: ")
    assert "'#/components/schemas/Missing' does not resolve" in str(broken.value)
    with pytest.raises(SpecError):  # asked again, it says so again
        _ = ops["getBroken"].parameters


def test_an_eager_parse_still_stops_on_the_first_broken_operation(tmp_path: Path) -> None:
    spec = write(tmp_path, two_operations())
    with pytest.raises(SpecError) as eager:
        load_api(spec, "things.json")
    assert str(eager.value).startswith(f"things.json:{BROKEN_POINTER}/$ref: ")
    doc = two_operations()
    del doc["paths"]["/broken/{id}"]
    assert [op.operation_id for op in load_api(write(tmp_path, doc)).operations] == ["createThing"]


def test_operation_facts_that_are_not_behind_refs_are_checked_at_once(tmp_path: Path) -> None:
    doc = two_operations()
    del doc["paths"]["/broken/{id}"]["get"]["operationId"]
    with pytest.raises(SpecError, match=r"/paths/~1broken~1\{id\}/get: operationId is missing"):
        load_api(write(tmp_path, doc), lazy=True)


def test_a_document_is_read_once_per_process_while_unchanged(tmp_path: Path) -> None:
    spec = write(tmp_path, two_operations())
    first = cached_api(spec, "things.json")
    assert cached_api(spec, "things.json") is first
    doc = two_operations()
    doc["paths"]["/things"]["post"]["operationId"] = "makeThing"
    spec.write_text(json.dumps(doc))
    again = cached_api(spec, "things.json")
    assert again is not first
    assert "makeThing" in {op.operation_id for op in again.operations}
    doc["paths"]["/things"]["post"]["operationId"] = "bakeThing"  # same size, same instant
    stat = spec.stat()
    spec.write_text(json.dumps(doc))
    os.utime(spec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "bakeThing" in {op.operation_id for op in cached_api(spec, "things.json").operations}


def test_a_cut_keeps_the_operation_and_only_the_components_it_reaches() -> None:
    doc = two_operations()
    small = cut_document(doc, [("/things", "post")])
    assert list(small["paths"]) == ["/things"]
    assert set(small["components"]["schemas"]) == {"NewThing", "Kind", "Cat", "Dog", "Thing"}
    assert "parameters" not in small["components"]
    assert "x-publisher-notes" not in small
    assert small["servers"] == doc["servers"]
    other = cut_document(doc, [("/broken/{id}", "get")])
    assert set(other["components"]) == {"parameters"}  # the dangling ref stays dangling
    with pytest.raises(SpecError, match="no PATCH operation"):
        cut_document(doc, [("/things", "patch")])


def _specs() -> list[Path]:
    folders = [ROOT / "specs", *(ROOT / "tests" / "fixtures" / "foreign").iterdir()]
    return sorted(
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml", ".json")
    )


@pytest.mark.parametrize("spec", _specs(), ids=lambda p: p.name)
def test_a_cut_states_each_operation_exactly_as_the_whole_document(
    spec: Path, tmp_path: Path
) -> None:
    try:
        whole = load_api(spec)
    except SpecError:
        pytest.skip("not a whole spec on its own")
    for op in whole.operations:
        small = cut_document(whole.document.raw, [(op.path, op.method)])
        alone = load_api(write(tmp_path, small, "cut.json"))
        assert [o.operation_id for o in alone.operations] == [op.operation_id]
        assert alone.operations[0].detail == op.detail
        assert alone.operations[0].security == op.security
        assert alone.schemes == whole.schemes
        assert alone.envelope == whole.envelope
