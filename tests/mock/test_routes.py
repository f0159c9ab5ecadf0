"""Routing: vendor base paths, literal-before-parameter with backtracking, constant cost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from triggerspec.errors import UsageError
from triggerspec.mock import routes
from triggerspec.mock.app import create_app
from triggerspec.mock.exchange import MockRequest
from triggerspec.mock.routes import BadPath, Match, Router, WrongMethod, split_target
from triggerspec.spec.model import Api, load_api


def _spec(paths: dict[str, Any], server: str = "https://api.example.com/base") -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "x-envelope": "sourcecraft"},
        "servers": [{"url": server}],
        "paths": paths,
    }


ROOT = "https://api.example.com"


def _op(op_id: str) -> dict[str, Any]:
    return {"operationId": op_id, "responses": {"200": {"description": "ok"}}}


def _load(tmp_path: Path, name: str, spec: dict[str, Any]) -> Api:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return load_api(path)


def generated_api(tmp_path: Path, count: int) -> Api:
    """A spec with ``count`` operations, the shape of a large real API."""
    paths = {f"/things{i}/{{id}}/parts/{{part}}": {"post": _op(f"op{i}")} for i in range(count)}
    return _load(tmp_path, f"big{count}", _spec(paths))


def test_every_operation_is_served_under_its_base_path(triggerspec_apis: list[Api]) -> None:
    router = Router(triggerspec_apis)
    templates = sorted(r.template for r in router.routes)
    assert templates == sorted(
        api.base_path + op.path for api in triggerspec_apis for op in api.operations
    )
    assert set(templates) >= {
        "/client/v4/accounts/{account_id}/builds/repos/connections",
        "/client/v4/accounts/{account_id}/pages/projects/{project_name}/deployments",
        "/v1/projects/{projectId}/jobs/{jobId}/build",
        "/v1/teams/{teamId}/projects/{projectId}/jobs/{jobId}/build",
        "/{org_slug}/{repo_slug}/ci_workflows/{workflow_name}/trigger",
    }


def _resolve(router: Router, method: str, target: str) -> Match | WrongMethod | None:
    return router.resolve(method, split_target(target))


def test_literals_win_and_parameters_backtrack(triggerspec_apis: list[Api]) -> None:
    router = Router(triggerspec_apis)
    runs = _resolve(router, "POST", "/repos/o/r/cicd/runs")
    assert isinstance(runs, Match)
    assert runs.route.operation.operation_id == "runWorkflows"
    # "repos" is a literal of runWorkflows, but here it is the org of runWorkflow
    trigger = _resolve(router, "POST", "/repos/r/ci_workflows/w/trigger")
    assert isinstance(trigger, Match)
    assert trigger.route.operation.operation_id == "runWorkflow"
    assert trigger.params == {"org_slug": "repos", "repo_slug": "r", "workflow_name": "w"}


def test_parameters_are_percent_decoded() -> None:
    assert split_target("/a%2Fb/%C3%A9/x") == ["a/b", "\u00e9", "x"]
    with pytest.raises(BadPath, match="segment 2"):
        split_target("/ok/%ff")


def test_a_wrong_method_lists_the_allowed_ones(triggerspec_apis: list[Api]) -> None:
    router = Router(triggerspec_apis)
    found = _resolve(router, "GET", "/v1/projects/p/jobs/j/build")
    assert isinstance(found, WrongMethod)
    assert (found.api.name, found.allowed) == ("northflank", ("POST",))
    assert _resolve(router, "POST", "/v1/projects/p/jobs/j") is None
    assert _resolve(router, "POST", "/v1/projects/p/jobs/j/build/extra") is None


def test_two_apis_may_share_a_prefix(tmp_path: Path) -> None:
    one = _load(tmp_path, "one", _spec({"/a/{x}": {"post": _op("a")}}))
    two = _load(tmp_path, "two", _spec({"/a/{y}": {"get": _op("b")}, "/b": {"get": _op("c")}}))
    router = Router([one, two])
    post, get = _resolve(router, "POST", "/base/a/1"), _resolve(router, "GET", "/base/a/1")
    assert isinstance(post, Match) and isinstance(get, Match)
    assert (post.route.api.name, post.params) == ("one", {"x": "1"})
    assert (get.route.api.name, get.params) == ("two", {"y": "1"})


def test_the_same_method_and_path_twice_is_an_error(tmp_path: Path) -> None:
    one = _load(tmp_path, "one", _spec({"/a/{x}": {"post": _op("a")}}))
    two = _load(tmp_path, "two", _spec({"/a/{y}": {"post": _op("b")}}))
    with pytest.raises(UsageError, match="are both POST /base/a/"):
        Router([one, two])


def test_segments_mixing_text_and_parameters_are_served(tmp_path: Path) -> None:
    paths = {
        "/compare/{base}...{head}": {"get": _op("compare")},
        "/files/{name}.json": {"get": _op("jsonFile")},
        "/files/{name}": {"get": _op("anyFile")},
        "/files/latest.json": {"get": _op("latest")},
    }
    router = Router([_load(tmp_path, "mixed", _spec(paths, ROOT))])
    compare = _resolve(router, "GET", "/compare/v1...feature%2Fx...y")
    assert isinstance(compare, Match)
    # every parameter but the last takes as little as it can
    assert compare.params == {"base": "v1", "head": "feature/x...y"}
    found = {
        target: _resolve(router, "GET", target)
        for target in ("/files/a.json", "/files/a.txt", "/files/latest.json")
    }
    ids = {t: m.route.operation.operation_id for t, m in found.items() if isinstance(m, Match)}
    # a literal beats a mixed segment, which beats a whole-segment parameter
    assert ids == {
        "/files/a.json": "jsonFile",
        "/files/a.txt": "anyFile",
        "/files/latest.json": "latest",
    }
    assert _resolve(router, "GET", "/compare/nodots") is None


def test_two_apis_at_the_root_with_the_same_shape_are_refused_naming_both(tmp_path: Path) -> None:
    one = _load(tmp_path, "one", _spec({"/things/{id}": {"post": _op("makeOne")}}, ROOT))
    two = _load(tmp_path, "two", _spec({"/things/{thing}": {"post": _op("makeTwo")}}, ROOT))
    with pytest.raises(UsageError, match=r"makeTwo \(two\) and makeOne \(one\)"):
        Router([one, two])
    other = _load(tmp_path, "three", _spec({"/things/{id}/x": {"post": _op("makeThree")}}, ROOT))
    assert len(Router([one, other]).routes) == 2


def test_an_unknown_path_names_the_nearest_operations(tmp_path: Path) -> None:
    paths = {
        "/repos/{o}/{r}/cicd/runs": {"post": _op("runs")},
        "/repos/{o}/{r}/actions/workflows/{w}/dispatches": {"post": _op("dispatch")},
        "/users/{u}": {"get": _op("user")},
    }
    api = _load(tmp_path, "near", _spec(paths, ROOT))
    router = Router([api])
    nearest = [r.operation.operation_id for r in router.nearest(split_target("/repos/cicd/runs"))]
    assert nearest == ["runs", "dispatch", "user"]
    app = create_app([api])
    response = app.handle(MockRequest("POST", "/repos/o/r/cicd/run"))
    assert response.status == 404
    assert "nearest: POST /repos/{o}/{r}/cicd/runs (runs)" in response.body.decode()


def test_an_operation_without_a_builder_answers_its_schema(tmp_path: Path) -> None:
    spec = _spec(
        {
            "/thing": {
                "post": {
                    "operationId": "makeThing",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id", "at", "n", "tags", "kind"],
                                        "properties": {
                                            "id": {"type": "string", "format": "uuid"},
                                            "at": {"type": "string", "format": "date-time"},
                                            "n": {"type": "integer", "minimum": 3},
                                            "tags": {"type": "array"},
                                            "kind": {"enum": ["a", "b"]},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        }
    )
    app = create_app([_load(tmp_path, "thing", spec)])
    response = app.handle(MockRequest("POST", "/base/thing"))
    assert response.status == 200
    body = response.json()
    assert (body["n"], body["tags"], body["kind"]) == (3, [], "a")
    assert len(body["id"]) == 36


def test_route_lookup_cost_does_not_grow_with_operations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, big = Router([generated_api(tmp_path, 1)]), Router([generated_api(tmp_path, 1000)])
    assert len(big.routes) == 1000
    steps: list[int] = []
    original = Router._walk

    def counting(self: Router, *args: Any) -> Any:
        steps.append(1)
        return original(self, *args)

    monkeypatch.setattr(Router, "_walk", counting)
    for router, target in ((small, "/base/things0/7/parts/9"), (big, "/base/things999/7/parts/9")):
        steps.clear()
        assert isinstance(_resolve(router, "POST", target), Match)
        visited = len(steps)
        assert visited <= len(split_target(target)) + 1
    assert visited == len(split_target("/base/things0/7/parts/9")) + 1


def test_a_thousand_operations_build_fast_enough(tmp_path: Path) -> None:
    api = generated_api(tmp_path, 1000)
    started = time.perf_counter()
    app = create_app([api])
    assert time.perf_counter() - started < 5
    assert app.handle(MockRequest("POST", "/base/things500/1/parts/2")).status == 200


def test_lookup_memoises_verdicts_by_raw_target(
    triggerspec_apis: list[Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    router = Router(triggerspec_apis)
    first = router.lookup("POST", "/v1/projects/p%20q/jobs/j/build")
    assert isinstance(first, Match) and first.params == {"projectId": "p q", "jobId": "j"}
    monkeypatch.setattr(Router, "resolve", lambda *a: pytest.fail("resolved twice"))
    assert router.lookup("POST", "/v1/projects/p%20q/jobs/j/build") is first


def test_lookup_keeps_the_verdicts_of_misses_and_wrong_methods(
    triggerspec_apis: list[Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    router = Router(triggerspec_apis)
    assert router.lookup("POST", "/nowhere") is None
    assert isinstance(router.lookup("GET", "/v1/projects/p/jobs/j/build"), WrongMethod)
    with pytest.raises(BadPath):
        router.lookup("POST", "/v1/projects/%ff/jobs/j/build")
    monkeypatch.setattr(routes, "ROUTE_CACHE", 2)
    for i in range(5):
        router.lookup("POST", f"/v1/projects/p{i}/jobs/j/build")
    assert len(router._seen) <= 2
