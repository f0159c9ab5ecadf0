"""The sync and async client bases: options, the send loop with its retries, copies.

A client's options are where it sends (``base_url``: the argument, else the API's base-URL
environment variable, else the spec's first server), its credentials, the per-request
timeout and the retry policy. :meth:`_Base.with_options` returns a copy with some options
changed that shares the connection pool (the same ``httpx`` client), as Stainless SDKs'
``with_options`` does; the original is left as it was.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import os
import random
import re
import time
from collections.abc import Mapping
from functools import cached_property
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from triggerspec.runtime import errors, retry
from triggerspec.runtime._client import (
    DEFAULT_TIMEOUT,
    ApiDef,
    APIResponse,
    OperationDef,
    SuccessTable,
    Timeout,
    build_request,
    read_response,
    status_error,
)
from triggerspec.runtime._types import NOT_GIVEN, NotGiven
from triggerspec.runtime.auth import resolve_auth

log = logging.getLogger("triggerspec.client")

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def _connection_error(op: OperationDef, exc: httpx.HTTPError, request: httpx.Request) -> Exception:
    sent = not isinstance(exc, _NEVER_SENT)
    cls = (
        errors.APITimeoutError
        if isinstance(exc, httpx.TimeoutException)
        else errors.APIConnectionError
    )
    return cls(f"{op.operation_id}: {type(exc).__name__}: {exc}", request=request, sent=sent)


def _foreign_error(op: OperationDef, exc: Exception, request: httpx.Request) -> Exception:
    """An exception from below httpx (a transport, a protocol library) as a ``ClientError``."""
    return errors.APIConnectionError(
        f"{op.operation_id}: {type(exc).__name__}: the request failed", request=request, sent=True
    )


def resolve_base_url(api: ApiDef, base_url: str | None, environ: Mapping[str, str] | None) -> str:
    """Where a client sends: the argument, else the first non-empty ``api.base_url_env``
    variable, else the spec's server.

    Raises:
        InvalidBaseURLError: the argument or the variable is not an absolute http(s) URL, or
            neither is given and the spec's server is relative (``/``: it lists none).
    """
    env = os.environ if environ is None else environ
    if base_url:
        return _checked(base_url, "base_url=")
    found = next((name for name in api.base_url_env if env.get(name)), None)
    if found is not None:
        return _checked(env[found], found)
    if not _is_absolute(api.base_url):
        raise errors.InvalidBaseURLError(
            f"the spec's server {api.base_url!r} is not an absolute http(s) URL: pass "
            f"base_url= or set {' or '.join(api.base_url_env)}"
        )
    return api.base_url.rstrip("/")


def _is_absolute(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def _checked(url: str, source: str) -> str:
    if not _is_absolute(url):
        raise errors.InvalidBaseURLError(
            f"{source}: not an absolute http(s) URL (like https://api.example.com/v1)"
        )
    return url.rstrip("/")


def _shown(url: str) -> str:
    """A URL for a repr: any user and password replaced by ``***``."""
    return re.sub(r"//[^/?#]*@", "//***@", url, count=1)


_BaseT = TypeVar("_BaseT", bound="_Base")


class _Base:
    """State shared by the sync and async clients."""

    api: ApiDef
    _owns_client: bool

    def _setup(
        self,
        *,
        credentials: Mapping[str, str | None],
        base_url: str | None,
        max_retries: int,
        retry_unsafe: bool,
        environ: Mapping[str, str] | None,
    ) -> None:
        self._auth_headers = resolve_auth(self.api.schemes, self.api.security, credentials, environ)
        self.base_url = resolve_base_url(self.api, base_url, environ)
        self.retry_policy = retry.RetryPolicy(max_retries=max_retries, retry_unsafe=retry_unsafe)
        self.timeout: Timeout | NotGiven = NOT_GIVEN
        """The timeout of every request (``NOT_GIVEN``: the ``httpx`` client's own)."""
        self._rng = random.Random()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={_shown(self.base_url)!r}>"

    def with_options(
        self: _BaseT,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_unsafe: bool | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
    ) -> _BaseT:
        """A copy of this client with the given options changed; this one is unchanged.

        The copy shares the connection pool (the same ``httpx`` client) and the credentials;
        closing it leaves the pool open for the original, which owns it.

        Example:
            ``client.with_options(timeout=5, max_retries=0).start_job_build(...)``
        """
        new = copy.copy(self)
        for klass in type(self).__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, cached_property):  # views bound to the original
                    new.__dict__.pop(name, None)
        new._owns_client = False
        new._rng = random.Random()
        if not isinstance(timeout, NotGiven):
            new.timeout = timeout
        changes: dict[str, Any] = {}
        if not isinstance(max_retries, NotGiven):
            changes["max_retries"] = max_retries
        if not isinstance(retry_unsafe, NotGiven):
            changes["retry_unsafe"] = retry_unsafe
        new.retry_policy = dataclasses.replace(self.retry_policy, **changes)
        if not isinstance(base_url, NotGiven):
            new.base_url = _checked(base_url, "base_url=")
        return new

    def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        """A method's request arguments, the client's timeout filled in when not given."""
        if isinstance(request.get("timeout", NOT_GIVEN), NotGiven):
            request["timeout"] = self.timeout
        return request

    def _outcome(
        self,
        op: OperationDef,
        attempt: int,
        request: httpx.Request,
        sent: httpx.Response | httpx.HTTPError,
        success_model: SuccessTable | type[BaseModel],
        error_model: type[BaseModel] | None,
    ) -> APIResponse[Any] | retry.Decision:
        """The result of one attempt, or the decision to try again; raises when final."""
        if isinstance(sent, httpx.HTTPError):
            decision = retry.after_error(sent, attempt, op.retry, self.retry_policy, self._rng)
            if not decision.retry:
                # Not chained: the transport's frames hold the raw request headers.
                raise _connection_error(op, sent, request) from None
            return decision
        if sent.status_code < 400:
            parsed = read_response(self.api, op, sent, success_model, error_model)
            return APIResponse(sent, parsed, attempt)
        decision = retry.after_response(
            sent, attempt, op.retry, self.retry_policy, self._rng, self.api.envelope.rate_limit
        )
        if not decision.retry:
            raise status_error(self.api, op, sent, error_model)
        return decision

    def _log_retry(self, op: OperationDef, attempt: int, decision: retry.Decision) -> None:
        log.info(
            "retrying %s (attempt %d of %d) in %.2fs: %s",
            op.operation_id,
            attempt + 1,
            self.retry_policy.max_retries + 1,
            decision.delay,
            decision.reason,
        )


