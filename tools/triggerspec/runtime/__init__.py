"""The runtime generated clients import: base clients, errors, retries, auth.

Hand-written and spec-independent; generated modules only describe their API with
:class:`ApiDef` and :class:`OperationDef` values and call into it.
"""

from triggerspec.runtime._base_client import AsyncAPIClient, SyncAPIClient
from triggerspec.runtime._client import (
    DEFAULT_TIMEOUT,
    ApiDef,
    APIResponse,
    OperationDef,
    PathParam,
    Timeout,
    drop_not_given,
)
from triggerspec.runtime._types import NOT_GIVEN, FileInput, NotGiven
from triggerspec.runtime.auth import Scheme, Secret
from triggerspec.runtime.envelope import Envelope, ErrorShape, RateLimit
from triggerspec.runtime.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientError,
    ConflictError,
    InternalServerError,
    InvalidBaseURLError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    ResponseValidationError,
    UnprocessableEntityError,
    UnsuccessfulResponseError,
)
from triggerspec.runtime.model import WireModel
from triggerspec.runtime.retry import RetryPolicy
from triggerspec.runtime.rules import Rule

__all__ = [
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "ApiDef",
    "AsyncAPIClient",
    "AuthenticationError",
    "BadRequestError",
    "ClientError",
    "ConflictError",
    "Envelope",
    "ErrorShape",
    "FileInput",
    "InternalServerError",
    "InvalidBaseURLError",
    "MissingCredentialsError",
    "NotFoundError",
    "NotGiven",
    "OperationDef",
    "PathParam",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RequestValidationError",
    "ResponseValidationError",
    "RetryPolicy",
    "Rule",
    "Scheme",
    "Secret",
    "SyncAPIClient",
    "Timeout",
    "UnprocessableEntityError",
    "UnsuccessfulResponseError",
    "WireModel",
    "drop_not_given",
]
