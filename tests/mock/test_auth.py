"""Credentials: per the operation's security, refused as each spec's ``x-auth-errors``
declares (status, code, the vendor's words), never stored unmasked."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.mock.helpers import VALID, assert_documented, error_text, operation_of
from triggerspec.mock.handles import InProcessMock
from triggerspec.spec.auth_errors import AuthKind

SECRET = "s3cr3t-t0ken"
OPERATIONS = sorted(VALID)


def _send(mock: InProcessMock, operation_id: str, headers: dict[str, str]) -> httpx.Response:
    method, path, kwargs = VALID[operation_id]
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    return client.request(method, path, headers=headers, **kwargs)


def _assert_declared(
    mock: InProcessMock, operation_id: str, kind: AuthKind, response: httpx.Response
) -> str:
    """The refusal is the one the spec declares for ``kind``: status, code and words."""
    api, _ = operation_of(mock.app, operation_id)
    declared = api.auth_errors.of(kind)
    assert response.status_code == declared.status, (operation_id, kind)
    body = assert_documented(mock.app, response, operation_id)
    error = api.envelope.error_of(body)
    item = error[0] if isinstance(error, list) else error
    if api.envelope.error.code:
        expected = (
            declared.code if declared.code is not None else api.envelope.code_for(declared.status)
        )
        assert item[api.envelope.error.code] == expected, (operation_id, kind)
    message = error_text(body)
    if declared.message:
        assert message.startswith(declared.message + ": "), message
    return message


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_missing_credentials_get_the_declared_refusal(
    mock_server: InProcessMock, operation_id: str
) -> None:
    response = _send(mock_server, operation_id, {})
    message = _assert_declared(mock_server, operation_id, "missing", response)
    assert "missing credentials" in message
    assert "Authorization: Bearer <token>" in message


def test_cloudflare_answers_a_missing_credential_400_naming_both_ways_in(
    mock_server: InProcessMock,
) -> None:
    response = _send(mock_server, "createManualBuild", {})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": 9106,
            "message": "Missing X-Auth-Key, X-Auth-Email or Authorization headers: "
            "header Authorization/X-Auth-Email/X-Auth-Key: missing credentials: send "
            "Authorization: Bearer <token>, or X-Auth-Email and X-Auth-Key (security)",
        }
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Authorization": "Bearer abc.DEF-123_~+/="}, "api_token"),
        ({"Authorization": "bearer abc"}, "api_token"),
        ({"X-Auth-Email": "me@example.com", "X-Auth-Key": "0123456789abcdef"}, "api_email+api_key"),
        (
            {"Authorization": "Basic x", "X-Auth-Email": "me@example.com", "X-Auth-Key": "k"},
            "api_email+api_key",
        ),
    ],
)
def test_any_well_formed_credential_is_accepted(
    mock_server: InProcessMock, headers: dict[str, str], expected: str
) -> None:
    response = _send(mock_server, "createManualBuild", headers)
    assert response.status_code == 200, response.text
    assert mock_server.journal[-1].auth == expected


@pytest.mark.parametrize(
    ("headers", "text"),
    [
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "header Authorization: must be 'Bearer <token>'"),
        ({"Authorization": "Bearer"}, "has an empty bearer token"),
        ({"Authorization": "Bearer  "}, "has an empty bearer token"),
        ({"Authorization": "Bearer a b"}, "characters a token cannot have"),
        (
            {"X-Auth-Email": "me@example.com"},
            "header X-Auth-Key: is required together with X-Auth-Email",
        ),
        ({"X-Auth-Key": "k"}, "header X-Auth-Email: is required together with X-Auth-Key"),
        ({"X-Auth-Email": " ", "X-Auth-Key": "k"}, "header X-Auth-Email: must be a non-empty"),
    ],
)
def test_malformed_credentials_get_the_declared_refusal_saying_why(
    mock_server: InProcessMock, headers: dict[str, str], text: str
) -> None:
    response = _send(mock_server, "createManualBuild", headers)
    assert response.status_code == 400  # Cloudflare: 6003 "Invalid request headers"
    assert text in _assert_declared(mock_server, "createManualBuild", "malformed", response)


def test_a_non_ascii_token_is_malformed(mock_server: InProcessMock) -> None:
    headers = {b"Authorization": "Bearer t\u00e9".encode("latin-1")}
    method, path, kwargs = VALID["startJobBuild"]
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == 401
    assert_documented(mock_server.app, response, "startJobBuild")


@pytest.mark.triggerspec_mock(token=SECRET)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_with_a_token_only_that_token_passes(mock_server: InProcessMock, operation_id: str) -> None:
    assert (
        _send(mock_server, operation_id, {"Authorization": f"Bearer {SECRET}"}).status_code == 200
    )
    wrong = _send(mock_server, operation_id, {"Authorization": f"Bearer {SECRET}x"})
    message = _assert_declared(mock_server, operation_id, "invalid", wrong)
    assert "not the one this mock requires" in message
    assert SECRET not in wrong.text


@pytest.mark.triggerspec_mock(token=SECRET, forbidden_token="read-only")
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_a_valid_token_without_the_permission_gets_the_declared_refusal(
    mock_server: InProcessMock, operation_id: str
) -> None:
    refused = _send(mock_server, operation_id, {"Authorization": "Bearer read-only"})
    message = _assert_declared(mock_server, operation_id, "forbidden", refused)
    assert "lacks the permission" in message
    assert "read-only" not in refused.text


@pytest.mark.triggerspec_mock(token=SECRET)
def test_with_a_token_the_global_key_must_be_it(mock_server: InProcessMock) -> None:
    good = {"X-Auth-Email": "me@example.com", "X-Auth-Key": SECRET}
    assert _send(mock_server, "createManualBuild", good).status_code == 200
    bad = {"X-Auth-Email": "me@example.com", "X-Auth-Key": "other"}
    assert _send(mock_server, "createManualBuild", bad).status_code == 403


def test_the_token_is_kept_out_of_reprs(mock_server_factory: Callable[..., InProcessMock]) -> None:
    mock = mock_server_factory(token=SECRET)
    assert SECRET not in repr(mock.app.settings)


@pytest.mark.triggerspec_mock(token=SECRET)
def test_credentials_never_reach_the_journal(mock_server: InProcessMock) -> None:
    headers = {
        "Authorization": f"Bearer {SECRET}",
        "X-Auth-Email": "me@example.com",
        "X-Auth-Key": SECRET,
        "Cookie": f"session={SECRET}",
        "Proxy-Authorization": f"Basic {SECRET}",
        "X-Api-Key": SECRET,
    }
    for operation_id in OPERATIONS:
        _send(mock_server, operation_id, headers)
        _send(mock_server, operation_id, {**headers, "Authorization": "Bearer wrong"})
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    listed = client.get("/__triggerspec/journal").text
    dumped = json.dumps([e.to_dict() for e in mock_server.journal.entries()])
    assert len(mock_server.journal) == 2 * len(OPERATIONS)
    for text in (listed, dumped):
        assert SECRET not in text
        assert "me@example.com" not in text
        assert "wrong" not in text
    entry = mock_server.journal[0]
    for name in ("authorization", "x-auth-email", "x-auth-key", "cookie", "proxy-authorization"):
        assert entry.headers[name] == "***"


def test_credential_like_query_parameters_are_masked(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    method, path, kwargs = VALID["startJobBuild"]
    client.request(
        method,
        path + f"?api_key={SECRET}&Access%5FToken={SECRET}&page=2&flag",
        headers={"Authorization": "Bearer t"},
        **kwargs,
    )
    assert mock_server.journal[-1].query == "api_key=***&Access%5FToken=***&page=2&flag"
