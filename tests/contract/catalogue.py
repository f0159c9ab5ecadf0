"""A catalogue of broken servers: each is the real mock with exactly one contract broken.

Every entry wraps the embedded mock in a ``requests`` adapter that forwards the request,
then corrupts one thing in the answer. The fuzz runner pointed at it must fail exactly the
check that owns that contract (see the table in :mod:`triggerspec.contract.checks`), which
proves that each check can fail and that the checks do not overlap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from triggerspec.mock.app import MockApp
from triggerspec.mock.requests_adapter import MockAdapter
from triggerspec.spec.model import Operation

Corrupt = Callable[[MockApp, requests.PreparedRequest, requests.Response], None]
"""Change one thing in the mock's answer, in place."""


@dataclass(frozen=True)
class BrokenServer:
    """The mock with one contract broken, and the check meant to catch it."""

    name: str
    operation_id: str
    mode: str
    check: str
    corrupt: Corrupt
    description: str

    def session(self, app: MockApp) -> requests.Session:
        """A ``requests`` session answered by the corrupted mock."""
        session = requests.Session()
        adapter = _CorruptingAdapter(app, self.corrupt)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session


class _CorruptingAdapter(MockAdapter):
    def __init__(self, app: MockApp, corrupt: Corrupt) -> None:
        super().__init__(app)
        self._corrupt = corrupt

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        self._corrupt(self.app, request, response)
        return response


def _body(response: requests.Response) -> Any:
    return json.loads(response.content)


def _set_body(response: requests.Response, body: Any) -> None:
    content = json.dumps(body).encode()
    response._content = content
    _set_header(response, "content-length", str(len(content)))


def _set_header(response: requests.Response, name: str, value: str) -> None:
    # Schemathesis reads the raw (urllib3) headers, requests users read response.headers.
    response.headers[name] = value
    response.raw.headers[name] = value


def _success_example(app: MockApp, operation_id: str) -> Any:
    op = _operation(app, operation_id)
    return op.success.examples[0].value


def _operation(app: MockApp, operation_id: str) -> Operation:
    return next(
        c.operation for c in app.compiled.values() if c.operation.operation_id == operation_id
    )


def _is(app: MockApp, request: requests.PreparedRequest, operation_id: str) -> bool:
    """Whether the mock just served ``request`` as ``operation_id``."""
    entries = app.journal.entries()
    return bool(entries) and entries[-1].operation_id == operation_id


def wrong_enum(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "runWorkflow") and response.status_code == 200:
        _set_body(response, {**_body(response), "trigger_status": "started"})


def server_error_on_bad_input(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "startJobBuild") and response.status_code == 400:
        body = _body(response)
        body["error"]["status"] = 500
        response.status_code = 500
        _set_body(response, body)


def ignores_sha_length(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    """Northflank's sha length is not enforced: a 39-character sha starts a build."""
    problems = app.journal.entries()[-1].problems if len(app.journal) else ()
    if (
        _is(app, request, "startJobBuild")
        and response.status_code == 400
        and problems
        and all(p.startswith("/sha:") for p in problems)
    ):
        response.status_code = 200
        _set_body(response, _success_example(app, "startJobBuild"))


def cloudflare_error_claims_success(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "createManualBuild") and 400 <= response.status_code < 500:
        _set_body(response, {**_body(response), "success": True})


def northflank_without_data(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "startJobBuild") and response.status_code == 200:
        _set_body(response, _body(response)["data"])


def cloudflare_silent_failure(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "createManualBuild") and response.status_code == 200:
        _set_body(response, {**_body(response), "success": False, "errors": []})


def repeat_created(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "runWorkflow") and response.status_code == 200:
        _set_body(response, {**_body(response), "trigger_status": "created"})


def undocumented_content_type(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "upsertRepoConnection") and response.status_code == 200:
        _set_header(response, "content-type", "text/plain; charset=utf-8")


def refuses_valid_requests(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "upsertRepoConnection") and response.status_code == 200:
        response.status_code = 400
        failure = {"code": 1000, "message": "refused by a broken server"}
        _set_body(response, {"errors": [failure], "messages": [], "result": None, "success": False})


def undocumented_status(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    if _is(app, request, "createManualBuild") and response.status_code == 200:
        response.status_code = 202


def ignores_run_details(
    app: MockApp, request: requests.PreparedRequest, response: requests.Response
) -> None:
    """GitHub's dispatch asked for run details (x-when selects 200) answers 204 anyway."""
    if _is(app, request, "actions/create-workflow-dispatch") and response.status_code == 200:
        response.status_code = 204
        response._content = b""
        for headers in (response.headers, response.raw.headers):
            headers.pop("content-type", None)
        _set_header(response, "content-length", "0")


CATALOGUE: Mapping[str, BrokenServer] = {
    s.name: s
    for s in (
        BrokenServer(
            "wrong-enum",
            "runWorkflow",
            "positive",
            "response_schema_conformance",
            wrong_enum,
            'a 200 with trigger_status "started", outside TriggerStatus',
        ),
        BrokenServer(
            "500-on-bad-body",
            "startJobBuild",
            "negative",
            "not_a_server_error",
            server_error_on_bad_input,
            "invalid input answered 500, in Northflank's (documented) error envelope",
        ),
        BrokenServer(
            "accepts-39-char-sha",
            "startJobBuild",
            "negative",
            "rejects_invalid_request",
            ignores_sha_length,
            "a Northflank body whose sha is not 40 characters (39, 41, ...) answered 200 "
            "with a valid build",
        ),
        BrokenServer(
            "error-with-success-true",
            "createManualBuild",
            "negative",
            "vendor_error_envelope",
            cloudflare_error_claims_success,
            "a Cloudflare 4xx whose envelope says success: true",
        ),
        BrokenServer(
            "missing-data-wrapper",
            "startJobBuild",
            "positive",
            "response_schema_conformance",
            northflank_without_data,
            "a Northflank 200 with the build at the top level instead of under data",
        ),
        BrokenServer(
            "silent-cloudflare-failure",
            "createManualBuild",
            "positive",
            "success_flag_semantics",
            cloudflare_silent_failure,
            "a Cloudflare 200 with success: false and an empty errors list",
        ),
        BrokenServer(
            "repeat-created-twice",
            "runWorkflow",
            "positive",
            "dedup_semantics",
            repeat_created,
            "the same SourceCraft trigger answered created twice in a row",
        ),
        BrokenServer(
            "undocumented-content-type",
            "upsertRepoConnection",
            "positive",
            "content_type_conformance",
            undocumented_content_type,
            "a 200 served as text/plain",
        ),
        BrokenServer(
            "refuses-valid-requests",
            "upsertRepoConnection",
            "positive",
            "positive_data_acceptance",
            refuses_valid_requests,
            "every valid request refused with a (well-formed) Cloudflare 400",
        ),
        BrokenServer(
            "undocumented-status",
            "createManualBuild",
            "positive",
            "status_code_conformance",
            undocumented_status,
            "a build answered 202, which the spec does not document (it says 200)",
        ),
        BrokenServer(
            "ignores-run-details",
            "actions/create-workflow-dispatch",
            "positive",
            "success_status_semantics",
            ignores_run_details,
            "return_run_details: true answered 204 (documented, but x-when selects 200)",
        ),
    )
}
"""Every broken server by name."""
