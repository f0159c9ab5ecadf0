"""`triggerspec fuzz`: targets, safety on real endpoints, shards, reports, exit codes."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT
from triggerspec.cli import main
from triggerspec.contract.runner import mask, plan
from triggerspec.contract.safety import Safety, is_loopback
from triggerspec.errors import UsageError
from triggerspec.fuzz_command import build_config, select_apis
from triggerspec.mock import LiveMock, MockSettings, create_app, load_apis
from triggerspec.project import Project

PROJECT = Project.from_root(ROOT)


def _args(**overrides: object) -> argparse.Namespace:
    base: dict[str, object] = dict(
        base_url=None,
        allow_side_effects=False,
        max_requests=None,
        max_examples=5,
        max_time=None,
        seed=1,
    )
    base.update(overrides)
    return argparse.Namespace(**base)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.9.9.9", True),
        ("http://[::1]:80/x", True),
        ("http://localhost:1", True),
        ("https://api.cloudflare.com/client/v4", False),
        ("http://10.0.0.1", False),
        ("http://192.168.1.1", False),
        ("http://127.0.0.1.example", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_real_endpoint_gets_only_negative_cases_for_side_effects() -> None:
    apis = select_apis(PROJECT, [])
    tasks = plan(apis, Safety(loopback=False))
    by_op: dict[str, set[str]] = {}
    for task in tasks:
        by_op.setdefault(task.operation_id, set()).add(task.mode)
    effects = {op.operation_id: op.side_effects for api in apis for op in api.operations}
    assert set(by_op) == set(effects)
    assert any(e != "none" for e in effects.values())
    for op_id, modes in by_op.items():
        assert modes == ({"negative"} if effects[op_id] != "none" else {"positive", "negative"})
    allowed = plan(apis, Safety(loopback=False, allow_side_effects=True, max_requests=10))
    assert {t.mode for t in allowed} == {"positive", "negative"}


def test_side_effects_on_a_real_endpoint_need_a_budget() -> None:
    with pytest.raises(UsageError, match="--max-requests"):
        Safety(loopback=False, allow_side_effects=True)


def test_real_endpoint_needs_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "NORTHFLANK_API_TOKEN",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL",
        "CLOUDFLARE_API_KEY",
        "SOURCECRAFT_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    apis = select_apis(PROJECT, [str(ROOT / "specs" / "northflank.yaml")])
    with pytest.raises(UsageError, match="set NORTHFLANK_API_TOKEN"):
        build_config(PROJECT, apis, _args(base_url="https://api.northflank.com"))
    monkeypatch.setenv("NORTHFLANK_API_TOKEN", "nf-secret-token")
    config = build_config(PROJECT, apis, _args(base_url="https://api.northflank.com"))
    assert config.auth_headers["northflank"] == {"Authorization": "Bearer nf-secret-token"}
    assert config.base_urls["northflank"] == "https://api.northflank.com"


def test_base_url_without_a_path_gets_the_vendor_base_path() -> None:
    apis = select_apis(PROJECT, [])
    config = build_config(PROJECT, apis, _args(base_url="http://127.0.0.1:9"))
    assert config.base_urls["cloudflare-pages"] == "http://127.0.0.1:9/client/v4"
    assert config.base_urls["northflank"] == "http://127.0.0.1:9"
    config = build_config(PROJECT, apis, _args(base_url="http://127.0.0.1:9/prefix/v4"))
    assert config.base_urls["northflank"] == "http://127.0.0.1:9/prefix/v4"


def test_mask_hides_credentials() -> None:
    secrets = {"Authorization": "Bearer tok-123456", "X-Auth-Key": "k-abcdef"}
    text = "curl -H 'Authorization: Bearer tok-123456' -H 'X-Auth-Key: k-abcdef' tok-123456"
    masked = mask(text, secrets)
    assert "tok-123456" not in masked and "k-abcdef" not in masked


def test_fuzz_embedded_mock_passes_and_writes_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "junit.xml"
    code = main(
        ["--root", str(ROOT), "fuzz", "--max-examples", "5", "--seed", "3", "--report", str(report)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    suite = ET.parse(report).getroot()
    cases = suite.findall("testcase")
    operations = sum(len(api.operations) for api in select_apis(PROJECT, []))
    assert len(cases) == 2 * operations and suite.get("failures") == "0"
    assert {c.get("classname") for c in cases} >= {"createDeployment", "startJobBuild"}
    assert "createDeployment       positive" in out


def test_shards_split_the_work(capsys: pytest.CaptureFixture[str]) -> None:
    seen = []
    for shard in ("1/2", "2/2"):
        assert (
            main(
                [
                    "--root",
                    str(ROOT),
                    "fuzz",
                    "--max-examples",
                    "2",
                    "--shard",
                    shard,
                    "--mode",
                    "negative",
                ]
            )
            == 0
        )
        rows = [
            line.split()[0]
            for line in capsys.readouterr().out.splitlines()
            if line.strip().endswith(("x1", "x2")) or " negative " in line
        ]
        seen.append(set(rows))
    assert seen[0] and seen[1] and not seen[0] & seen[1]
    assert seen[0] | seen[1] == {
        op.operation_id for api in select_apis(PROJECT, []) for op in api.operations
    }


def test_unknown_operation_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "fuzz", "--operation", "noSuchThing"]) == 2
    assert "noSuchThing" in capsys.readouterr().err


def test_bad_shard_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--root", str(ROOT), "fuzz", "--shard", "3/2"])
    assert exited.value.code == 2


def test_fuzz_a_live_server_over_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(load_apis(PROJECT), MockSettings(seed=5))
    with LiveMock(app) as live:
        code = main(
            [
                "--root",
                str(ROOT),
                "fuzz",
                "--base-url",
                live.base_url("northflank"),
                "--spec",
                str(ROOT / "specs" / "northflank.yaml"),
                "--max-examples",
                "5",
            ]
        )
    assert code == 0, capsys.readouterr().out


def test_real_endpoint_never_receives_a_valid_request_for_a_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a recording transport in place of the network, nothing valid reaches a build."""
    from dataclasses import replace

    import requests

    from triggerspec.contract.request_check import form_fields, request_problems
    from triggerspec.contract.runner import run, sent_path_parameters
    from triggerspec.mock.requests_adapter import MockAdapter

    # Every API whose credentials come from the environment, and the builds it starts.
    apis = [
        api
        for api in select_apis(PROJECT, [])
        if all(s.env for s in api.schemes.values())
        and any(op.side_effects != "none" for op in api.operations)
    ]
    assert apis
    for api in apis:
        for scheme in api.schemes.values():
            monkeypatch.setenv(scheme.env[0], f"{scheme.name}-real-looking-credential")
    config = build_config(PROJECT, apis, _args(base_url="https://api.example.com", max_examples=15))
    recorded: list[requests.PreparedRequest] = []
    app = create_app(load_apis(PROJECT), MockSettings(seed=2))

    class Recording(MockAdapter):
        def send(
            self, request: requests.PreparedRequest, *args: object, **kwargs: object
        ) -> requests.Response:
            recorded.append(request)
            return super().send(request, *args, **kwargs)  # type: ignore[arg-type]

    def session() -> requests.Session:
        s = requests.Session()
        s.mount("https://", Recording(app))
        s.mount("http://", Recording(app))
        return s

    config = replace(config, session_factory=session)
    tasks = [t for t in plan(apis, config.safety) if t.side_effects != "none"]
    result = run(tasks, config)
    assert {r.task.mode for r in result.results} == {"negative"}
    assert recorded, "negative cases were sent"
    for request in recorded:
        assert request.url and request.url.startswith("https://api.example.com/")
        matches = [
            (api, op, params)
            for api in apis
            for op in api.operations
            if op.side_effects != "none"
            and op.method == request.method
            and (params := sent_path_parameters(op, config.base_urls[api.name], request.url))
            is not None
        ]
        if not matches:
            continue  # a URL no operation has: refused whoever receives it
        api, op, params = matches[0]
        raw = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        content_type = request.headers.get("content-type", "")
        if "multipart" in content_type:
            body: object = form_fields(content_type, raw)
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                continue  # not even JSON: certainly refused
        problems = request_problems(api, op, params, body, bool(raw))
        assert problems, f"a valid request reached {op.operation_id}: {raw[:200]!r}"


