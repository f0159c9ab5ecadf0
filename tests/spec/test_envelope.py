"""Envelopes: a spec without ``x-envelope`` has plain JSON bodies, in the model and the mock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
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
    assert api.profile.result_key is None
    assert api.profile.error_key is None
    assert api.profile.success_flag is None


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
