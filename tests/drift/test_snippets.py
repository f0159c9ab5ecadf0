"""The vendor-independent scanners: curl commands, JSON blocks, endpoints, deprecation."""

from __future__ import annotations

import pytest

from triggerspec.drift.snippets import (
    PageText,
    find_curls,
    find_deprecation,
    find_endpoints,
    find_json_blocks,
)
from triggerspec.drift.view import Curl


def curls(text: str) -> list[Curl]:
    return find_curls(PageText(text))[0]


def test_a_multiline_curl_with_a_quoted_json_body() -> None:
    (curl,) = curls(
        "intro\n"
        "curl https://api.example.com/a/$ID/b \\\n"
        "    -H 'Content-Type: application/json' \\\n"
        '    -H "Authorization: Bearer $TOKEN" \\\n'
        "    -d '{\n"
        '      "branch": "main"\n'
        "    }'\n"
        "after\n"
    )
    assert curl.line == 2
    assert curl.method == "POST"
    assert curl.url == "https://api.example.com/a/$ID/b"
    assert curl.header("content-type") == "application/json"
    assert curl.header("Authorization") == "Bearer $TOKEN"
    assert curl.json == {"branch": "main"}
    assert curl.data_line == 5


@pytest.mark.parametrize(
    ("command", "method"),
    [
        ("curl https://x/y", "GET"),
        ("curl -X PUT https://x/y -d '{}'", "PUT"),
        ("curl -XDELETE https://x/y", "DELETE"),
        ("curl --request patch https://x/y", "PATCH"),
        ("curl https://x/y --data '{}'", "POST"),
        ("curl https://x/y -F a=b", "POST"),
    ],
)
def test_the_method_is_explicit_or_implied(command: str, method: str) -> None:
    assert curls(command + "\n")[0].method == method


def test_json_flag_implies_the_content_type() -> None:
    (curl,) = curls("curl https://x/y --json '{\"a\": 1}'\n")
    assert curl.header("Content-Type") == "application/json"
    assert curl.json == {"a": 1}


def test_form_fields_with_files_and_types() -> None:
    (curl,) = curls(
        "curl https://x/y \\\n"
        "-F branch=staging \\\n"
        "-F commit_message='Update homepage' \\\n"
        "-F '_worker.js=@worker.js;type=application/javascript+module'\n"
    )
    assert [(f.name, f.value, f.line, f.is_file, f.content_type) for f in curl.form] == [
        ("branch", "staging", 2, False, None),
        ("commit_message", "Update homepage", 3, False, None),
        ("_worker.js", "@worker.js", 4, True, "application/javascript+module"),
    ]
    assert curl.form_values["commit_message"] == "Update homepage"


def test_a_curl_glued_to_the_response_example() -> None:
    page = PageText('curl https://x/y \\\n-F a=dist{\n"errors": []\n}Returns Examples\n')
    found, spans, glued = find_curls(page)
    assert found[0].form_values == {"a": "dist"}
    blocks, notes = find_json_blocks(page, spans, glued)
    assert [(b.line, b.value) for b in blocks] == [(2, {"errors": []})]
    assert notes == []


def test_a_quoted_body_glued_to_the_response_example() -> None:
    page = PageText('curl https://x/y \\\n-X PUT \\\n-d \'{\n"a": 1\n}\'{\n"ok": true\n}\n')
    found, spans, glued = find_curls(page)
    assert found[0].json == {"a": 1}
    blocks, _ = find_json_blocks(page, spans, glued)
    assert [(b.line, b.value) for b in blocks] == [(5, {"ok": True})]


def test_a_body_that_is_not_json_is_kept_with_its_error() -> None:
    (curl,) = curls("curl https://x/y -d '{broken'\n")
    assert curl.json is None
    assert curl.json_error is not None and curl.json_error.startswith("not valid JSON")


def test_json_blocks_skip_prose_in_braces_and_nested_lines() -> None:
    page = PageText('• {object}\n[additional]\nExample\n[\n  {\n    "name": "x"\n  }\n]\n{}\n')
    blocks, notes = find_json_blocks(page, [], [])
    assert [(b.line, b.value) for b in blocks] == [(4, [{"name": "x"}]), (9, {})]
    assert notes == []


def test_a_json_block_that_does_not_parse_is_a_problem_note() -> None:
    page = PageText('{\n"a": 1,,\n"b": {\n"c": 2\n}\n}\n{"ok": 1}\n')
    blocks, notes = find_json_blocks(page, [], [])
    assert [(b.line, b.value) for b in blocks] == [(7, {"ok": 1})]
    assert [(n.line, n.problem) for n in notes] == [(2, True)]
    assert "starting on line 1 does not parse" in notes[0].message


@pytest.mark.parametrize(
    ("text", "method", "target", "line"),
    [
        ("POST/accounts/{account_id}/builds\n", "POST", "/accounts/{account_id}/builds", 1),
        (
            "      POST /v1/projects/{projectId}/build\n",
            "POST",
            "/v1/projects/{projectId}/build",
            1,
        ),
        (
            "POST\n\nhttps://api.example.com/{org}/run\n",
            "POST",
            "https://api.example.com/{org}/run",
            3,
        ),
    ],
)
def test_endpoints_in_every_vendor_shape(text: str, method: str, target: str, line: int) -> None:
    (endpoint,) = find_endpoints(PageText(text))
    assert (endpoint.method, endpoint.target, endpoint.line) == (method, target, line)


def test_prose_mentioning_a_method_is_not_an_endpoint() -> None:
    assert find_endpoints(PageText("POST requests start a build.\nPOST\nnot a url\n")) == []


def test_deprecation_and_its_replacement() -> None:
    line, replacement = find_deprecation(
        PageText(
            "Run\n\nDeprecated\n\nEndpoint is deprecated, please use POST /repos/{o}/runs instead\n"
        )
    )
    assert line == 3
    assert replacement is not None
    assert (replacement.method, replacement.target, replacement.line) == (
        "POST",
        "/repos/{o}/runs",
        5,
    )
    assert find_deprecation(PageText("Start a build.\n")) == (None, None)
