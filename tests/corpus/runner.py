"""Run a folder of specs through every tool, as a new user would: lint, regen, mock, fuzz.

A case is a folder holding ``specs/`` (and a note of where the specs come from). Nothing
here knows a case by name: valid requests are built from each operation's own examples,
invalid ones by breaking what the operation declares, so adding a folder is all it takes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from triggerspec.codegen.pipeline import PACKAGE
from triggerspec.contract.runner import dummy_credentials
from triggerspec.mock import MockSettings, MockTransport, create_app, load_apis
from triggerspec.project import Project
from triggerspec.spec.model import Api, Operation

ROOT = Path(__file__).resolve().parents[2]
FOREIGN = ROOT / "tests" / "fixtures" / "foreign"


def cases(folder: Path = FOREIGN) -> list[Path]:
    """Every case folder (one holding ``specs/``)."""
    return sorted(p for p in folder.iterdir() if (p / "specs").is_dir())


def make_project(where: Path, *spec_folders: Path) -> Project:
    """A throwaway project with the given specs and a ``[tool.triggerspec]`` table only (the
    generator runs with the toolkit's defaults, as in a user's repository)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    for folder in spec_folders:
        shutil.copytree(folder, where / "specs", dirs_exist_ok=True)
    return Project.from_root(where)


def check_generated(project: Project) -> str:
    """Problems of the generated package: every module imports and mypy --strict is clean."""
    env = {
        "MYPYPATH": f"{ROOT / 'tools'}:{project.generated_dir}",
        "PYTHONPATH": f"{ROOT / 'tools'}:{project.generated_dir}",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    modules = sorted(
        ".".join(p.relative_to(project.generated_dir).with_suffix("").parts)
        for p in (project.generated_dir / PACKAGE).rglob("*.py")
    )
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode:
        return done.stderr[-3000:]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", PACKAGE],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout[-3000:]


@dataclass(frozen=True)
class Call:
    """One request to the mock."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any = None
    has_body: bool = False


def _example(schema: dict[str, Any], fallback: Any) -> Any:
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    return 1 if kind in ("integer", "number") else fallback


def valid_call(api: Api, op: Operation) -> Call:
    """A request the operation accepts, built from its own examples."""
    path: dict[str, Any] = {}
    query: dict[str, Any] = {}
    for p in op.parameters:
        value = p.example if p.example is not None else _example(p.schema, "abc")
        if p.location == "path":
            path[p.name] = value
        elif p.location == "query" and p.required:
            query[p.name] = value
    url = api.base_path + op.path.format_map(path)
    if query:
        url += "?" + str(httpx.QueryParams(query))
    headers = dummy_credentials(api)
    if op.body is None:
        return Call(op.method, url, headers)
    assert op.body.examples, f"{op.operation_id}: no request example to send"
    return Call(op.method, url, headers, op.body.examples[0].value, True)


def invalid_calls(api: Api, op: Operation) -> list[Call]:
    """Requests the operation must refuse: no credentials, and a body of the wrong type."""
    good = valid_call(api, op)
    calls = [Call(good.method, good.url, {}, good.body, good.has_body)]
    if op.body is not None and op.body.media_type == "application/json":
        calls.append(Call(good.method, good.url, good.headers, ["not", "an", "object"], True))
    return calls


def send(api_list: list[Api], call: Call) -> httpx.Response:
    app = create_app(api_list, MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url="http://mock.invalid") as client:
        content = json.dumps(call.body).encode() if call.has_body else None
        headers = {**call.headers}
        if content is not None:
            headers["content-type"] = "application/json"
        return client.request(call.method, call.url, headers=headers, content=content)


def apis_of(project: Project) -> list[Api]:
    return load_apis(project)
