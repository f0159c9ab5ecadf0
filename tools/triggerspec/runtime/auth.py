"""Credentials from arguments or the conventional environment variables, never shown.

Where a credential goes is the scheme's kind: ``bearer`` (``Authorization: Bearer <v>``),
``basic`` (``Authorization: Basic base64(<v>)``, the value being ``user:password``),
``header``, ``query`` or ``cookie`` (an ``apiKey`` in that place, under the scheme's
``header`` name). A resolved credential map is keyed by header name, with ``?name`` for a
query parameter; several cookies share one ``Cookie`` header.
"""

from __future__ import annotations

import base64
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


SchemeKind = Literal["bearer", "basic", "header", "query", "cookie"]


@dataclass(frozen=True)
class Scheme:
    """One security scheme: its kind, the name it travels under, argument and env vars."""

    name: str
    argument: str
    kind: SchemeKind
    header: str
    """The header, query parameter or cookie name (``Authorization`` for http schemes)."""
    env: tuple[str, ...]


def place(kind: str, name: str, value: str) -> tuple[str, str]:
    """Where a credential goes and what is sent: ``(header or ?query, value on the wire)``."""
    if kind == "bearer":
        return "Authorization", f"Bearer {value}"
    if kind == "basic":
        return "Authorization", "Basic " + base64.b64encode(value.encode("utf-8")).decode("ascii")
    if kind == "query":
        return "?" + name, value
    if kind == "cookie":
        return "Cookie", f"{name}={value}"
    return name, value


def add_credential(out: dict[str, str], kind: str, name: str, value: str) -> None:
    """Put one credential into a credential map (cookies joined into one header)."""
    key, sent = place(kind, name, value)
    out[key] = f"{out[key]}; {sent}" if key == "Cookie" and key in out else sent


def split_credentials(creds: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A credential map as ``(headers, query parameters)``."""
    headers = {k: v for k, v in creds.items() if not k.startswith("?")}
    query = {k[1:]: v for k, v in creds.items() if k.startswith("?")}
    return headers, query


def resolve_auth(
    schemes: Mapping[str, Scheme],
    options: tuple[tuple[str, ...], ...],
    given: Mapping[str, str | None],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Secret]:
    """The credential map for the first option whose every scheme has a credential.

    ``given`` maps argument names to explicit values; a scheme without one falls back to its
    environment variables. An option without schemes (``security: []``, or ``{}`` among the
    alternatives) means no credential is needed: an empty map when no other option is met.
    Raises ``MissingCredentialsError`` naming what would work.
    """
    env = os.environ if environ is None else environ
    needed = [option for option in options if option]
    for option in needed:
        plain: dict[str, str] = {}
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
            add_credential(
                plain, scheme.kind, scheme.header, given.get(scheme.argument) or env[source[1:]]
            )
        else:
            return {key: Secret(value) for key, value in plain.items()}
    if len(needed) < len(options) or not options:
        return {}
    ways = " or ".join(
        " and ".join(
            f"{schemes[n].argument}= ({', '.join(schemes[n].env) or 'no env var'})" for n in option
        )
        for option in needed
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
        if not name.startswith("?"):  # "?name": an apiKey in the query, sent as a parameter
            request.headers[name] = secret.reveal()
    request.headers = MaskedHeaders(
        request.headers, frozenset(n.lower() for n in auth_headers if not n.startswith("?"))
    )
    return request
