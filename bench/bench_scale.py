"""Whole-API scale: GitHub's REST description through triggerspec, as ratios to dcg alone.

The document (OpenAPI 3.0.3, about 1,200 operations, 13 MB of JSON) comes from the npm
package ``@octokit/openapi`` (``npm pack`` into a temp dir; its version is printed, nothing
is committed). Each stage runs in its own process, so wall time and peak memory (max RSS)
are the stage's own:

- load (read, join, normalise 3.0 -> 3.1) in-process, against ``json.loads`` alone;
- ``datamodel-code-generator`` alone on the same document: the reference;
- ``triggerspec lint`` and ``triggerspec regen`` in a throw-away project holding only the
  document (with ``info.x-envelope`` declared), each with its exit status; lint's problems
  by kind, regen's last line when it stops, so a crash, a refusal and a success read
  differently;
- the generated package: every module imported, then ``mypy --strict`` on it.

Usage:
    python bench/bench_scale.py [--version 23.0.2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

DOCUMENT = "package/generated/api.github.com.json"
TIMEOUT = 1800  # every stage stops by itself


def fetch(version: str, where: Path) -> Path:
    """GitHub's description from the npm package, unpacked into ``where``."""
    done = subprocess.run(
        ["npm", "pack", f"@octokit/openapi@{version}", "--silent"],
        cwd=where,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    tarball = where / done.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        member = archive.getmember(DOCUMENT)
        archive.extractall(where, members=[member], filter="data")
    return where / DOCUMENT


_WRAP = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('MAXRSS', use.ru_maxrss, use.ru_utime + use.ru_stime, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


Timed = tuple[float, float, int, str, str, float]
"""Wall seconds, peak RSS (MB), exit status, stdout, stderr, CPU seconds (user + system)."""


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timed:
    """How that command alone ran (:data:`Timed`)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAP, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
        env=env,
    )
    seconds = time.perf_counter() - started
    err, _, tail = done.stderr.rpartition("MAXRSS ")
    fields = tail.split()
    peak = int(fields[0]) / 1024 if fields else float("nan")
    cpu = float(fields[1]) if len(fields) > 1 else float("nan")
    return seconds, peak, done.returncode, done.stdout, err, cpu


def project(where: Path, document: Path) -> Path:
    """A throw-away triggerspec project whose only spec is GitHub's document."""
    root = where / "project"
    (root / "specs").mkdir(parents=True)
    raw = json.loads(document.read_bytes())
    raw.setdefault("info", {})["x-envelope"] = "sourcecraft"  # plain JSON bodies
    (root / "specs" / "github.json").write_text(json.dumps(raw))
    (root / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    return root


def generated_checks(root: Path, python: str) -> list[tuple[str, Timed]]:
    """Every generated module imported in one process, then ``mypy --strict`` on them."""
    generated = root / "generated"
    tools = Path(__file__).resolve().parents[1] / "tools"
    modules = sorted(
        ".".join(p.relative_to(generated).with_suffix("").parts) for p in generated.rglob("*.py")
    )
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    env = {**os.environ, "PYTHONPATH": f"{generated}", "MYPYPATH": f"{tools}:{generated}"}
    imported = timed([python, "-c", code], generated, env)
    print(f"import of {len(modules)} generated modules: exit {imported[2]}")
    if imported[2]:
        print("  " + imported[4].strip()[-500:])
    checked = timed(
        [python, "-m", "mypy", "--strict", "--no-incremental", "-p", "triggerspec_clients"],
        generated,
        env,
    )
    print(f"mypy --strict: exit {checked[2]}: {checked[3].strip().splitlines()[-1:]}")
    return [("import every module", imported), ("mypy --strict", checked)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="23.0.2", help="@octokit/openapi version")
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    args = parser.parse_args()
    if shutil.which("npm") is None:
        print("npm is needed to fetch @octokit/openapi", file=sys.stderr)
        return 2
    where = args.keep or Path(tempfile.mkdtemp(prefix="triggerspec-bench-scale-"))
    where.mkdir(parents=True, exist_ok=True)
    try:
        document = fetch(args.version, where)
        raw = json.loads(document.read_bytes())
        operations = sum(
            1
            for item in raw["paths"].values()
            for method in item
            if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace")
        )
        print(
            f"@octokit/openapi {args.version}: {document.name}, OpenAPI {raw['openapi']}, "
            f"{operations} operations, {document.stat().st_size / 1e6:.1f} MB"
        )
        root = project(where, document)
        spec = root / "specs" / "github.json"
        python = sys.executable
        cli = str(Path(sys.executable).with_name("triggerspec"))
        load = (
            "import json, sys, time\nfrom pathlib import Path\n"
            "from triggerspec.spec.load import load_spec\n"
            "p = Path(sys.argv[1]); t = time.perf_counter(); json.loads(p.read_bytes())\n"
            "j = time.perf_counter() - t; t = time.perf_counter(); load_spec(p)\n"
            "print(j, time.perf_counter() - t)\n"
        )
        out = subprocess.run(
            [python, "-c", load, str(spec)], capture_output=True, text=True, check=True
        ).stdout.split()
        parse, loaded = float(out[0]), float(out[1])
        print(f"\nload: json.loads {parse:.2f}s, load_spec {loaded:.2f}s ({loaded / parse:.1f}x)")

        dcg = timed(
            [
                python,
                "-m",
                "datamodel_code_generator",
                "--input",
                str(spec),
                "--input-file-type",
                "openapi",
                "--output-model-type",
                "pydantic_v2.BaseModel",
                "--output",
                str(where / "dcg_models.py"),
            ],
            where,
        )
        print(f"datamodel-code-generator alone: {dcg[0]:.1f}s, exit {dcg[2]}")
        lint = timed([cli, "--root", str(root), "lint"], root)
        stages = [("datamodel-code-generator alone", dcg), ("triggerspec lint", lint)]
        crashed = "Traceback" in lint[4]
        print(f"triggerspec lint: exit {lint[2]}" + (", CRASHED" if crashed else ""))
        for line in lint[4].rstrip().splitlines():
            print("  " + line)
        regen = timed([cli, "--root", str(root), "regen", "-q"], root)
        stages.append(("triggerspec regen", regen))
        print(f"triggerspec regen: exit {regen[2]}")
        if regen[2]:
            print("  " + (regen[4].strip().splitlines() or ["(no output)"])[-1][:300])
        else:
            stages += generated_checks(root, python)
        print(f"\n{'stage':32} {'wall':>8} {'CPU':>8} {'peak RSS':>10}  vs dcg (wall, CPU, memory)")
        for name, (seconds, peak, code, _, _, cpu) in stages:
            print(
                f"{name:32} {seconds:7.1f}s {cpu:7.1f}s {peak:7.0f} MB  "
                f"{seconds / dcg[0]:.2f}x, {cpu / dcg[5]:.2f}x, {peak / dcg[1]:.2f}x  (exit {code})"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(where, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
