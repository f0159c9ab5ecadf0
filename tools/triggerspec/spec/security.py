"""Security schemes in the contract model, and where their credentials come from.

Supported: ``http`` ``bearer`` and ``basic``, and ``apiKey`` in a header, the query or a
cookie. An operation's ``security`` lists alternatives (OR) of scheme sets (AND); ``[]`` or
an empty ``{}`` alternative means no credential is needed.

**Credential environment variables.** A scheme's ``x-env`` lists them; without it, one is
derived from the API name (the spec file's stem) and the scheme name, both upper snake case
and joined by ``_``: scheme ``bearerAuth`` of ``specs/github-actions.yaml`` reads
``GITHUB_ACTIONS_BEARER_AUTH``. A ``basic`` scheme's variable holds ``user:password``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from triggerspec.errors import SpecError
from triggerspec.runtime.auth import SchemeKind
from triggerspec.spec import pointer as jp
from triggerspec.spec.naming import snake
from triggerspec.spec.servers import variable_names

if TYPE_CHECKING:  # the model imports this module
    from triggerspec.spec.model import Api


@dataclass(frozen=True)
class SecurityScheme:
    """One way to authenticate: its kind, the name it travels under and its env vars."""

    name: str
    kind: SchemeKind
    header: str
    """The header, query parameter or cookie name (``Authorization`` for http schemes)."""
    env: tuple[str, ...]
    """Environment variables holding the credential, first set wins."""

    @property
    def location(self) -> str:
        """``header``, ``query`` or ``cookie``."""
        return self.kind if self.kind in ("query", "cookie") else "header"


_HTTP: dict[str, SchemeKind] = {"bearer": "bearer", "basic": "basic"}
_API_KEY: dict[str, SchemeKind] = {"header": "header", "query": "query", "cookie": "cookie"}


def derived_env(api_name: str, scheme_name: str) -> str:
    """The environment variable of a scheme that declares no ``x-env``."""
    return f"{snake(api_name)}_{snake(scheme_name)}".upper()


def parse_schemes(raw: dict[str, Any], api_name: str, file: str) -> dict[str, SecurityScheme]:
    """The ``components/securitySchemes`` of one spec.

    Raises:
        SpecError: an unsupported scheme, or a malformed ``x-env``.
    """
    found: dict[str, SecurityScheme] = {}
    schemes = (raw.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        at = jp.join("/components/securitySchemes", name)
        env = (
            variable_names(scheme["x-env"], file, jp.join(at, "x-env"))
            if "x-env" in scheme
            else (derived_env(api_name, name),)
        )
        kind = scheme.get("type")
        http = str(scheme.get("scheme", "")).lower()
        where = scheme.get("in")
        if kind == "http" and http in _HTTP:
            found[name] = SecurityScheme(name, _HTTP[http], "Authorization", tuple(env))
        elif kind == "apiKey" and where in _API_KEY and scheme.get("name"):
            found[name] = SecurityScheme(name, _API_KEY[where], str(scheme["name"]), tuple(env))
        else:
            raise SpecError(
                file,
                at,
                "supported schemes: http bearer, http basic, apiKey in header, query or cookie "
                f"(got type {kind!r}{f', scheme {http!r}' if http else ''}"
                f"{f', in {where!r}' if where else ''})",
            )
    return found


def credential_variables(apis: Iterable[Api]) -> list[str]:
    """One line per scheme: the spec, the scheme and the variables that hold its credential."""
    lines: list[str] = []
    for api in apis:
        for scheme in sorted(api.schemes.values(), key=lambda s: s.name):
            where = {"bearer": "bearer token", "basic": "basic user:password"}.get(
                scheme.kind, f"{scheme.location} {scheme.header}"
            )
            lines.append(f"{' or '.join(scheme.env)}  ({api.name}: {scheme.name}, {where})")
    return lines
