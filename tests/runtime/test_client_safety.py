"""Generated clients never leak a credential, and every failure is a ``ClientError``."""

from __future__ import annotations

import copy
import io
import json
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from triggerspec.runtime.errors import (
    APIConnectionError,
    ClientError,
    InvalidCredentialsError,
    RequestValidationError,
    ResponseValidationError,
)
from triggerspec.spec.model import load_api
from triggerspec_clients.cloudflare_pages import CloudflarePagesClient
from triggerspec_clients.cloudflare_pages import models as pages_models
from triggerspec_clients.northflank import NorthflankClient

ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
KEY = "cf-global-key-8d3e1a77"
EMAIL = "someone@example.com"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"


def _pages_success() -> dict[str, Any]:
    api = load_api(ROOT / "specs" / "cloudflare-pages.yaml")
    value: dict[str, Any] = copy.deepcopy(api.operations[0].success.examples[0].value)
    return value


def _transport(
    answer: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return answer(request)

    return httpx.MockTransport(handler)


def _pages(
    answer: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]
) -> CloudflarePagesClient:
    return CloudflarePagesClient(
        api_email=EMAIL, api_key=KEY, transport=_transport(answer, seen), environ={}, max_retries=0
    )


@pytest.mark.parametrize("bad", ["tok-crlf-1234\r", " tok-space-1234", "tok-nl-1234\n", "tök-1234"])
def test_credential_that_cannot_be_sent_is_refused_by_name(bad: str) -> None:
    with pytest.raises(InvalidCredentialsError) as refused:
        NorthflankClient(environ={"NORTHFLANK_API_TOKEN": bad})
    assert "NORTHFLANK_API_TOKEN" in str(refused.value)
    assert bad.strip() not in str(refused.value) and bad.strip() not in repr(refused.value)
    with pytest.raises(InvalidCredentialsError, match="api_token="):
        NorthflankClient(api_token=bad, environ={})


def test_every_scheme_header_is_masked_in_the_request_repr() -> None:
    seen: list[httpx.Request] = []
    client = _pages(lambda r: httpx.Response(200, json=_pages_success()), seen)
    client.create_deployment(account_id=ACCOUNT, project_name="site", branch="main")
    headers = seen[0].headers
    assert headers["x-auth-key"] == KEY  # sent as it is
    assert KEY not in repr(headers) and EMAIL not in repr(headers)
    assert "[secure]" in repr(headers)


def test_connection_error_and_its_traceback_hold_no_credential() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    client = _pages(broken, [])
    with pytest.raises(APIConnectionError) as failed:
        client.create_deployment(account_id=ACCOUNT, project_name="site", branch="main")
    text = "".join(
        traceback.TracebackException.from_exception(failed.value, capture_locals=True).format()
    )
    assert KEY not in text and repr(failed.value.request.headers).count("[secure]") == 2


def test_a_bad_header_value_is_a_request_validation_error_without_locals_leaking() -> None:
    client = _pages(lambda r: httpx.Response(200, json=_pages_success()), [])
    with pytest.raises(RequestValidationError, match="header X-Note") as refused:
        client.create_deployment(
            account_id=ACCOUNT, project_name="site", branch="main", extra_headers={"X-Note": "é"}
        )
    text = "".join(
        traceback.TracebackException.from_exception(refused.value, capture_locals=True).format()
    )
    assert KEY not in text


def test_foreign_transport_errors_become_client_errors() -> None:
    class ProtocolBoom(Exception):
        pass

    def broken(request: httpx.Request) -> httpx.Response:
        raise ProtocolBoom("raw protocol error")

    client = _pages(broken, [])
    with pytest.raises(ClientError):
        client.create_deployment(account_id=ACCOUNT, project_name="site", branch="main")


def test_a_non_seekable_upload_stream_is_read_once_and_sent_whole() -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = data

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: Any) -> int:
            size = min(len(buffer), len(self._data))
            buffer[:size] = self._data[:size]
            self._data = self._data[size:]
            return size

    script = b"export default { fetch() { return new Response('hi') } }"
    seen: list[httpx.Request] = []
    client = _pages(lambda r: httpx.Response(200, json=_pages_success()), seen)
    client.create_deployment(
        account_id=ACCOUNT, project_name="site", branch="main", worker_js=OneWay(script)
    )
    assert script in seen[0].content


def test_a_text_stream_is_refused_before_sending() -> None:
    seen: list[httpx.Request] = []
    client = _pages(lambda r: httpx.Response(200, json=_pages_success()), seen)
    with pytest.raises(RequestValidationError, match="worker"):
        client.create_deployment(
            account_id=ACCOUNT, project_name="site", branch="main", worker_js=io.StringIO("x")
        )
    assert seen == []


@pytest.mark.parametrize("flag", ["false", 0, "no", 1, None, "true"])
def test_success_must_be_a_json_boolean(flag: object) -> None:
    body = {**_pages_success(), "success": flag}
    client = _pages(lambda r: httpx.Response(200, json=body), [])
    with pytest.raises(ResponseValidationError, match="success must be a JSON boolean"):
        client.create_deployment(account_id=ACCOUNT, project_name="site", branch="main")


def test_model_repr_hides_sensitive_fields() -> None:
    result = _pages_success()["result"]
    result["env_vars"] = {"API_KEY": {"type": "secret_text", "value": "s3cr3t-env-value"}}
    deployment = pages_models.Deployment.model_validate(result)
    shown = repr(deployment) + str(deployment)
    assert "s3cr3t-env-value" not in shown
    assert result["build_config"]["web_analytics_token"] not in shown
    assert "API_KEY" in shown  # the name is not a secret
    assert json.loads(deployment.model_dump_json())["env_vars"]["API_KEY"]["value"] == (
        "s3cr3t-env-value"
    )


def test_async_client_turns_foreign_errors_into_client_errors() -> None:
    import asyncio

    from triggerspec_clients.northflank import AsyncNorthflankClient

    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("raw protocol error")

    async def call() -> None:
        client = AsyncNorthflankClient(
            api_token="nf-async-token-1234",
            transport=httpx.MockTransport(broken),
            environ={},
            max_retries=0,
        )
        await client.start_job_build(project_id="p", job_id="j", sha=SHA)

    with pytest.raises(APIConnectionError) as failed:
        asyncio.run(call())
    text = "".join(
        traceback.TracebackException.from_exception(failed.value, capture_locals=True).format()
    )
    leaks = [b for b in text.split("  File ") if "nf-async-token-1234" in b]
    assert not leaks, leaks[0][:2000]
