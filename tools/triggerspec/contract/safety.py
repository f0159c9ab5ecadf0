"""Fuzzing a real endpoint must not start a build nobody asked for.

Against a real endpoint (a base URL that is not loopback, or any URL with
``--real-endpoint``), operations with side effects (``x-side-effects``: a build trigger or an
upsert) get negative cases only, and a negative case is sent only when it breaks a rule the
vendor itself enforces (see :func:`triggerspec.contract.request_check.vendor_problems`);
``--allow-side-effects`` together with a ``--max-requests`` budget lifts that. Every case is
sent once (no shrinking, no replay), and a negative case that is accepted stops the run.

Where requests go is judged from the URL the HTTP library will connect to: a URL with
userinfo or a backslash is refused outright (``requests`` and a naive parser disagree on its
host), and a host name counts as loopback only if every address it resolves to does.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from triggerspec.errors import UsageError

MAX_WAIT = 60.0
"""The longest a rate limit is waited out; past it the task stops instead."""
MAX_RATE_LIMITED = 3
"""How many times one case may be answered 429 before the task stops (it is re-sent at most
this many times, and only when the server said when)."""
DEFAULT_REQUEST_TIMEOUT = 10.0
"""Seconds a request may take before it counts as a failure of its case."""

EMBEDDED_HOSTS = frozenset({"mock.invalid"})
"""Host names answered in-process by the embedded mock (never resolved)."""


def target_host(url: str) -> str:
    """The host ``url`` connects to; ``UsageError`` for a URL whose host is ambiguous.

    Userinfo (``user@host``) and backslashes are refused: parsers disagree on where the host
    starts (``http://192.0.2.2:1\\@127.0.0.1/`` is 127.0.0.1 to ``urllib`` and 192.0.2.2 to
    ``requests``), and no API base URL needs either.
    """
    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise UsageError(
            f"base URL {url!r}: backslashes, spaces and control characters are refused"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"base URL {url!r}: {exc}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"base URL {url!r}: an http(s) URL with a host is needed")
    if "@" in parts.netloc:
        raise UsageError(f"base URL {url!r}: userinfo (user@host) is refused")
    del port
    return parts.hostname


def is_loopback(url: str) -> bool:
    """Whether every address ``url`` connects to is this machine (127.0.0.0/8 or ::1)."""
    host = target_host(url)
    if host in EMBEDDED_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses
    )


@dataclass(frozen=True)
class Safety:
    """What a run may do to its target."""

    loopback: bool
    """The target is this machine and not declared real: every safety is off."""
    allow_side_effects: bool = False
    max_requests: int | None = None

    def __post_init__(self) -> None:
        if self.max_requests is not None and self.max_requests < 1:
            raise UsageError("--max-requests must be at least 1")
        if self.allow_side_effects and not self.loopback and self.max_requests is None:
            raise UsageError("--allow-side-effects against a real endpoint needs --max-requests N")

    @classmethod
    def for_target(
        cls,
        urls: list[str],
        *,
        real_endpoint: bool = False,
        allow_side_effects: bool = False,
        max_requests: int | None = None,
    ) -> Safety:
        """The rules for a run sending to ``urls`` (``real_endpoint``: as if none were loopback)."""
        loopback = not real_endpoint and all(is_loopback(url) for url in urls)
        return cls(loopback, allow_side_effects, max_requests)

    @property
    def real(self) -> bool:
        """Whether every real-endpoint safety is on."""
        return not self.loopback

    def modes_for(self, side_effects: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
        """The modes an operation may be fuzzed in."""
        if self.loopback or self.allow_side_effects or side_effects == "none":
            return wanted
        return tuple(m for m in wanted if m == "negative")

    def guards(self, side_effects: str) -> bool:
        """Whether a case for this operation is sent only if the vendor would refuse it."""
        return self.real and side_effects != "none" and not self.allow_side_effects

    @property
    def may_replay(self) -> bool:
        """Whether checks may send a request again on purpose (never on a real endpoint)."""
        return self.loopback
