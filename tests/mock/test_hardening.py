"""The mock as a shared CI service: bounded memory, no 5xx from any input, a guarded control
endpoint, and connection limits that cut off slow and idle clients."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.mock.helpers import AUTH, DEPLOY_PATH, JOB_PATH, SHA, assert_documented, error_text
from triggerspec.mock.app import MockApp, create_app
from triggerspec.mock.control import TOKEN_HEADER
from triggerspec.mock.exchange import MockRequest
from triggerspec.mock.handles import InProcessMock
from triggerspec.mock.journal import Journal, JournalEntry, body_text
from triggerspec.mock.server import Limits, LiveMock
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.state import Bounded
from triggerspec.spec.model import Api

JSON = {**AUTH, "content-type": "application/json"}
RUNS_PATH = "/repos/my-org/my-repo/cicd/runs"


def _client(mock: InProcessMock) -> httpx.Client:
    return httpx.Client(transport=mock.transport, base_url=mock.origin)


# -- no 5xx from any input ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 980, 5000])
def test_deep_nesting_is_a_400_in_the_vendor_envelope(
    mock_server: InProcessMock, depth: int
) -> None:
    body = b'{"sha": "' + SHA.encode() + b'", "overrides": ' + b"[" * depth + b"]" * depth + b"}"
    response = _client(mock_server).post(JOB_PATH, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    message = error_text(assert_documented(mock_server.app, response, "startJobBuild"))
    assert "nests deeper than 64 levels" in message
    assert mock_server.app.failures == 0


def test_brackets_inside_strings_do_not_count_as_depth(mock_server: InProcessMock) -> None:
    body = json.dumps({"sha": SHA, "note": "[" * 500 + '\\"' + "{" * 500}).encode()
    response = _client(mock_server).post(JOB_PATH, content=body, headers=JSON)
    assert "nests deeper" not in response.text


def test_an_unpaired_surrogate_is_refused_with_the_rule(mock_server: InProcessMock) -> None:
    body = b'{"sha": "' + SHA.encode() + b'", "\\ud800": "x"}'
    response = _client(mock_server).post(JOB_PATH, content=body, headers=JSON)
    assert response.status_code == 400
    assert "unpaired surrogate" in error_text(response.json())
    paired = '{"sha": "' + SHA + '", "\\ud83d\\ude00": "x"}'
    assert "unpaired" not in _client(mock_server).post(JOB_PATH, content=paired, headers=JSON).text


def test_a_json_body_over_the_limit_is_413(mock_server: InProcessMock) -> None:
    body = b'{"sha": "' + SHA.encode() + b'", "x": "' + b"a" * (1024 * 1024) + b'"}'
    response = _client(mock_server).post(JOB_PATH, content=body, headers=JSON)
    assert response.status_code == 413
    assert "over the limit of 1048576" in error_text(response.json())


def test_a_bug_in_the_mock_is_an_enveloped_500_logged_and_counted(
    mock_server: InProcessMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = mock_server.app

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.journal, "record", broken)  # fails after the answer was made
    response = _client(mock_server).post(JOB_PATH, json={"sha": SHA}, headers=AUTH)
    assert response.status_code == 200
    monkeypatch.setattr(app, "_answer", broken)
    response = _client(mock_server).post(JOB_PATH, json={"sha": SHA}, headers=AUTH)
    assert response.status_code == 500
    assert "the mock failed" in error_text(assert_documented(app, response, "startJobBuild"))
    assert app.failures == 3  # the first journal entry, the answer, the second entry
    assert "boom" in caplog.text


def test_an_exception_never_escapes_the_asgi_app(
    live_app: MockApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(live_app, "_handle", broken)  # even the catch-all inside fails
    with LiveMock(live_app) as live:
        response = httpx.post(live.origin + JOB_PATH, json={"sha": SHA}, headers=AUTH, timeout=5)
    assert response.status_code == 500
    assert "the mock failed" in response.text
    assert live_app.failures >= 1


# -- bounded memory -------------------------------------------------------------------------


def test_the_journal_caps_each_body_and_notes_its_size(mock_server: InProcessMock) -> None:
    big = "x" * (20 * 1024 * 1024)
    files = {"manifest": (None, "{}"), "branch": (None, big)}
    _client(mock_server).post(DEPLOY_PATH, files=files, headers=AUTH)
    entry = mock_server.journal[-1]
    assert len(entry.body_json) <= 64 * 1024 + 100
    body = entry.body
    assert body["truncated"] is True
    assert body["size"] > 20 * 1024 * 1024
    small = {"sha": SHA}
    _client(mock_server).post(JOB_PATH, json=small, headers=AUTH)
    assert mock_server.journal[-1].body == small


def test_the_journal_keeps_a_byte_budget_and_counts_evictions() -> None:
    journal = Journal(limit=1000, budget=50_000)
    for n in range(100):
        journal.record(JournalEntry(n, "t", "POST", "/p", "", {}, body_text("y" * 4000, 4000), 200))
    assert journal.bytes <= 50_000
    assert 0 < len(journal) < 100
    assert journal.evicted == 100 - len(journal)
    assert journal[-1].seq == 99
    journal.clear()
    assert journal.bytes == 0


def test_state_stores_are_bounded_and_count_evictions(triggerspec_apis: list[Api]) -> None:
    app = create_app(triggerspec_apis, MockSettings(seed=1, state_limit=5))
    client = httpx.Client(transport=InProcessMock(app).transport, base_url="http://mock.invalid")
    for n in range(12):
        response = client.post(
            f"/repos/org/repo-{n}/cicd/runs", json={}, headers={"Authorization": "Bearer t"}
        )
        assert response.status_code == 200, response.text
    kinds = [records for records in vars(app.state).values() if isinstance(records, Bounded)]
    assert kinds and all(len(records) <= 5 for records in kinds)
    assert sum(app.state.evictions().values()) >= 7
    bounded: Bounded[int, int] = Bounded(3)
    for n in range(10):
        bounded.setdefault(n, n)
    assert list(bounded) == [7, 8, 9] and bounded.evicted == 7


def test_remembered_records_are_bounded_in_bytes(triggerspec_apis: list[Api]) -> None:
    """A count bound alone would keep 10,000 huge records: each is also charged its request's
    size, and the oldest are forgotten past the byte budget (counted)."""
    budget = 2 * 1024 * 1024
    app = create_app(triggerspec_apis, MockSettings(seed=1, state_budget=budget))
    client = httpx.Client(transport=InProcessMock(app).transport, base_url="http://mock.invalid")
    big = "x" * (900 * 1024)
    for n in range(8):
        response = client.post(
            f"/repos/org/repo-{n}/cicd/runs",
            json={"note": big},
            headers={"Authorization": "Bearer t"},
        )
        assert response.status_code == 200, response.text
    kept = sum(len(records) for records in app.state.resources.values())
    assert app.state.ledger.bytes <= budget
    assert 1 <= kept <= 2
    assert app.state.evictions()["bytes"] >= 6
    app.reset()
    assert app.state.ledger.bytes == 0


# -- the control endpoint -------------------------------------------------------------------


@pytest.fixture
def live_app(triggerspec_apis: list[Api]) -> MockApp:
    return create_app(triggerspec_apis, MockSettings(seed=1, control_token="s3cret"))


@pytest.fixture
def live(live_app: MockApp) -> Iterator[LiveMock]:
    with LiveMock(live_app, limits=Limits(keep_alive_s=1, head_timeout_s=1)) as mock:
        yield mock


def test_control_over_a_socket_needs_the_token(live: LiveMock) -> None:
    url = live.origin + "/__triggerspec/reset"
    assert httpx.post(url).status_code == 401
    assert httpx.post(url, headers={TOKEN_HEADER: "wrong"}).status_code == 401
    assert httpx.post(url, headers=live.control_headers).status_code == 200
    assert httpx.get(live.origin + "/__triggerspec/health").status_code == 200


def test_control_refuses_foreign_hosts_origins_and_non_json(live: LiveMock) -> None:
    token = live.control_headers
    url = live.origin + "/__triggerspec/scenarios"
    rebound = httpx.post(url, json={"status": 500}, headers={**token, "Host": "evil.example"})
    assert rebound.status_code == 403
    cross = httpx.post(url, json={"status": 500}, headers={**token, "Origin": "https://evil.test"})
    assert cross.status_code == 403
    plain = httpx.post(
        url, content=b'{"status": 500}', headers={**token, "Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    same = httpx.post(url, json={"status": 500}, headers={**token, "Origin": live.origin})
    assert same.status_code == 201
    assert live.app.scenarios.list()


@pytest.mark.parametrize("bad", [1e12, float("inf"), -1, "1", True, 366 * 86_400 + 1])
def test_clock_advance_is_bounded(mock_server: InProcessMock, bad: object) -> None:
    client = _client(mock_server)
    payload = json.dumps({"advance_s": bad}).encode()
    response = client.post(
        "/__triggerspec/clock", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _client(mock_server).post(JOB_PATH, json={"sha": SHA}, headers=AUTH).status_code == 200


def test_the_clock_has_a_total_bound(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    codes = [
        client.post("/__triggerspec/clock", json={"advance_s": 366 * 86_400}).status_code
        for _ in range(101)
    ]
    assert codes[:100] == [200] * 100 and codes[100] == 400
    assert client.post(JOB_PATH, json={"sha": SHA}, headers=AUTH).status_code == 200


def test_control_can_be_switched_off(triggerspec_apis: list[Api]) -> None:
    app = create_app(triggerspec_apis, MockSettings(control=False))
    with LiveMock(app) as live:
        answer = httpx.get(live.origin + "/__triggerspec/journal", headers=live.control_headers)
        assert answer.status_code == 404
    assert app.handle(MockRequest("GET", "/__triggerspec/journal")).status == 200


# -- connection limits ----------------------------------------------------------------------


def test_idle_and_trickling_connections_are_cut_off(live: LiveMock) -> None:
    idle = socket.create_connection(("127.0.0.1", live.port), timeout=5)
    trickle = socket.create_connection(("127.0.0.1", live.port), timeout=5)
    trickle.sendall(b"POST " + JOB_PATH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    closed = {"idle": False, "trickle": False}
    while time.monotonic() - started < 4 and not all(closed.values()):
        try:
            trickle.sendall(b"X-Slow: 1\r\n")
        except OSError:
            closed["trickle"] = True
        for name, sock in (("idle", idle), ("trickle", trickle)):
            sock.settimeout(0.2)
            try:
                if sock.recv(1024) == b"":
                    closed[name] = True
            except TimeoutError:
                pass
            except OSError:
                closed[name] = True
    idle.close()
    trickle.close()
    assert closed == {"idle": True, "trickle": True}
    assert time.monotonic() - started < 4
    response = httpx.post(live.origin + JOB_PATH, json={"sha": SHA}, headers=AUTH, timeout=5)
    assert response.status_code == 200


def test_an_oversized_request_head_is_refused(live: LiveMock) -> None:
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for _ in range(80):
                sock.sendall(b"X-Big: " + b"a" * 1000 + b"\r\n")
        except OSError:
            pass
        answer = sock.recv(1024)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")


def test_the_access_log_masks_credentials_in_the_query() -> None:
    import logging

    from triggerspec.mock.server import MaskedAccessLog

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/v1/x?token=s3cret&a=1", "1.1", 200),
        None,
    )
    assert MaskedAccessLog().filter(record)
    line = record.getMessage()
    assert "s3cret" not in line and "token=***" in line and "a=1" in line


def test_the_cli_turns_control_off_on_a_non_loopback_address() -> None:
    import argparse

    from triggerspec.mock.cli import add_arguments, settings_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert settings_from_args(parser.parse_args([])).control is True
    public = settings_from_args(parser.parse_args(["--host", "0.0.0.0"]))
    assert public.control is False
    forced = settings_from_args(parser.parse_args(["--host", "10.1.2.3", "--control"]))
    assert forced.control is True and forced.control_hosts == frozenset({"10.1.2.3"})
