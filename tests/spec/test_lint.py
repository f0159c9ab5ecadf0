"""`triggerspec lint` on the real specs and on broken copies of them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from triggerspec.cli import main
from triggerspec.project import Project

NF = "northflank.yaml"
OP = "/paths/~1v1~1projects~1{projectId}~1jobs~1{jobId}~1build/post"


def test_committed_specs_have_no_problems(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "lint"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    names = [p.name for p in Project.from_root(ROOT).spec_files()]
    assert f"lint: {len(names)} spec(s): {', '.join(names)}; " in err
    assert " 0 problem(s)" in err


@pytest.fixture
def broken_project(tmp_path: Path) -> Callable[[Callable[[str], str]], Path]:
    """A copy of the project whose northflank spec is edited by the test."""

    def make(edit: Callable[[str], str]) -> Path:
        shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
        shutil.copytree(ROOT / "specs", tmp_path / "specs")
        spec = tmp_path / "specs" / NF
        edited = edit(spec.read_text())
        assert edited != spec.read_text(), "the edit changed nothing"
        spec.write_text(edited)
        return tmp_path

    return make


CASES: list[tuple[str, Callable[[str], str], str]] = [
    (
        "dangling-ref",
        lambda s: s.replace('schemas/Sha"', 'schemas/Shaa"', 1),
        "specs/northflank.yaml:/components/schemas/StartJobBuildPlain/properties/sha/$ref: "
        "$ref '#/components/schemas/Shaa' does not resolve",
    ),
    (
        "non-portable-regex",
        lambda s: s.replace("pattern: ^[a-zA-Z0-9-_]+$", r"pattern: ^[a-zA-Z0-9-_\s]+$"),
        "specs/northflank.yaml:/components/schemas/DockerOverrides/properties/dockerfileTarget/"
        "pattern: regex",
    ),
    (
        "pattern-properties-regex-that-does-not-compile",
        lambda s: s.replace(
            "          propertyNames:\n",
            '          patternProperties:\n            "(?<=a)b[": {}\n          propertyNames:\n',
            1,
        ),
        "/buildFiles/patternProperties/(?<=a)b[: regex '(?<=a)b[' does not compile",
    ),
    (
        "pattern-that-is-not-a-string",
        lambda s: s.replace("pattern: ^[a-zA-Z0-9-_]+$", "pattern: 7"),
        "/dockerfileTarget/pattern: a regex must be a string, not int",
    ),
    (
        "missing-operation-id",
        lambda s: s.replace("      operationId: startJobBuild\n", ""),
        f"specs/northflank.yaml:{OP}: operationId is missing",
    ),
    (
        "missing-summary",
        lambda s: s.replace("      summary: Start job build\n", ""),
        f"specs/northflank.yaml:{OP}: summary is missing",
    ),
    (
        "unknown-extension",
        lambda s: s.replace("x-retry-safe: never-sent", "x-side-efects: none"),
        f"specs/northflank.yaml:{OP}/x-side-efects: unknown extension 'x-side-efects'",
    ),
    (
        "bad-example",
        lambda s: s.replace(
            "sha: 262ed9817b3cad5142fbceabe0c9e371e390d616\n              doc-with",
            "sha: 262ed98\n              doc-with",
        ),
        f"specs/northflank.yaml:{OP}/requestBody/content/application~1json/examples/"
        "doc-current-settings/value: request example 'doc-current-settings' is invalid at /sha",
    ),
    (
        "broken-yaml",
        lambda s: s.replace("paths:\n", "paths:\n  - [unclosed\n", 1),
        "specs/northflank.yaml:/: not valid YAML: line",
    ),
    (
        "base-url-variable-that-is-not-a-name",
        lambda s: s.replace(
            "    description: Northflank API\n",
            "    description: Northflank API\n    x-env: [NORTHFLANK-URL]\n",
        ),
        "specs/northflank.yaml:/servers/0/x-env/0: x-env: 'NORTHFLANK-URL' is not an "
        "environment variable name",
    ),
    (
        "base-url-variables-not-a-list",
        lambda s: s.replace(
            "    description: Northflank API\n",
            "    description: Northflank API\n    x-env: NORTHFLANK_URL\n",
        ),
        "specs/northflank.yaml:/servers/0/x-env: x-env must be a non-empty list",
    ),
    (
        "base-url-variables-on-a-later-server",
        lambda s: s.replace(
            "    description: Northflank API\n",
            "    description: Northflank API\n"
            "  - url: https://eu.example.com\n    x-env: [NORTHFLANK_EU_URL]\n",
        ),
        "specs/northflank.yaml:/servers/1/x-env: x-env is read from the first server only",
    ),
    (
        "base-url-variable-of-another-server",
        lambda s: s.replace(
            "    description: Northflank API\n",
            "    description: Northflank API\n    x-env: [CLOUDFLARE_BASE_URL]\n",
        ),
        "specs/northflank.yaml:/servers/0: base-URL variable CLOUDFLARE_BASE_URL is also "
        "specs/cloudflare-pages.yaml's, whose server differs",
    ),
    (
        "not-openapi",
        lambda s: s.replace("openapi: 3.1.0", "openapi: 3.1.0\nwebhooks: 7"),
        "specs/northflank.yaml:/webhooks: OpenAPI 3.1:",
    ),
]


@pytest.mark.parametrize(("name", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_spec_is_reported_with_file_and_pointer(
    broken_project: Callable[[Callable[[str], str]], Path],
    capsys: pytest.CaptureFixture[str],
    name: str,
    edit: Callable[[str], str],
    expected: str,
) -> None:
    root = broken_project(edit)
    assert main(["--root", str(root), "lint"]) == 1
    out, err = capsys.readouterr()
    assert expected in out, out
    assert "Traceback" not in out + err


def test_stale_doc_defect_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "sourcecraft.yaml"
    both = "                    tag: example\n                    commit: example\n"
    spec.write_text(spec.read_text().replace(both, ""))
    assert main(["--root", str(tmp_path), "lint"]) == 1
    assert "listed as a doc defect but now validates" in capsys.readouterr().out


def test_without_a_project_lint_reads_the_bundled_specs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["lint"]) == 0
    assert "0 problem(s)" in capsys.readouterr().err


def test_project_is_found_from_a_subdirectory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT / "specs" / "docs")
    assert main(["lint", str(ROOT / "specs" / NF)]) == 0


def test_two_specs_whose_routes_cannot_be_told_apart_are_reported(tmp_path: Path) -> None:
    import yaml

    from triggerspec.spec.defects import DocDefects
    from triggerspec.spec.lint import lint_files

    def spec(op_id: str, path: str) -> dict[str, object]:
        return {
            "openapi": "3.1.0",
            "info": {"title": op_id, "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                path: {
                    "post": {
                        "operationId": op_id,
                        "summary": op_id,
                        "security": [],
                        "parameters": [
                            {
                                "name": n,
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                            for n in ("id", "thing")
                            if "{" + n + "}" in path
                        ],
                        "responses": {"204": {"description": "ok"}},
                    }
                }
            },
        }

    files = []
    for name, path in (
        ("one", "/things/{id}"),
        ("two", "/things/{thing}"),
        ("three", "/things/{id}/x"),
    ):
        file = tmp_path / f"{name}.yaml"
        file.write_text(yaml.safe_dump(spec(f"make_{name}", path)))
        files.append(file)
    defects = DocDefects.load(tmp_path / "none.yaml")
    report = lint_files(files, defects, {f: f.name for f in files})
    clashes = [str(p) for p in report.problems if "cannot be told apart" in p.message]
    assert len(report.apis) == 3, report.problems
    assert clashes == [
        "two.yaml:/paths/~1things~1{thing}/post: POST /things/{thing} (make_two) cannot be told "
        "apart from make_one in one.yaml (same method and path shape)"
    ]


def test_every_file_in_specs_is_read_or_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "specs" / "docs").mkdir(parents=True)
    (tmp_path / "specs" / "doc-defects.yaml").write_text("[]\n")
    (tmp_path / "specs" / "notes.md").write_text("# notes\n")
    assert main(["--root", str(tmp_path), "lint"]) == 2
    err = capsys.readouterr().err
    assert "ignored: specs/notes.md: not a spec file" in err
    assert "no spec found in specs/ (looked for *.yaml, *.yml, *.json)" in err
    (tmp_path / "specs" / "api.json").write_text('{"info": {}}')
    (tmp_path / "specs" / "b.yml").write_text("swagger: '2.0'\n")
    assert main(["--root", str(tmp_path), "lint"]) == 1
    out, err = capsys.readouterr()
    assert "specs/api.json:/: not an OpenAPI document: no 'openapi' field" in out
    assert "specs/b.yml:/swagger: Swagger 2.0 is not read" in out
    assert "lint: 2 spec(s): api.json, b.yml;" in err


def _one_operation(tmp_path: Path, **extra: object) -> Path:
    """A spec of one GET without ``security``, with ``extra`` at the top level."""
    import json

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "summary": "List things",
                    "responses": {"204": {"description": "none"}},
                }
            }
        },
        **extra,
    }
    path = tmp_path / "specs" / "t.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(spec))
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    return tmp_path


def test_a_missing_security_is_a_problem_only_where_schemes_are_declared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anonymous = _one_operation(tmp_path / "a")
    assert main(["--root", str(anonymous), "lint"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    schemes = {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}}
    declared = _one_operation(tmp_path / "b", components=schemes)
    assert main(["--root", str(declared), "lint"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("specs/t.json:/paths/~1things/get: security is missing")
    assert "     1  security is missing" in err  # the summary by kind
    stated = _one_operation(tmp_path / "c", components=schemes, security=[{"token": []}])
    assert main(["--root", str(stated), "lint"]) == 0


def test_the_summary_counts_example_failures_by_the_rule_they_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    root = _one_operation(tmp_path)
    spec = json.loads((root / "specs" / "t.json").read_text())
    thing = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    examples = {f"e{i}": {"value": value} for i, value in enumerate([{}, {}, {"id": "x"}])}
    spec["paths"]["/things"]["get"]["responses"] = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": thing, "examples": examples}},
        }
    }
    (root / "specs" / "t.json").write_text(json.dumps(spec))
    assert main(["--root", str(root), "lint"]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3
    assert "     2  response example breaks 'required'\n" in err
    assert "     1  response example breaks 'type integer'\n" in err
    assert err.index("'required'") < err.index("'type integer'")  # the most frequent first
