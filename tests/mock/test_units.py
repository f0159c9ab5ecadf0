"""Small pieces: problems, the multipart reader, the public surface."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

import triggerspec.mock as mock_package
from triggerspec.mock.deadlines import Deadlines
from triggerspec.mock.envelopes import Problem, details_of
from triggerspec.mock.multipart import MAX_PARTS, MalformedForm, boundary_of, parse_form
from triggerspec.mock.state import Clock, Ids, iso


@pytest.mark.parametrize(
    ("problem", "text", "key"),
    [
        (
            Problem("body", "/sha", "minLength 40", "too short"),
            "/sha: too short (minLength 40)",
            "/sha",
        ),
        (Problem("body", "", "json", "bad"), "body: bad (json)", "/"),
        (
            Problem("path", "id", "format uuid", "bad"),
            "path parameter id: bad (format uuid)",
            "path.id",
        ),
        (
            Problem("header", "Authorization", "security", "x"),
            "header Authorization: x (security)",
            "header.Authorization",
        ),
        (Problem("request", "", "route", "none"), "request: none (route)", "request"),
    ],
)
def test_problem_wording(problem: Problem, text: str, key: str) -> None:
    assert (str(problem), problem.key) == (text, key)


def test_details_join_problems_of_one_field() -> None:
    problems = [Problem("body", "/a", "r1", "m1"), Problem("body", "/a", "r2", "m2")]
    assert details_of(problems) == {"/a": "m1 (r1); m2 (r2)"}


def _part(disposition: bytes, data: bytes = b"v", extra: bytes = b"") -> bytes:
    return (
        b"--b\r\nContent-Disposition: " + disposition + b"\r\n" + extra + b"\r\n" + data + b"\r\n"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"--b\r\nX: y\r\n\r\nv\r\n--b--\r\n", "no Content-Disposition"),
        (_part(b"attachment; name=a") + b"--b--\r\n", "expected form-data"),
        (_part(b"form-data; filename=a") + b"--b--\r\n", "no name"),
        (_part(b'form-data; name="\xff"') + b"--b--\r\n", "not UTF-8"),
        (_part(b"form-data; name=a"), "ends before its closing boundary"),
        (b"junk", "does not parse"),
        (_part(b"form-data; name=a") * (MAX_PARTS + 1) + b"--b--\r\n", "more than"),
    ],
)
def test_malformed_forms_say_why(body: bytes, message: str) -> None:
    with pytest.raises(MalformedForm, match=message):
        parse_form("multipart/form-data; boundary=b", body)


def test_form_parts_keep_names_files_and_types() -> None:
    body = (
        _part(b'form-data; name="x"; filename="f.js"', b"js", b"Content-Type: text/javascript\r\n")
        + _part(b"form-data; name=y", "é".encode())
        + b"--b--\r\n"
    )
    one, two = parse_form("multipart/form-data; boundary=b", body)
    assert (one.name, one.filename, one.content_type, one.data, one.is_file) == (
        "x",
        "f.js",
        "text/javascript",
        b"js",
        True,
    )
    assert (two.name, two.is_file, two.data.decode()) == ("y", False, "é")


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", f"multipart/form-data; boundary={'x' * 71}"]
)
def test_bad_boundaries(content_type: str) -> None:
    with pytest.raises(MalformedForm):
        boundary_of(content_type)


def test_the_fake_clock_and_ids_are_reproducible() -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    clock.tick()
    assert iso(clock.now()) == "2025-01-01T00:00:00.001Z"
    clock.advance(1.5)
    assert iso(clock.now()) == "2025-01-01T00:00:01.501Z"
    with pytest.raises(ValueError):
        clock.advance(-1)
    a, b = Ids(1), Ids(1)
    assert [a.uuid(), a.hex(40)] == [b.uuid(), b.hex(40)]
    assert a.uuid()[14] == "4"


def test_the_wall_clock_never_repeats_a_tick() -> None:
    clock = Clock()
    seen = []
    for _ in range(50):
        clock.tick()
        seen.append(iso(clock.now()))
    assert seen == sorted(set(seen))


def test_the_public_surface() -> None:
    assert sorted(mock_package.__all__) == [
        "AsyncMockTransport",
        "InProcessMock",
        "Journal",
        "JournalEntry",
        "LiveMock",
        "MockApp",
        "MockHandle",
        "MockRequest",
        "MockResponse",
        "MockSettings",
        "MockTransport",
        "Scenario",
        "ScenarioBook",
        "ScenarioError",
        "create_app",
        "handler",
        "load_apis",
    ]
    for name in mock_package.__all__:
        assert getattr(mock_package, name).__doc__, name


async def _never_arrives() -> bytes:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def _arrives() -> bytes:
    return b"{}"


def test_a_body_read_past_its_deadline_is_a_timeout() -> None:
    async def read() -> None:
        deadlines = Deadlines(0.05)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await deadlines.within(_never_arrives())
        assert time.monotonic() - started < 1
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0  # the sweeper's cancel was taken back
        assert await deadlines.within(_arrives()) == b"{}"  # and the next read is unaffected

    asyncio.run(read())


def test_a_body_read_in_time_is_left_alone() -> None:
    async def read() -> bytes:
        deadlines = Deadlines(0.05)
        data = await deadlines.within(_arrives())
        await asyncio.sleep(0.15)  # past the deadline: nothing may cancel this task now
        return data

    assert asyncio.run(read()) == b"{}"


def test_any_other_cancellation_still_cancels_the_read() -> None:
    async def read() -> None:
        task = asyncio.create_task(Deadlines(30).within(_never_arrives()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(read())


def test_one_sweeper_serves_many_reads_and_stops_when_idle() -> None:
    async def read() -> None:
        deadlines = Deadlines(0.05)
        slow = [asyncio.create_task(deadlines.within(_never_arrives())) for _ in range(20)]
        fast = await asyncio.gather(*(deadlines.within(_arrives()) for _ in range(20)))
        assert fast == [b"{}"] * 20
        results = await asyncio.gather(*slow, return_exceptions=True)
        assert all(isinstance(r, TimeoutError) for r in results)
        await asyncio.sleep(0.05)
        assert deadlines._sweep is not None and deadlines._sweep._sweeper is None

    asyncio.run(read())
