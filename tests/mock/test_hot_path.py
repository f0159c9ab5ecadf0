"""The valid request's fast paths say the same as the slow ones: remembered credentials,
the journal's stored JSON text and its byte accounting, the clock's text."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.mock.helpers import JOB_PATH, SHA
from triggerspec.mock.app import create_app
from triggerspec.mock.auth import PASSED_BYTES, PASSED_CACHE
from triggerspec.mock.handles import InProcessMock
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.state import FAKE_EPOCH, Clock, iso
from triggerspec.spec.model import Api


def _mock(apis: list[Api], **settings: object) -> tuple[InProcessMock, httpx.Client]:
    mock = InProcessMock(create_app(apis, MockSettings(seed=1, **settings)))  # type: ignore[arg-type]
    return mock, httpx.Client(transport=mock.transport, base_url="http://mock.invalid")


def test_a_remembered_token_does_not_let_another_one_in(triggerspec_apis: list[Api]) -> None:
    _, client = _mock(triggerspec_apis, token="right-token")
    right = {"Authorization": "Bearer right-token"}
    wrong = {"Authorization": "Bearer wrong-token"}
    for _ in range(3):
        assert client.post(JOB_PATH, json={"sha": SHA}, headers=right).status_code == 200
        assert client.post(JOB_PATH, json={"sha": SHA}, headers=wrong).status_code == 401
        assert client.post(JOB_PATH, json={"sha": SHA}).status_code == 401


def test_remembered_credentials_are_bounded(triggerspec_apis: list[Api]) -> None:
    mock, client = _mock(triggerspec_apis)  # any well-formed token passes
    for n in range(PASSED_CACHE + 10):
        headers = {"Authorization": f"Bearer token-{n}"}
        assert client.post(JOB_PATH, json={"sha": SHA}, headers=headers).status_code == 200
    gate = next(mock.app.compiled[k].gate for k in mock.app.compiled if k[1] == "startJobBuild")
    assert 0 < len(gate._passed) <= PASSED_CACHE


def test_a_long_credential_is_checked_but_not_remembered(triggerspec_apis: list[Api]) -> None:
    mock, client = _mock(triggerspec_apis)  # any well-formed token passes
    long = {"Authorization": "Bearer " + "t" * (PASSED_BYTES + 1)}
    assert client.post(JOB_PATH, json={"sha": SHA}, headers=long).status_code == 200
    gate = next(mock.app.compiled[k].gate for k in mock.app.compiled if k[1] == "startJobBuild")
    assert not gate._passed


@pytest.mark.parametrize(
    "body",
    [
        b'{"sha": "%s"}' % SHA.encode(),
        b'{"sha":"%s","branch":"caf\\u00e9"}' % SHA.encode(),  # an escape: encoded again
        '{"sha": "%s", "branch": "café"}'.encode() % SHA.encode(),
    ],
)
def test_the_journal_keeps_what_the_body_held(triggerspec_apis: list[Api], body: bytes) -> None:
    mock, client = _mock(triggerspec_apis)
    headers = {"Authorization": "Bearer t0k3n", "Content-Type": "application/json"}
    client.post(JOB_PATH, content=body, headers=headers)
    entry = mock.journal[-1]
    assert entry.body == json.loads(body)


@pytest.mark.parametrize("escaped", [False, True])
def test_a_token_in_the_body_is_masked_however_it_is_written(
    triggerspec_apis: list[Api], escaped: bool
) -> None:
    mock, client = _mock(triggerspec_apis)
    token = "plain-token-that-is-long-enough-1234"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    written = "\\u0070" + token[1:] if escaped else token  # \u0070 is "p"
    body = ('{"sha": "' + SHA + '", "branch": "' + written + '"}').encode()
    client.post(JOB_PATH, content=body, headers=headers)
    assert token not in mock.journal[-1].body_json
    assert token not in json.dumps(mock.journal[-1].body)


def test_the_journal_charges_each_entry_its_size(triggerspec_apis: list[Api]) -> None:
    mock, client = _mock(triggerspec_apis)
    headers = {"Authorization": "Bearer t0k3n", "X-Long": "v" * 20_000}
    client.post(JOB_PATH, json={"sha": SHA}, headers=headers)
    client.post(JOB_PATH + "?q=1", json={"sha": "bad"}, headers=headers)
    client.post("/nowhere", content=b"x" * 100)
    entries = mock.journal.entries()
    assert mock.journal.bytes == sum(e.size for e in entries)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.integers(min_value=0, max_value=3_000_000), min_size=1, max_size=30))
def test_the_clock_text_is_the_iso_of_its_time(steps: list[int]) -> None:
    clock = Clock(FAKE_EPOCH)
    for step in steps:
        clock.advance(step / 1000)
        clock.tick()
        assert clock.iso_now() == iso(clock.now())


def test_a_repeated_refusal_says_the_same_and_its_memo_is_bounded(
    triggerspec_apis: list[Api],
) -> None:
    from triggerspec.mock.validation import REFUSAL_CACHE

    mock, client = _mock(triggerspec_apis)
    headers = {"Authorization": "Bearer t0k3n"}
    first = client.post(JOB_PATH, json={"sha": "abc"}, headers=headers).json()
    again = client.post(JOB_PATH, json={"sha": "abc"}, headers=headers).json()
    other = client.post(JOB_PATH, json={"sha": 7}, headers=headers).json()
    assert first["error"]["details"] == again["error"]["details"]
    assert first["error"]["details"] != other["error"]["details"]
    assert client.post(JOB_PATH, json={"sha": SHA}, headers=headers).status_code == 200
    for n in range(REFUSAL_CACHE + 5):
        client.post(JOB_PATH, json={"sha": "x" * (n % 39 + 1), "n": n}, headers=headers)
    compiled = next(mock.app.compiled[k] for k in mock.app.compiled if k[1] == "startJobBuild")
    assert 0 < len(compiled._refusals) <= REFUSAL_CACHE
