"""Errors raised by generated clients: one base, precise subclasses.

```
ClientError
├── RequestValidationError      refused before sending: the request breaks the spec
├── MissingCredentialsError     no credential for any of the operation's auth options
├── InvalidCredentialsError     a credential that cannot be sent as it is (whitespace, non-ASCII)
├── InvalidBaseURLError         a base URL (argument or environment variable) that is not http(s)
├── APIConnectionError          the request did not complete
│   └── APITimeoutError
├── ResponseValidationError     a response that does not fit the spec
└── APIStatusError              the server answered with an error
    ├── BadRequestError          400
    ├── AuthenticationError      401
    ├── PermissionDeniedError    403
    ├── NotFoundError            404
    ├── ConflictError            409
    ├── UnprocessableEntityError 422
    ├── RateLimitError           429
    ├── InternalServerError      5xx
    └── UnsuccessfulResponseError  a 2xx whose envelope says it failed (Cloudflare success: false)
```

No message, repr or attribute printed by these errors carries a credential.
"""

from __future__ import annotations

from typing import Any

import httpx


class ClientError(Exception):
    """Base of every error a generated client raises."""


class RequestValidationError(ClientError, ValueError):
    """The request breaks a rule of the spec; nothing was sent."""

    def __init__(self, operation_id: str, problems: list[str]) -> None:
        self.operation_id = operation_id
        self.problems = problems
        super().__init__(f"{operation_id}: request refused before sending: " + "; ".join(problems))


class MissingCredentialsError(ClientError):
    """No credential was given or found in the environment for any accepted auth option."""


class InvalidCredentialsError(ClientError, ValueError):
    """A credential that cannot be sent as given (surrounding whitespace, a line break, a
    non-ASCII character). The message names the argument or variable, never the value."""


class InvalidBaseURLError(ClientError, ValueError):
    """A base URL, given as ``base_url=`` or in an environment variable, that is not an
    absolute http(s) URL. The message names where it came from, never the value (a URL may
    carry a password)."""


class APIConnectionError(ClientError):
    """The request did not complete (connection refused, reset, protocol error)."""

    def __init__(self, message: str, *, request: httpx.Request, sent: bool) -> None:
        self.request = request
        self.sent = sent
        """Whether the request may have reached the server (False: provably never sent)."""
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseValidationError(ClientError):
    """The server's response does not fit the spec."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        super().__init__(message)


class APIStatusError(ClientError):
    """The server answered with an error status (or a failed envelope)."""

    def __init__(self, message: str, *, response: httpx.Response, envelope: Any) -> None:
        self.response = response
        self.status_code = response.status_code
        self.envelope = envelope
        """The vendor's error body, parsed into its model when it fits the spec, else raw JSON."""
        super().__init__(message)


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """5xx."""


class UnsuccessfulResponseError(APIStatusError):
    """A 2xx whose envelope reports failure (Cloudflare ``success: false``)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status."""
    if status >= 500:
        return InternalServerError
    if 200 <= status < 300:
        return UnsuccessfulResponseError
    return _BY_STATUS.get(status, APIStatusError)
