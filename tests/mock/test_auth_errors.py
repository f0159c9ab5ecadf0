"""The mock answers each kind of auth failure as the spec's ``x-auth-errors`` declares, and
the client runtime raises the exception class of that status.

A foreign spec (no vendor, no preset) drives the declarations; the shipped specs are
checked against their own declarations in ``test_auth.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import BaseModel

from triggerspec.mock.app import create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import MockTransport
from triggerspec.runtime import errors
from triggerspec.runtime._client import ApiDef, OperationDef, read_response
from triggerspec.spec.model import Api, load_api

BASE = "https://api.example.com"
TOKEN = "good-t0ken"
FORBIDDEN = "read-only-t0ken"

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Widgets",
        "version": "1",
        "x-envelope": {"error": {"key": "error", "code": "code", "message": "message"}},
        "x-auth-errors": {
            "missing": {"status": 400, "code": "NO_AUTH", "message": "Credentials required"},
            "invalid": {"status": 403, "code": "BAD_TOKEN", "message": "Authentication error"},
            "forbidden": {"status": 404, "code": "NOT_FOUND", "message": "No such widget"},
        },
    },
    "servers": [{"url": BASE}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/widgets": {
            "post": {
                "operationId": "makeWidget",
                "summary": "Make a widget",
                "responses": {
                    "204": {"description": "made"},
                    "4XX": {
                        "description": "refused",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                },
            }
        },
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Health",
                "security": [],
                "responses": {"204": {"description": "up"}},
            }
        },
    },
}


def _api(tmp_path: Path, declared: Any = ...) -> Api:
    spec = copy.deepcopy(SPEC)
    if declared is None:
        del spec["info"]["x-auth-errors"]
    elif declared is not ...:
        spec["info"]["x-auth-errors"] = declared
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(spec))
    return load_api(path)


def _client(api: Api, **settings: Any) -> httpx.Client:
    app = create_app([api], MockSettings(seed=1, **settings))
    return httpx.Client(transport=MockTransport(app), base_url=BASE)


def _post(client: httpx.Client, credential: str | None) -> httpx.Response:
    headers = {"Authorization": credential} if credential is not None else {}
    return client.post("/widgets", headers=headers)


def test_each_kind_gets_its_declared_status_code_and_words(tmp_path: Path) -> None:
    with _client(_api(tmp_path), token=TOKEN, forbidden_token=FORBIDDEN) as client:
        answers = {
            "missing": _post(client, None),
            "malformed": _post(client, "Bearer a b"),
            "invalid": _post(client, "Bearer not-the-token"),
            "forbidden": _post(client, f"Bearer {FORBIDDEN}"),
        }
        assert _post(client, f"Bearer {TOKEN}").status_code == 204
        assert client.get("/health").status_code == 204  # no security: no refusal
    seen = {k: (r.status_code, r.json()["error"]["code"]) for k, r in answers.items()}
    assert seen == {
        "missing": (400, "NO_AUTH"),
        "malformed": (400, "NO_AUTH"),  # undeclared: what `missing` says
        "invalid": (403, "BAD_TOKEN"),
        "forbidden": (404, "NOT_FOUND"),
    }
    messages = {k: r.json()["error"]["message"] for k, r in answers.items()}
    assert messages["missing"] == (
        "Credentials required: header Authorization: missing credentials: send "
        "Authorization: Bearer <token> (security)"
    )
    assert messages["malformed"].startswith("Credentials required: header Authorization: ")
    assert "characters a token cannot have" in messages["malformed"]
    assert messages["invalid"].startswith("Authentication error: ")
    assert messages["forbidden"].startswith("No such widget: ")
    assert "the credential is valid but lacks the permission" in messages["forbidden"]
    for response in answers.values():
        assert TOKEN not in response.text and FORBIDDEN not in response.text


def test_without_a_declaration_missing_and_wrong_are_401_and_unpermitted_403(
    tmp_path: Path,
) -> None:
    with _client(_api(tmp_path, None), token=TOKEN, forbidden_token=FORBIDDEN) as client:
        statuses = [
            _post(client, credential).status_code
            for credential in (None, "Bearer a b", "Bearer wrong", f"Bearer {FORBIDDEN}")
        ]
    assert statuses == [401, 401, 401, 403]


def test_without_a_configured_token_only_the_forbidden_one_is_refused(tmp_path: Path) -> None:
    with _client(_api(tmp_path), forbidden_token=FORBIDDEN) as client:
        assert _post(client, "Bearer anything").status_code == 204
        assert _post(client, f"Bearer {FORBIDDEN}").status_code == 404


def test_the_forbidden_token_is_kept_out_of_reprs_and_the_journal(tmp_path: Path) -> None:
    settings = MockSettings(forbidden_token=FORBIDDEN)
    assert FORBIDDEN not in repr(settings)
    app = create_app([_api(tmp_path)], settings)
    with httpx.Client(transport=MockTransport(app), base_url=BASE) as client:
        _post(client, f"Bearer {FORBIDDEN}")
    (entry,) = app.journal.entries()
    assert FORBIDDEN not in repr(entry.to_dict())


class _Anything(BaseModel):
    pass


RAISED: dict[int, type[errors.APIStatusError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
}


@pytest.mark.parametrize("status", sorted(RAISED))
def test_the_client_raises_the_class_of_the_declared_status(tmp_path: Path, status: int) -> None:
    declared = {
        "missing": {"status": status, "code": "NO_AUTH"},
        "invalid": {"status": status},
        "forbidden": {"status": 403 if status == 401 else status},
    }
    api = _api(tmp_path, declared)
    definition = ApiDef("widgets", BASE, api.envelope, {}, ((),))
    op = OperationDef("makeWidget", "POST", "/widgets", "never-sent")
    with _client(api, token=TOKEN, forbidden_token=FORBIDDEN) as client:
        for kind, credential in (
            ("missing", None),
            ("invalid", "Bearer wrong"),
            ("forbidden", f"Bearer {FORBIDDEN}"),
        ):
            answer = _post(client, credential)
            with pytest.raises(errors.APIStatusError) as caught:
                read_response(definition, op, answer, _Anything, None)
            expected = api.auth_errors.of(kind).status
            assert (answer.status_code, type(caught.value)) == (expected, RAISED[expected]), kind
