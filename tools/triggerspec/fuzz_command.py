"""``triggerspec fuzz``: the CLI face of the fuzz runner, and the targets it can aim at.

This module sits beside the CLI because it joins two tools: the runner
(:mod:`triggerspec.contract`) and the embedded mock (:mod:`triggerspec.mock`), which the
runner itself never imports.
"""

from __future__ import annotations

import argparse
import functools
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import requests

from triggerspec.contract.har import document as har_document
from triggerspec.contract.runner import (
    MODES,
    RunConfig,
    RunResult,
    SessionFactory,
    TaskResult,
    dummy_credentials,
    environ_credentials,
    iter_summary_rows,
    plan,
    run,
    to_json,
)
from triggerspec.contract.safety import DEFAULT_REQUEST_TIMEOUT, Safety
from triggerspec.errors import UsageError
from triggerspec.flags import POSITIVE, SEED, positive_seconds
from triggerspec.project import Project
from triggerspec.spec.cache import cached_api
from triggerspec.spec.model import Api

EMBEDDED = "http://mock.invalid"
"""The base URL of the embedded mock: answered in-process, never resolved."""


def mock_session(root: str, seed: int | None, specs: tuple[str, ...] = ()) -> requests.Session:
    """A session answered by a fresh embedded mock of ``specs`` (default: the project's),
    picklable for worker processes. Each operation is read on its first request, and a
    document this process already read is not read again."""
    from triggerspec.mock import MockSettings, create_app, load_apis
    from triggerspec.mock.requests_adapter import mock_session as session_for

    project = Project.from_root(Path(root))
    apis = load_apis(project, [Path(s) for s in specs], lazy=True)
    return session_for(create_app(apis, MockSettings(seed=seed)))


def _shard(value: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in value.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard wants K/N, like 1/2; got {value!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {value}: K must be between 1 and N")
    return index, count


def _write_report(path: Path, text: str) -> None:
    """Write one report, making its folder; a path that cannot be written is a usage error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the report: {exc.strerror}") from None


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``triggerspec fuzz``."""
    fuzz = commands.add_parser(
        "fuzz",
        help="fuzz the embedded mock or any server with Schemathesis cases",
        description=(
            "Send Schemathesis-generated cases for every operation (positive: valid requests "
            "that must be accepted; negative: invalid ones that must be refused) and judge "
            "each answer with the contract checks. Without --base-url the embedded mock is "
            "fuzzed in-process. Against a base URL that is not loopback (or any URL with "
            "--real-endpoint), operations with side effects (build triggers, upserts) get "
            "negative cases only, and only those the vendor itself would refuse (the rest are "
            "withheld and counted), unless --allow-side-effects is given with --max-requests. "
            "Every case is sent once. Ctrl-C writes the reports of what ran and exits 130. "
            "Credentials for a real endpoint come from the environment variables of the specs' "
            "security schemes (listed below) and are never printed. Exit 0 when every check "
            "holds, 1 on contract failures, 2 on usage or spec errors."
        ),
    )
    fuzz.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="spec to fuzz (repeatable; default: every spec)",
    )
    fuzz.add_argument("--operation", metavar="ID", help="only this operationId")
    fuzz.add_argument(
        "--base-url",
        metavar="URL",
        help="server to fuzz; a URL without a path gets each API's base path "
        "(the path of its first server URL) appended (default: the embedded mock)",
    )
    fuzz.add_argument("--mode", choices=("positive", "negative", "all"), default="all")
    fuzz.add_argument(
        "--max-examples",
        type=POSITIVE,
        default=50,
        metavar="N",
        help="cases per operation and mode (default 50)",
    )
    fuzz.add_argument(
        "--max-time",
        type=positive_seconds,
        metavar="SECONDS",
        help="stop the whole run after this long (rate-limit waits included)",
    )
    fuzz.add_argument(
        "--request-timeout",
        type=positive_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="a request taking longer fails its case (default %(default)g)",
    )
    fuzz.add_argument("--seed", type=SEED, help="Hypothesis seed, for a reproducible run")
    fuzz.add_argument(
        "--workers",
        type=POSITIVE,
        default=1,
        metavar="N",
        help="worker processes (loopback targets only; default 1)",
    )
    fuzz.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run only the K-th of N slices of the work (to split across CI jobs)",
    )
    fuzz.add_argument("--report", type=Path, metavar="FILE", help="write a JUnit XML report")
    fuzz.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    fuzz.add_argument(
        "--har",
        type=Path,
        metavar="FILE",
        help="write every exchange as HAR 1.2 (credentials and secrets masked)",
    )
    fuzz.add_argument(
        "--allow-side-effects",
        action="store_true",
        help="also send valid requests to operations that start builds",
    )
    fuzz.add_argument(
        "--real-endpoint",
        action="store_true",
        help="treat the target as a real vendor endpoint even on loopback: every "
        "real-endpoint safety on (negative cases only for side effects, one send per case)",
    )
    fuzz.add_argument(
        "--max-requests",
        type=POSITIVE,
        metavar="N",
        help="stop after N requests in all (required with --allow-side-effects "
        "against a real endpoint)",
    )
    fuzz.set_defaults(handler=handle)


