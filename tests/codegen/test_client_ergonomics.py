"""What users of Stainless SDKs expect from a generated client: base-URL environment
variables, ``with_options``, snake_case attributes over wire names, ``datetime`` fields and
reprs without ``MISSING``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import triggerspec_clients as errors
from tests.codegen.test_models import _CASES, _DEFECTS, _model_for
from triggerspec.cli import main
from triggerspec.runtime import _base_client
from triggerspec.runtime._types import NotGiven
from triggerspec.runtime.formats import is_date_time
from triggerspec.runtime.model import from_wire
from triggerspec.spec.defects import ExampleCase
from triggerspec.spec.model import load_api
from triggerspec.spec.validate import SchemaValidator
from triggerspec_clients.cloudflare_pages import models as pages_models
from triggerspec_clients.cloudflare_workers_builds import (
    AsyncCloudflareWorkersBuildsClient,
    CloudflareWorkersBuildsClient,
)
from triggerspec_clients.github_actions import GithubActionsClient
from triggerspec_clients.northflank import AsyncNorthflankClient, NorthflankClient
from triggerspec_clients.northflank import models as nf_models

TRIGGER = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"
CF_BUILD = f"/accounts/acc/builds/triggers/{TRIGGER}/builds"
CF_OK = {"errors": [], "messages": [], "result": {"build_uuid": TRIGGER}, "success": True}


class Recorder:
    """A transport answering each request with the next queued response."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


def nf_answer(data: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"data": data or {"id": "b1"}})


# --- 1. base-URL environment variables --------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "base_url", "expected"),
    [
        ({}, None, "https://api.cloudflare.com/client/v4"),
        ({"CLOUDFLARE_BASE_URL": "http://127.0.0.1:9/cf/"}, None, "http://127.0.0.1:9/cf"),
        ({"CLOUDFLARE_BASE_URL": ""}, None, "https://api.cloudflare.com/client/v4"),
        ({"CLOUDFLARE_BASE_URL": "http://127.0.0.1:9/cf"}, "http://127.0.0.1:8/arg", None),
    ],
    ids=["spec-server", "env", "empty-env-ignored", "argument-wins"],
)
def test_base_url_is_the_argument_then_the_variable_then_the_spec(
    environ: dict[str, str], base_url: str | None, expected: str | None
) -> None:
    recorder = Recorder(httpx.Response(200, json=CF_OK))
    client = CloudflareWorkersBuildsClient(
        api_token="t",
        base_url=base_url,
        environ=environ,
        transport=httpx.MockTransport(recorder),
    )
    client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
    assert recorder.urls == [(expected or str(base_url)) + CF_BUILD]


def test_the_async_client_reads_the_same_variable() -> None:
    recorder = Recorder(nf_answer())

    async def go() -> None:
        async with AsyncNorthflankClient(
            api_token="t",
            environ={"NORTHFLANK_BASE_URL": "http://127.0.0.1:9/nf"},
            transport=httpx.MockTransport(recorder),
        ) as client:
            await client.start_job_build(project_id="p", job_id="j")

    asyncio.run(go())
    assert recorder.urls == ["http://127.0.0.1:9/nf/v1/projects/p/jobs/j/build"]


def test_declared_variables_are_read_in_order() -> None:
    both = {"GITHUB_ACTIONS_BASE_URL": "http://127.0.0.1:1", "GITHUB_API_URL": "http://127.0.0.1:2"}
    only_second = {"GITHUB_API_URL": "http://127.0.0.1:2/api/v3"}
    shown = [
        GithubActionsClient(api_token="t", environ=env).base_url for env in (both, only_second)
    ]
    assert shown == ["http://127.0.0.1:1", "http://127.0.0.1:2/api/v3"]


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Builds", "version": "1"},
    "servers": [{"url": "https://builds.example.com/v2"}, {"url": "https://eu.example.com"}],
    "paths": {},
}


def _write(root: Path, servers: list[dict[str, Any]], name: str = "acme-builds") -> Path:
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**SPEC, "servers": servers}))
    return path


def test_the_variable_is_derived_from_the_spec_name_or_declared(tmp_path: Path) -> None:
    derived = load_api(_write(tmp_path, SPEC["servers"]))
    declared = load_api(
        _write(tmp_path, [{"url": "https://x", "x-env": ["ACME_URL", "ACME_API"]}], "other")
    )
    assert derived.base_url_env == ("ACME_BUILDS_BASE_URL",)
    assert declared.base_url_env == ("ACME_URL", "ACME_API")


def test_help_lists_the_base_url_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()
    _write(tmp_path / "specs", SPEC["servers"])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "ACME_BUILDS_BASE_URL  (acme-builds: https://builds.example.com/v2)" in out


# --- 2. with_options ----------------------------------------------------------------------