def test_junit_report_names_the_failure_and_holds_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from triggerspec.mock import Scenario

    secret = "nf-token-5f1c9b7e2d"
    monkeypatch.setenv("NORTHFLANK_API_TOKEN", secret)
    app = create_app(
        load_apis(PROJECT), MockSettings(seed=4, scenarios=(Scenario("startJobBuild", status=500),))
    )
    report = tmp_path / "junit.xml"
    with LiveMock(app) as live:
        code = main(
            [
                "--root",
                str(ROOT),
                "fuzz",
                "--base-url",
                live.base_url("northflank"),
                "--spec",
                str(ROOT / "specs" / "northflank.yaml"),
                "--mode",
                "positive",
                "--max-examples",
                "3",
                "--report",
                str(report),
            ]
        )
    out = capsys.readouterr()
    assert code == 1
    text = report.read_text()
    suite = ET.fromstring(text)
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("type") == "not_a_server_error"
    assert "curl" in (failure.text or "")
    assert secret not in text and secret not in out.out and secret not in out.err
    assert "FAILED startJobBuild [positive]: not_a_server_error" in out.out


def test_negative_run_breaks_each_documented_rule_explicitly() -> None:
    """Every rule the contract model states is sent broken, not left to chance."""
    from triggerspec.contract.runner import run_task

    app = create_app(load_apis(PROJECT), MockSettings(seed=6))
    apis = select_apis(PROJECT, [str(ROOT / "specs" / "northflank.yaml")])
    config = build_config(PROJECT, apis, _args(max_examples=1))
    from dataclasses import replace

    from triggerspec.mock.requests_adapter import mock_session

    config = replace(config, session_factory=lambda: mock_session(app), broken_per_rule=1)
    task = next(t for t in plan(apis, config.safety) if t.mode == "negative")
    result = run_task(task, config)
    assert not result.failures and result.error is None
    shas = [
        e.body.get("sha") for e in app.journal.entries("startJobBuild") if isinstance(e.body, dict)
    ]
    assert any(isinstance(s, str) and len(s) == 39 for s in shas), shas
    assert any(isinstance(s, str) and len(s) == 41 for s in shas), shas


