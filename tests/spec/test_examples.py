"""Every example in the specs validates, or is a listed doc defect that still fails."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from triggerspec.project import Project
from triggerspec.spec.defects import DocDefects, ExampleCase, example_cases
from triggerspec.spec.model import load_api

_PROJECT = Project.from_root(ROOT)
_DEFECTS = DocDefects.load(_PROJECT.doc_defects)
_APIS = [load_api(path) for path in _PROJECT.spec_files()]
_CASES: list[ExampleCase] = [case for api in _APIS for case in example_cases(api)]


def _id(case: ExampleCase) -> str:
    return f"{case.operation_id}:{case.kind}:{case.example.name}"


def test_there_are_examples_for_every_operation() -> None:
    ops = {c.operation_id for c in _CASES if c.kind == "request"}
    with_body = {
        op.operation_id
        for path in _PROJECT.spec_files()
        for op in load_api(path).operations
        if op.body is not None
    }
    assert ops == with_body
    assert {"createManualBuild", "startJobBuild", "runWorkflows"} <= ops
    assert len(_CASES) >= 20


@pytest.mark.parametrize("case", _CASES, ids=_id)
def test_example(case: ExampleCase) -> None:
    defect = _DEFECTS.find(f"{case.api}.yaml", case.example.pointer)
    found = case.violations()
    if defect is None:
        assert found == [], [str(v) for v in found]
    else:
        assert any(defect.violates in v.message for v in found), (
            f"listed doc defect no longer breaks {defect.violates!r}: {found}"
        )


def test_every_listed_defect_names_a_real_example() -> None:
    pointers = {(f"{c.api}.yaml", c.example.pointer) for c in _CASES}
    assert _DEFECTS.entries
    for defect in _DEFECTS.entries:
        assert (defect.spec, defect.example) in pointers, defect
