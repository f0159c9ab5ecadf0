"""Codegen benchmarks, each measured side by side with its alternative in one run.

1. Per-call overhead of a generated client (validate, build the request, send through an
   in-process transport, parse the envelope) against raw httpx plus a pydantic parse of the
   same response, and against an openapi-python-client client generated from the same spec.
   Targets: at most 1.15x raw httpx + pydantic, and no slower than openapi-python-client.
2. Full regen against datamodel-code-generator alone on the same specs, and a no-op regen.
   Targets: full regen at most 2x datamodel-code-generator; a no-op regen at most 0.5x.

Run: python bench/bench_codegen.py [--calls N]   (needs the bench extra: openapi-python-client)
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "northflank.yaml"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"
BODY = {
    "sha": SHA,
    "overrides": {
        "docker": {"dockerFilePath": "/Dockerfile", "dockerWorkDir": "/"},
        "buildArguments": {"ARGUMENT_1": "abcdef"},
    },
}
RESPONSE = (
    b'{"data":{"id":"joyous-view-6290","branch":"main","sha":"'
    + SHA.encode()
    + b'","createdAt":"2021-07-28T15:55:38.296Z","status":"PENDING","concluded":false}}'
)


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=RESPONSE, headers={"content-type": "application/json"})


def per_call(fn: Callable[[], object], calls: int, repeat: int = 7) -> float:
    """Median seconds per call over ``repeat`` rounds of ``calls`` calls."""
    for _ in range(min(calls, 200)):
        fn()
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - start) / calls)
    return statistics.median(rounds)


def raw_httpx() -> Callable[[], object]:
    from triggerspec_clients.northflank import models

    client = httpx.Client(
        transport=httpx.MockTransport(handler), base_url="https://api.northflank.com"
    )
    headers = {"Authorization": "Bearer bench-token"}

    def call() -> object:
        response = client.post("/v1/projects/p1/jobs/j1/build", json=BODY, headers=headers)
        return models.StartJobBuildResponse.model_validate_json(response.content).data

    return call


def generated() -> Callable[[], object]:
    from triggerspec_clients.northflank import NorthflankClient

    client = NorthflankClient(api_token="bench-token", transport=httpx.MockTransport(handler))

    def call() -> object:
        return client.start_job_build(
            project_id="p1", job_id="j1", sha=SHA, overrides=BODY["overrides"]
        )  # type: ignore[arg-type]

    return call


def openapi_python_client(workdir: Path) -> Callable[[], object] | None:
    out = workdir / "opc_northflank"
    done = subprocess.run(
        [
            "openapi-python-client",
            "generate",
            "--path",
            str(SPEC),
            "--output-path",
            str(out),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"openapi-python-client failed: {done.stdout}{done.stderr}", file=sys.stderr)
        return None
    sys.path.insert(0, str(workdir))
    package = importlib.import_module("opc_northflank")
    api = importlib.import_module("opc_northflank.api.jobs.start_job_build")
    body_mod = importlib.import_module("opc_northflank.models.start_job_build_with_overrides")
    client = package.AuthenticatedClient(
        base_url="https://api.northflank.com",
        token="bench-token",
        httpx_args={"transport": httpx.MockTransport(handler)},
    )

    def call() -> object:
        body = body_mod.StartJobBuildWithOverrides.from_dict(BODY)
        return api.sync(project_id="p1", job_id="j1", client=client, body=body)

    return call


def bench_calls(calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        contenders = {"raw httpx + pydantic": raw_httpx(), "triggerspec client": generated()}
        opc = openapi_python_client(Path(tmp))
        if opc is not None:
            contenders["openapi-python-client"] = opc
        return {name: per_call(fn, calls) for name, fn in contenders.items()}


def bench_regen(rounds: int = 3) -> dict[str, float]:
    from datamodel_code_generator import generate

    from triggerspec.codegen.datamodel import load_options
    from triggerspec.codegen.pipeline import MANIFEST, PACKAGE, regen
    from triggerspec.project import Project
    from triggerspec.spec.load import load_spec

    options = load_options(ROOT / "pyproject.toml")
    specs = [load_spec(p).raw for p in Project.from_root(ROOT).spec_files()]
    generate(specs[0], **options)  # warm the import, as regen's process would have it
    results: dict[str, list[float]] = {
        "datamodel-code-generator alone": [],
        "full regen": [],
        "no-op regen": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
        shutil.copytree(ROOT / "specs", copy / "specs")
        shutil.copytree(ROOT / "generated", copy / "generated")
        project = Project.from_root(copy)
        for _ in range(rounds):
            start = time.perf_counter()
            for raw in specs:
                generate(raw, **options)
            results["datamodel-code-generator alone"].append(time.perf_counter() - start)
            (project.generated_dir / PACKAGE / MANIFEST).unlink()
            start = time.perf_counter()
            regen(project)
            results["full regen"].append(time.perf_counter() - start)
            start = time.perf_counter()
            assert regen(project).up_to_date
            results["no-op regen"].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    args = parser.parse_args()

    calls = bench_calls(args.calls)
    base = calls["raw httpx + pydantic"]
    print(f"per-call overhead, Northflank startJobBuild, in-process transport ({args.calls} calls)")
    for name, seconds in calls.items():
        print(f"  {name:<26} {seconds * 1e6:8.1f} us   {seconds / base:5.2f}x raw")
    if "openapi-python-client" in calls:
        ratio = calls["triggerspec client"] / calls["openapi-python-client"]
        print(f"  triggerspec / openapi-python-client: {ratio:.2f}x")

    regen_times = bench_regen()
    dcg = regen_times["datamodel-code-generator alone"]
    print("regen, all specs (in-process, median of 3)")
    for name, seconds in regen_times.items():
        print(f"  {name:<32} {seconds:6.3f} s   {seconds / dcg:5.2f}x datamodel-code-generator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