def test_reports_mask_sensitive_body_fields() -> None:
    """A secret build file (x-sensitive in the spec) never shows in a curl line or message."""
    from triggerspec.contract.wire import body_secrets as _body_secrets

    api = next(a for a in select_apis(PROJECT, []) if a.name == "northflank")
    op = api.operations[0]
    body = {
        "sha": "a" * 40,
        "overrides": {
            "buildFiles": {"/etc/app.env": {"data": "QVBJX0tFWT1zM2NyM3Q=", "encoding": "utf-8"}}
        },
    }
    secrets = _body_secrets(api, op, body)
    assert list(secrets.values()) == ["QVBJX0tFWT1zM2NyM3Q="]
    curl = f"curl -d '{json.dumps(body)}' http://mock.invalid/v1/projects/p/jobs/j/build"
    assert "QVBJX0tFWT1zM2NyM3Q=" not in mask(curl, secrets)
    assert "/etc/app.env" in mask(curl, secrets)


def test_har_report_records_every_exchange_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "nf-har-token-0c9a7e"
    monkeypatch.setenv("NORTHFLANK_API_TOKEN", secret)
    har = tmp_path / "run.har"
    code = main(
        [
            "--root",
            str(ROOT),
            "fuzz",
            "--spec",
            str(ROOT / "specs" / "northflank.yaml"),
            "--max-examples",
            "30",
            "--seed",
            "2",
            "--har",
            str(har),
        ]
    )
    assert code == 0, capsys.readouterr().out
    text = har.read_text()
    log = json.loads(text)["log"]
    assert log["version"] == "1.2" and len(log["entries"]) >= 60
    assert secret not in text
    auth = [
        h["value"]
        for e in log["entries"]
        for h in e["request"]["headers"]
        if h["name"].lower() == "authorization"
    ]
    assert auth
    assert [value for value in auth if value != "Bearer ***"] == []
    files = [
        f.get("data")
        for e in log["entries"]
        if "postData" in e["request"]
        for body in [_maybe_json(e["request"]["postData"]["text"])]
        if isinstance(body, dict)
        and isinstance(body.get("overrides"), dict)
        and isinstance(body["overrides"].get("buildFiles"), dict)
        for f in body["overrides"]["buildFiles"].values()
        if isinstance(f, dict) and isinstance(f.get("data"), str)
    ]
    assert files
    assert [value for value in files if value != "***"] == []


