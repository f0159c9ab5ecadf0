"""Shapes a whole vendor document has and the shipped specs do not, each generated, imported
and held to ruff and ``mypy --strict`` (GitHub's REST description stopped on each).

- no security scheme declared at all: the client imports no ``Scheme``;
- an object with properties and typed ``additionalProperties`` (typed extras);
- enough pydantic names that the models' import is written over several lines;
- enum defaults, written as the member, on both sides;
- enum values named like ``str`` methods (``title``, ``upper``);
- a string default on a field its format types as a class (``AnyUrl``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.corpus.runner import check_generated, make_project
from triggerspec.codegen.pipeline import PACKAGE, RUFF_SETTINGS, regen
from triggerspec.project import Project

_KIND = {"type": "string", "enum": ["title", "upper", "plain"], "default": "title"}
_THING = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri", "default": ""},  # not a URI, as GitHub's
        "email": {"type": "string", "format": "email"},
        "created_at": {"type": "string", "format": "date-time"},
        "name": {"type": "string", "maxLength": 10},
        "mode": {"type": "string", "enum": ["on", "off"], "default": "off"},
        "labels": {"type": "array", "items": {"type": "string", "enum": ["bug", "idea"]}},
        "kind": {"$ref": "#/components/schemas/Kind"},
        "permissions": {
            "type": "object",
            "properties": {"issues": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Whole", "version": "1"},
    "servers": [{"url": "https://whole.test"}],
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "summary": "List",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Things"}}
                        },
                    }
                },
            },
            "post": {
                "operationId": "makeThing",
                "summary": "Make",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    }
                },
                "responses": {"204": {"description": "made"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Kind": _KIND,
            "Thing": _THING,
            "Things": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
        }
    },
}


_RULES = ("--select", "E,F,W,I,UP,B", "--ignore", "E501")  # as tests/codegen/test_regen.py


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    source = tmp_path_factory.mktemp("whole") / "specs"
    source.mkdir()
    (source / "whole.json").write_text(json.dumps(SPEC))
    made = make_project(tmp_path_factory.mktemp("whole") / "project", source)
    regen(made)
    return made


def test_the_package_imports_and_passes_mypy_strict(project: Project) -> None:
    assert check_generated(project) == ""


def test_the_package_passes_ruff(project: Project) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            *RUFF_SETTINGS,
            *_RULES,
            str(project.generated_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _models(project: Project) -> str:
    return (project.generated_dir / PACKAGE / "whole" / "models.py").read_text()


def test_the_shapes_are_written_as_python_reads_them(project: Project) -> None:
    models = _models(project)
    assert "AwareDatetime" not in models and "DateTime" in models
    assert "Dict[" not in models and "import Dict" not in models
    assert 'title_ = "title"' in models  # not str.title
    client = (project.generated_dir / PACKAGE / "whole" / "client.py").read_text()
    assert "Scheme" not in client


def test_enum_defaults_are_members_on_both_sides(project: Project) -> None:
    code = (
        "from triggerspec_clients.whole import models as m\n"
        "thing = m.Thing(id=1)\n"
        "assert thing.kind is m.Kind.title_ and thing.kind.is_known, thing.kind\n"
        "assert thing.mode is m.ThingMode.off, thing.mode\n"
        "made = m.ThingInput(id=1)\n"
        "assert made.mode is m.Mode.off and made.kind is m.KindInput.title_, made\n"
        "assert m.Thing(id=1, labels=['moot']).labels[0].is_known is False\n"
        "try:\n    m.ThingInput(id=1, labels=['moot'])\nexcept ValueError:\n    pass\n"
        "else:\n    raise AssertionError('a request enum must stay strict')\n"
    )
    tools = Path(__file__).resolve().parents[2] / "tools"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": f"{tools}:{project.generated_dir}"},
    )
    assert done.returncode == 0, done.stderr
