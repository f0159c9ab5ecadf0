"""The page readers, on the committed snapshots and on small variations of each format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drift.conftest import BASELINE
from triggerspec.drift.extract import extract_page, extract_text, read_page
from triggerspec.drift.prose import match_descriptions, read_rules
from triggerspec.drift.stainless import parse_type
from triggerspec.drift.view import DocField, PageView, Prose, path_text
from triggerspec.errors import UsageError

DOCS = BASELINE / "specs" / "docs"


def view(name: str, page_format: str) -> PageView:
    return extract_page(DOCS / name, page_format, f"specs/docs/{name}")


def fields(v: PageView, part: str, status: str | None = None) -> dict[str, DocField]:
    listed = v.field_list(part, status)  # type: ignore[arg-type]
    assert listed is not None
    return {path_text(f.path): f for f in listed.fields}


def test_cloudflare_nesting_is_rebuilt_from_the_object_summaries() -> None:
    v = view("000_76d2020eb65f967f.txt", "stainless-reference")
    request = fields(v, "request")
    assert list(request) == [
        "branch",
        "commit_hash",
        "seed_repo",
        "seed_repo.branch",
        "seed_repo.owner",
        "seed_repo.path",
        "seed_repo.provider",
        "seed_repo.repository",
        "seed_repo.files",
        "seed_repo.files[]",
        "seed_repo.files[].content",
        "seed_repo.files[].filename",
        "seed_repo.files[].isBase64",
        "seed_repo.files[].replace",
    ]
    assert request["seed_repo.provider"].enum == ("github",)
    assert request["seed_repo.branch"].required is True
    assert request["seed_repo.files"].required is False
    assert request["branch"].required_if == ("commit_hash",)
    assert request["seed_repo.files[].replace"].line == 59
    assert not v.notes


def test_cloudflare_constraints_and_response_types() -> None:
    v = view("000_76d2020eb65f967f.txt", "stainless-reference")
    params = fields(v, "parameters")
    assert params["trigger_uuid"].constraints == {"format": "uuid"}
    assert params["trigger_uuid"].line_of("format") == 36
    response = fields(v, "response")
    assert response["errors[].code"].types == frozenset({"number"})
    assert response["messages[]"].types == frozenset({"string"})
    assert response["result.created_on"].constraints == {"format": "date-time"}
    assert [(e.line, e.role) for e in v.examples] == [(93, "response"), (117, "response")]
    assert v.endpoints[0].target == "/accounts/{account_id}/builds/triggers/{trigger_uuid}/builds"


def test_cloudflare_pages_keeps_the_descriptions_whose_names_were_lost() -> None:
    v = view("001_fb4d4a9b99f56b25.txt", "stainless-reference")
    listed = v.field_list("request")
    assert listed is not None
    assert not listed.complete
    assert listed.fields == ()
    assert [p.line for p in listed.descriptions] == [11, 12, 13, 14, 15, 16]
    assert [f.name for f in v.curls[0].form] == [
        "branch",
        "commit_dirty",
        "commit_hash",
        "commit_message",
        "manifest",
        "pages_build_output_dir",
    ]
    assert [e.line for e in v.examples] == [26, 151]


def test_cloudflare_section_without_fields_is_incomplete() -> None:
    v = view("002_d47a0dbb9f49205d.txt", "stainless-reference")
    listed = v.field_list("request")
    assert listed is not None and not listed.complete and listed.descriptions == ()
    assert v.curls[0].method == "PUT"
    assert v.field_list("response") is None


@pytest.mark.parametrize(
    ("text", "types", "enum", "children"),
    [
        ("string", {"string"}, None, 0),
        ('"github"', {"string"}, ("github",), 0),
        ('"a" or "b" or 3 more', {"string"}, ("a", "b"), 0),
        ("object { a, b, 2 more }", {"object"}, None, 4),
        ("array of object { content, filename }", {"array"}, None, 0),
        ("map[string]", {"object"}, None, 0),
        ("string or number", {"string", "number"}, None, 0),
        ("1 or 2", {"integer"}, ("1", "2"), 0),
        ("Git branch name", None, None, 0),
    ],
)
def test_stainless_types(
    text: str, types: set[str] | None, enum: tuple[str, ...] | None, children: int
) -> None:
    parsed = parse_type(text)
    if types is None:
        assert parsed is None
        return
    assert parsed is not None
    assert parsed.types == frozenset(types)
    assert parsed.enum == enum
    assert parsed.children == children
    assert parsed.enum_partial == ("more" in text and enum is not None)


def test_stainless_summary_mismatch_is_noted() -> None:
    text = (
        "Body ParametersJSONExpand Collapse\n"
        "seed: object { a, b }\n"
        "a: string\n"
        "c: string\n"
        "Title\n"
        "curl https://x -d '{}'\n"
    )
    v = extract_text(text, "p.txt", "p.txt", "stainless-reference")
    assert list(fields(v, "request")) == ["seed", "seed.a", "seed.c"]
    assert [n.line for n in v.notes] == [4]
    assert "expected field 'b'" in v.notes[0].message


def test_northflank_examples_repair_the_broken_indentation() -> None:
    v = view("003_3d60e4de50c50917.txt", "bullet-tree")
    request = fields(v, "request")
    assert list(request) == [
        "sha",
        "overrides",
        "overrides.buildArguments",
        "overrides.buildFiles",
        "overrides.docker",
        "overrides.docker.dockerFilePath",
        "overrides.docker.dockerWorkDir",
        "overrides.docker.dockerfileTarget",
    ]
    assert request["sha"].constraints == {"minLength": 40, "maxLength": 40}
    assert request["sha"].line_of("maxLength") == 39
    assert request["overrides.docker.dockerfileTarget"].constraints == {
        "pattern": "^[a-zA-Z0-9-_]+$"
    }
    assert [n.line for n in v.notes] == [59, 63]
    response = fields(v, "response")
    assert response["data"].required is True
    assert response["data.id"].required is True
    assert response["data.branch"].required is False
    assert [(e.line, e.role, e.status) for e in v.examples] == [(155, "response", "200")]
    assert [c.data_line for c in v.curls] == [136, 144]


def test_northflank_a_field_is_required_only_if_every_shape_requires_it() -> None:
    text = (
        "Request body\n"
        "  • {object}\n"
        "    • sha\n"
        "      string required\n"
        "OR\n"
        "  • {object}\n"
        "    • sha\n"
        "      string\n"
        "    • tag\n"
        "      string required\n"
        "      one of: a, b\n"
        "Example request\n"
    )
    request = fields(extract_text(text, "p", "p", "bullet-tree"), "request")
    assert (request["sha"].required, request["tag"].required) == (False, False)
    assert request["tag"].enum == ("a", "b")


def test_sourcecraft_types_are_expanded_into_the_field_tree() -> None:
    v = view("004_947342d99e78c575.txt", "name-type-table")
    request = fields(v, "request")
    assert list(request) == [
        "input",
        "input.values",
        "input.values[]",
        "input.values[].name",
        "input.values[].value",
        "revision",
        "workflow_revision",
    ]
    assert all(f.required is None for f in request.values())
    response = fields(v, "response", "200")
    assert response["trigger_status"].enum == ("already_exists", "created", "nothing_to_start")
    assert response["trigger_status"].line_of("enum:created") == 169
    default = fields(v, "response", "default")
    assert default["details"].types == frozenset({"object"})
    assert default["details{*}"].types == frozenset({"string"})
    assert [(e.line, e.role, e.status, path_text(e.field)) for e in v.examples] == [
        (40, "request", None, ""),
        (62, "request", None, "input"),
        (102, "request", None, "input.values[]"),
        (118, "request", None, "input.values"),
        (125, "request", None, "input"),
        (143, "response", "200", ""),
        (184, "response", "default", ""),
        (206, "response", "default", "details"),
    ]
    assert v.deprecated == 3
    assert v.replacement is not None and v.replacement.target.startswith("/repos/")


def test_a_recursive_sourcecraft_type_is_listed_once() -> None:
    text = (
        "Request\n\nBody\n\napplication/json\n{}\n\nName\n\nDescription\n\n"
        "node\n\nType: Node\n\n"
        "Node\n\nName\n\nDescription\n\nchild\n\nType: Node\n\nlabel\n\nType: string\n"
    )
    request = fields(extract_text(text, "p", "p", "name-type-table"), "request")
    assert list(request) == ["node", "node.child", "node.label"]


def test_an_unknown_page_format_still_yields_curls_and_examples() -> None:
    v = extract_text("curl https://x/y -d '{\"a\": 1}'\n", "p", "p", "other")
    assert v.curls[0].json == {"a": 1}
    assert v.field_lists == ()
    assert "no reader for 'other' pages" in v.notes[0].message


def test_read_page_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"missing\.txt: cannot read the page snapshot"):
        read_page(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    ("text", "required_if", "exclusive", "size"),
    [
        ("Git branch name (required if commit_hash not provided)", ("commit_hash",), (), None),
        (
            "Mutually exclusive with _worker.js. Maximum size: 25 MiB.",
            (),
            ("_worker.js",),
            25 << 20,
        ),
        (
            "Cannot specify both _worker.js and _worker.bundle in the same request.",
            (),
            ("_worker.js",),
            None,
        ),
        ("max size 2 KB", (), (), 2000),
        ("Plain text.", (), (), None),
    ],
)
def test_prose_rules(
    text: str, required_if: tuple[str, ...], exclusive: tuple[str, ...], size: int | None
) -> None:
    rules = read_rules(text, "_worker.bundle")
    assert (rules.required_if, rules.exclusive_with, rules.max_bytes) == (
        required_if,
        exclusive,
        size,
    )


def test_descriptions_are_grouped_and_named() -> None:
    lines = (
        Prose(1, 1, "Worker bundle file."),
        Prose(2, 2, "Maximum size: 25 MiB."),
        Prose(3, 3, "Something new entirely different."),
        Prose(5, 5, "The branch to build."),
    )
    matches, unmatched = match_descriptions(
        lines,
        {
            "_worker.bundle": "Worker bundle file. Maximum size: 25 MiB.",
            "branch": "The branch to build.",
        },
    )
    assert [(m.name, m.prose.line, m.prose.end_line) for m in matches] == [
        ("_worker.bundle", 1, 2),
        ("branch", 5, 5),
    ]
    assert [p.line for p in unmatched] == [3]