def test_with_options_copies_and_leaves_the_original() -> None:
    recorder = Recorder(nf_answer())
    client = NorthflankClient(api_token="t", environ={}, transport=httpx.MockTransport(recorder))
    quick = client.with_options(timeout=1.5, max_retries=0)
    assert type(quick) is NorthflankClient and quick is not client
    assert quick._client is client._client  # one connection pool
    assert (quick.retry_policy.max_retries, client.retry_policy.max_retries) == (0, 2)
    assert isinstance(client.timeout, NotGiven)
    quick.start_job_build(project_id="p", job_id="j")
    quick.with_raw_response.start_job_build(project_id="p", job_id="j")
    client.start_job_build(project_id="p", job_id="j")
    timeouts = [r.extensions["timeout"] for r in recorder.requests]
    assert timeouts[0] == timeouts[1] == httpx.Timeout(1.5).as_dict()
    assert timeouts[2] == httpx.Timeout(30.0, connect=5.0).as_dict()  # the client's own
    quick.close()  # the copy does not own the pool
    client.start_job_build(project_id="p", job_id="j")
    assert len(recorder.requests) == 4


def test_a_call_timeout_still_wins_over_the_copy() -> None:
    recorder = Recorder(nf_answer())
    client = NorthflankClient(api_token="t", environ={}, transport=httpx.MockTransport(recorder))
    client.with_options(timeout=1.5).start_job_build(project_id="p", job_id="j", timeout=9)
    assert recorder.requests[0].extensions["timeout"] == httpx.Timeout(9).as_dict()


def test_with_options_max_retries_applies_to_the_copy_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_base_client.time, "sleep", lambda _s: None)
    limited = httpx.Response(429, json=CF_OK | {"success": False}, headers={"Retry-After": "0"})
    recorder = Recorder(limited, limited, httpx.Response(200, json=CF_OK))
    client = CloudflareWorkersBuildsClient(
        api_token="t", environ={}, transport=httpx.MockTransport(recorder)
    )
    with pytest.raises(errors.RateLimitError):
        client.with_options(max_retries=0).create_manual_build(
            account_id="acc", trigger_uuid=TRIGGER, branch="main"
        )
    assert len(recorder.requests) == 1
    client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
    assert len(recorder.requests) == 3  # the original still retries: 429, then 200


def test_async_with_options_shares_the_pool() -> None:
    recorder = Recorder(httpx.Response(200, json=CF_OK))

    async def go() -> tuple[Any, Any]:
        async with AsyncCloudflareWorkersBuildsClient(
            api_token="t", environ={}, transport=httpx.MockTransport(recorder)
        ) as client:
            copy = client.with_options(timeout=2, base_url="http://127.0.0.1:9/")
            await copy.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="m")
            await copy.close()
            await client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="m")
            return copy._client, client._client

    pools = asyncio.run(go())
    assert pools[0] is pools[1]
    assert recorder.urls[0] == "http://127.0.0.1:9" + CF_BUILD
    assert recorder.urls[1].startswith("https://api.cloudflare.com/client/v4/")
    assert recorder.requests[0].extensions["timeout"] == httpx.Timeout(2).as_dict()


# --- 3. snake_case attributes, wire names on the wire ------------------------------------


def test_snake_case_arguments_and_nested_fields_travel_by_wire_name() -> None:
    recorder = Recorder(
        nf_answer({"id": "b1", "pullRequestId": 7, "createdAt": "2021-07-28T15:55:38.296Z"})
    )
    client = NorthflankClient(api_token="t", environ={}, transport=httpx.MockTransport(recorder))
    overrides = nf_models.BuildOverrides(
        build_arguments={"A": "1"}, docker=nf_models.DockerOverrides(docker_file_path="/Dfile")
    )
    build = client.start_job_build(project_id="p", job_id="j", sha=SHA, overrides=overrides)
    client.start_job_build(
        project_id="p", job_id="j", overrides={"docker": {"docker_work_dir": "/src"}}
    )
    sent = [json.loads(r.content) for r in recorder.requests]
    assert sent == [
        {
            "sha": SHA,
            "overrides": {"buildArguments": {"A": "1"}, "docker": {"dockerFilePath": "/Dfile"}},
        },
        {"overrides": {"docker": {"dockerWorkDir": "/src"}}},
    ]
    assert build.pull_request_id == 7
    assert build.model_dump(mode="json")["pullRequestId"] == 7
    assert "pullRequestId" in build.model_dump_json() and "pull_request_id" not in str(
        build.model_dump()
    )


@pytest.mark.parametrize("name", ["dockerFilePath", "docker_file_path"])
def test_a_refusal_names_the_field_as_the_caller_wrote_it(name: str) -> None:
    recorder = Recorder(nf_answer())
    client = NorthflankClient(api_token="t", environ={}, transport=httpx.MockTransport(recorder))
    with pytest.raises(errors.RequestValidationError, match=f"/overrides/docker/{name}: "):
        client.start_job_build(project_id="p", job_id="j", overrides={"docker": {name: "rel"}})
    assert recorder.requests == []


def test_responses_are_read_by_wire_name_only() -> None:
    build = from_wire(nf_models.JobBuild, {"id": "b", "pull_request_id": 7})
    assert "pull_request_id" not in build.model_fields_set  # not the wire name: ignored
    by_user = nf_models.JobBuild(id="b", pull_request_id=7)  # users may write either name
    assert by_user == nf_models.JobBuild(id="b", pullRequestId=7)


