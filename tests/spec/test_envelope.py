"""Envelopes: a spec without ``x-envelope`` has plain JSON bodies, in the model and the mock."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from triggerspec.codegen.clients import render_data
from triggerspec.errors import SpecError
from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.runtime import errors
from triggerspec.runtime._client import ApiDef, OperationDef, read_response
from triggerspec.runtime.envelope import Envelope, ErrorShape, RateLimit
from triggerspec.spec.envelope import parse_envelope, preset_names
from triggerspec.spec.model import Api, load_api

PLAIN_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Plain", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "minLength": 1}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id"],
                                    "properties": {"id": {"type": "string", "format": "uuid"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def plain_api(tmp_path: Path, spec: dict[str, Any] | None = None) -> Api:
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(spec or PLAIN_SPEC))
    return load_api(path)


def test_a_spec_without_envelope_parses_as_plain_bodies(tmp_path: Path) -> None:
    api = plain_api(tmp_path)
    assert api.envelope.result_key is None
    assert api.envelope.error.key is None
    assert api.envelope.success_flag is None


def test_the_mock_answers_a_spec_without_envelope_with_plain_json(tmp_path: Path) -> None:
    app = create_app([plain_api(tmp_path)], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url="https://api.example.com") as client:
        ok = client.post("/things", json={"name": "a"})
        assert ok.status_code == 201
        body = ok.json()
        assert set(body) == {"id"}  # the payload itself: no wrapper around it
        refused = client.post("/things", json={"name": ""})
        assert refused.status_code == 400
        error = refused.json()
        assert "name" in error["message"] and "minLength" in error["message"]


# -- declarations: presets, inline, validation ---------------------------------------------

GITHUB_LIKE: dict[str, Any] = {
    "error": {"message": "message", "details": "errors"},
    "validation_status": 422,
    "codes": {},
    "rate_limit": {
        "limit": "x-ratelimit-limit",
        "remaining": "x-ratelimit-remaining",
        "reset": "x-ratelimit-reset",
        "reset_unit": "epoch-seconds",
    },
}
"""A vendor triggerspec ships no preset for, declared inline: GitHub answers 422 to a request
that breaks the rules, ``{"message", "errors"}``, and an epoch-seconds rate-limit reset."""


def _with_envelope(declared: Any) -> dict[str, Any]:
    spec = copy.deepcopy(PLAIN_SPEC)
    spec["info"]["x-envelope"] = declared
    spec["paths"]["/things"]["post"]["responses"]["422"] = {
        "description": "invalid",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {"message": {"type": "string"}, "errors": {"type": "object"}},
                }
            }
        },
    }
    return spec


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_is_a_valid_declaration(name: str) -> None:
    envelope = parse_envelope(name, "spec.yaml")
    assert envelope.name == name
    # Rendered into a generated client as data, it rebuilds the same value.
    namespace = {"Envelope": Envelope, "ErrorShape": ErrorShape, "RateLimit": RateLimit}
    assert eval(render_data(envelope), namespace) == envelope


def test_the_shipped_specs_name_presets_or_declare_inline(triggerspec_apis: list[Api]) -> None:
    assert {api.envelope.name for api in triggerspec_apis} <= {*preset_names(), "inline"}


def test_github_declares_its_validation_status_and_error_shape(
    triggerspec_apis: list[Api],
) -> None:
    """GitHub answers 422 ``{message, documentation_url}``: declared inline, and served so."""
    [github] = [api for api in triggerspec_apis if api.name == "github-actions"]
    assert github.envelope.name == "inline"
    assert github.envelope.validation_status == 422
    assert github.envelope.result_key is None
    body = github.envelope.error_body(422, ["/ref: required"], "Validation Failed", {}, "r-1")
    assert set(body) == {"message", "documentation_url"}
    [op] = github.operations
    assert "422" in {r.status for r in op.error_responses}
    app = create_app([github], MockSettings(seed=1))
    transport = MockTransport(app)
    with httpx.Client(transport=transport, base_url="https://api.github.com") as client:
        refused = client.post(
            "/repos/o/r/actions/workflows/main.yaml/dispatches",
            json={"inputs": {}},
            headers={"Authorization": "Bearer t0k"},
        )
    assert refused.status_code == 422
    assert set(refused.json()) == {"message", "documentation_url"}


def test_an_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(SpecError) as caught:
        parse_envelope("gitlab", "specs/x.yaml")
    text = str(caught.value)
    assert text.startswith("specs/x.yaml:/info/x-envelope: no envelope preset 'gitlab'")
    assert all(name in text for name in preset_names())


@pytest.mark.parametrize(
    ("declared", "pointer", "rule"),
    [
        ({"result_kee": "data"}, "/info/x-envelope", "additionalProperties"),
        ({"error": {"mesage": "m"}}, "/info/x-envelope/error", "additionalProperties"),
        ({"validation_status": 200}, "/info/x-envelope/validation_status", "minimum"),
        ({"error": {"many": True}}, "/info/x-envelope/error", "required"),
        ({"codes": {"teapot": 1}}, "/info/x-envelope/codes/teapot", "propertyNames"),
        ({"rate_limit": {"reset_unit": "hours"}}, "/info/x-envelope/rate_limit/reset_unit", "enum"),
        ({"preset": "nope"}, "/info/x-envelope/preset", "no envelope preset"),
        (["result"], "/info/x-envelope", "type"),
    ],
)
def test_a_bad_declaration_names_the_file_pointer_and_rule(
    tmp_path: Path, declared: Any, pointer: str, rule: str
) -> None:
    with pytest.raises(SpecError) as caught:
        plain_api(tmp_path, _with_envelope(declared))
    assert str(caught.value).startswith(f"{caught.value.file}:{pointer}: ")
    assert caught.value.pointer == pointer
    assert rule in str(caught.value)


def test_a_preset_with_overrides() -> None:
    envelope = parse_envelope({"preset": "sourcecraft", "validation_status": 422}, "s.yaml")
    assert envelope.name == "sourcecraft"
    assert envelope.validation_status == 422
    assert envelope.code_for(422) == parse_envelope("sourcecraft", "s.yaml").codes["validation"]


def test_a_new_vendor_needs_only_spec_data(tmp_path: Path) -> None:
    """The inline GitHub-like envelope drives the mock and the client runtime alike."""
    api = plain_api(tmp_path, _with_envelope(GITHUB_LIKE))
    assert api.envelope.name == "inline"
    app = create_app([api], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url="https://api.example.com") as client:
        refused = client.post("/things", json={"name": ""})
        ok = client.post("/things", json={"name": "a"})
    assert refused.status_code == 422
    body = refused.json()
    assert set(body) == {"message", "errors"}
    assert "/name" in body["errors"]
    assert ok.status_code == 201 and set(ok.json()) == {"id"}
    reset = int(ok.headers["x-ratelimit-reset"])
    assert reset > 1_700_000_000  # epoch seconds, as declared, not seconds-to-go
    assert int(ok.headers["x-ratelimit-remaining"]) < int(ok.headers["x-ratelimit-limit"])
    # The runtime reads the same declaration: a 422 is a typed error with the message.
    api_def = ApiDef(
        name="plain",
        base_url="https://api.example.com",
        envelope=api.envelope,
        schemes={},
        security=((),),
    )
    op = OperationDef("createThing", "POST", "/things", "never-sent")
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        read_response(api_def, op, refused, BaseModel, None)
    assert "minLength" in str(caught.value)


@given(
    status=st.integers(min_value=400, max_value=599),
    problems=st.lists(st.text(min_size=1, max_size=20), max_size=3),
)
@settings(max_examples=50, deadline=None)
def test_error_bodies_follow_the_declared_shape(status: int, problems: list[str]) -> None:
    for name in preset_names():
        envelope = parse_envelope(name, "s.yaml")
        body = envelope.error_body(status, problems, "summary", {"/a": "m"}, "req-1")
        error = envelope.error_of(body)
        items = error if envelope.error.many else [error]
        assert items, name
        if envelope.error.code:
            assert all(item[envelope.error.code] == envelope.code_for(status) for item in items)
        if envelope.success_flag:
            assert body[envelope.success_flag] is False
            assert envelope.failed(body)
        assert envelope.summary(body)  # the runtime can always word it
