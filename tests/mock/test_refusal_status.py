"""A refused request gets a status its operation documents, where one fits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.spec.model import load_api
from triggerspec.spec.validate import SchemaValidator

BASE = "https://runs.example.test"
BODY = {"type": "object", "required": ["ref"], "properties": {"ref": {"type": "string"}}}


def _spec(errors: list[str], envelope: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "201": {
            "description": "started",
            "content": {"application/json": {"schema": {"type": "object"}, "example": {}}},
        }
    }
    responses.update({status: {"description": "refused"} for status in errors})
    info: dict[str, Any] = {"title": "Runs", "version": "1"}
    if envelope is not None:
        info["x-envelope"] = envelope
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": BASE}],
        "paths": {
            "/runs/{run_id}/rerun": {
                "post": {
                    "operationId": "rerun",
                    "summary": "Run again",
                    "parameters": [
                        {
                            "name": "run_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": BODY, "example": {"ref": "a"}}},
                    },
                    "responses": responses,
                }
            }
        },
    }


def _statuses(tmp_path: Path, spec: dict[str, Any]) -> tuple[int, int, int]:
    """(a valid request, a bad body, a path that names no run) as the mock answers them."""
    path = tmp_path / "runs.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    app = create_app([load_api(path)], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        good = client.post("/runs/7/rerun", json={"ref": "main"}).status_code
        body = client.post("/runs/7/rerun", json={"ref": 1}).status_code
        where = client.post("/runs/seven/rerun", json={"ref": "main"}).status_code
    return good, body, where


@pytest.mark.parametrize(
    ("documented", "body", "where"),
    [
        (["400"], 400, 400),  # the validation status is documented: it answers everything
        (["422", "404"], 422, 404),  # GitHub's way: 422 for a body, 404 for a path
        (["404"], 400, 404),  # nothing fits a body: the envelope's status
        (["4XX"], 400, 400),  # a class covers the validation status
        (["default"], 400, 400),
        ([], 400, 400),  # the spec says nothing: the envelope's status
    ],
)
def test_a_refusal_takes_a_documented_status(
    tmp_path: Path, documented: list[str], body: int, where: int
) -> None:
    assert _statuses(tmp_path, _spec(documented)) == (201, body, where)


def test_a_declared_validation_status_comes_first(tmp_path: Path) -> None:
    spec = _spec(["400", "422"], {"validation_status": 422})
    assert _statuses(tmp_path, spec) == (201, 422, 422)


VALIDATION_ERROR = {
    "type": "object",
    "required": ["message", "documentation_url"],
    "properties": {
        "message": {"type": "string"},
        "documentation_url": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def test_a_refusal_meets_the_error_schema_its_operation_documents(tmp_path: Path) -> None:
    """GitHub's validation error requires ``documentation_url``, which the plain envelope
    does not write: the mock adds the smallest value of each required member it lacks, and
    keeps its own members as they are."""
    spec = _spec(["404"])
    responses = spec["paths"]["/runs/{run_id}/rerun"]["post"]["responses"]
    responses["422"] = {
        "description": "Validation failed",
        "content": {"application/json": {"schema": VALIDATION_ERROR}},
    }
    path = tmp_path / "runs.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    app = create_app([load_api(path)], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        refused = client.post("/runs/7/rerun", json={"ref": 1})
        missing = client.post("/runs/seven/rerun", json={"ref": "main"})
    assert refused.status_code == 422
    body = refused.json()
    assert SchemaValidator(VALIDATION_ERROR).violations(body) == []
    assert body["documentation_url"] == ""
    assert "/ref" in body["message"]  # the envelope's own wording is kept
    assert missing.status_code == 404 and "documentation_url" not in missing.json()
