"""Inputs that take the usual mock down get a prompt 4xx here, and the server stays up.

Measured with Prism 5.16: it never answers a JSON body that does not parse (``{bad``, a
lone NUL byte), and its process dies on a non-Latin-1 property name where
``additionalProperties: false`` applies (Northflank's StartJobBuildPlain) and on multipart
field names containing ``%zz`` or ``;``. Each is a regression test here, in-process and
against a real uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.mock.helpers import (
    AUTH,
    DEPLOY_PATH,
    JOB_PATH,
    assert_documented,
    documented_schema,
    error_text,
)
from triggerspec.mock.app import create_app
from triggerspec.mock.handles import InProcessMock, MockHandle
from triggerspec.mock.server import LiveMock
from triggerspec.mock.settings import MockSettings
from triggerspec.spec.model import Api
from triggerspec.spec.validate import violations

ROOT = Path(__file__).resolve().parents[2]
JSON = {**AUTH, "content-type": "application/json"}
BOUNDARY = "triggerspec-boundary"


def multipart(*parts: tuple[str, bytes]) -> bytes:
    """A multipart body from raw Content-Disposition parameter strings and values."""
    out = b""
    for disposition, value in parts:
        out += f"--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode()
        out += value + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


FORM = {**AUTH, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def _form(*parts: tuple[str, bytes]) -> tuple[str, dict[str, str], bytes]:
    return DEPLOY_PATH, FORM, multipart(*parts)


Case = tuple[str, dict[str, str], bytes, int, str]
BAD_DIRTY = ('name="commit_dirty"', b"no")

# (path, headers, body, status, text in the error); every one crashed or hung Prism 5.16
PRISM_KILLERS: list[Case] = [
    (JOB_PATH, JSON, b"{bad", 400, "not valid JSON"),
    (JOB_PATH, JSON, b"\x00", 400, "not valid JSON"),
    (JOB_PATH, JSON, '{"sha": "short", "名前": 1}'.encode(), 400, "/sha"),
    (JOB_PATH, JSON, '{"sha": 1, "\U0001f600": 1}'.encode(), 400, "/sha"),
    (*_form(('name="a%zz"', b"x"), BAD_DIRTY), 400, "/commit_dirty"),
    (*_form(('name="a;b"', b"x"), BAD_DIRTY), 400, "/commit_dirty"),
    (*_form(("name=a;b", b"x"), BAD_DIRTY), 400, "/commit_dirty"),
    (*_form(('name="a%zz"', b"x")), 400, "('a%zz' was unexpected) (additionalProperties)"),
    (*_form(('name="a;b"', b"x")), 400, "('a;b' was unexpected) (additionalProperties)"),
    (*_form(('name="%zz"; filename="%zz"', b"x")), 400, "('%zz' was unexpected)"),
    (*_form(("name*=utf-8''%zz", b"x")), 400, "no name"),
    (*_form(('name="a%zz"; filename="%zz;"', b"x"), ('name="_worker.js"', b"y")), 400, "file part"),
]

# A carriage return inside a part header: python-multipart refuses it and logs a warning,
# which must not reach stderr (a fuzz run would print one per case).
CR_IN_PART_HEADER: Case = (
    *_form(('name="branch"\r\nX-Odd\r: 1', b"main")),
    400,
    "Found invalid character 13",
)
PRISM_KILLERS.append(CR_IN_PART_HEADER)

# The same oddities where the spec allows them are answered normally.
ACCEPTED: list[tuple[str, dict[str, str], bytes]] = [
    (JOB_PATH, JSON, '{"名前": "x"}'.encode()),  # the open WithOverrides shape takes it
    _form(('name="_headers"; filename="%zz;"', b"x"), ('name="branch"', b"a%zz;b")),
    _form(('name="_redirects"; filename="a;b%zz"', b"/a /b\n")),
]


def _check_refusal(
    mock: MockHandle, client: httpx.Client, case: tuple[str, dict[str, str], bytes, int, str]
) -> None:
    path, headers, body, status, text = case
    started = time.monotonic()
    response = client.post(path, content=body, headers=headers)
    assert time.monotonic() - started < 2
    assert response.status_code == status, response.text
    api = "northflank" if path == JOB_PATH else "cloudflare-pages"
    assert text in error_text(assert_documented(mock.app, response, api=api))


@pytest.mark.parametrize("case", PRISM_KILLERS, ids=range(len(PRISM_KILLERS)))
def test_prism_killers_are_refused_in_process(mock_server: InProcessMock, case: Case) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    _check_refusal(mock_server, client, case)


@pytest.mark.parametrize("case", ACCEPTED, ids=range(len(ACCEPTED)))
def test_odd_but_valid_requests_are_answered(
    mock_server: InProcessMock, case: tuple[str, dict[str, str], bytes]
) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    path, headers, body = case
    assert client.post(path, content=body, headers=headers).status_code == 200


def test_parser_warnings_stay_out_of_the_logs(
    mock_server: InProcessMock, caplog: pytest.LogCaptureFixture
) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    caplog.set_level(logging.DEBUG)
    _check_refusal(mock_server, client, CR_IN_PART_HEADER)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("python_multipart")] == []


def test_odd_field_names_are_journaled_literally(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    body = multipart(('name="a%zz"', b"x"), ('name="a;b"', b"y"))
    assert client.post(DEPLOY_PATH, content=body, headers=FORM).status_code == 400
    assert mock_server.journal[-1].body == {"a%zz": "x", "a;b": "y"}


@pytest.fixture(scope="module")
def live(triggerspec_apis: list[Api]) -> Iterator[LiveMock]:
    app = create_app(triggerspec_apis, MockSettings(seed=1, body_timeout_s=0.3))
    with LiveMock(app) as mock:
        yield mock


def _alive(mock: LiveMock) -> None:
    assert httpx.get(mock.origin + "/__triggerspec/health", timeout=2).status_code == 200


def test_prism_killers_are_refused_by_uvicorn_and_it_stays_up(live: LiveMock) -> None:
    with httpx.Client(base_url=live.origin, timeout=5) as client:
        for case in PRISM_KILLERS:
            _check_refusal(live, client, case)
            _alive(live)
        for path, headers, body in ACCEPTED:
            assert client.post(path, content=body, headers=headers).status_code == 200


def _raw(port: int, data: bytes, timeout: float = 3.0) -> bytes:
    """Send raw bytes; return what the server answers before closing (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks += chunk
            head, sep, body = chunks.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
        return chunks


def _request(path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _assert_documented_raw(live: LiveMock, answer: bytes, status: int) -> str:
    """The error text of a raw Northflank answer, after checking its documented shape."""
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    schema = documented_schema(live.app, status, "startJobBuild", "northflank")
    assert violations(schema, body) == []
    return error_text(body)


def test_a_declared_huge_body_is_refused_before_it_is_sent(live: LiveMock) -> None:
    started = time.monotonic()
    answer = _raw(live.port, _request(JOB_PATH, {**JSON, "Content-Length": "100000000000"}))
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - started < 2
    _assert_documented_raw(live, answer, 413)
    _alive(live)


def test_a_stalled_body_times_out_with_408(live: LiveMock) -> None:
    started = time.monotonic()
    answer = _raw(live.port, _request(JOB_PATH, {**JSON, "Content-Length": "50"}, b'{"sha'))
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 2
    assert "did not arrive within 0.3 s" in _assert_documented_raw(live, answer, 408)
    _alive(live)


@pytest.fixture
def patient(triggerspec_apis: list[Api]) -> Iterator[LiveMock]:
    """A live mock whose body deadline cannot fire first (only the size cap is at stake)."""
    app = create_app(triggerspec_apis, MockSettings(seed=1, body_timeout_s=60))
    with LiveMock(app) as mock:
        yield mock


def test_a_streamed_body_over_the_cap_is_cut_off(patient: LiveMock) -> None:
    live = patient

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * (1024 * 1024)

    with httpx.Client(timeout=10) as client:
        try:
            response = client.post(live.origin + JOB_PATH, content=chunks(), headers=JSON)
        except httpx.TransportError:  # the server may close while the client still sends
            pass
        else:
            assert response.status_code == 413
    _alive(live)


def test_garbage_on_the_wire_does_not_take_the_server_down(live: LiveMock) -> None:
    for garbage in (
        b"\x00\xff\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /x HTTP/1.1\r\nBad\r\n\r\n",
    ):
        answer = _raw(live.port, garbage, timeout=1)
        assert not answer or answer.startswith(b"HTTP/1.1 4")
    _alive(live)


def test_a_non_latin1_header_does_not_break_anything(live: LiveMock) -> None:
    answer = _raw(
        live.port,
        _request(JOB_PATH, {**JSON, "Content-Length": "2", "X-Name": "é"}, b"{}").replace(
            b"\xe9", "名".encode()
        ),
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    _alive(live)


def _wait_for_url(proc: subprocess.Popen[bytes], timeout: float) -> str:
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=0.1):
            continue
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        if b" on http://" in line:
            return line.decode().rsplit(" on ", 1)[1].strip()
    raise AssertionError(f"the mock did not start: {seen.decode(errors='replace')}")


def test_the_cli_server_process_survives_them_all(tmp_path: Path) -> None:
    scenario_file = tmp_path / "scenarios.yaml"
    scenario_file.write_text("- operation: runWorkflows\n  status: 503\n  times: 1\n")
    env = {
        **os.environ,
        "TRIGGERSPEC_MOCK_TOKEN": "env-token",
        "TRIGGERSPEC_MOCK_CONTROL_TOKEN": "control-token",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "triggerspec.mock",
            "--root",
            str(ROOT),
            "--port",
            "0",
            "--seed",
            "1",
            "--scenario-file",
            str(scenario_file),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        origin = _wait_for_url(proc, timeout=20)
        with httpx.Client(base_url=origin, timeout=5) as client:
            auth = {"Authorization": "Bearer env-token"}
            for path, headers, body, status, _ in PRISM_KILLERS:
                response = client.post(path, content=body, headers={**headers, **auth})
                assert response.status_code == status
            assert client.post(JOB_PATH, json={}, headers=AUTH).status_code == 401
            assert client.post(JOB_PATH, json={}, headers=auth).status_code == 200
            runs = "/repos/o/r/cicd/runs"
            assert client.post(runs, json={}, headers=auth).status_code == 503
            assert client.post(runs, json={}, headers=auth).status_code == 200
            assert client.get("/__triggerspec/health").status_code == 200
            assert client.get("/__triggerspec/journal").status_code == 401
            control = {"X-Triggerspec-Control": "control-token"}
            listed = client.get("/__triggerspec/journal", headers=control)
            assert listed.status_code == 200
            journal = listed.text
            assert '"status":503' in journal.replace(" ", "")
            assert "env-token" not in journal
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    assert proc.returncode in (0, -15)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert proc.stderr is not None
    logged = proc.stderr.read().decode(errors="replace")
    assert "invalid character" not in logged  # python-multipart's warnings stay quiet
    assert "Traceback" not in logged


def test_small_answers_are_not_held_back_by_delayed_acks(live: LiveMock) -> None:
    """The listening socket must be IPPROTO_TCP, or asyncio skips TCP_NODELAY and each
    answer on a kept-alive connection waits out a delayed ACK (about 40 ms)."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        request = _request(JOB_PATH, {**JSON, "Content-Length": "2"}, b"{}")
        started = time.monotonic()
        for _ in range(20):
            sock.sendall(request)
            answer = b""
            while not answer.endswith(b"}}"):
                answer += sock.recv(65536)
        assert time.monotonic() - started < 0.5