class SyncAPIClient(_Base):
    """Base of every generated synchronous client."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str | None],
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        retry_unsafe: bool = False,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._setup(
            credentials=credentials,
            base_url=base_url,
            max_retries=max_retries,
            retry_unsafe=retry_unsafe,
            environ=environ,
        )
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(timeout=timeout, transport=transport)
        if http_client is not None and timeout is not DEFAULT_TIMEOUT:
            self.timeout = timeout  # a client of the caller's: the timeout goes per request

    def close(self) -> None:
        """Close the underlying ``httpx.Client`` if this client created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self: _SyncT) -> _SyncT:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self,
        op: OperationDef,
        success_model: SuccessTable | type[BaseModel],
        error_model: type[BaseModel] | None,
        **request: Any,
    ) -> APIResponse[Any]:
        built = build_request(
            self._client,
            self.api,
            op,
            base_url=self.base_url,
            auth_headers=self._auth_headers,
            **self._request(request),
        )
        attempt = 0
        while True:
            sent: httpx.Response | httpx.HTTPError
            try:
                sent = self._client.send(built)
            except httpx.HTTPError as exc:
                sent = exc
            except Exception as exc:  # a transport or stream outside httpx's own errors
                raise _foreign_error(op, exc, built) from None
            outcome = self._outcome(op, attempt, built, sent, success_model, error_model)
            if isinstance(outcome, APIResponse):
                return outcome
            if isinstance(sent, httpx.Response):
                sent.close()
            attempt += 1
            self._log_retry(op, attempt, outcome)
            time.sleep(outcome.delay)


class AsyncAPIClient(_Base):
    """Base of every generated asynchronous client."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str | None],
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        retry_unsafe: bool = False,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._setup(
            credentials=credentials,
            base_url=base_url,
            max_retries=max_retries,
            retry_unsafe=retry_unsafe,
            environ=environ,
        )
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)
        if http_client is not None and timeout is not DEFAULT_TIMEOUT:
            self.timeout = timeout  # a client of the caller's: the timeout goes per request

    async def close(self) -> None:
        """Close the underlying ``httpx.AsyncClient`` if this client created it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self: _AsyncT) -> _AsyncT:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(
        self,
        op: OperationDef,
        success_model: SuccessTable | type[BaseModel],
        error_model: type[BaseModel] | None,
        **request: Any,
    ) -> APIResponse[Any]:
        built = build_request(
            self._client,
            self.api,
            op,
            base_url=self.base_url,
            auth_headers=self._auth_headers,
            **self._request(request),
        )
        attempt = 0
        while True:
            sent: httpx.Response | httpx.HTTPError
            try:
                sent = await self._client.send(built)
            except httpx.HTTPError as exc:
                sent = exc
            except Exception as exc:  # a transport or stream outside httpx's own errors
                raise _foreign_error(op, exc, built) from None
            outcome = self._outcome(op, attempt, built, sent, success_model, error_model)
            if isinstance(outcome, APIResponse):
                return outcome
            if isinstance(sent, httpx.Response):
                await sent.aclose()
            attempt += 1
            self._log_retry(op, attempt, outcome)
            await asyncio.sleep(outcome.delay)


_SyncT = TypeVar("_SyncT", bound=SyncAPIClient)
_AsyncT = TypeVar("_AsyncT", bound=AsyncAPIClient)