def build_config(project: Project, apis: list[Api], args: argparse.Namespace) -> RunConfig:
    """Where to send cases, with which credentials, under which safety rules."""
    target = args.base_url or EMBEDDED
    safety = Safety.for_target(
        [target],
        real_endpoint=getattr(args, "real_endpoint", False),
        allow_side_effects=args.allow_side_effects,
        max_requests=args.max_requests,
    )
    loopback = safety.loopback
    base_urls: dict[str, str] = {}
    auth: dict[str, dict[str, str]] = {}
    for api in apis:
        base = target.rstrip("/")
        if not target.split("://", 1)[-1].strip("/").count("/"):
            base += api.base_path
        base_urls[api.name] = base
        creds = environ_credentials(api)
        if creds is None and not loopback:
            wanted = " or ".join(
                " and ".join(
                    api.schemes[n].env[0] if api.schemes[n].env else f"the {n!r} credential"
                    for n in option
                )
                for option in sorted({r for o in api.operations for r in o.security})
            )
            raise UsageError(f"{api.document.display}: no credentials for {target}: set {wanted}")
        auth[api.name] = creds or dummy_credentials(api)
    factory: SessionFactory
    if args.base_url:
        factory = requests.Session
    else:
        specs = tuple(str(api.document.path) for api in apis)
        factory = functools.partial(mock_session, str(project.root), args.seed, specs)
    return RunConfig(
        base_urls=base_urls,
        auth_headers=auth,
        session_factory=factory,
        safety=safety,
        max_examples=args.max_examples,
        max_time=args.max_time,
        seed=args.seed,
        request_timeout=getattr(args, "request_timeout", DEFAULT_REQUEST_TIMEOUT),
    )


def select_apis(project: Project, specs: list[str]) -> list[Api]:
    """The APIs named by ``--spec`` (all when none is named).

    Operations are read when fuzzed: one broken operation of a large document stops only
    its own tasks (each reports the spec error), never the fuzz of another.
    """
    paths = [Path(s).resolve() for s in specs] or project.spec_files()
    return [cached_api(p, project.relative(p)) for p in paths]


