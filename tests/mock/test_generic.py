"""Generic stateful answers and declared state: a spec the toolkit has never seen, with no
code of its own, gets fresh ids, echoed fields, get/list of what it created, and the
x-dedup / x-upsert / x-missing-target behaviour it declares."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from triggerspec.cli import main
from triggerspec.errors import SpecError
from triggerspec.mock import generic
from triggerspec.mock.app import MockApp, create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.spec.model import Api, load_api

BASE = "https://api.example.com/v2"

THING = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "minLength": 1},
        "color": {"type": "string", "enum": ["red", "blue"]},
        "created_at": {"type": "string", "format": "date-time"},
        "archived_at": {"type": ["string", "null"], "format": "date-time"},
        "state": {"type": "string"},
    },
}
NEW_THING = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "color": {"type": "string", "enum": ["red", "blue"]},
        "ref": {"type": "string"},
    },
}


def _json(schema: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _op(op_id: str, status: str, schema: Any, body: bool = False, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "responses": {
            status: {"description": "ok", **_json(schema)},
            "4XX": {"description": "refused", **_json({"type": "object"})},
        },
        **extra,
    }
    if body:
        op["requestBody"] = {"required": True, **_json(NEW_THING)}
    return op


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1"},
    "servers": [{"url": BASE}],
    "paths": {
        "/things": {
            "post": _op("createThing", "201", THING, body=True),
            "get": _op("listThings", "200", {"type": "array", "items": THING}),
        },
        "/things/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": _op("getThing", "200", THING),
        },
        "/jobs/{job}/runs": {
            "parameters": [
                {"name": "job", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "post": _op(
                "runJob",
                "200",
                THING,
                body=True,
                **{
                    "x-dedup": {
                        "key": ["path.job", "body.ref"],
                        "window_s": 10,
                        "first": {"state": "started"},
                        "repeat": {"state": "duplicate"},
                    },
                    "x-missing-target": {"field": "path.job", "answer": {"state": "no-such-job"}},
                },
            ),
        },
        "/links": {
            "put": _op(
                "putLink",
                "200",
                THING,
                body=True,
                **{"x-upsert": {"identity": ["body.name"], "keep": ["id", "created_at"]}},
            )
        },
    },
}


def _load(where: Path, spec: dict[str, Any]) -> Api:
    path = where / "things.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return load_api(path)


@pytest.fixture
def app(tmp_path: Path) -> MockApp:
    settings = MockSettings(seed=3, no_config_workflows=frozenset({"ghost"}))
    return create_app([_load(tmp_path, SPEC)], settings)


@pytest.fixture
def client(app: MockApp) -> httpx.Client:
    return httpx.Client(transport=MockTransport(app), base_url=BASE)


def test_fresh_ids_and_echoed_fields(client: httpx.Client) -> None:
    one = client.post("/things", json={"name": "a", "color": "red"})
    two = client.post("/things", json={"name": "b"})
    assert one.status_code == two.status_code == 201
    a, b = one.json(), two.json()
    assert (a["name"], a["color"], b["name"]) == ("a", "red", "b")  # echoed by name
    assert a["id"] != b["id"]  # fresh
    assert a["archived_at"] is None and b["created_at"] > a["created_at"]


def test_created_resources_are_visible_to_get_and_list(client: httpx.Client) -> None:
    made = [client.post("/things", json={"name": n}).json() for n in ("a", "b")]
    got = client.get(f"/things/{made[1]['id']}")
    assert got.status_code == 200 and got.json() == made[1]
    listed = client.get("/things").json()
    assert listed == made


def test_dedup_repeats_within_the_declared_window(app: MockApp, client: httpx.Client) -> None:
    first = client.post("/jobs/j1/runs", json={"name": "x", "ref": "main"}).json()
    again = client.post("/jobs/j1/runs", json={"name": "x", "ref": "main"}).json()
    other = client.post("/jobs/j1/runs", json={"name": "x", "ref": "dev"}).json()
    assert first["state"] == "started" and other["state"] == "started"
    assert again == {**first, "state": "duplicate"}
    app.clock.advance(11)
    later = client.post("/jobs/j1/runs", json={"name": "x", "ref": "main"}).json()
    assert later["state"] == "started" and later["id"] != first["id"]


def test_a_missing_target_gets_the_declared_answer(client: httpx.Client) -> None:
    body = client.post("/jobs/ghost/runs", json={"name": "x"}).json()
    assert body == {"state": "no-such-job"}


def test_upsert_keeps_the_identity_of_the_first_record(client: httpx.Client) -> None:
    first = client.put("/links", json={"name": "l", "color": "red"}).json()
    second = client.put("/links", json={"name": "l", "color": "blue"}).json()
    other = client.put("/links", json={"name": "m"}).json()
    assert (second["id"], second["created_at"], second["color"]) == (
        first["id"],
        first["created_at"],
        "blue",
    )
    assert other["id"] != first["id"]


@pytest.mark.parametrize(
    ("key", "value", "pointer"),
    [
        ("x-dedup", {"key": []}, "/paths/~1jobs~1{job}~1runs/post/x-dedup/key"),
        ("x-dedup", {"key": ["cookie.a"]}, "/paths/~1jobs~1{job}~1runs/post/x-dedup/key/0"),
        ("x-upsert", {"keep": ["id"]}, "/paths/~1jobs~1{job}~1runs/post/x-upsert"),
        (
            "x-missing-target",
            {"field": "path.job"},
            "/paths/~1jobs~1{job}~1runs/post/x-missing-target",
        ),
    ],
)
def test_a_bad_declaration_names_its_pointer(
    tmp_path: Path, key: str, value: Any, pointer: str
) -> None:
    spec = copy.deepcopy(SPEC)
    spec["paths"]["/jobs/{job}/runs"]["post"][key] = value
    with pytest.raises(SpecError) as caught:
        _load(tmp_path, spec)
    assert caught.value.pointer == pointer
    assert key in str(caught.value)


def test_fuzz_takes_the_new_spec_without_toolkit_edits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()
    _load(tmp_path / "specs", SPEC)
    root = str(tmp_path)
    code = main(
        ["--root", root, "fuzz", "--max-examples", "5", "--seed", "1", "--mode", "positive"]
    )
    out = capsys.readouterr()
    assert code == 0, out.out + out.err


def test_kept_records_are_bounded(
    client: httpx.Client, app: MockApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generic, "KEEP_LIMIT", 3)
    made = [client.post("/things", json={"name": f"n{i}"}).json()["id"] for i in range(5)]
    kept = app.state.resources[("things", "/things")]
    assert list(kept) == made[-3:]
    assert client.get(f"/things/{made[-1]}").json()["id"] == made[-1]


def test_a_payload_builder_is_used_only_where_a_spec_names_it(tmp_path: Path) -> None:
    spec = copy.deepcopy(SPEC)
    # An operationId a shipped spec also uses gets the generic answer, not that spec's builder.
    spec["paths"]["/things"]["post"]["operationId"] = "startJobBuild"
    app = create_app([_load(tmp_path, spec)], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        made = client.post("/things", json={"name": "a"}).json()
    assert set(made) <= set(THING["properties"]) and made["name"] == "a"
    spec["paths"]["/things"]["post"]["x-mock-payload"] = "no-such-builder"
    with pytest.raises(SpecError) as caught:
        create_app([_load(tmp_path, spec)], MockSettings(seed=1))
    assert caught.value.pointer == "/paths/~1things/post/x-mock-payload"
    assert "job-build" in str(caught.value)  # the known names are listed


@pytest.mark.parametrize(
    ("example", "answered"),
    [(None, {}), ({"approved": True}, {"approved": True}), ("yes", {})],
)
def test_a_documented_example_is_answered_only_when_its_schema_accepts_it(
    tmp_path: Path, example: Any, answered: Any
) -> None:
    """GitHub documents ``null`` as the example of an empty object: the mock answers what
    the schema allows, not the example that breaks it."""
    schema = {"type": "object", "title": "Empty Object"}
    integer = {"type": "integer"}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Approvals", "version": "1"},
        "servers": [{"url": BASE}],
        "paths": {
            "/runs/{id}/approve": {
                "post": {
                    "operationId": "approve",
                    "summary": "Approve a run",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": integer}
                    ],
                    "responses": {
                        "201": {
                            "description": "approved",
                            "content": {
                                "application/json": {
                                    "schema": schema,
                                    "examples": {"default": {"value": example}},
                                }
                            },
                        }
                    },
                }
            }
        },
    }
    app = create_app([_load(tmp_path, spec)], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        answer = client.post("/runs/1/approve")
    assert (answer.status_code, answer.json()) == (201, answered)