# --- 4. date-time fields are aware datetimes ---------------------------------------------

JOB_BUILD_SCHEMA = load_api(Path(__file__).parents[2] / "specs" / "northflank.yaml").document.deref(
    {"$ref": "#/components/schemas/JobBuild"}
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_date_time_round_trips_through_the_wire(moment: datetime) -> None:
    build = nf_models.JobBuild(id="b", created_at=moment)
    wire = build.model_dump(mode="json")
    assert SchemaValidator(JOB_BUILD_SCHEMA).is_valid(wire)
    assert is_date_time(wire["createdAt"])
    again = from_wire(nf_models.JobBuild, wire)
    assert again.created_at == moment and again == build


def test_date_time_is_parsed_aware_and_judged_like_the_validator() -> None:
    build = from_wire(nf_models.JobBuild, {"id": "b", "createdAt": "2021-07-28T15:55:38.296Z"})
    assert build.created_at == datetime(2021, 7, 28, 15, 55, 38, 296000, tzinfo=UTC)
    for text in ("2021-07-28T15:55:38", "1627487738", "28/07/2021"):
        assert not is_date_time(text)
        assert not SchemaValidator(JOB_BUILD_SCHEMA).is_valid({"id": "b", "createdAt": text})
        with pytest.raises(ValueError):
            from_wire(nf_models.JobBuild, {"id": "b", "createdAt": text})


# --- 5. reprs ---------------------------------------------------------------------------


def test_reprs_leave_out_unset_fields_and_hide_secrets() -> None:
    build = nf_models.JobBuild(id="b", sha=SHA)
    assert repr(build) == f"JobBuild(id='b', sha='{SHA}')"
    assert str(build) == f"id='b' sha='{SHA}'"
    secret = nf_models.BuildFile(data="s3cr3t-file", encoding="utf-8")
    env = pages_models.SecretTextEnvVar(type="secret_text", value="s3cr3t-env")
    for shown in (repr(build), repr(secret), str(secret), repr(env), str(env)):
        assert "MISSING" not in shown and "s3cr3t" not in shown


@pytest.mark.parametrize(
    ("environ", "base_url", "named"),
    [
        ({"NORTHFLANK_BASE_URL": "api.northflank.com"}, None, "NORTHFLANK_BASE_URL"),
        ({"NORTHFLANK_BASE_URL": "ftp://user:pw-s3cr3t@h/"}, None, "NORTHFLANK_BASE_URL"),
        ({}, "https://", "base_url="),
    ],
)
def test_a_base_url_that_is_not_http_is_one_clear_error(
    environ: dict[str, str], base_url: str | None, named: str
) -> None:
    with pytest.raises(errors.InvalidBaseURLError, match=f"^{named}: not an absolute") as refused:
        NorthflankClient(api_token="t", base_url=base_url, environ=environ)
    assert "s3cr3t" not in str(refused.value)
    client = NorthflankClient(api_token="t", environ={})
    with pytest.raises(errors.InvalidBaseURLError):
        client.with_options(base_url="nowhere")


def test_a_password_in_the_base_url_stays_out_of_the_repr() -> None:
    env = {"NORTHFLANK_BASE_URL": "https://me:pw-s3cr3t@proxy.example.com/nf"}
    client = NorthflankClient(api_token="t", environ=env)
    assert repr(client) == "<NorthflankClient base_url='https://***@proxy.example.com/nf'>"


def _member_paths(value: Any, at: str = "") -> set[str]:
    """The JSON pointer of every object member in ``value``."""
    if isinstance(value, dict):
        return {f"{at}/{k}" for k in value} | {
            p for k, v in value.items() for p in _member_paths(v, f"{at}/{k}")
        }
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _member_paths(v, f"{at}/{i}")}
    return set()


@pytest.mark.parametrize("case", _CASES, ids=lambda c: f"{c.operation_id}:{c.example.name}")
def test_every_spec_example_keeps_its_wire_names_through_the_models(case: ExampleCase) -> None:
    if _DEFECTS.find(f"{case.api}.yaml", case.example.pointer) is not None:
        pytest.skip("a listed doc defect")
    model = _model_for(case)
    parsed = from_wire(model, case.example.value)
    dumped = parsed.model_dump(mode="json", exclude_unset=True)  # no by_alias: the default
    assert _member_paths(dumped) == _member_paths(case.example.value)
    assert from_wire(model, dumped) == parsed


def test_a_timeout_given_with_an_http_client_applies_to_each_request() -> None:
    recorder = Recorder(nf_answer())
    with httpx.Client(transport=httpx.MockTransport(recorder), timeout=60) as http:
        NorthflankClient(api_token="t", environ={}, http_client=http).start_job_build(
            project_id="p", job_id="j"
        )
        NorthflankClient(api_token="t", environ={}, http_client=http, timeout=4).start_job_build(
            project_id="p", job_id="j"
        )
    timeouts = [r.extensions["timeout"] for r in recorder.requests]
    assert timeouts == [httpx.Timeout(60).as_dict(), httpx.Timeout(4).as_dict()]
