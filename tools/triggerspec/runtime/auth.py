"""Credentials from arguments or the conventional environment variables, never shown."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import httpx
from typing_extensions import override

from triggerspec.runtime.errors import InvalidCredentialsError, MissingCredentialsError


class Secret:
    """A credential whose repr and str never reveal it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The credential itself, for the one place that sends it."""
        return self._value

    @override
    def __repr__(self) -> str:
        return "Secret('***')"

    @override
    def __str__(self) -> str:
        return "***"


@dataclass(frozen=True)
class Scheme:
    """One security scheme: a bearer token or a named header, and its argument and env vars."""

    name: str
    argument: str
    kind: Literal["bearer", "header"]
    header: str
    env: tuple[str, ...]


def resolve_auth(
    schemes: Mapping[str, Scheme],
    options: tuple[tuple[str, ...], ...],
    given: Mapping[str, str | None],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Secret]:
    """Auth headers for the first option whose every scheme has a credential.

    ``given`` maps argument names to explicit values; a scheme without one falls back to its
    environment variables. Raises ``MissingCredentialsError`` naming what would work.
    """
    env = os.environ if environ is None else environ
    for option in options:
        headers: dict[str, Secret] = {}
        for name in option:
            scheme = schemes[name]
            source = f"{scheme.argument}=" if given.get(scheme.argument) else None
            if source is None:
                source = next((f"${v}" for v in scheme.env if env.get(v)), None)
            if source is None:
                break
            if not _sendable(given.get(scheme.argument) or env[source[1:]]):
                # Raised here, not in the helper: no frame of the traceback holds the value.
                raise InvalidCredentialsError(
                    f"the credential from {source} has surrounding whitespace, a control or a "
                    "non-ASCII character (a .env file with CRLF line endings?); not shown"
                )
            if scheme.kind == "bearer":
                headers["Authorization"] = Secret(
                    "Bearer " + (given.get(scheme.argument) or env[source[1:]])
                )
            else:
                headers[scheme.header] = Secret(given.get(scheme.argument) or env[source[1:]])
        else:
            return headers
    ways = " or ".join(
        " and ".join(
            f"{schemes[n].argument}= ({', '.join(schemes[n].env) or 'no env var'})" for n in option
        )
        for option in options
    )
    raise MissingCredentialsError(f"no credentials: pass {ways}")


def _sendable(value: str | None) -> bool:
    """Whether a credential goes on the wire as given: no surrounding whitespace (a ``.env``
    file with CRLF line endings leaves a ``\\r``), no control or non-ASCII character."""
    if not value:
        return False
    return value == value.strip() and value.isascii() and value.isprintable()


class MaskedHeaders(httpx.Headers):
    """``httpx.Headers`` whose repr hides every credential header, not only Authorization.

    httpx masks ``authorization`` and ``proxy-authorization`` alone; the names of every
    security scheme's header (Cloudflare's ``X-Auth-Key``, ...) are added here.
    """

    def __init__(self, headers: httpx.Headers, secret_names: frozenset[str]) -> None:
        super().__init__(headers)
        self._secret_names = secret_names | {"authorization", "proxy-authorization"}

    def __repr__(self) -> str:
        shown = [
            (k, "[secure]" if k.lower() in self._secret_names else v) for k, v in self.multi_items()
        ]
        as_dict = dict(shown)
        return f"Headers({as_dict!r})" if len(as_dict) == len(shown) else f"Headers({shown!r})"


def authorize(request: httpx.Request, auth_headers: Mapping[str, Secret]) -> httpx.Request:
    """Put the credentials on a built request; no local variable holds a revealed value.

    (So ``pytest -l`` and other traceback printers never show one; the checks that a value
    can be sent ran when the credential was resolved.)
    """
    for name, secret in auth_headers.items():
        request.headers[name] = secret.reveal()
    request.headers = MaskedHeaders(
        request.headers, frozenset(name.lower() for name in auth_headers)
    )
    return request
