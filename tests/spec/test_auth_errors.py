"""``info.x-auth-errors``: parsed once into the contract model, refused by lint when wrong."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from triggerspec.errors import SpecError
from triggerspec.spec.auth_errors import DEFAULT, AuthRefusal, parse_auth_errors
from triggerspec.spec.defects import DocDefects
from triggerspec.spec.lint import lint_files
from triggerspec.spec.model import Api, load_api

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Widgets", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/widgets": {
            "post": {
                "operationId": "makeWidget",
                "summary": "Make a widget",
                "responses": {
                    "204": {"description": "made"},
                    "401": {"description": "no credential"},
                    "403": {"description": "not allowed"},
                },
            }
        },
    },
}


def _write(tmp_path: Path, declared: Any = None, spec: dict[str, Any] | None = None) -> Path:
    spec = copy.deepcopy(spec or SPEC)
    if declared is not None:
        spec["info"]["x-auth-errors"] = declared
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _api(tmp_path: Path, declared: Any = None) -> Api:
    return load_api(_write(tmp_path, declared))


def _lint(path: Path) -> list[str]:
    report = lint_files([path], DocDefects.load(path.parent / "none.yaml"), {path: path.name})
    return [str(p) for p in report.problems]


def test_without_a_declaration_the_rfc_6750_meanings_hold(tmp_path: Path) -> None:
    errors = _api(tmp_path).auth_errors
    assert errors == DEFAULT
    assert [errors.of(k).status for k in ("missing", "malformed", "invalid", "forbidden")] == [
        401,
        401,
        401,
        403,
    ]
    assert errors.declared == ()


def test_a_declaration_is_read_into_the_contract_model(tmp_path: Path) -> None:
    declared = {
        "x-decision": {"note": "sources silent", "source": "RFC 6750"},
        "missing": {"status": 401, "code": "NO_AUTH", "message": "Sign in", "x-source": "p"},
        "invalid": {"status": 401, "code": 7},
        "forbidden": {"status": 403, "code": "DENIED"},
    }
    errors = _api(tmp_path, declared).auth_errors
    assert errors.missing == AuthRefusal(401, "NO_AUTH", "Sign in")
    assert errors.invalid == AuthRefusal(401, 7)
    assert errors.forbidden == AuthRefusal(403, "DENIED")
    assert errors.malformed == errors.missing  # not declared: what `missing` says
    assert errors.declared == ("missing", "invalid", "forbidden")


def test_malformed_is_its_own_kind_when_declared() -> None:
    errors = parse_auth_errors(
        {"missing": {"status": 400, "code": 1}, "malformed": {"status": 400, "code": 2}}, "s"
    )
    assert (errors.missing.code, errors.malformed.code, errors.invalid.status) == (1, 2, 401)


@pytest.mark.parametrize(
    ("declared", "pointer", "rule"),
    [
        ({"mising": {"status": 401}}, "/info/x-auth-errors", "additionalProperties"),
        ({"missing": {"code": 1}}, "/info/x-auth-errors/missing", "required"),
        ({"missing": {"status": 500}}, "/info/x-auth-errors/missing/status", "maximum"),
        ({"invalid": {"status": 302}}, "/info/x-auth-errors/invalid/status", "minimum"),
        ({"invalid": {"status": "401"}}, "/info/x-auth-errors/invalid/status", "type"),
        ({"forbidden": {"status": 403, "code": 1.5}}, "/info/x-auth-errors/forbidden/code", "type"),
        ({"missing": {"status": 401, "text": "x"}}, "/info/x-auth-errors/missing", "additional"),
        ("strict", "/info/x-auth-errors", "type"),
    ],
)
def test_a_bad_declaration_names_file_pointer_and_rule(
    tmp_path: Path, declared: Any, pointer: str, rule: str
) -> None:
    with pytest.raises(SpecError) as caught:
        _api(tmp_path, declared)
    assert caught.value.pointer == pointer
    assert rule in caught.value.detail
    assert caught.value.detail.startswith("auth errors: ")
    problems = _lint(_write(tmp_path, declared))
    assert [p for p in problems if p.startswith(f"widgets.yaml:{pointer}: auth errors: ")]


def test_lint_refuses_a_declaration_outside_info(tmp_path: Path) -> None:
    spec = copy.deepcopy(SPEC)
    scheme = spec["components"]["securitySchemes"]["bearer"]
    scheme["x-auth-errors"] = {"invalid": {"status": 403}}
    assert _lint(_write(tmp_path, spec=spec)) == [
        "widgets.yaml:/components/securitySchemes/bearer/x-auth-errors: x-auth-errors is read "
        "from info only (one per API)"
    ]


def test_lint_refuses_a_forbidden_credential_answered_401(tmp_path: Path) -> None:
    problems = _lint(_write(tmp_path, {"forbidden": {"status": 401}}))
    assert len(problems) == 1
    assert problems[0].startswith("widgets.yaml:/info/x-auth-errors/forbidden/status: ")
    assert "use 403" in problems[0]


def test_lint_wants_each_declared_status_documented_by_secured_operations(
    tmp_path: Path,
) -> None:
    declared = {"missing": {"status": 400}, "invalid": {"status": 401}}
    problems = _lint(_write(tmp_path, declared))
    assert problems == [
        "widgets.yaml:/paths/~1widgets/post/responses: x-auth-errors says a missing credential "
        "is answered 400, but makeWidget documents no 400, 4XX or default response"
    ]  # the 401 is documented
    spec = copy.deepcopy(SPEC)
    spec["paths"]["/widgets"]["post"]["responses"]["4XX"] = {"description": "any refusal"}
    assert _lint(_write(tmp_path, declared, spec)) == []


def test_every_shipped_declaration_carries_its_provenance(
    triggerspec_apis: list[Api],
) -> None:
    """Where a spec states a vendor's auth refusals, each says where it comes from."""
    for api in triggerspec_apis:
        raw = api.document.raw["info"].get("x-auth-errors") or {}
        for kind in api.auth_errors.declared:
            here = {**raw, **raw[kind]}  # next to the entry, or once for all of them
            assert {"x-source", "x-decision"} & set(here), (api.name, kind)
