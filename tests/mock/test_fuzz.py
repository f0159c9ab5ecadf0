"""Negative fuzzing, bounded: no input makes the mock answer 5xx or leave the vendor shape.

Every answer is either a documented success or an error that validates against the
operation's documented error schema (the nearest vendor's, for unknown paths).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mock.helpers import AUTH, VALID, documented_schema
from triggerspec.mock.app import MockApp, create_app
from triggerspec.mock.exchange import MockRequest, MockResponse
from triggerspec.mock.routes import split_target
from triggerspec.spec.model import Api
from triggerspec.spec.validate import violations

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
        "multipart/form-data; boundary=b",
        "multipart/form-data",
        "text/plain",
        "",
        "application/json; charset=utf-16",
    ]
)
operations = st.sampled_from(sorted(VALID))


@pytest.fixture(scope="module")
def app(triggerspec_apis: list[Api]) -> MockApp:
    return create_app(triggerspec_apis)


def _api_of(app: MockApp, target: str) -> str:
    try:
        segments = split_target(target)
    except ValueError:
        segments = target.split("/")[1:]
    return app.router.nearest_api(segments).name


def _check(app: MockApp, request: MockRequest, operation_id: str | None) -> MockResponse:
    response = app.handle(request)
    assert response.status < 500, response.body
    if response.status == 200:
        return response
    body = json.loads(response.body)
    api = _api_of(app, request.target)
    found = [e for e in app.journal.entries()[-1:] if e.operation_id is not None]
    op = found[0].operation_id if found else None
    schema = documented_schema(app, response.status, op, api)
    assert violations(schema, body) == [], (request, body)
    assert operation_id is None or op in (operation_id, None)
    return response


def _request(operation_id: str, body: bytes, headers: dict[str, str]) -> MockRequest:
    method, path, _ = VALID[operation_id]
    return MockRequest(method, path, "", {k.lower(): v for k, v in headers.items()}, body)


@FUZZ
@given(operation_id=operations, value=json_values)
def test_any_json_value(app: MockApp, operation_id: str, value: Any) -> None:
    body = json.dumps(value).encode()
    _check(
        app,
        _request(operation_id, body, {**AUTH, "content-type": "application/json"}),
        operation_id,
    )


@FUZZ
@given(operation_id=operations, body=st.binary(max_size=200), content_type=content_types)
def test_any_bytes(app: MockApp, operation_id: str, body: bytes, content_type: str) -> None:
    _check(app, _request(operation_id, body, {**AUTH, "content-type": content_type}), operation_id)


@FUZZ
@given(
    operation_id=operations,
    field=st.sampled_from(
        [
            "branch",
            "commit_hash",
            "sha",
            "head",
            "workflows",
            "overrides",
            "seed_repo",
            "input",
            "config_revision",
            "repo_id",
            "provider_type",
            "revision",
        ]
    ),
    value=json_values,
)
def test_valid_bodies_with_one_field_replaced(
    app: MockApp, operation_id: str, field: str, value: Any
) -> None:
    kwargs = VALID[operation_id][2]
    if "json" not in kwargs:
        return
    body = json.dumps({**kwargs["json"], field: value}).encode()
    _check(
        app,
        _request(operation_id, body, {**AUTH, "content-type": "application/json"}),
        operation_id,
    )


part_names = st.sampled_from(
    [
        "branch",
        "commit_dirty",
        "_worker.js",
        "_worker.bundle",
        "_headers",
        "manifest",
        "a%zz",
        "a;b",
        "é",
    ]
) | st.text(max_size=10)


@FUZZ
@given(
    parts=st.lists(
        st.tuples(part_names, st.none() | st.text(max_size=8), st.binary(max_size=30)), max_size=5
    ),
    cut=st.none() | st.integers(0, 400),
)
def test_any_multipart_form(
    app: MockApp, parts: list[tuple[str, str | None, bytes]], cut: int | None
) -> None:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        body += (
            b"--b\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + data + b"\r\n"
        )
    body += b"--b--\r\n"
    if cut is not None:
        body = body[:cut]
    headers = {**AUTH, "content-type": "multipart/form-data; boundary=b"}
    _check(app, _request("createDeployment", body, headers), "createDeployment")


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    segments=st.lists(st.text(max_size=6), max_size=7),
    raw=st.booleans(),
)
def test_any_path(app: MockApp, method: str, segments: list[str], raw: bool) -> None:
    target = "/" + "/".join(s if raw else quote(s, safe="") for s in segments)
    _check(app, MockRequest(method, target, "", dict(AUTH), b"{}"), None)


@FUZZ
@given(
    operation_id=operations,
    authorization=st.none() | st.text(max_size=30),
    prefer=st.none()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "code=429",
            "code=500, retry-after=9999999999",
            "example=doc-response",
            "delay=0",
            "code=200",
        ]
    ),
    extra=st.dictionaries(
        st.sampled_from(["x-auth-email", "x-auth-key", "content-length", "content-type"]),
        st.text(max_size=20),
        max_size=3,
    ),
)
def test_any_headers(
    app: MockApp,
    operation_id: str,
    authorization: str | None,
    prefer: str | None,
    extra: dict[str, str],
) -> None:
    method, path, kwargs = VALID[operation_id]
    body = json.dumps(kwargs.get("json", {})).encode()
    headers = {"content-type": "application/json", **extra}
    if authorization is not None:
        headers["authorization"] = authorization
    if prefer is not None:
        headers["prefer"] = prefer
    response = _check(app, MockRequest(method, path, "", headers, body), operation_id)
    assert response.delay_s <= 10
