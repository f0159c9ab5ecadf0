"""Security schemes: every supported kind, alternatives and combinations, no-auth operations,
credential environment variables (declared or derived), and masking."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from triggerspec.cli import main
from triggerspec.contract.client_contract import check_request
from triggerspec.contract.runner import dummy_credentials, environ_credentials, mask
from triggerspec.contract.strategies import RequestInput
from triggerspec.errors import SpecError
from triggerspec.mock import LiveMock
from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.runtime._base_client import SyncAPIClient
from triggerspec.runtime._client import ApiDef, OperationDef
from triggerspec.runtime.auth import Scheme, resolve_auth
from triggerspec.runtime.errors import MissingCredentialsError
from triggerspec.spec.model import Api, load_api
from triggerspec.spec.security import derived_env

BASE = "https://api.example.com"


def _op(op_id: str, security: Any = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }
    if security is not None:
        op["security"] = security
    return op


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Keys", "version": "1"},
    "servers": [{"url": BASE}],
    "security": [{"bearer": []}, {"basic": []}, {"query_key": [], "cookie_key": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "x-env": ["KEYS_TOKEN"]},
            "basic": {"type": "http", "scheme": "basic"},
            "query_key": {"type": "apiKey", "in": "query", "name": "api_key"},
            "cookie_key": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
    "paths": {
        "/private": {"get": _op("getPrivate")},
        "/public": {"get": _op("getPublic", [])},
    },
}


def keys_api(tmp_path: Path, spec: dict[str, Any] | None = None, name: str = "key-store") -> Api:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec or SPEC))
    return load_api(path)


def test_every_supported_kind_parses(tmp_path: Path) -> None:
    api = keys_api(tmp_path)
    kinds = {s.name: (s.kind, s.location, s.header) for s in api.schemes.values()}
    assert kinds == {
        "bearer": ("bearer", "header", "Authorization"),
        "basic": ("basic", "header", "Authorization"),
        "query_key": ("query", "query", "api_key"),
        "cookie_key": ("cookie", "cookie", "session"),
    }
    ops = {op.operation_id: op.security for op in api.operations}
    assert ops["getPublic"] == ()
    assert ("cookie_key", "query_key") in ops["getPrivate"]


def test_env_vars_are_declared_or_derived_from_api_and_scheme(tmp_path: Path) -> None:
    api = keys_api(tmp_path)
    assert api.schemes["bearer"].env == ("KEYS_TOKEN",)  # declared
    assert api.schemes["basic"].env == ("KEY_STORE_BASIC",)
    assert api.schemes["query_key"].env == ("KEY_STORE_QUERY_KEY",)
    assert derived_env("github-actions", "bearerAuth") == "GITHUB_ACTIONS_BEARER_AUTH"


@pytest.mark.parametrize(
    "scheme",
    [
        {"type": "oauth2", "flows": {}},
        {"type": "http", "scheme": "digest"},
        {"type": "apiKey", "in": "body", "name": "k"},
        {"type": "http", "scheme": "bearer", "x-env": "ONE"},
    ],
)
def test_an_unsupported_scheme_is_named(tmp_path: Path, scheme: dict[str, Any]) -> None:
    spec = {**SPEC, "components": {"securitySchemes": {"odd": scheme}}, "security": [{"odd": []}]}
    with pytest.raises(SpecError) as caught:
        keys_api(tmp_path, spec)
    assert caught.value.pointer.startswith("/components/securitySchemes/odd")


def _client(api: Api, token: str | None = None) -> httpx.Client:
    app = create_app([api], MockSettings(seed=1, token=token))
    return httpx.Client(transport=MockTransport(app), base_url=BASE)


def _basic(value: str) -> str:
    return "Basic " + base64.b64encode(value.encode()).decode()


def test_the_mock_accepts_each_alternative_and_refuses_half_a_combination(
    tmp_path: Path,
) -> None:
    api = keys_api(tmp_path)
    with _client(api, token="s3cret-value") as client:
        assert client.get("/public").status_code == 200  # security: []
        assert client.get("/private").status_code == 401
        ok = {"Authorization": "Bearer s3cret-value"}
        assert client.get("/private", headers=ok).status_code == 200
        assert (
            client.get("/private", headers={"Authorization": _basic("u:s3cret-value")}).status_code
            == 200
        )
        assert (
            client.get("/private", headers={"Authorization": _basic("u:wrong")}).status_code == 401
        )  # no x-auth-errors: a wrong credential is an authentication failure (RFC 6750)
        assert client.get("/private", headers={"Authorization": "Basic !!"}).status_code == 401
        both = client.get(
            "/private",
            params={"api_key": "s3cret-value"},
            headers={"Cookie": "session=s3cret-value"},
        )
        assert both.status_code == 200
        half = client.get("/private", params={"api_key": "s3cret-value"})
        assert half.status_code == 401
        assert "session" in half.json()["message"]


def test_the_journal_masks_query_and_cookie_credentials(tmp_path: Path) -> None:
    api = keys_api(tmp_path)
    app = create_app([api], MockSettings(seed=1))
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        client.get(
            "/private",
            params={"api_key": "qq-very-secret"},
            headers={"Cookie": "session=cc-secret"},
        )
    text = json.dumps([vars(e) for e in app.journal.entries()], default=str)
    assert "qq-very-secret" not in text and "cc-secret" not in text
    assert "api_key=***" in text


def test_the_client_runtime_places_each_kind() -> None:
    schemes = {
        "bearer": Scheme("bearer", "api_token", "bearer", "Authorization", ("T",)),
        "basic": Scheme("basic", "basic", "basic", "Authorization", ("B",)),
        "q": Scheme("q", "q", "query", "api_key", ("Q",)),
        "c1": Scheme("c1", "c1", "cookie", "a", ("C1",)),
        "c2": Scheme("c2", "c2", "cookie", "b", ("C2",)),
    }
    env = {"B": "user:pw", "Q": "qv", "C1": "x1", "C2": "x2"}
    options = (("bearer",), ("c1", "c2", "q"))
    found = resolve_auth(schemes, options, {}, env)
    assert {k: v.reveal() for k, v in found.items()} == {"Cookie": "a=x1; b=x2", "?api_key": "qv"}
    assert "x1" not in repr(found)
    basic = resolve_auth(schemes, (("basic",),), {}, env)
    assert basic["Authorization"].reveal() == _basic("user:pw")
    assert resolve_auth(schemes, (("bearer",), ()), {}, {}) == {}  # an option needs nothing
    with pytest.raises(MissingCredentialsError) as caught:
        resolve_auth(schemes, (("bearer",),), {}, {})
    assert "T" in str(caught.value)


def test_fuzz_credentials_come_from_the_schemes(tmp_path: Path) -> None:
    api = keys_api(tmp_path)
    creds = environ_credentials(
        api, {"KEY_STORE_QUERY_KEY": "qv1234", "KEY_STORE_COOKIE_KEY": "cv1234"}
    )
    assert creds == {"?api_key": "qv1234", "Cookie": "session=cv1234"}
    assert environ_credentials(api, {}) is None
    assert dummy_credentials(api)  # well-formed for the mock
    masked = mask("GET /private?api_key=qv1234 Cookie: session=cv1234", creds)
    assert "qv1234" not in masked and "cv1234" not in masked


def test_help_lists_the_variables_of_the_specs_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()
    keys_api(tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    for argv in (["--help"], ["fuzz", "--help"], ["mock", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "KEYS_TOKEN" in out and "KEY_STORE_BASIC" in out, argv
        assert "KEY_STORE_COOKIE_KEY  (key-store: cookie_key, cookie session)" in out


class _Anything(BaseModel):
    model_config = ConfigDict(extra="allow")


@pytest.mark.parametrize(
    ("environ", "label"),
    [
        ({"KEYS_TOKEN": "s3cret-value"}, "bearer"),
        ({"KEY_STORE_BASIC": "me:s3cret-value"}, "basic"),
        (
            {"KEY_STORE_QUERY_KEY": "s3cret-value", "KEY_STORE_COOKIE_KEY": "s3cret-value"},
            "cookie_key+query_key",
        ),
    ],
)
def test_a_runtime_client_authenticates_to_the_mock_with_each_kind(
    tmp_path: Path, environ: dict[str, str], label: str
) -> None:
    """The client runtime and the mock read the same schemes: each kind gets in."""
    api = keys_api(tmp_path)
    app = create_app([api], MockSettings(seed=1, token="s3cret-value"))
    arguments = {"bearer": "api_token"}
    schemes = {
        s.name: Scheme(s.name, arguments.get(s.name, s.name), s.kind, s.header, s.env)
        for s in api.schemes.values()
    }
    security = tuple(sorted({req for op in api.operations for req in op.security if req}))
    definition = ApiDef("key-store", BASE, api.envelope, schemes, security)

    class KeysClient(SyncAPIClient):
        api = definition

    op = OperationDef("getPrivate", "GET", "/private", "idempotent")
    with KeysClient(credentials={}, environ=environ, transport=MockTransport(app)) as client:
        answer = client._call(op, _Anything, None, path={})
    assert answer.status_code == 200
    (entry,) = app.journal.entries()
    assert entry.auth == label
    assert "s3cret-value" not in json.dumps(vars(entry), default=str)


def test_the_client_contract_check_sees_query_and_cookie_credentials(tmp_path: Path) -> None:
    api = keys_api(tmp_path)
    op = next(o for o in api.operations if o.operation_id == "getPrivate")
    creds = {"query_key": "qv", "cookie_key": "cv"}
    sent = RequestInput({}, None)
    good = httpx.Request("GET", f"{BASE}/private?api_key=qv", headers={"Cookie": "session=cv"})
    assert check_request(api, op, good, sent, creds) == []
    no_query = httpx.Request("GET", f"{BASE}/private", headers={"Cookie": "session=cv"})
    assert any("api_key" in p for p in check_request(api, op, no_query, sent, creds))
    extra = httpx.Request("GET", f"{BASE}/private?api_key=qv&x=1", headers={"Cookie": "session=cv"})
    assert any("'x=1'" in p for p in check_request(api, op, extra, sent, creds))
    stray = httpx.Request("GET", f"{BASE}/private", headers={"Authorization": "Bearer t"})
    assert any("not configured" in p for p in check_request(api, op, stray, sent, {}))


def test_fuzz_sends_query_and_cookie_credentials_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a mock that requires one credential, positive cases pass only if the runner
    puts each scheme's variable where the scheme says."""
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()
    spec = copy.deepcopy(SPEC)
    spec["security"] = [{"query_key": [], "cookie_key": []}]
    api = keys_api(tmp_path / "specs", spec)
    monkeypatch.setenv("KEY_STORE_QUERY_KEY", "fuzz-s3cret")
    monkeypatch.setenv("KEY_STORE_COOKIE_KEY", "fuzz-s3cret")
    app = create_app([api], MockSettings(seed=1, token="fuzz-s3cret"))
    with LiveMock(app) as live:
        argv = ["--root", str(tmp_path), "fuzz", "--base-url", live.base_url("key-store")]
        code = main([*argv, "--mode", "positive", "--max-examples", "3", "--seed", "1"])
        statuses = {entry.status for entry in app.journal.entries()}
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert statuses == {200}
    assert "fuzz-s3cret" not in out.out + out.err
