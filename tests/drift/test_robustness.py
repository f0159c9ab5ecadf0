"""Bad input gives findings or one clear error, never a traceback: mutated pages and specs."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.drift.conftest import BASELINE
from triggerspec.drift.check import check_docs
from triggerspec.drift.diff import diff_files
from triggerspec.drift.known import Decisions
from triggerspec.drift.loading import load_checked
from triggerspec.errors import SpecError
from triggerspec.project import Project
from triggerspec.spec.defects import DocDefects

PROJECT = Project.from_root(BASELINE)
APIS = [load_checked(p, PROJECT.relative(p)) for p in PROJECT.spec_files()]
PAGES = sorted(PROJECT.docs_dir.glob("*.txt"))
NOISE = ["{", "}", '"', "[", "]", "\\", "'", "•", "Type: X", "OR", "Name", "Example", "curl x"]


def mutate_page(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.3:
            del lines[i]
        elif roll < 0.5:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif roll < 0.8 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rng.choice(NOISE) + lines[i][k + 1 :]
        else:
            lines.insert(i, rng.choice(NOISE))
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_pages_give_findings_not_crashes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    decisions = Decisions.load(PROJECT.docs_dir / "drift-decisions.yaml")
    defects = DocDefects.load(PROJECT.doc_defects)
    for i in range(10):
        page = rng.choice(PAGES)
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / page.name).write_text(mutate_page(page.read_text(), rng))
        report = check_docs(APIS, folder, decisions, defects, only_present=True)
        assert len(report.pages) == 1


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, (*path, index))


def mutate_spec(document: Any, rng: random.Random) -> Any:
    for _ in range(rng.randint(1, 3)):
        path, node = rng.choice(list(_nodes(document))[1:])
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        roll = rng.random()
        if roll < 0.4:
            del parent[path[-1]]
        elif roll < 0.7:
            parent[path[-1]] = rng.choice([None, 1, "x", [], {}, True, {"type": "string"}])
        elif isinstance(node, dict):
            node[rng.choice(["required", "enum", "pattern", "type", "anyOf", "items"])] = (
                rng.choice([["a"], "^x$", 3, False, [{"required": ["a"]}], "string"])
            )
    return document


@pytest.mark.parametrize("seed", range(3))
def test_mutated_specs_diff_or_fail_with_a_spec_error(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(6):
        spec = rng.choice(PROJECT.spec_files())
        new = tmp_path / f"{i}-{spec.name}"
        new.write_text(yaml.safe_dump(mutate_spec(yaml.safe_load(spec.read_text()), rng)))
        try:
            diff_files(spec, new, "old", "new")
        except SpecError as exc:
            assert str(exc).startswith("new:")