def _maybe_json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def test_a_task_past_its_deadline_stops_drawing_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once max-time has passed, the task ends at its next case: Hypothesis does not go on
    drawing the rest of ``--max-examples`` only for them to be dropped."""
    import time
    from dataclasses import replace

    from triggerspec.contract import execute
    from triggerspec.contract.runner import run_task
    from triggerspec.mock.requests_adapter import mock_session

    app = create_app(load_apis(PROJECT), MockSettings(seed=6))
    apis = select_apis(PROJECT, [str(ROOT / "specs" / "northflank.yaml")])
    config = build_config(PROJECT, apis, _args(max_examples=500))
    config = replace(config, session_factory=lambda: mock_session(app), deadline=time.time() - 1)
    seen: list[object] = []
    exercise = execute._TaskRun.exercise

    def counting(self: execute._TaskRun, case: object) -> None:
        seen.append(case)
        exercise(self, case)

    monkeypatch.setattr(execute._TaskRun, "exercise", counting)
    task = next(t for t in plan(apis, config.safety) if t.mode == "positive")
    result = run_task(task, config)
    assert result.stopped == "max-time reached" and result.cases == 0
    assert 1 <= len(seen) <= 2, len(seen)  # the case that found the deadline, and its report
    assert not app.journal.entries("startJobBuild")


def test_tasks_a_past_deadline_never_started_are_listed() -> None:
    """A run whose max-time is up lists every task it did not start, not only those it ran."""
    import time
    from dataclasses import replace

    from triggerspec.contract.runner import run
    from triggerspec.mock.requests_adapter import mock_session

    app = create_app(load_apis(PROJECT), MockSettings(seed=6))
    apis = select_apis(PROJECT, [str(ROOT / "specs" / "northflank.yaml")])
    config = build_config(PROJECT, apis, _args(max_examples=5))
    config = replace(config, session_factory=lambda: mock_session(app), deadline=time.time() - 1)
    tasks = plan(apis, config.safety)
    assert len(tasks) > 1
    result = run(tasks, config, workers=1)
    assert [r.task for r in result.results] == tasks
    assert result.results[0].stopped == "max-time reached"
    assert {r.stopped for r in result.results[1:]} == {"not started: max-time reached"}
    assert all(r.cases == 0 for r in result.results)


NOTHING_INVALID: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {"title": "Lookups", "version": "1"},
    "servers": [{"url": "https://lookups.example.test"}],
    "paths": {
        "/names/{name}": {
            "get": {
                "operationId": "getName",
                "summary": "Read a name",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "the name",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object"},
                                "example": {"name": "a"},
                            }
                        },
                    },
                    "404": {"description": "no such name"},
                },
            }
        }
    },
}


def test_an_operation_nothing_can_break_is_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Negative mode on an operation Schemathesis can make no invalid request for (one
    unconstrained string in the path, no body) says so; the run is not an error, and the
    mock refuses the empty path segment with the documented 404."""
    from tests.corpus.runner import make_project
    from triggerspec.contract.execute import NOTHING_TO_BREAK

    specs = tmp_path / "in"
    specs.mkdir()
    (specs / "lookups.json").write_text(json.dumps(NOTHING_INVALID))
    root = make_project(tmp_path / "project", specs).root
    out = tmp_path / "run.json"
    args = ["--root", str(root), "fuzz", "--mode", "negative", "--max-examples", "5"]
    code = main([*args, "--seed", "1", "--json", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    (task,) = json.loads(out.read_text())["tasks"]
    assert task["error"] is None and task["failures"] == []
    assert task["stopped"] == NOTHING_TO_BREAK
    assert set(task["statuses"]) <= {"404"}
    assert NOTHING_TO_BREAK in printed.err
