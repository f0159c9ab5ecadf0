"""Check credentials against an operation's security requirements, and mask them.

An operation lists alternatives (OR), each a set of schemes (AND): Cloudflare accepts a
bearer token, or X-Auth-Email together with X-Auth-Key. A credential is a bearer token, a
basic ``user:password``, or an apiKey in a header, the query or a cookie, as each scheme
says. By default any well-formed credential passes; with a configured token, a credential of
the satisfied alternative (for basic auth, its password) must equal it (compared with
:func:`hmac.compare_digest`). A configured *forbidden* token authenticates but lacks the
permission. Each failure is answered as the spec's ``x-auth-errors`` says (the contract
model's :class:`~triggerspec.spec.auth_errors.AuthErrors`): missing, malformed, invalid
(well-formed but wrong) and forbidden, each with its status, code and vendor message.
Credentials never appear in a message.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, unquote_plus

from triggerspec.mock.envelopes import Location, Problem, Rejected
from triggerspec.spec.auth_errors import DEFAULT, AuthErrors, AuthKind
from triggerspec.spec.model import Api, Operation, SecurityScheme
from triggerspec.spec.redact import MASK

ALWAYS_SECRET = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
"""Headers masked in every journal entry, besides those the specs' schemes name."""

_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z")
_VISIBLE = re.compile(r"[\x21-\x7e]+\Z")


@dataclass(frozen=True)
class Requirement:
    """One alternative: every scheme in it must be satisfied."""

    schemes: tuple[SecurityScheme, ...]

    @property
    def label(self) -> str:
        """``api_token`` or ``api_email+api_key``: how the journal names the way in."""
        return "+".join(s.name for s in self.schemes)

    @property
    def wording(self) -> str:
        """``X-Auth-Email and X-Auth-Key``: how a message asks for this alternative."""
        return " and ".join(_describe(s) for s in self.schemes)


def _describe(scheme: SecurityScheme) -> str:
    if scheme.kind == "bearer":
        return "Authorization: Bearer <token>"
    if scheme.kind == "basic":
        return "Authorization: Basic <user:password>"
    if scheme.kind == "header":
        return scheme.header
    return f"{scheme.kind} parameter {scheme.header}"


@dataclass(slots=True)
class Presented:
    """Where a request may carry credentials: headers, query parameters and cookies
    (made once per request: a slotted class, cheaper to build than a frozen one)."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    cookies: Mapping[str, str]

    @classmethod
    def of(cls, headers: Mapping[str, str], query: str = "") -> Presented:
        params = parse_qs(query, keep_blank_values=True) if query else {}
        return cls(headers, {k: v[0] for k, v in params.items()}, _cookies(headers.get("cookie")))

    def raw(self, scheme: SecurityScheme) -> str | None:
        if scheme.kind == "query":
            return self.query.get(scheme.header)
        if scheme.kind == "cookie":
            return self.cookies.get(scheme.header)
        return self.headers.get(scheme.header.lower())


def _cookies(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def requirements_of(api: Api, operation: Operation) -> tuple[Requirement, ...]:
    """The operation's security alternatives as schemes."""
    return tuple(
        Requirement(tuple(api.schemes[name] for name in names)) for names in operation.security
    )


def _credential(scheme: SecurityScheme, presented: Presented) -> tuple[str | None, str]:
    """``(credential, "")`` when well-formed, else ``(None, why)``; ``why == ""`` if absent."""
    raw = presented.raw(scheme)
    if raw is None:
        return None, ""
    if scheme.kind == "basic":
        kind, _, encoded = raw.strip().partition(" ")
        if kind.lower() != "basic":
            return None, "must be 'Basic <base64 of user:password>'"
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, "carries a basic credential that is not base64 of UTF-8 text"
        user, colon, password = decoded.partition(":")
        if not colon or not user:
            return None, "carries a basic credential without 'user:password'"
        return password, ""
    if scheme.kind == "bearer":
        kind, _, token = raw.strip().partition(" ")
        if kind.lower() != "bearer":
            return None, "must be 'Bearer <token>'"
        token = token.strip()
        if not token:
            return None, "has an empty bearer token"
        if _TOKEN68.match(token) is None:
            return None, "carries a bearer token with characters a token cannot have"
        return token, ""
    value = raw.strip()
    if not value or _VISIBLE.match(value) is None:
        return None, "must be a non-empty value of visible ASCII characters"
    return value, ""


