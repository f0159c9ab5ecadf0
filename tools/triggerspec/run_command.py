"""``triggerspec run``: the main job, the whole contract loop against the embedded mock.

Steps, in order, each printed as it runs and summarised at the end: lint the specs, check
that the generated code is fresh, run the client contract tests (generated clients against
the specs), and fuzz every operation in both modes against the embedded mock (in-process,
no port). Exit 0 when every step holds, 1 when a check failed, 2 on usage or spec errors.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from triggerspec.contract import interrupt
from triggerspec.errors import TriggerspecError
from triggerspec.flags import POSITIVE, SEED
from triggerspec.project import Project

Step = Callable[[argparse.Namespace, Project], tuple[int, str]]


@dataclass
class StepResult:
    """How one step of the main job went."""

    name: str
    code: int
    detail: str
    seconds: float


def _lint(args: argparse.Namespace, project: Project) -> tuple[int, str]:
    from triggerspec.spec.defects import DocDefects
    from triggerspec.spec.lint import lint_files

    paths = project.spec_files()
    defects = DocDefects.load(project.doc_defects, project.relative(project.doc_defects))
    report = lint_files(paths, defects, {p: project.relative(p) for p in paths})
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    ops = sum(len(a.operations) for a in report.apis)
    return (
        0 if report.ok else 1
    ), f"{len(paths)} specs, {ops} operations, {len(report.problems)} problems"


def _docs(args: argparse.Namespace, project: Project) -> tuple[int, str]:
    from triggerspec.drift.cli import docs_check

    code = docs_check(argparse.Namespace(docs=None, decisions=None, json=False, all=False), project)
    return code, "no unexplained drift" if code == 0 else "unexplained drift (see above)"


def _fresh(args: argparse.Namespace, project: Project) -> tuple[int, str]:
    from triggerspec.codegen.pipeline import regen

    if project.bundled:
        return 0, "skipped: no project here (the bundled specs and clients are used)"
    result = regen(project, check=True)
    for path in result.stale:
        print(f"  stale: {path}", file=sys.stderr)
    if result.stale:
        return 1, f"{len(result.stale)} stale files: run `triggerspec regen`"
    return 0, "generated code is up to date"


def _clients(args: argparse.Namespace, project: Project) -> tuple[int, str]:
    from triggerspec.contract.client_contract import check_clients

    report = check_clients(project, max_examples=args.client_examples, seed=args.seed)
    print(
        f"  {'operation':<22} {'cases':>5} {'mutations':>9} {'checks ok':>9} {'failed':>6}",
        file=sys.stderr,
    )
    for operation, cases, mutations, passed, failed in report.rows():
        print(
            f"  {operation:<22} {cases:>5} {mutations:>9} {passed:>9} {failed:>6}", file=sys.stderr
        )
    for failure in report.failures:
        print(f"  FAILED {failure}", file=sys.stderr)
    return (0 if report.ok else 1), (
        f"{len(report.rows())} operations, {report.cases} cases, {len(report.failures)} failures"
    )


def _fuzz(args: argparse.Namespace, project: Project) -> tuple[int, str]:
    from triggerspec.contract.runner import MODES, plan, run
    from triggerspec.fuzz_command import build_config, render_summary, select_apis

    fuzz_args = argparse.Namespace(
        base_url=None,
        allow_side_effects=False,
        max_requests=None,
        max_examples=args.max_examples,
        max_time=None,
        seed=args.seed,
    )
    apis = select_apis(project, [])
    config = build_config(project, apis, fuzz_args)
    tasks = plan(apis, config.safety, modes=MODES)
    result = run(
        tasks,
        config,
        workers=args.workers,
        on_result=lambda r: print(
            f"  {r.task.label:<34} {r.cases:4d} cases  "
            f"{len(r.failures)} failure(s)  {r.seconds:.1f}s",
            file=sys.stderr,
        ),
    )
    print(render_summary(result))
    if result.interrupted:
        raise KeyboardInterrupt
    code = 2 if result.errors else 1 if result.failures else 0
    return code, (
        f"{len(tasks)} tasks, {result.cases} cases, "
        f"{len(result.failures)} failures, {len(result.errors)} errors"
    )


STEPS: list[tuple[str, Step]] = [
    ("lint", _lint),
    ("docs check", _docs),
    ("regen --check", _fresh),
    ("client contract", _clients),
    ("fuzz (mock)", _fuzz),
]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``triggerspec run``."""
    run = commands.add_parser(
        "run",
        help="the main job: lint, freshness, client contract tests, fuzz of the embedded mock",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    run.add_argument(
        "--max-examples",
        type=POSITIVE,
        default=25,
        metavar="N",
        help="fuzz cases per operation and mode (default 25)",
    )
    run.add_argument(
        "--client-examples",
        type=POSITIVE,
        default=25,
        metavar="N",
        help="drawn inputs per operation in the client contract tests (default 25)",
    )
    run.add_argument(
        "--workers", type=POSITIVE, default=2, metavar="N", help="fuzz worker processes (default 2)"
    )
    run.add_argument("--seed", type=SEED, default=0, help="seed for the whole run (default 0)")
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace, project: Project) -> int:
    """Run every step, even after a failure, and print one summary."""
    results: list[StepResult] = []
    interrupted = False
    with interrupt.interruptible():
        for name, step in STEPS:
            print(f"== {name}", file=sys.stderr)
            started = time.perf_counter()
            try:
                code, detail = step(args, project)
            except TriggerspecError as exc:
                code, detail = exc.exit_code, str(exc)
            except KeyboardInterrupt:
                code, detail, interrupted = 130, "interrupted (Ctrl-C)", True
            # A KeyboardInterrupt a library swallowed still leaves the stop flag set.
            if interrupt.stopping() and not interrupted:
                code, detail, interrupted = 130, "interrupted (Ctrl-C)", True
            results.append(StepResult(name, code, detail, time.perf_counter() - started))
            if interrupted:
                break  # the steps that ran are summarised, the rest are not started
    total = sum(r.seconds for r in results)
    print("\ntriggerspec run summary")
    for r in results:
        verdict = "ok" if r.code == 0 else "FAILED"
        print(f"  {r.name:<16} {verdict:<7} {r.seconds:6.1f}s  {r.detail}")
    failed = [r for r in results if r.code]
    print(f"  {'total':<16} {'ok' if not failed else 'FAILED':<7} {total:6.1f}s")
    if interrupted:
        print("triggerspec: interrupted", file=sys.stderr)
        return 130
    return max((r.code for r in results), default=0)
