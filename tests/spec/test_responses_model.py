"""The contract model's reading of success responses and body media types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from triggerspec.errors import SpecError
from triggerspec.spec.model import Api, load_api


def _api(tmp_path: Path, operation: dict[str, Any]) -> Api:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/x": {"post": {"operationId": "op", **operation}}},
    }
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(spec))
    return load_api(path)


WHEN = {"required": ["details"], "properties": {"details": {"const": True}}}


def test_x_when_selects_the_success_and_the_primary_is_the_unconditioned_one(
    tmp_path: Path,
) -> None:
    op = _api(
        tmp_path,
        {
            "responses": {
                "200": {"description": "details", "x-when": WHEN},
                "204": {"description": "none"},
                "404": {"description": "missing"},
            }
        },
    ).operations[0]
    assert [r.status for r in op.successes] == ["200", "204"]
    assert op.success.status == "204"
    assert op.success_for({"details": True}).status == "200"
    assert op.success_for({"details": False}).status == "204"
    assert op.success_for(None).status == "204"
    assert [r.kind for r in op.successes] == ["none", "none"]


def test_every_2xx_with_a_condition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="x-when: one 2xx response must have no condition"):
        _api(tmp_path, {"responses": {"200": {"description": "d", "x-when": WHEN}}})


def test_an_operation_that_only_redirects_succeeds_with_its_3xx(tmp_path: Path) -> None:
    op = _api(tmp_path, {"responses": {"302": {"description": "to the archive"}}}).operations[0]
    assert [r.status for r in op.successes] == ["302"]
    with pytest.raises(SpecError, match="at least one 2xx or 3xx response is required"):
        _api(tmp_path, {"responses": {"404": {"description": "missing"}}})


def test_response_kinds_follow_the_media_type(tmp_path: Path) -> None:
    def content(media: str) -> dict[str, Any]:
        return {"description": "d", "content": {media: {"schema": {"type": "string"}}}}

    for media, kind in [
        ("application/json", "json"),
        ("application/vnd.github+json", "json"),
        ("text/plain", "text"),
        ("application/octet-stream", "binary"),
        ("application/zip", "binary"),
    ]:
        op = _api(tmp_path, {"responses": {"200": content(media)}}).operations[0]
        assert op.success.kind == kind, media
        assert (op.success.schema is not None) == (kind == "json")


def test_a_body_keeps_every_media_type_json_first(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"ref": {"type": "string"}}}
    body = {
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "application/json": {"schema": schema},
        }
    }
    op = _api(
        tmp_path, {"requestBody": body, "responses": {"201": {"description": "d"}}}
    ).operations[0]
    assert op.body is not None
    assert op.body.media_types == ("application/json", "application/x-www-form-urlencoded")
    assert op.body.kind == "json"
    form = op.body.media("application/x-www-form-urlencoded; charset=utf-8")
    assert form is not None and form.kind == "form"
    text = {"content": {"text/plain": {}, "text/x-markdown": {}}}
    op = _api(
        tmp_path, {"requestBody": text, "responses": {"200": {"description": "d"}}}
    ).operations[0]
    assert op.body is not None and op.body.media_types == ("text/plain", "text/x-markdown")
