"""Adding a spec to ``specs/`` breaks no test that is about something else.

The suite's behaviour tests run on a copy of this project whose ``specs/`` holds one more
spec (a foreign cut, in JSON and OpenAPI 3.0): every test must still pass there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.corpus.runner import FOREIGN, ROOT
from triggerspec.cli import main

BEHAVIOUR_TESTS = [
    "tests/spec/test_lint.py",
    "tests/spec/test_examples.py",
    "tests/spec/test_rules.py",
    "tests/codegen/test_models.py",
    "tests/mock/test_routes.py",
    "tests/mock/test_control.py",
    "tests/mock/test_responses.py",
    "tests/mock/test_validation.py",
    "tests/mock/test_generated_clients.py",
    "tests/contract/test_catalogue.py::test_a_loopback_run_plans_every_operation_in_both_modes",
    "tests/test_fuzz_command.py::test_real_endpoint_gets_only_negative_cases_for_side_effects",
]


def test_the_behaviour_tests_pass_with_one_more_spec(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for folder in ("specs", "tests", "generated"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    extra = FOREIGN / "netlify-build-hook" / "specs" / "netlify.json"
    shutil.copy(extra, copy / "specs" / extra.name)
    assert main(["--root", str(copy), "regen", "-q"]) == 0
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy), str(copy / "generated"), str(ROOT / "tools")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", *BEHAVIOUR_TESTS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
