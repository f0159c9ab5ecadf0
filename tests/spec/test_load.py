"""Reading every published form of OpenAPI: YAML or JSON, 3.0 or 3.1, one file or several."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from triggerspec.errors import SpecError
from triggerspec.spec.bundle import has_external_refs
from triggerspec.spec.conformance import openapi_problems
from triggerspec.spec.load import load_spec
from triggerspec.spec.model import parse_api


def spec(version: str = "3.1.0", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A small valid document with one operation whose 200 answers ``schema``."""
    return {
        "openapi": version,
        "info": {"title": "T", "version": "1", "x-envelope": "sourcecraft"},
        "servers": [{"url": "https://api.example.test/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Item": schema or {"type": "object", "properties": {"id": {"type": "string"}}}
            },
        },
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "summary": "List items",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}
                                }
                            },
                        }
                    },
                }
            }
        },
    }


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc) if path.suffix == ".json" else yaml.safe_dump(doc, sort_keys=False)
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["a.yaml", "a.yml", "a.json"])
def test_yaml_and_json_read_alike(tmp_path: Path, name: str) -> None:
    doc = load_spec(write(tmp_path / name, spec()), name)
    assert doc.raw == spec()
    assert [op.operation_id for op in parse_api(doc).operations] == ["listItems"]


def test_json_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"openapi": "3.1.0",\n "info": }')
    with pytest.raises(SpecError, match=r"^a\.json:/: not valid JSON: line 2, column 10"):
        load_spec(path, "a.json")


def test_30_document_is_read_in_the_31_dialect_and_kept_as_written(tmp_path: Path) -> None:
    nullable = {"type": "string", "nullable": True, "example": "x"}
    doc = load_spec(write(tmp_path / "a.yaml", spec("3.0.3", nullable)), "a.yaml")
    assert doc.version == "3.0.3"
    assert doc.raw["openapi"] == "3.1.0"
    assert doc.raw["components"]["schemas"]["Item"] == {
        "type": ["string", "null"],
        "examples": ["x"],
    }
    assert doc.original["components"]["schemas"]["Item"] == nullable


def test_30_document_is_validated_as_30(tmp_path: Path) -> None:
    ok = load_spec(write(tmp_path / "ok.yaml", spec("3.0.3", {"nullable": True})), "ok.yaml")
    assert list(openapi_problems(ok)) == []
    bad = spec("3.0.3", {"type": "string", "nullable": "yes"})
    del bad["paths"]["/items"]["get"]["responses"]["200"]["description"]
    with pytest.raises(SpecError, match="nullable must be true or false"):
        load_spec(write(tmp_path / "bad.yaml", bad), "bad.yaml")
    bad["components"]["schemas"]["Item"] = {"type": "string"}
    found = list(openapi_problems(load_spec(write(tmp_path / "bad.yaml", bad), "bad.yaml")))
    assert [(f, p) for f, p, _ in found] == [("bad.yaml", "/paths/~1items/get/responses/200")]
    assert found[0][2].startswith("OpenAPI 3.0: ")


def test_swagger_2_is_refused_naming_a_converter(tmp_path: Path) -> None:
    path = write(tmp_path / "old.json", {"swagger": "2.0", "info": {}, "paths": {}})
    with pytest.raises(SpecError) as err:
        load_spec(path, "specs/old.json")
    assert str(err.value).startswith("specs/old.json:/swagger: Swagger 2.0 is not read")
    assert "swagger2openapi" in str(err.value)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"components": {}}, "^a.yaml:/: not an OpenAPI document: no 'openapi' field"),
        ({"openapi": "4.0.0"}, "^a.yaml:/openapi: OpenAPI 4.0.0 is not read"),
        ([1, 2], "^a.yaml:/: a spec must be a mapping"),
    ],
)
def test_what_is_not_openapi_3_is_one_clear_error(
    tmp_path: Path, doc: object, message: str
) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(write(tmp_path / "a.yaml", doc), "a.yaml")


# -- several files ----------------------------------------------------------------------


