"""The documented list of ``x-`` extensions triggerspec specs may use.

Facts OpenAPI cannot say go here. Lint rejects any other ``x-`` key, so a misspelled
extension is caught instead of silently ignored.
"""

from __future__ import annotations

EXTENSIONS: dict[str, str] = {
    "x-envelope": "info: the envelope declaration (a preset name, or inline; spec/envelope.py)",
    "x-auth-errors": (
        "info: the status, code and message of a missing, malformed, invalid or unpermitted "
        "credential (spec/auth_errors.py)"
    ),
    "x-source": "where the element's facts come from (seed page, vendor URL or repository path)",
    "x-decision": (
        "how an ambiguity or gap in the seed page was resolved, with its source (`differs`: "
        "what deliberately differs from the vendor's own document; `official`: the official "
        "schema a response mirrors; both read by `audit`)"
    ),
    "x-stricter": "a rule triggerspec adds beyond the documented ones, and why",
    "x-not-from-seed": "an element specified from a vendor reference rather than a seed page",
    "x-side-effects": "operation: starts-build, upsert or none (fuzzing a real endpoint reads it)",
    "x-retry-safe": "operation: never-sent (retry only if never sent or told to) or idempotent",
    "x-replaced-by": "deprecated operation: the operationId that replaces it",
    "x-permissions": "operation: the vendor permissions that allow it",
    "x-rate-limit": "info: the documented limits and their source (the headers the tools read "
    "are the envelope's rate_limit)",
    "x-env": "security scheme: environment variables holding the credential (default: derived "
    "API_SCHEME, spec/security.py); first server: variables replacing its URL in clients "
    "(default: derived API_BASE_URL, spec/servers.py)",
    "x-dedup": "operation: a repeat of the same request within a window answers `repeat` "
    "(spec/stateful.py)",
    "x-upsert": "operation: requests with equal identity fields update one record",
    "x-missing-target": "operation: a request naming a target the mock lacks gets `answer`",
    "x-mock-payload": "operation: the mock's richer payload builder to use (mock/responses.py)",
    "x-max-bytes": "file part: the largest accepted size in bytes",
    "x-sensitive": "a body field holding a secret: masked in journals, reports and logs",
    "x-when": (
        "2xx response: a JSON Schema the request body matches when the server answers this "
        "status (one 2xx has none: the answer otherwise)"
    ),
}

SIDE_EFFECTS = ("starts-build", "upsert", "none")
RETRY_SAFETY = ("never-sent", "idempotent")
