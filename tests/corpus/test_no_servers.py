"""A spec that lists no server is served at ``/``, as OpenAPI says: every tool reads it, and
its clients ask for a base URL instead of sending nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.corpus.runner import ROOT, make_project, send, valid_call
from triggerspec.cli import main
from triggerspec.errors import SpecError
from triggerspec.mock import load_apis
from triggerspec.project import Project
from triggerspec.spec.load import load_spec
from triggerspec.spec.model import parse_api

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Hooks", "version": "1", "x-envelope": "sourcecraft"},
    "security": [{"token": []}],
    "paths": {
        "/hooks/{hookId}/runs": {
            "post": {
                "operationId": "runHook",
                "summary": "Run a hook",
                "parameters": [
                    {
                        "name": "hookId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "example": "nightly"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["ref"],
                                "properties": {"ref": {"type": "string", "minLength": 1}},
                            },
                            "example": {"ref": "main"},
                        }
                    },
                },
                "responses": {
                    "202": {
                        "description": "accepted",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": "string"}},
                                },
                                "example": {"id": "run-1"},
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
}


def _project(where: Path, servers: Any = None) -> Path:
    spec = dict(SPEC)
    if servers is not None:
        spec["servers"] = servers
    folder = where / "in"
    folder.mkdir(parents=True)
    (folder / "hooks.json").write_text(json.dumps(spec))
    return make_project(where / "project", folder).root


@pytest.mark.parametrize("servers", [None, []], ids=["absent", "empty"])
def test_the_spec_is_served_at_its_own_paths(tmp_path: Path, servers: Any) -> None:
    root = _project(tmp_path, servers)
    spec = root / "specs" / "hooks.json"
    api = parse_api(load_spec(spec))
    assert api.servers == ("/",)
    assert api.base_path == ""
    assert main(["--root", str(root), "lint"]) == 0
    apis = load_apis(Project.from_root(root), [spec])
    op = api.operations[0]
    call = valid_call(api, op)
    assert call.url == "/hooks/abc/runs"  # no server path in front
    assert send(apis, call).status_code == 202


def test_a_server_without_a_url_is_refused_by_pointer(tmp_path: Path) -> None:
    root = _project(tmp_path, [{"url": "https://hooks.example.test"}, {"description": "x"}])
    with pytest.raises(SpecError) as caught:
        parse_api(load_spec(root / "specs" / "hooks.json"))
    assert "/servers/1" in str(caught.value) and "url" in str(caught.value)


def test_its_client_asks_for_a_base_url(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert main(["--root", str(root), "regen", "-q"]) == 0
    code = (
        "from triggerspec_clients.hooks import HooksClient\n"
        "from triggerspec.runtime.errors import InvalidBaseURLError\n"
        "try:\n"
        "    HooksClient(api_token='t')\n"
        "except InvalidBaseURLError as exc:\n"
        "    print('refused:', exc)\n"
        "client = HooksClient(api_token='t', base_url='http://127.0.0.1:9')\n"
        "print('given:', client.base_url)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root / "generated"), str(ROOT / "tools")]),
    }
    env.pop("HOOKS_BASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "refused: the spec's server '/' is not an absolute http(s) URL" in done.stdout
    assert "HOOKS_BASE_URL" in done.stdout
    assert "given: http://127.0.0.1:9" in done.stdout
