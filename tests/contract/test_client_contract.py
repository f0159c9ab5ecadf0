"""The client contract checks: what they derive, that they pass, and that they can fail."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triggerspec.contract.client_contract import (
    ClientContractReport,
    OperationReport,
    check_clients,
    check_operation,
    check_request,
)
from triggerspec.contract.mutations import broken_inputs, mutations_for
from triggerspec.contract.request_check import request_problems
from triggerspec.contract.strategies import RequestInput, request_inputs, value_strategy
from triggerspec.project import Project
from triggerspec.runtime import _base_client, _client
from triggerspec.runtime.auth import add_credential
from triggerspec.runtime.errors import ResponseValidationError
from triggerspec.spec.model import Api, Operation, load_api
from triggerspec.spec.validate import violations

ROOT = Path(__file__).resolve().parents[2]
BOUNDED = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
OPERATIONS = tuple(
    sorted(
        op.operation_id
        for path in Project.from_root(ROOT).spec_files()
        for op in load_api(path).operations
    )
)
"""Every operation the project's specs declare (read from them, never listed by hand)."""
KNOWN_CLIENT_BUGS: dict[str, str] = {}
"""Found by these checks, fixed in triggerspec.runtime (then delete the entry: strict xfail)."""


def _operation(apis: dict[str, Api], operation_id: str) -> tuple[Api, Operation]:
    return next(
        (a, o) for a in apis.values() for o in a.operations if o.operation_id == operation_id
    )


# -- what the mutations are derived from --------------------------------------------------


@pytest.mark.parametrize(
    ("operation_id", "label", "names"),
    [
        ("startJobBuild", "too-short sha", ("sha",)),
        ("startJobBuild", "too-long sha", ("sha",)),
        ("startJobBuild", "pattern overrides/docker/dockerFilePath", ("dockerFilePath",)),
        ("startJobBuild", "pattern overrides/docker/dockerWorkDir", ("dockerWorkDir",)),
        ("startJobBuild", "pattern overrides/docker/dockerfileTarget", ("dockerfileTarget",)),
        ("startJobBuild", "property-name overrides/buildFiles", ("buildFiles",)),
        ("createDeployment", "enum commit_dirty", ("commit_dirty",)),
        ("createDeployment", "rule-all /", ("_worker.js", "_worker.bundle")),
        ("createDeployment", "too-large /", ("_worker.bundle",)),
        ("createManualBuild", "rule-none /", ("branch", "commit_hash")),
        ("createManualBuild", "uuid path:trigger_uuid", ("trigger_uuid",)),
        ("runWorkflows", "rule-two head", ("branch", "commit", "tag")),
        ("runWorkflows", "rule-none head", ("branch", "commit", "tag")),
    ],
)
def test_documented_rules_become_mutations(
    apis: dict[str, Api], operation_id: str, label: str, names: tuple[str, ...]
) -> None:
    api, op = _operation(apis, operation_id)
    found = {m.label: m for m in mutations_for(api, op)}
    assert label in found, sorted(found)
    assert found[label].names == names


def test_a_rule_added_to_a_spec_is_mutated(tmp_path: Path) -> None:
    spec = tmp_path / "northflank.yaml"
    shutil.copy(ROOT / "specs" / "northflank.yaml", spec)
    raw = yaml.safe_load(spec.read_text())
    schemas = raw["components"]["schemas"]
    schemas["BuildFile"]["properties"]["encoding"]["enum"] = ["utf-8", "base64"]
    schemas["BuildOverrides"]["properties"]["buildArguments"]["maxProperties"] = 3
    schemas["DockerOverrides"]["properties"]["dockerfileTarget"]["maxLength"] = 64
    spec.write_text(yaml.safe_dump(raw, sort_keys=False))
    api = load_api(spec)

    labels = {m.label for m in mutations_for(api, api.operations[0])}

    assert "enum overrides/buildFiles/*/encoding" in labels
    assert "too-long overrides/docker/dockerfileTarget" in labels


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_mutation_breaks_the_spec_by_the_independent_validator(
    apis: dict[str, Api], operation_id: str
) -> None:
    api, op = _operation(apis, operation_id)
    mutations = mutations_for(api, op)
    if not mutations:
        pytest.skip(f"{operation_id} states no rule a request can break on its own")

    @settings(BOUNDED, max_examples=3 * len(mutations))
    @given(data=st.data(), index=st.integers(0, len(mutations) - 1))
    def check(data: st.DataObject, index: int) -> None:
        mutation = mutations[index]
        broken = data.draw(broken_inputs(api, op, mutation))
        problems = request_problems(api, op, broken.path, broken.body, broken.body is not None)
        assert problems, mutation.label
        assert all(any(n in p for p in problems) for n in mutation.names), (mutation, problems)

    check()