def authenticate(
    requirements: Sequence[Requirement],
    headers: Mapping[str, str],
    token: str | None,
    query: str = "",
    errors: AuthErrors = DEFAULT,
    forbidden_token: str | None = None,
) -> str | None:
    """The label of the satisfied alternative (``None`` when no auth is required).

    Args:
        token: the one credential that passes (``None``: any well-formed one).
        errors: how the API answers each kind of failure.
        forbidden_token: a credential that authenticates but lacks the permission.

    Raises:
        Rejected: no alternative is satisfied (missing, malformed or invalid), or the
            credential is the forbidden one; status and code as ``errors`` declares.
    """
    if not requirements or any(not r.schemes for r in requirements):
        return None
    partial: list[Problem] = []
    wrong = False
    presented = Presented.of(headers, query)
    for req in requirements:
        found = [(scheme, *_credential(scheme, presented)) for scheme in req.schemes]
        values = [value for _, value, _ in found if value is not None]
        if len(values) == len(found):
            if forbidden_token is not None and _matches(values, forbidden_token):
                raise _refusal(
                    errors,
                    "forbidden",
                    _security_problem(
                        requirements,
                        "the credential is valid but lacks the permission this operation needs",
                    ),
                )
            if token is None or _matches(values, token):
                return req.label
            wrong = True
            continue
        present = [s.header for s in req.schemes if presented.raw(s) is not None]
        if not present:
            continue
        scheme, _, why = next(f for f in found if f[1] is None)
        if not why:
            why = f"is required together with {' and '.join(present)}"
        name = scheme.header
        if scheme.kind == "cookie":
            name, why = "Cookie", f"the cookie {scheme.header} {why}"
        where: Location = "query" if scheme.kind == "query" else "header"
        partial.append(Problem(where, name, "security", why))
    if wrong:
        raise _refusal(
            errors,
            "invalid",
            _security_problem(requirements, "the credential is not the one this mock requires"),
        )
    if partial:
        raise _refusal(errors, "malformed", partial[0])
    raise _refusal(
        errors,
        "missing",
        _security_problem(
            requirements,
            "missing credentials: send " + ", or ".join(r.wording for r in requirements),
        ),
    )


PASSED_CACHE = 256
"""Accepted credentials a :class:`Gate` remembers (the memo is dropped when full)."""

PASSED_BYTES = 1024
"""Longest credential text a :class:`Gate` remembers: the memo holds at most 256 KiB."""

_MISS = object()


class Gate:
    """:func:`authenticate` for one operation, with the verdict on accepted credentials
    remembered: a client sends the same token on every call, so after the first one a
    valid request costs one dict lookup. Only operations whose every scheme travels in a
    header are remembered (their verdict depends on those headers alone); refusals are
    always worked out afresh.
    """

    def __init__(self, requirements: Sequence[Requirement], errors: AuthErrors = DEFAULT) -> None:
        self.requirements = tuple(requirements)
        self.errors = errors
        schemes = [s for r in self.requirements for s in r.schemes]
        self._headers: tuple[str, ...] | None = None
        if all(s.location == "header" for s in schemes):
            self._headers = tuple(dict.fromkeys(s.header.lower() for s in schemes))
        self._passed: dict[tuple[str | None, ...], str | None] = {}

    def check(
        self,
        headers: Mapping[str, str],
        token: str | None,
        query: str = "",
        forbidden_token: str | None = None,
    ) -> str | None:
        """The label of the satisfied alternative; ``Rejected`` as :func:`authenticate`."""
        if self._headers is None:
            return authenticate(
                self.requirements, headers, token, query, self.errors, forbidden_token
            )
        key = (token, forbidden_token, *[headers.get(h) for h in self._headers])
        found = self._passed.get(key, _MISS)
        if found is _MISS:
            found = authenticate(
                self.requirements, headers, token, query, self.errors, forbidden_token
            )
            if sum(len(v) for v in key[2:] if v) > PASSED_BYTES:
                return found  # a long credential is checked, not remembered
            if len(self._passed) >= PASSED_CACHE:
                self._passed.clear()
            self._passed[key] = found
        return found  # type: ignore[return-value]


