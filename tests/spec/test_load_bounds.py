"""Loading a spec file: bounded in size and in what YAML aliases may expand to."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from triggerspec.errors import SpecError
from triggerspec.spec import load
from triggerspec.spec.load import load_spec

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_quickly_with_file_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "bomb.yaml"
    spec.write_text(BOMB)
    assert len(BOMB) < 700
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        load_spec(spec, "specs/bomb.yaml")
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert message.startswith("specs/bomb.yaml:/: line ")
    assert "YAML aliases expand the document" in message


def test_the_bomb_is_refused_by_lint_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triggerspec.cli import main

    (tmp_path / "pyproject.toml").write_text("[tool.triggerspec]\n")
    (tmp_path / "specs").mkdir()
    (tmp_path / "bomb.yaml").write_text(BOMB)
    started = time.perf_counter()
    code = main(["--root", str(tmp_path), "lint", str(tmp_path / "bomb.yaml")])
    assert code in (1, 2)
    assert time.perf_counter() - started < 5.0
    out, err = capsys.readouterr()
    assert re.search(r"bomb.yaml:/: line [67]: YAML aliases expand the document", out + err)
    assert "Traceback" not in out + err


def test_modest_anchors_still_load(tmp_path: Path) -> None:
    spec = tmp_path / "anchors.yaml"
    spec.write_text(
        "openapi: 3.1.0\nshared: &s {type: string, maxLength: 3}\n"
        "a: *s\nb: *s\nc: [*s, *s, &t [1, 2]]\nd: *t\n"
    )
    doc = load_spec(spec)
    assert doc.raw["c"][0] == {"type": "string", "maxLength": 3}
    assert doc.raw["d"] == [1, 2]


def test_a_shared_schema_repeated_by_many_aliases_loads(tmp_path: Path) -> None:
    import yaml

    shared = {f"field{n}": {"type": "string", "maxLength": n} for n in range(70)}
    doc = {"openapi": "3.1.0", "ops": [{"schema": shared} for _ in range(1000)]}
    text = yaml.safe_dump(doc)  # PyYAML writes one anchor and 999 aliases
    assert text.count("*id") >= 999
    spec = tmp_path / "many.yaml"
    spec.write_text(text)
    assert load_spec(spec).raw["ops"][999]["schema"]["field69"]["maxLength"] == 69


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_SPEC_BYTES", 100)
    spec = tmp_path / "big.yaml"
    spec.write_text("openapi: 3.1.0\n" + "x: " + "y" * 200 + "\n")
    with pytest.raises(
        SpecError, match=r"big.yaml:/: the file is 219 bytes, over the limit of 100"
    ):
        load_spec(spec, "big.yaml")
