"""A schema both requests and responses use, reaching an enum: strict on requests, open on
responses, whatever the path from the schema to the enum.

The fixture (``fixtures/fork-pr-approval``) is a cut of GitHub's description, as published
(no security scheme): its ``actions-fork-pr-contributor-approval`` is the body of a PUT and
the answer of a GET, the schema regen of the whole document once refused.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.codegen.golden import imported
from tests.corpus.runner import make_project
from triggerspec.codegen.models_view import models_view
from triggerspec.codegen.pipeline import regen
from triggerspec.runtime.errors import RequestValidationError
from triggerspec.spec.model import load_api

ALIAS = "shared_generated_clients"
CASE = Path(__file__).parent / "fixtures" / "fork-pr-approval"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    project = make_project(tmp_path_factory.mktemp("shared") / "project", CASE / "specs")
    regen(project)
    with imported(project, ALIAS):
        yield importlib.import_module(f"{ALIAS}.github_fork_pr_approval")


def test_the_request_twin_refuses_an_unknown_value(generated: ModuleType) -> None:
    strict = generated.models.ActionsForkPrContributorApprovalInput
    assert strict(approval_policy="first_time_contributors").approval_policy == (
        "first_time_contributors"
    )
    with pytest.raises(ValidationError, match="approval_policy"):
        strict(approval_policy="everyone_from_mars")


def test_the_response_model_keeps_an_unknown_value_open(generated: ModuleType) -> None:
    answer = generated.models.ActionsForkPrContributorApproval.model_validate(
        {"approval_policy": "everyone_from_mars"}
    )
    assert answer.approval_policy.is_known is False
    assert answer.approval_policy.value == "everyone_from_mars"
    known = generated.models.ActionsForkPrContributorApproval(
        approval_policy="first_time_contributors"
    )
    assert known.approval_policy.is_known is True


def test_the_client_sends_by_the_twin_and_reads_by_the_open_model(generated: ModuleType) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "PUT":
            return httpx.Response(204)
        return httpx.Response(200, json={"approval_policy": "everyone_from_mars"})

    client = generated.GithubForkPrApprovalClient(transport=httpx.MockTransport(answer), environ={})
    got = client.actions_get_fork_pr_contributor_approval_permissions_repository(
        owner="o", repo="r"
    )
    assert got.approval_policy.is_known is False
    with pytest.raises(RequestValidationError, match="approval_policy"):
        client.actions_set_fork_pr_contributor_approval_permissions_repository(
            owner="o", repo="r", approval_policy="everyone_from_mars"
        )
    client.actions_set_fork_pr_contributor_approval_permissions_repository(
        owner="o", repo="r", approval_policy="all_external_contributors"
    )
    assert [r.method for r in sent] == ["GET", "PUT"]


def _view(tmp_path: Path, schemas: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The models view of a spec whose PUT sends ``Thing`` and whose GET answers it."""
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://things.test"}],
        "paths": {
            "/thing": {
                "get": {
                    "operationId": "getThing",
                    "responses": {"200": {"description": "ok", **body}},
                },
                "put": {
                    "operationId": "putThing",
                    "requestBody": body,
                    "responses": {"204": {"description": "done"}},
                },
            }
        },
        "components": {"schemas": schemas},
    }
    path = tmp_path / "things.json"
    path.write_text(json.dumps(spec))
    raw, opened, _ = models_view(load_api(path))
    return raw["components"]["schemas"], opened


_ENUM = {"type": "string", "enum": ["on", "off"]}


@pytest.mark.parametrize(
    "thing",
    [
        {"type": "object", "properties": {"tags": {"type": "array", "items": _ENUM}}},
        {"allOf": [{"type": "object", "properties": {"state": _ENUM}}]},
        {"type": "object", "additionalProperties": _ENUM},
        {"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/Inner"}}},
        {"type": "object", "properties": {"either": {"anyOf": [_ENUM, {"type": "integer"}]}}},
    ],
    ids=["items", "allOf", "additionalProperties", "ref", "anyOf"],
)
def test_any_path_to_an_enum_gives_the_request_side_a_twin(
    tmp_path: Path, thing: dict[str, Any]
) -> None:
    inner = {"type": "object", "properties": {"state": _ENUM}}
    schemas, _ = _view(tmp_path, {"Thing": thing, "Inner": inner})
    assert "ThingInput" in schemas
    assert ("InnerInput" in schemas) == ("$ref" in json.dumps(thing))
    if "$ref" in json.dumps(thing):  # the twin's own references point at twins
        assert schemas["ThingInput"]["properties"]["inner"]["$ref"].endswith("/InnerInput")
        assert schemas["Thing"]["properties"]["inner"]["$ref"].endswith("/Inner")


def test_a_shared_schema_without_an_enum_is_not_copied(tmp_path: Path) -> None:
    schemas, _ = _view(tmp_path, {"Thing": {"type": "object", "properties": {"n": {}}}})
    assert not any(name.endswith("Input") for name in schemas)


def test_a_taken_twin_name_gets_the_next_free_number(tmp_path: Path) -> None:
    thing = {"type": "object", "properties": {"state": _ENUM}}
    taken = {"type": "object", "properties": {"unrelated": {"type": "string"}}}
    schemas, opened = _view(tmp_path, {"Thing": thing, "ThingInput": taken})
    assert schemas["ThingInput"] == taken
    assert schemas["ThingInput2"]["properties"]["state"]["enum"] == ["on", "off"]
    assert "ThingState" in opened  # the response side's enum, hoisted and open


@pytest.mark.parametrize(
    ("thing", "hoisted"),
    [
        ({"type": "array", "items": _ENUM}, "ThingItem"),
        ({"type": "object", "additionalProperties": _ENUM}, "ThingValue"),
        (
            {"type": "object", "properties": {"tags": {"type": "array", "items": _ENUM}}},
            "ThingTagsItem",
        ),
        ({"anyOf": [_ENUM, {"type": "integer"}]}, "Thing2"),
    ],
    ids=["items", "additionalProperties", "property-items", "anyOf"],
)
def test_a_response_enum_anywhere_in_a_schema_is_named_and_open(
    tmp_path: Path, thing: dict[str, Any], hoisted: str
) -> None:
    schemas, opened = _view(tmp_path, {"Thing": thing})
    assert schemas[hoisted]["enum"] == ["on", "off"]
    assert hoisted in opened
    assert "ThingInput" in schemas  # the request side keeps its strict, inline enum
    assert schemas["ThingInput"] != schemas["Thing"]
