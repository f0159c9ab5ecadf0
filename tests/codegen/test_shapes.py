"""The shapes real APIs use, generated from a small fixture spec and run against the mock.

The fixture (``golden/shapes/specs/shapes.yaml``) has one operation per shape: 200 or 204 as
the body asks (``x-when``), text and bytes responses, a path segment mixing text and
parameters, JSON or form bodies, integer path parameters, a body field named like a path
parameter, nullable and shared enums, typed maps, and inline schemas whose names collide.
Its generated package is imported under its own name, next to the project's clients.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.codegen.golden import HERE, imported, make_project
from triggerspec.codegen.pipeline import regen
from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.runtime.errors import RequestValidationError
from triggerspec.spec.model import Api, load_api

BASE = "https://api.shapes.test"
ALIAS = "shapes_generated_clients"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Api]]:
    project = make_project(HERE / "shapes", tmp_path_factory.mktemp("shapes") / "project")
    regen(project)
    with imported(project, ALIAS):
        yield importlib.import_module(f"{ALIAS}.shapes"), load_api(project.spec_files()[0])


def _client(shapes: tuple[ModuleType, Api], transport: httpx.BaseTransport | None = None) -> Any:
    module, api = shapes
    if transport is None:
        transport = MockTransport(create_app([api], MockSettings(seed=1)))
    return module.ShapesClient(api_token="t0k", transport=transport, environ={})


def test_inline_schemas_are_named_deterministically(shapes: tuple[ModuleType, Api]) -> None:
    models = shapes[0].models
    # DispatchRequest is taken by a component: the inline body gets the next free name.
    assert set(models.DispatchRequest.model_fields) == {"unused"}
    assert {"ref", "owner", "details", "inputs"} == set(models.DispatchRequest2.model_fields)
    assert "run_id" in models.DispatchResponse200.model_fields
    assert "token" in models.TriggerPipelineRequest.model_fields
    assert "web_url" in models.TriggerPipelineResponse201.model_fields


def test_200_or_204_as_the_body_selects(shapes: tuple[ModuleType, Api]) -> None:
    client = _client(shapes)
    assert client.dispatch(owner="o", repo="r", ref="main") is None
    details = client.dispatch(owner="o", repo="r", ref="main", details=True)
    assert isinstance(details, shapes[0].models.DispatchResponse200)
    raw = client.with_raw_response.dispatch(owner="o", repo="r", ref="main")
    assert (raw.status_code, raw.parsed, raw.http_response.content) == (204, None, b"")


def test_a_body_field_named_like_a_path_parameter_is_renamed(
    shapes: tuple[ModuleType, Api],
) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    client = _client(shapes, httpx.MockTransport(answer))
    signature = inspect.signature(client.dispatch)
    assert {"owner", "owner_body"} <= set(signature.parameters)
    assert signature.parameters["inputs"].annotation == "dict[str, str] | NotGiven"
    client.dispatch(owner="acme", repo="r", ref="main", owner_body="someone")
    assert sent[0].url.path == "/repos/acme/r/dispatches"
    assert json.loads(sent[0].content) == {"ref": "main", "owner": "someone"}


def test_text_and_bytes_responses(shapes: tuple[ModuleType, Api]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/log"):
            return httpx.Response(
                200, text="step 1\nstep 2\n", headers={"content-type": "text/plain"}
            )
        return httpx.Response(200, content=b"\x00\xffzip", headers={"content-type": "x/y"})

    client = _client(shapes, httpx.MockTransport(answer))
    assert client.get_log(build_id=3) == "step 1\nstep 2\n"
    assert client.get_artifact(build_id=3) == b"\x00\xffzip"
    mocked = _client(shapes)  # the mock answers the documented media type
    assert isinstance(mocked.get_log(build_id=3), str)
    raw = mocked.with_raw_response.get_artifact(build_id=3)
    assert raw.headers["content-type"] == "application/octet-stream"
    assert isinstance(raw.parsed, bytes)


def test_integer_path_parameters_are_typed_and_validated(shapes: tuple[ModuleType, Api]) -> None:
    client = _client(shapes)
    with pytest.raises(RequestValidationError, match="build_id: an integer is required"):
        client.get_log(build_id="3")
    _, api = shapes
    with httpx.Client(transport=MockTransport(create_app([api])), base_url=BASE) as http:
        auth = {"Authorization": "Bearer t"}
        assert http.get("/builds/abc/log", headers=auth).status_code == 400
        assert http.get("/builds/0/log", headers=auth).status_code == 400  # minimum 1
        assert http.get("/builds/12/log", headers=auth).status_code == 200


def test_a_segment_mixing_text_and_parameters(shapes: tuple[ModuleType, Api]) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": None})

    comparison = _client(shapes, httpx.MockTransport(answer)).compare(base="v1", head="fix/x")
    assert sent[0].url.raw_path == b"/compare/v1...fix%2Fx"
    assert comparison.status is None  # a nullable enum: null, not a member
    assert _client(shapes).compare(base="v1", head="v2").status.value == "ahead"


def test_json_by_default_and_form_when_asked(shapes: tuple[ModuleType, Api]) -> None:
    _, api = shapes
    app = create_app([api], MockSettings(seed=1))
    client = _client(shapes, MockTransport(app))
    made = client.trigger_pipeline(id=5, token="t", ref="main", priority=2)
    form = client.trigger_pipeline(
        id=5, token="t", ref="main", priority=2, media_type="application/x-www-form-urlencoded"
    )
    assert made.id and form.id
    kinds = [e.headers.get("content-type") for e in app.journal]
    assert kinds == ["application/json", "application/x-www-form-urlencoded"]
    assert [e.body for e in app.journal] == [{"token": "t", "ref": "main", "priority": 2}] * 2
    with pytest.raises(RequestValidationError, match="media_type"):
        client.trigger_pipeline(id=5, token="t", ref="main", media_type="text/plain")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("token=t&ref=main&priority=3", 201),
        ("token=t&ref=main&priority=-1", 400),  # minimum 0, on the form as on JSON
        ("token=t&ref=main&priority=high", 400),  # not an integer
        ("token=t", 400),  # ref is required
        ("token=t&ref=main&ref=dev", 400),  # a field sent twice
        ("token=t&ref=main&status=done", 400),  # the shared enum stays strict on requests
    ],
)
def test_the_mock_validates_a_form_body_by_its_schema(
    shapes: tuple[ModuleType, Api], body: str, status: int
) -> None:
    app = create_app([shapes[1]])
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as http:
        response = http.post(
            "/projects/5/trigger/pipeline",
            content=body,
            headers={
                "Authorization": "Bearer t",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
    assert response.status_code == status, response.text


def test_a_map_with_too_many_properties_is_refused_by_client_and_mock(
    shapes: tuple[ModuleType, Api],
) -> None:
    inputs = {f"k{i}": "v" for i in range(4)}  # maxProperties: 3
    with pytest.raises(RequestValidationError, match="inputs"):
        _client(shapes).dispatch(owner="o", repo="r", ref="main", inputs=inputs)
    with httpx.Client(transport=MockTransport(create_app([shapes[1]])), base_url=BASE) as http:
        refused = http.post(
            "/repos/o/r/dispatches",
            json={"ref": "main", "inputs": inputs},
            headers={"Authorization": "Bearer t"},
        )
        assert refused.status_code == 400
        assert "maxProperties" in refused.text
        accepted = http.post(
            "/repos/o/r/dispatches",
            json={"ref": "main", "inputs": dict(list(inputs.items())[:3])},
            headers={"Authorization": "Bearer t"},
        )
        assert accepted.status_code == 204