# -- drawn values -------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_drawn_responses_are_valid(apis: dict[str, Api], operation_id: str) -> None:
    api, op = _operation(apis, operation_id)
    schemas = [api.document.deref(r.schema) for r in op.responses if r.schema is not None]

    @BOUNDED
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        for schema in schemas:
            value = data.draw(value_strategy(schema, open_objects=True))
            assert violations(schema, value) == []
            json.dumps(value)  # a JSON value

    check()


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_drawn_requests_are_valid(apis: dict[str, Api], operation_id: str) -> None:
    api, op = _operation(apis, operation_id)

    @BOUNDED
    @given(data=request_inputs(api, op))
    def check(data: RequestInput) -> None:
        assert request_problems(api, op, data.path, data.body, data.body is not None) == []
        assert set(data.path) == {p.name for p in op.path_parameters}

    check()


def test_patterns_are_drawn_with_ecmascript_meaning() -> None:
    schema = {"type": "string", "pattern": r"^\/([a-zA-Z0-9-._]+\/)*[a-zA-Z0-9-._]+$"}

    @BOUNDED
    @given(value=value_strategy(schema))
    def check(value: str) -> None:
        assert not value.endswith("\n")  # Python's `$` would allow it
        assert violations(schema, value) == []

    check()


# -- the request check, on requests built by hand ----------------------------------------


def _segment(value: str) -> str:
    escaped = quote(value, safe="")
    return {".": "%2E", "..": "%2E%2E"}.get(escaped, escaped)


def reference_request(
    api: Api, op: Operation, data: RequestInput, credentials: dict[str, str]
) -> httpx.Request:
    """The request the spec says these inputs make, built without the generated client."""
    url = api.base_url + op.path.format_map({k: _segment(str(v)) for k, v in data.path.items()})
    headers: dict[str, str] = {}
    for name, value in credentials.items():
        scheme = api.schemes[name]
        add_credential(headers, scheme.kind, scheme.header, value)
    assert op.body is not None
    if not op.body.is_multipart:
        headers["content-type"] = "application/json"
        return httpx.Request(op.method, url, headers=headers, json=data.body)
    boundary = "contract-boundary-7f3a"
    chunks: list[bytes] = []
    parts = {p.name: p for p in op.body.parts}
    for name, value in (data.body or {}).items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        if isinstance(value, bytes):
            kind = (parts[name].content_type or "application/octet-stream").split(",")[0]
            head += f'; filename="{name}"\r\nContent-Type: {kind}'
            chunks.append(head.encode() + b"\r\n\r\n" + value + b"\r\n")
        else:
            chunks.append(head.encode() + b"\r\n\r\n" + str(value).encode() + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    headers["content-type"] = f"multipart/form-data; boundary={boundary}"
    return httpx.Request(op.method, url, headers=headers, content=b"".join(chunks))


def _credentials(api: Api) -> dict[str, str]:
    option = sorted({req for op in api.operations for req in op.security})[0]
    return {n: f"secret-{n}" for n in option}


Tamper = Callable[[httpx.Request, Api], httpx.Request]


def _rebuild(request: httpx.Request, **changes: Any) -> httpx.Request:
    args: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers),
        "content": request.content,
    }
    args.update(changes)
    return httpx.Request(**args)


def _other_method(request: httpx.Request, api: Api) -> httpx.Request:
    return _rebuild(request, method="PATCH")


def _changed_segment(request: httpx.Request, api: Api) -> httpx.Request:
    raw = request.url.raw_path.decode()
    head, _, last = raw.rpartition("/")
    return _rebuild(request, url=request.url.copy_with(raw_path=f"{head}x/{last}".encode()))


def _no_auth(request: httpx.Request, api: Api) -> httpx.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _auth(api)}
    return _rebuild(request, headers=headers)


def _extra_auth(request: httpx.Request, api: Api) -> httpx.Request:
    """A header of a scheme not configured, or a second value for the one in use."""
    missing = sorted(_auth(api) - {k.lower() for k in request.headers})
    extra = (missing or sorted(_auth(api)))[0]
    return _rebuild(request, headers=[*request.headers.multi_items(), (extra, "stray")])


