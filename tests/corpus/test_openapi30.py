"""OpenAPI 3.0 keeps its meaning in every tool: models, mock and fuzz read it alike.

One 3.0 document uses ``nullable`` (on a type, an enum and a ``$ref``), a boolean
``exclusiveMinimum`` and a schema ``example``; each tool must judge the same values the
same way as OpenAPI 3.0 does.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.corpus.runner import Call, check_generated, make_project, send
from triggerspec.cli import main
from triggerspec.codegen.pipeline import PACKAGE
from triggerspec.mock import load_apis
from triggerspec.project import Project

TICKET = {
    "type": "object",
    "required": ["count"],
    "properties": {
        "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "example": 3},
        "note": {"type": "string", "nullable": True, "maxLength": 20},
        "level": {"type": "string", "enum": ["low", "high"], "nullable": True},
        "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": True},
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Tickets", "version": "1", "x-envelope": "sourcecraft"},
    "servers": [{"url": "https://tickets.example.test/v1"}],
    "security": [{"token": []}],
    "paths": {
        "/tickets": {
            "post": {
                "operationId": "createTicket",
                "summary": "Create a ticket",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/TicketInput"},
                            "example": {"count": 1, "note": None, "level": None},
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Ticket"},
                                "example": {"count": 1, "note": None, "level": None, "owner": None},
                            }
                        },
                    },
                    "default": {
                        "description": "error",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"},
                            }
                        },
                    },
                },
            }
        }
    },
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
            "TicketInput": copy.deepcopy(TICKET),
            "Ticket": copy.deepcopy(TICKET),
        },
    },
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    where = tmp_path_factory.mktemp("openapi30")
    (where / "in" / "specs").mkdir(parents=True)
    (where / "in" / "specs" / "tickets.yaml").write_text(yaml.safe_dump(SPEC))
    return make_project(where / "project", where / "in" / "specs")


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ({"count": 1}, True),
        ({"count": 0}, False),  # exclusiveMinimum: true with minimum 0
        ({"count": -1}, False),
        ({"count": 1, "note": None, "level": None, "owner": None}, True),
        ({"count": 1, "level": "mid"}, False),
        ({"count": 1, "owner": {"name": "x"}}, True),
        ({"count": 1, "owner": 5}, False),
        ({"count": None}, False),
    ],
)
def test_mock_and_models_judge_30_values_alike(
    project: Project, body: dict[str, Any], accepted: bool
) -> None:
    apis = load_apis(project)
    api = apis[0]
    call = Call("POST", api.base_path + "/tickets", {"Authorization": "Bearer t"}, body, True)
    status = send(apis, call).status_code
    assert (200 <= status < 300) is accepted, status
    assert model_accepts(project, body) is accepted


_GENERATED: dict[Path, str] = {}


def model_accepts(project: Project, body: dict[str, Any]) -> bool:
    if project.root not in _GENERATED:
        assert main(["--root", str(project.root), "regen", "-q"]) == 0
        _GENERATED[project.root] = check_generated(project)
    assert _GENERATED[project.root] == ""
    code = (
        f"from {PACKAGE}.tickets.models import TicketInput\n"
        "import json, sys\n"
        "try:\n"
        f"    TicketInput.model_validate(json.loads({json.dumps(json.dumps(body))}))\n"
        "except Exception:\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{project.generated_dir}:{Path(__file__).parents[2] / 'tools'}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 3), done.stderr
    return done.returncode == 0


def test_fuzz_of_a_30_document_agrees_with_the_mock(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--root", str(project.root), "fuzz", "--max-examples", "10", "--seed", "3"]
    assert main([*args, "--max-time", "30"]) == 0, capsys.readouterr()
