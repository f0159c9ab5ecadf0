"""The generated models accept the specs' own examples and reject what the specs forbid."""

from __future__ import annotations

import copy
import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests.conftest import ROOT
from triggerspec.codegen.models_view import models_view
from triggerspec.project import Project
from triggerspec.spec import pointer as jp
from triggerspec.spec.defects import DocDefects, ExampleCase, example_cases
from triggerspec.spec.model import load_api
from triggerspec.spec.naming import ClassName, snake

_PROJECT = Project.from_root(ROOT)
_DEFECTS = DocDefects.load(_PROJECT.doc_defects)
_APIS = {p.stem: load_api(p) for p in _PROJECT.spec_files()}


def _at(raw: dict[str, Any], pointer: str) -> Any:
    """The node at ``pointer``, following the ``$ref``s met on the way (a path item or a
    request body may be a reference)."""
    node: Any = raw
    for token in pointer.split("/")[1:]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = jp.resolve(raw, node["$ref"])
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _model_for(case: ExampleCase) -> type[BaseModel]:
    # The document as codegen names it: every request and response schema is a $ref.
    raw = models_view(_APIS[case.api])[2]
    # The example sits under .../content/<media>/examples/<name>/value (or .../example).
    media = re.sub(r"/(examples/[^/]+/value|example)$", "", case.example.pointer)
    if "/responses/" in media:
        status = media.split("/responses/")[1].split("/")[0]
        op_ptr = media.split("/responses/")[0]
        resp = _at(raw, f"{op_ptr}/responses/{status}")
        while "$ref" in resp:
            resp = jp.resolve(raw, resp["$ref"])
        schema = resp["content"]["application/json"]["schema"]
    else:
        schema = _at(raw, media + "/schema")
    name = ClassName(schema["$ref"].rsplit("/", 1)[1])
    module = importlib.import_module(f"triggerspec_clients.{snake(case.api)}.models")
    model: type[BaseModel] = getattr(module, name)
    return model


_CASES = [
    c for api in _APIS.values() for c in example_cases(api) if not c.kind.startswith("parameter")
]


@pytest.mark.parametrize(
    "case", _CASES, ids=lambda c: f"{c.operation_id}:{c.kind}:{c.example.name}"
)
def test_models_accept_spec_examples(case: ExampleCase) -> None:
    model = _model_for(case)
    if _DEFECTS.find(f"{case.api}.yaml", case.example.pointer) is not None:
        pytest.skip(
            "a listed doc defect: the cross-field rule is checked by the client, not the model"
        )
    parsed = model.model_validate(case.example.value)
    dumped = parsed.model_dump(mode="json", by_alias=True)
    assert model.model_validate(dumped) == parsed


@pytest.mark.parametrize(
    ("module", "model", "value"),
    [
        ("northflank", "JobBuild", {"id": "b", "sha": None}),
        ("northflank", "StartJobBuildResponse", {"data": None}),
        ("cloudflare_workers_builds", "BuildResult", {"build_uuid": None}),
        (
            "cloudflare_pages",
            "Stage",
            {"ended_on": None, "started_on": None, "status": None, "name": "queued"},
        ),
        ("sourcecraft", "RunWorkflowResponse", {"trigger_status": None}),
    ],
)
def test_models_reject_null_where_the_spec_forbids_it(
    module: str, model: str, value: dict[str, Any]
) -> None:
    cls = getattr(importlib.import_module(f"triggerspec_clients.{module}.models"), model)
    with pytest.raises(ValidationError):
        cls.model_validate(value)


def test_required_nullable_fields_keep_null() -> None:
    from triggerspec_clients.cloudflare_pages import models as pages
    from triggerspec_clients.cloudflare_workers_builds import models as wb

    envelope = wb.CreateBuildResponse.model_validate(
        {"errors": [], "messages": [], "result": None, "success": True}
    )
    assert envelope.result is None
    with pytest.raises(ValidationError):  # required: absent is not null
        wb.CreateBuildResponse.model_validate({"errors": [], "messages": [], "success": True})
    stage = pages.Stage.model_validate(
        {"ended_on": None, "started_on": None, "status": "idle", "name": "build"}
    )
    assert stage.ended_on is None


def test_env_vars_keep_their_value_model() -> None:
    from triggerspec_clients.cloudflare_pages import models as pages

    api = _APIS["cloudflare-pages"]
    op = api.operations[0]
    doc = copy.deepcopy(op.success.examples[0].value["result"])
    parsed = pages.Deployment.model_validate(doc)
    assert parsed.env_vars is not None
    foo = parsed.env_vars["foo"]
    assert foo is not None and isinstance(foo.root, pages.PlainTextEnvVar)
    assert foo.root.value == "hello world"
    doc["env_vars"]["foo"] = {"type": "plain_text"}  # value missing
    with pytest.raises(ValidationError, match="env_vars"):
        pages.Deployment.model_validate(doc)


def test_unknown_response_enum_values_parse_and_show_as_unknown() -> None:
    from triggerspec_clients.cloudflare_pages import models as pages
    from triggerspec_clients.cloudflare_workers_builds import models as wb

    stage = pages.Stage.model_validate(
        {"ended_on": None, "started_on": None, "status": "paused", "name": "build"}
    )
    assert stage.status == "paused" and not stage.status.is_known
    conn = wb.RepoConnection.model_validate({"provider_type": "bitbucket"})
    assert conn.provider_type == "bitbucket" and not conn.provider_type.is_known  # type: ignore[union-attr]
    with pytest.raises(ValidationError):  # requests stay strict
        wb.UpsertRepoConnectionRequest.model_validate(
            {
                "provider_account_id": "a",
                "provider_account_name": "A",
                "provider_type": "bitbucket",
                "repo_id": "r",
                "repo_name": "r",
            }
        )


def test_an_inline_response_enum_whose_name_is_taken_gets_the_next_free_one(
    tmp_path: Path,
) -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.test"}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "getThing",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {"status": {"type": "string", "enum": ["on", "off"]}},
                },
                "ThingStatus": {"type": "string", "enum": ["a", "b"]},
            }
        },
    }
    path = tmp_path / "things.json"
    path.write_text(json.dumps(spec))
    raw, opened, _ = models_view(load_api(path))
    schemas = raw["components"]["schemas"]
    assert schemas["ThingStatus"]["enum"] == ["a", "b"]  # the component keeps its name
    assert schemas["ThingStatus2"]["enum"] == ["on", "off"]
    assert schemas["Thing"]["properties"]["status"]["$ref"].endswith("/ThingStatus2")
    assert "ThingStatus2" in opened
