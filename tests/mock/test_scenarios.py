"""Scenarios force a documented status, a Retry-After, a delay or an example."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.mock.helpers import VALID, assert_documented, error_text, send
from triggerspec.errors import UsageError
from triggerspec.mock.handles import InProcessMock
from triggerspec.mock.scenarios import (
    Scenario,
    ScenarioBook,
    ScenarioError,
    load_scenarios,
    parse_prefer,
    scenarios_from,
)
from triggerspec.mock.transport import MockTransport

OPERATIONS = sorted(VALID)


def _client(mock: InProcessMock) -> httpx.Client:
    return httpx.Client(transport=mock.transport, base_url=mock.origin)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("return=minimal", None),
        ("code=429, retry-after=2", Scenario(status=429, retry_after=2)),
        ("code=503", Scenario(status=503)),
        ("delay=150", Scenario(delay_ms=150)),
        ("example=doc-response", Scenario(example="doc-response")),
        ('code="404"; example=not-found', Scenario(status=404, example="not-found")),
        ("respond-async, CODE=500", Scenario(status=500)),
    ],
)
def test_prefer_header_parsing(header: str | None, expected: Scenario | None) -> None:
    assert parse_prefer(header) == expected


@pytest.mark.parametrize(
    "header", ["code=abc", "code=", "code=99", "code=600", "delay=-1", "example=", "retry-after=x"]
)
def test_bad_prefer_values_are_errors(header: str) -> None:
    with pytest.raises(ScenarioError):
        parse_prefer(header)


@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 502, 503])
def test_a_forced_status_has_the_documented_shape(
    mock_server: InProcessMock, operation_id: str, status: int
) -> None:
    response = send(_client(mock_server), operation_id, headers={"Prefer": f"code={status}"})
    assert response.status_code == status
    message = error_text(assert_documented(mock_server.app, response, operation_id))
    assert "forced by a mock scenario" in message
    assert mock_server.journal[-1].scenario == f"status={status}"


def test_a_forced_429_carries_retry_after(mock_server: InProcessMock) -> None:
    response = send(
        _client(mock_server), "startJobBuild", headers={"Prefer": "code=429, retry-after=2"}
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == "2"
    assert response.json()["error"]["status"] == 429


def test_a_forced_status_does_not_hide_a_bad_request(mock_server: InProcessMock) -> None:
    response = send(
        _client(mock_server), "startJobBuild", headers={"Prefer": "code=503"}, json={"sha": "x"}
    )
    assert response.status_code == 400


def test_a_forced_status_starts_nothing(mock_server: InProcessMock) -> None:
    send(_client(mock_server), "runWorkflow", headers={"Prefer": "code=503"})
    assert send(_client(mock_server), "runWorkflow").json()["trigger_status"] == "created"


@pytest.mark.parametrize("header", ["code=302", "code=201", "code=101"])
def test_an_undocumented_forced_status_is_refused(mock_server: InProcessMock, header: str) -> None:
    response = send(_client(mock_server), "createManualBuild", headers={"Prefer": header})
    assert response.status_code == 400
    message = error_text(assert_documented(mock_server.app, response, "createManualBuild"))
    assert "header Prefer: status" in message
    assert "documented: 200, 4XX, 5XX" in message


def test_a_named_example_is_answered_verbatim(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    response = send(client, "startJobBuild", headers={"Prefer": "example=doc-response"})
    assert response.status_code == 200
    assert response.json()["data"]["id"] == "joyous-view-6290"
    error = send(client, "createManualBuild", headers={"Prefer": "code=404, example=not-found"})
    assert error.status_code == 404
    assert error.json()["errors"] == [{"code": 12000, "message": "Not found"}]


def test_an_unknown_example_lists_the_known_ones(mock_server: InProcessMock) -> None:
    response = send(_client(mock_server), "startJobBuild", headers={"Prefer": "example=nope"})
    assert response.status_code == 400
    assert "(examples: doc-response)" in error_text(response.json())


def test_a_delay_is_waited_out(mock_server: InProcessMock) -> None:
    started = time.monotonic()
    response = send(_client(mock_server), "startJobBuild", headers={"Prefer": "delay=120"})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.12


def test_a_delay_also_applies_to_a_refusal(mock_server: InProcessMock) -> None:
    started = time.monotonic()
    response = send(
        _client(mock_server), "startJobBuild", headers={"Prefer": "delay=60"}, json={"sha": 1}
    )
    assert response.status_code == 400
    assert time.monotonic() - started >= 0.06


@pytest.mark.triggerspec_mock(max_delay_ms=50)
def test_delays_are_capped(mock_server: InProcessMock) -> None:
    waits: list[float] = []
    transport = MockTransport(mock_server.app, sleep=waits.append)
    client = httpx.Client(transport=transport, base_url=mock_server.origin)
    send(client, "startJobBuild", headers={"Prefer": "delay=999999"})
    assert waits == [0.05]


def test_default_delay_cap_is_ten_seconds(mock_server: InProcessMock) -> None:
    waits: list[float] = []
    transport = MockTransport(mock_server.app, sleep=waits.append)
    client = httpx.Client(transport=transport, base_url=mock_server.origin)
    send(client, "startJobBuild", headers={"Prefer": "delay=60000"})
    assert waits == [10.0]


@pytest.mark.triggerspec_mock(
    scenarios=[{"operation": "startJobBuild", "status": 503, "times": 2}, {"delay_ms": 1}]
)
def test_mock_scenarios_are_used_up(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    statuses = [send(client, "startJobBuild").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [s.to_dict() for s in mock_server.scenarios.list()] == [
        {"operation": "*", "delay_ms": 1}
    ]


def test_a_header_wins_over_the_mock_scenarios(mock_server: InProcessMock) -> None:
    mock_server.add_scenario("startJobBuild", status=503)
    client = _client(mock_server)
    assert send(client, "startJobBuild", headers={"Prefer": "code=429"}).status_code == 429
    assert send(client, "startJobBuild").status_code == 503


def test_a_wildcard_scenario_that_does_not_fit_says_so(mock_server: InProcessMock) -> None:
    mock_server.add_scenario(example="doc-response")
    client = _client(mock_server)
    assert send(client, "startJobBuild").status_code == 200
    refused = send(client, "runWorkflows")
    assert refused.status_code == 400
    assert "documents no example 'doc-response'" in error_text(refused.json())


def test_scenarios_are_checked_when_added(mock_server: InProcessMock) -> None:
    with pytest.raises(ScenarioError, match="no operation 'nope'"):
        mock_server.add_scenario("nope", status=500)
    with pytest.raises(ScenarioError, match="not a documented error"):
        mock_server.add_scenario("startJobBuild", status=302)
    with pytest.raises(ScenarioError, match="no example 'x'"):
        mock_server.add_scenario("startJobBuild", example="x")
    assert mock_server.scenarios.list() == []


def test_the_control_endpoint_adds_lists_and_clears(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    added = client.post(
        "/__triggerspec/scenarios",
        json=[{"operation": "runWorkflows", "status": 429, "retry_after": 3, "times": 1}],
    )
    assert added.status_code == 201
    assert added.json()["scenarios"] == [
        {"operation": "runWorkflows", "status": 429, "retry_after": 3, "times": 1}
    ]
    forced = send(client, "runWorkflows")
    assert (forced.status_code, forced.headers["retry-after"]) == (429, "3")
    assert_documented(mock_server.app, forced, "runWorkflows")
    assert client.get("/__triggerspec/scenarios").json() == {"scenarios": []}
    client.post("/__triggerspec/scenarios", json={"status": 500})
    assert client.delete("/__triggerspec/scenarios").json() == {"cleared": 1}
    assert send(client, "runWorkflows").status_code == 200


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"status": "500"}, "status must be an integer"),
        ({"stauts": 500}, "unknown scenario key"),
        ({"operation": "nope"}, "no operation 'nope'"),
        ({"times": 0}, "times must be at least 1"),
        ([1], "a scenario is a mapping"),
    ],
)
def test_the_control_endpoint_refuses_bad_scenarios(
    mock_server: InProcessMock, body: object, text: str
) -> None:
    response = _client(mock_server).post("/__triggerspec/scenarios", json=body)
    assert response.status_code == 400
    assert text in response.json()["error"]


def test_the_control_endpoint_refuses_bad_json(mock_server: InProcessMock) -> None:
    response = _client(mock_server).post("/__triggerspec/scenarios", content=b"{bad")
    assert response.status_code == 400


def test_scenario_files_load_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(
        "- operation: startJobBuild\n  status: 429\n  retry_after: 2\n  times: 1\n"
    )
    json_file = tmp_path / "s.json"
    json_file.write_text('{"scenarios": [{"delay_ms": 100}]}')
    assert load_scenarios(yaml_file) == [
        Scenario("startJobBuild", status=429, retry_after=2, times=1)
    ]
    assert load_scenarios(json_file) == [Scenario(delay_ms=100)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- status: [1]\n", "status must be an integer"),
        ("a: [\n", "not valid YAML"),
        ("3\n", "list"),
    ],
)
def test_bad_scenario_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_scenarios(path)


def test_a_missing_scenario_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_scenarios(tmp_path / "missing.yaml")


def test_the_book_counts_and_matches_in_order() -> None:
    book = ScenarioBook([Scenario("a", status=500, times=1), Scenario("*", status=503)])
    assert book.take("a") == Scenario("a", status=500, times=1)
    assert book.take("a") == Scenario("*", status=503)
    assert book.take("b") == Scenario("*", status=503)
    assert scenarios_from({"operation": "x"}) == [Scenario("x")]


def test_mock_scenarios_apply_to_the_in_process_factory(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    mock = mock_server_factory(scenarios=[Scenario("runWorkflow", status=500)])
    assert send(_client(mock), "runWorkflow").status_code == 500
