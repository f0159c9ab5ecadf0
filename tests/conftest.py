"""Shared fixtures: the project's own specs, parsed once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from triggerspec.project import Project
from triggerspec.spec.model import Api, Operation, load_api

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.from_root(ROOT)


@pytest.fixture(scope="session")
def apis(project: Project) -> dict[str, Api]:
    return {a.name: a for a in (load_api(p, project.relative(p)) for p in project.spec_files())}


def operation(apis: dict[str, Api], operation_id: str) -> tuple[Api, Operation]:
    for api in apis.values():
        for op in api.operations:
            if op.operation_id == operation_id:
                return api, op
    raise LookupError(operation_id)


def request_schema(apis: dict[str, Api], operation_id: str) -> dict[str, Any]:
    api, op = operation(apis, operation_id)
    assert op.body is not None
    schema: dict[str, Any] = api.document.deref(op.body.schema)
    return schema


def success_schema(apis: dict[str, Api], operation_id: str) -> dict[str, Any]:
    api, op = operation(apis, operation_id)
    assert op.success.schema is not None
    schema: dict[str, Any] = api.document.deref(op.success.schema)
    return schema
