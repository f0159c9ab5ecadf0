"""Whole-API scale: GitHub's REST description through triggerspec, as ratios to dcg alone.

The document (OpenAPI 3.0.3, about 1,200 operations, 13 MB of JSON) comes from the npm
package ``@octokit/openapi`` (``npm pack`` into a temp dir; its version is printed, nothing
is committed). Each stage runs in its own process, so wall time and peak memory (max RSS)
are the stage's own:

- load (read, join, normalise 3.0 -> 3.1) in-process, against ``json.loads`` alone;
- ``datamodel-code-generator`` alone on the same document: the reference;
- ``triggerspec lint`` and ``triggerspec regen`` in a throw-away project holding only the
  document (with ``info.x-envelope`` declared), each with its exit status and the kinds of
  problem it reports, so a crash, a refusal and a success read differently.

Usage:
    python bench/bench_scale.py [--version 23.0.2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
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
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def timed(command: list[str], cwd: Path) -> tuple[float, float, int, str, str]:
    """Wall seconds, peak RSS (MB) of that command alone, exit status, stdout, stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAP, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    seconds = time.perf_counter() - started
    err, _, tail = done.stderr.rpartition("MAXRSS ")
    peak = int(tail.split()[0]) / 1024 if tail.strip() else float("nan")
    return seconds, peak, done.returncode, done.stdout, err


def project(where: Path, document: Path) -> Path:
    """A throw-away triggerspec project whose only spec is GitHub's document."""
    root = where / "project"
    (root / "specs").mkdir(parents=True)
    raw = json.loads(document.read_bytes())
    raw.setdefault("info", {})["x-envelope"] = "sourcecraft"  # plain JSON bodies
    (root / "specs" / "github.json").write_text(json.dumps(raw))
    here = Path(__file__).resolve().parents[1]
    options = (here / "pyproject.toml").read_text().split("[tool.datamodel-codegen]", 1)[1]
    options = options.split("\n[", 1)[0]
    (root / "pyproject.toml").write_text(
        '[tool.triggerspec]\nspecs = "specs"\n\n[tool.datamodel-codegen]' + options
    )
    return root


def kinds(lines: str) -> Counter[str]:
    """Problems by kind: the message with numbers, names and quotes blanked."""
    out: Counter[str] = Counter()
    for line in lines.splitlines():
        message = line.split(": ", 1)[-1]
        out[re.sub(r"'[^']*'|\d+", "_", message)[:90]] += 1
    return out


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
        crashed = "Traceback" in lint[4]
        print(
            f"triggerspec lint: {lint[0]:.1f}s ({lint[0] / dcg[0]:.2f}x dcg), exit {lint[2]}"
            + (", CRASHED" if crashed else "")
        )
        for kind, count in kinds(lint[3]).most_common(8):
            print(f"  {count:5d}  {kind}")
        regen = timed([cli, "--root", str(root), "regen", "-q"], root)
        print(f"triggerspec regen: {regen[0]:.1f}s ({regen[0] / dcg[0]:.2f}x dcg), exit {regen[2]}")
        print("  " + (regen[4].strip().splitlines() or ["(no output)"])[-1][:300])
        print(
            f"peak RSS: dcg {dcg[1]:.0f} MB, lint {lint[1]:.0f} MB ({lint[1] / dcg[1]:.2f}x), "
            f"regen {regen[1]:.0f} MB ({regen[1] / dcg[1]:.2f}x)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(where, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