def _refusal(errors: AuthErrors, kind: AuthKind, problem: Problem) -> Rejected:
    """The declared refusal of one kind: its status and code, the vendor's words first."""
    declared = errors.of(kind)
    return Rejected(declared.status, [replace(problem, lead=declared.message or "")], declared.code)


def _security_problem(requirements: Sequence[Requirement], message: str) -> Problem:
    return Problem("header", _headers_of(requirements), "security", message)


def _headers_of(requirements: Sequence[Requirement]) -> str:
    names: list[str] = []
    for req in requirements:
        for scheme in req.schemes:
            if scheme.header not in names:
                names.append(scheme.header)
    return "/".join(names)


def _matches(values: Sequence[str], token: str) -> bool:
    """Whether any credential equals the token; every comparison runs in constant time."""
    expected = token.encode("utf-8")
    hits = [hmac.compare_digest(v.encode("latin-1"), expected) for v in values]
    return any(hits)


def secret_headers(apis: Iterable[Api]) -> frozenset[str]:
    """Every header that may carry a credential: the usual ones plus each scheme's header."""
    named = {
        scheme.header.lower()
        for api in apis
        for scheme in api.schemes.values()
        if scheme.location == "header"
    }
    return ALWAYS_SECRET | named


def secret_query(apis: Iterable[Api]) -> frozenset[str]:
    """Every query parameter the specs' apiKey schemes put a credential in."""
    return frozenset(
        scheme.header for api in apis for scheme in api.schemes.values() if scheme.kind == "query"
    )


_SECRET_WORDS = ("token", "key", "secret", "password", "auth", "signature", "session")
_SECRET_HEADER_WORDS = (*_SECRET_WORDS, "cookie", "credential")


@lru_cache(maxsize=1024)
def _credential_like(name: str) -> bool:
    """Whether a (lower-case) header name suggests a credential: ``x-auth-token``,
    ``private-token``, ``x-goog-api-key``..."""
    return any(word in name for word in _SECRET_HEADER_WORDS)


def mask_query(query: str, secret: frozenset[str] = frozenset()) -> str:
    """A raw query string with the value of every credential-like parameter, and of every
    parameter in ``secret`` (the schemes' apiKeys), as ``***``."""
    if not query:
        return query
    out: list[str] = []
    for item in query.split("&"):
        name, sep, _ = item.partition("=")
        lowered = unquote_plus(name).lower()
        named = unquote_plus(name) in secret
        hidden = sep and (named or any(word in lowered for word in _SECRET_WORDS))
        out.append(f"{name}={MASK}" if hidden else item)
    return "&".join(out)


def split_credentials(
    headers: Mapping[str, str], secret: frozenset[str]
) -> tuple[dict[str, str], list[str]]:
    """``(headers masked, the credential values they carried)`` in one pass: every header in
    ``secret`` and any whose name looks like a credential's is ``***``; each value is
    collected whole and, after a scheme word (``Bearer abc``), the token alone, so the same
    text can be hidden wherever else it appears."""
    masked: dict[str, str] = {}
    found: list[str] = []
    for name, value in headers.items():
        if name in secret or _credential_like(name):
            masked[name] = MASK
            found.append(value)
            _, sep, token = value.partition(" ")
            if sep and token.strip():
                found.append(token.strip())
        else:
            masked[name] = value
    return masked, found


def query_credentials(query: str, secret_params: frozenset[str] = frozenset()) -> list[str]:
    """The credential values in a raw query string (what :func:`mask_query` hides)."""
    found: list[str] = []
    if query:
        for item in query.split("&"):
            name, sep, value = item.partition("=")
            lowered = unquote_plus(name).lower()
            named = unquote_plus(name) in secret_params
            if sep and value and (named or any(word in lowered for word in _SECRET_WORDS)):
                found.append(unquote_plus(value))
    return found