def _query(request: httpx.Request, api: Api) -> httpx.Request:
    return _rebuild(request, url=request.url.copy_with(query=b"dry_run=1"))


def _changed_body(request: httpx.Request, api: Api) -> httpx.Request:
    if request.headers["content-type"] == "application/json":
        body = json.loads(request.content)
        return _rebuild(request, content=json.dumps({**body, "zz_unknown": 1}).encode())
    return _rebuild(request, content=request.content.replace(b"--\r\n", b"--\r\n\r\n", 1)[:-12])


def _auth(api: Api) -> set[str]:
    return {s.header.lower() for s in api.schemes.values()}


TAMPERS: dict[str, Tamper] = {
    "method": _other_method,
    "path": _changed_segment,
    "no-auth": _no_auth,
    "extra-auth": _extra_auth,
    "query": _query,
    "body": _changed_body,
}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_check_request_accepts_what_the_spec_describes_and_nothing_else(
    apis: dict[str, Api], operation_id: str
) -> None:
    api, op = _operation(apis, operation_id)
    credentials = _credentials(api)

    @BOUNDED
    @given(data=request_inputs(api, op), tamper=st.sampled_from(sorted(TAMPERS)))
    def check(data: RequestInput, tamper: str) -> None:
        request = reference_request(api, op, data, credentials)
        assert check_request(api, op, request, data, credentials) == []
        broken = TAMPERS[tamper](request, api)
        assert check_request(api, op, broken, data, credentials) != [], tamper

    check()


def test_check_request_reads_file_parts_byte_for_byte(apis: dict[str, Api]) -> None:
    api, op = _operation(apis, "createDeployment")
    data = RequestInput(
        {"account_id": "a", "project_name": "p"},
        {"_worker.bundle": b"--not-a-boundary\r\n", "_headers": b"", "branch": "main"},
    )
    request = reference_request(api, op, data, _credentials(api))

    assert check_request(api, op, request, data, _credentials(api)) == []


def test_check_request_sees_dot_segments_rewritten(apis: dict[str, Api]) -> None:
    api, op = _operation(apis, "startJobBuild")
    data = RequestInput({"projectId": "..", "jobId": "j"}, {})
    rewritten = httpx.Request(
        "POST",
        "https://api.northflank.com/v1/jobs/j/build",
        headers={"Authorization": "Bearer t", "content-type": "application/json"},
        content=b"{}",
    )

    problems = check_request(api, op, rewritten, data, {"bearerAuth": "t"})

    assert any("/v1/projects/{projectId}" in p for p in problems)


def test_check_request_refuses_an_urlencoded_form(apis: dict[str, Api]) -> None:
    api, op = _operation(apis, "createDeployment")
    data = RequestInput({"account_id": "a", "project_name": "p"}, {"branch": "main"})
    request = httpx.Request(
        "POST",
        "https://api.cloudflare.com/client/v4/accounts/a/pages/projects/p/deployments",
        headers={"Authorization": "Bearer t"},
        data={"branch": "main"},
    )

    problems = check_request(api, op, request, data, {"api_token": "t"})

    assert any("not multipart/form-data" in p for p in problems)


# -- whole operations against the generated clients ---------------------------------------


@pytest.fixture(scope="module")
def report(project: Project) -> ClientContractReport:
    seen: list[str] = []
    result = check_clients(
        project,
        max_examples=10,
        mutation_examples=3,
        on_result=lambda r: seen.append(r.operation_id),
    )
    assert seen == [r.operation_id for r in result.operations]
    return result


def test_every_operation_has_a_row(report: ClientContractReport, apis: dict[str, Api]) -> None:
    rows = report.rows()
    every = {op.operation_id for api in apis.values() for op in api.operations}
    assert sorted(r[0] for r in rows) == sorted(every)
    assert set(OPERATIONS) <= every
    assert all(cases > 0 and passed > 0 for _, cases, _, passed, _ in rows), rows
    stated = {o.operation_id: len(mutations_for(a, o)) for a in apis.values() for o in a.operations}
    assert {r[0]: r[2] for r in rows} == stated
    assert any(r[2] for r in rows)


