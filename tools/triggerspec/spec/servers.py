"""Servers in the contract model, and the environment variables that replace the first one.

Generated clients send to the spec's first server unless told otherwise: a ``base_url``
argument wins, then the first non-empty variable of that server's ``x-env`` list (as
Cloudflare's SDK reads ``CLOUDFLARE_BASE_URL``). Without ``x-env`` the variable is derived
from the API name (the spec file's stem) in upper snake case plus ``_BASE_URL``:
``specs/northflank.yaml`` reads ``NORTHFLANK_BASE_URL``. Only the first server, the one the
clients use, may declare ``x-env``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.naming import snake

if TYPE_CHECKING:  # the model imports this module
    from triggerspec.spec.model import Api

DEFAULT_SERVER = {"url": "/"}
"""The server of a spec that lists none (OpenAPI 3.0 and 3.1, Server Object)."""

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z", re.ASCII)


def derived_base_url_env(api_name: str) -> str:
    """The base-URL variable of an API whose first server declares no ``x-env``."""
    return f"{snake(api_name).upper()}_BASE_URL"


def variable_names(value: Any, file: str, at: str) -> tuple[str, ...]:
    """An ``x-env`` list checked: one or more environment variable names.

    Raises:
        SpecError: not a non-empty list of names (``[A-Za-z_][A-Za-z0-9_]*``).
    """
    if not isinstance(value, list) or not value:
        raise SpecError(file, at, "x-env must be a non-empty list of variable names")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not _VARIABLE.match(name):
            raise SpecError(
                file,
                jp.join(at, i),
                f"x-env: {name!r} is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
            )
    return tuple(value)


def parse_servers(
    raw: dict[str, Any], api_name: str, file: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The server URLs of one spec and the base-URL environment variables of the first.

    A spec that lists no server is served at ``/``, as OpenAPI says (its clients then need
    a base URL: an argument or the environment variable).

    Raises:
        SpecError: a server without a url, a malformed ``x-env``, or ``x-env`` on a later
            server.
    """
    listed = raw.get("servers")
    if listed is None or listed == []:
        listed = [DEFAULT_SERVER]
    if not isinstance(listed, list):
        raise SpecError(file, "/servers", "servers must be a list of server objects")
    for i, server in enumerate(listed):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            raise SpecError(file, f"/servers/{i}", "a server needs a url (a string)")
    servers = list(enumerate(listed))
    for i, server in servers[1:]:
        if "x-env" in server:
            raise SpecError(
                file,
                f"/servers/{i}/x-env",
                "x-env is read from the first server only (the one clients use)",
            )
    at, first = servers[0]
    env = (
        variable_names(first["x-env"], file, f"/servers/{at}/x-env")
        if "x-env" in first
        else (derived_base_url_env(api_name),)
    )
    return tuple(str(s["url"]) for _, s in servers), env


def base_url_variables(apis: Iterable[Api]) -> list[str]:
    """One line per API: the variables that replace its base URL, and the default."""
    return [f"{' or '.join(api.base_url_env)}  ({api.name}: {api.base_url})" for api in apis]