def handle(args: argparse.Namespace, project: Project) -> int:
    """Run the fuzz command; 0 all checks hold, 1 contract failures, 2 usage errors."""
    apis = select_apis(project, args.spec)
    config = build_config(project, apis, args)
    if args.har:
        config = replace(config, record=True)
    modes = MODES if args.mode == "all" else (args.mode,)
    tasks = plan(apis, config.safety, operation=args.operation, modes=modes, shard=args.shard)
    if not tasks:
        raise UsageError("nothing to fuzz (the shard or the safety rules left no task)")
    workers = args.workers if config.safety.loopback else 1
    target = args.base_url or "the embedded mock (in-process)"
    print(
        f"fuzzing {len(tasks)} task(s) against {target}, {args.max_examples} cases each, "
        f"{workers} worker(s)" + (f", seed {args.seed}" if args.seed is not None else ""),
        file=sys.stderr,
    )
    done = [0]

    def progress(result: TaskResult) -> None:
        done[0] += 1
        verdict = f"{len(result.failures)} failure(s)" if result.failures else "ok"
        if result.error:
            verdict = f"error: {result.error[:120]}"
        note = f" ({result.stopped})" if result.stopped else ""
        if result.withheld:
            note += f" ({result.withheld} withheld)"
        print(
            f"  [{done[0]}/{len(tasks)}] {result.task.label:<34} {result.cases:4d} cases  "
            f"{verdict}{note}  {result.seconds:.1f}s",
            file=sys.stderr,
        )

    result = run(tasks, config, workers=workers, on_result=progress)
    print(render_summary(result))
    write_reports(args, result)
    if result.interrupted:
        print(
            f"triggerspec: interrupted: {len(result.results)} of {len(tasks)} task(s) ran, "
            f"{result.cases} cases, {len(result.failures)} failure(s); reports hold what ran",
            file=sys.stderr,
        )
        return 130
    if result.errors:
        return 2
    return 1 if result.failures else 0


def write_reports(args: argparse.Namespace, result: RunResult) -> None:
    """Write the reports asked for (JUnit, JSON, HAR) with what ran."""
    outputs: list[tuple[Path | None, Callable[[], str]]] = [
        (args.report, lambda: junit_xml(result)),
        (args.json, lambda: to_json(result)),
        (args.har, lambda: har_document([e for r in result.results for e in r.har])),
    ]
    for path, render in outputs:
        if path:
            _write_report(path, render())


def render_summary(result: RunResult) -> str:
    """The summary table and every failure with its reproduction."""
    lines = [
        "",
        f"{'operation':<22} {'mode':<9} {'cases':>5}  {'checks ok':>9}  {'failed':>6}  statuses",
    ]
    for op, mode, cases, statuses, passed, failed in iter_summary_rows(result):
        lines.append(f"{op:<22} {mode:<9} {cases:>5}  {passed:>9}  {failed:>6}  {statuses}")
    rate = result.cases / result.seconds if result.seconds else 0.0
    withheld = f", {result.withheld} withheld (the vendor would act on them)"
    lines.append(
        f"\n{result.cases} cases in {result.seconds:.1f}s ({rate:.0f}/s), "
        f"{len(result.failures)} failure(s), {len(result.errors)} error(s)"
        + (withheld if result.withheld else "")
    )
    for failure in result.failures:
        lines += [
            "",
            f"FAILED {failure.task}: {failure.check}",
            f"  {failure.message}",
            f"  reproduce: {failure.curl}",
        ]
        if failure.seed is not None:
            lines.append(
                f"  or rerun: triggerspec fuzz --operation "
                f"{failure.task.split(' ')[0]} --seed {failure.seed}"
            )
    for error in result.errors:
        lines += ["", f"ERROR {error}"]
    return "\n".join(lines)


def junit_xml(result: RunResult) -> str:
    """A JUnit XML report: one testcase per operation and mode."""
    suite = ET.Element(
        "testsuite",
        name="triggerspec-fuzz",
        tests=str(len(result.results)),
        failures=str(sum(1 for r in result.results if r.failures)),
        errors=str(sum(1 for r in result.results if r.error)),
        time=f"{result.seconds:.3f}",
    )
    for r in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=r.task.operation_id,
            name=r.task.mode,
            time=f"{r.seconds:.3f}",
        )
        for failure in r.failures:
            node = ET.SubElement(case, "failure", type=failure.check, message=failure.message)
            node.text = f"{failure.message}\nreproduce: {failure.curl}"
        if r.error:
            ET.SubElement(case, "error", message=r.error)
        ET.SubElement(case, "system-out").text = (
            f"{r.cases} cases; statuses {r.statuses}; {r.withheld} withheld"
            + (f"; stopped: {r.stopped}" if r.stopped else "")
        )
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