def split_project(tmp_path: Path) -> Path:
    """A spec whose schemas and path item live in other files of its folder."""
    main = spec()
    main["paths"] = {"/items": {"$ref": "paths/items.yaml"}}
    main["components"]["schemas"] = {
        "Page": {"$ref": "common/schemas.yaml#/components/schemas/Page"}
    }
    item = spec()["paths"]["/items"]
    item["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "../common/schemas.yaml#/components/schemas/Item"
    }
    write(tmp_path / "specs" / "paths" / "items.yaml", item)
    write(
        tmp_path / "specs" / "common" / "schemas.yaml",
        {
            "components": {
                "schemas": {
                    "Item": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "tag": {"$ref": "#/components/schemas/Tag"},
                        },
                    },
                    "Tag": {"type": "string", "maxLength": 20},
                    "Page": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                }
            }
        },
    )
    return write(tmp_path / "specs" / "api.yaml", main)


def test_several_files_join_into_one_document_with_local_refs(tmp_path: Path) -> None:
    doc = load_spec(split_project(tmp_path), "specs/api.yaml")
    schemas = doc.raw["components"]["schemas"]
    assert schemas["Page"] == {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    assert schemas["Item"]["properties"]["tag"] == {"$ref": "#/components/schemas/Tag"}
    assert schemas["Tag"] == {"type": "string", "maxLength": 20}
    get = doc.raw["paths"]["/items"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert [f.name for f in doc.files] == ["api.yaml", "schemas.yaml", "items.yaml"]
    assert [op.operation_id for op in parse_api(doc).operations] == ["listItems"]


def test_an_edit_to_a_joined_file_changes_the_hash(tmp_path: Path) -> None:
    before = load_spec(split_project(tmp_path), "specs/api.yaml").sha256
    part = tmp_path / "specs" / "common" / "schemas.yaml"
    part.write_text(part.read_text().replace("id:", "key:"))
    assert load_spec(tmp_path / "specs" / "api.yaml", "specs/api.yaml").sha256 != before


def test_a_problem_in_a_joined_file_names_that_file(tmp_path: Path) -> None:
    path = split_project(tmp_path)
    part = tmp_path / "specs" / "paths" / "items.yaml"
    item = yaml.safe_load(part.read_text())
    del item["get"]["operationId"]
    write(part, item)
    with pytest.raises(SpecError) as err:
        parse_api(load_spec(path, "specs/api.yaml"))
    assert str(err.value) == "specs/paths/items.yaml:/get: operationId is missing"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("https://example.test/s.yaml#/X", "is a URL"),
        ("file:///etc/passwd", "is a URL"),
        ("/etc/passwd", "is an absolute path"),
        ("../../outside.yaml#/X", "leaves the spec's folder"),
        ("missing.yaml#/X", "no file missing.yaml"),
        ("../common/schemas.yaml#/components/schemas/Nope", "does not resolve: no 'Nope'"),
        ("../self.yaml#/a", "is circular"),
    ],
)
def test_refused_refs_name_the_file_and_pointer_of_the_ref(
    tmp_path: Path, ref: str, message: str
) -> None:
    path = split_project(tmp_path)
    write(tmp_path / "outside.yaml", {"X": {}})
    write(tmp_path / "specs" / "self.yaml", {"a": {"$ref": "self.yaml#/a"}})
    part = tmp_path / "specs" / "paths" / "items.yaml"
    item = yaml.safe_load(part.read_text())
    item["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": ref}
    write(part, item)
    with pytest.raises(SpecError) as err:
        load_spec(path, "specs/api.yaml")
    where = "/get/responses/200/content/application~1json/schema/$ref"
    if message == "is circular":
        assert str(err.value).startswith("specs/self.yaml:/a/$ref: ")
    else:
        assert str(err.value).startswith(f"specs/paths/items.yaml:{where}: ")
    assert message in str(err.value)


def test_two_components_of_one_name_are_refused(tmp_path: Path) -> None:
    path = split_project(tmp_path)
    main = yaml.safe_load(path.read_text())
    main["components"]["schemas"]["Item"] = {"type": "string"}
    write(path, main)
    with pytest.raises(SpecError, match="components/schemas/Item is also defined in specs/api"):
        load_spec(path, "specs/api.yaml")


@pytest.mark.parametrize(
    ("text", "external"),
    [
        (b"$ref: a.yaml", True),
        (b"$ref: '../b.json#/x'", True),
        (b'{"$ref": "#/x"}', False),
        (b'{$ref: "#/a"}, $ref:   c.yaml', True),
        (b"description: mentions $ref but holds none", False),
    ],
)
def test_only_a_ref_to_another_file_asks_for_joining(text: bytes, external: bool) -> None:
    assert has_external_refs(text) is external