@pytest.mark.parametrize(
    "operation_id",
    [
        pytest.param(o, marks=pytest.mark.xfail(strict=True, reason=KNOWN_CLIENT_BUGS[o]))
        if o in KNOWN_CLIENT_BUGS
        else o
        for o in OPERATIONS
    ],
)
def test_generated_clients_keep_the_contract(
    report: ClientContractReport, operation_id: str
) -> None:
    found = next(r for r in report.operations if r.operation_id == operation_id)
    assert found.error is None
    assert found.failure_count == 0, "\n".join(map(str, found.failures))


def _refusal_failures(result: OperationReport) -> set[str]:
    return {f.check for f in result.failures if f.check.startswith("refuses")}


def test_a_client_that_does_not_refuse_is_caught(
    apis: dict[str, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, op = _operation(apis, "createDeployment")
    monkeypatch.setattr(_client, "broken_rules", lambda *args, **kwargs: [])

    result = check_operation(api, op, max_examples=2, mutation_examples=2)

    assert _refusal_failures(result) == {"refuses rule-all /", "refuses too-large /"}
    assert any("the request was sent" in f.message for f in result.failures)


def test_a_stale_generated_model_is_caught(
    apis: dict[str, Api], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "stale_clients"
    shutil.copytree(ROOT / "generated" / "triggerspec_clients", stale)
    models = stale / "northflank" / "models.py"
    models.write_text(models.read_text().replace("min_length=40", "min_length=1"))
    monkeypatch.syspath_prepend(str(tmp_path))
    api, op = _operation(apis, "startJobBuild")

    result = check_operation(api, op, max_examples=2, mutation_examples=2, package="stale_clients")

    assert _refusal_failures(result) == {"refuses too-short sha"}


def test_a_client_that_cannot_read_valid_responses_is_caught(
    apis: dict[str, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, op = _operation(apis, "createManualBuild")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ResponseValidationError("no", response=httpx.Response(200))

    monkeypatch.setattr(_base_client, "read_response", refuse)

    result = check_operation(api, op, max_examples=3, mutation_examples=1)

    responses = [f for f in result.failures if f.check == "response"]
    assert {f.client for f in responses} == {"sync", "async"}
    assert all("ResponseValidationError" in f.message for f in responses)


def test_a_client_that_drops_credentials_is_caught(
    apis: dict[str, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, op = _operation(apis, "createManualBuild")
    monkeypatch.setattr(_base_client, "resolve_auth", lambda *args, **kwargs: {})

    result = check_operation(api, op, max_examples=3, mutation_examples=1)

    assert {f.check for f in result.failures} == {"request"}
    assert all("auth header" in f.message for f in result.failures)


def test_a_missing_client_is_reported(apis: dict[str, Api]) -> None:
    api, op = _operation(apis, "startJobBuild")

    result = check_operation(api, op, package="no_such_clients_package")

    assert result.error is not None and "no generated client" in result.error
    assert result.row()[-1] == 1


def test_a_path_parameter_is_never_broken_into_an_empty_segment(tmp_path: Path) -> None:
    """An empty segment makes the URL of another operation (or of none): a rule only "" can
    break is not mutated, and an enum or pattern is broken by a non-empty value."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Repos", "version": "1"},
        "servers": [{"url": "https://repos.example.test"}],
        "paths": {
            "/repos/{owner}/{kind}/{tag}": {
                "delete": {
                    "operationId": "dropTag",
                    "summary": "Drop a tag",
                    "parameters": [
                        {"name": n, "in": "path", "required": True, "schema": s}
                        for n, s in (
                            ("owner", {"type": "string", "minLength": 1}),
                            ("kind", {"type": "string", "enum": ["a", "b"]}),
                            ("tag", {"type": "string", "minLength": 1, "pattern": "^v[0-9]+$"}),
                        )
                    ],
                    "responses": {"204": {"description": "dropped"}},
                }
            }
        },
    }
    path = tmp_path / "repos.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    api = load_api(path)
    op = api.operations[0]
    mutations = mutations_for(api, op)
    assert {m.label for m in mutations} == {"enum path:kind", "pattern path:tag"}

    @settings(BOUNDED, max_examples=40)
    @given(data=st.data(), index=st.integers(0, len(mutations) - 1))
    def check(data: st.DataObject, index: int) -> None:
        broken = data.draw(broken_inputs(api, op, mutations[index]))
        assert all(str(value) for value in broken.path.values()), broken.path

    check()
