"""``triggerspec regen``: specs in, ``generated/`` out, deterministic and atomic.

Stages: load and parse every spec (the contract model) -> models (datamodel-code-generator)
-> client model -> rendered files -> ruff (format, sorted imports) -> compare with the tree
on disk -> swap in. Everything is rendered in memory and formatted in a scratch folder
before anything under ``generated/`` is touched, so a failure at any stage leaves it as it
was. A manifest records the hash of every input (specs, templates, options, tool versions)
and of every output, so an unchanged project is recognised without rendering at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import jinja2

from triggerspec import __version__
from triggerspec.codegen import escape
from triggerspec.codegen.clients import ClientModule, build_client_module
from triggerspec.codegen.datamodel import generate_models, load_options
from triggerspec.codegen.swap import exchange
from triggerspec.errors import TriggerspecError
from triggerspec.project import Project
from triggerspec.spec.model import Api, load_api

PACKAGE = "triggerspec_clients"
MANIFEST = "MANIFEST.json"
TEMPLATES = Path(__file__).parent / "templates"
_CODEGEN_SOURCES = Path(__file__).parent

SCRATCH_NEW = ".regen-new-"
"""Prefix of the folder a new tree is written to (followed by the writer's process id)."""

Progress = Callable[[str], None]
GENERATOR_PINS = {"datamodel-code-generator": "0.89.0", "ruff": "0.17.6"}
"""The exact tools regen writes with (the ``codegen`` extra in pyproject.toml; a test keeps
them equal). Output depends on these versions and on ``[tool.datamodel-codegen]`` (whose
``target-pydantic-version`` fixes the pydantic the models are written for), never on the
pydantic installed here, so the manifest records the pins, not what this environment has."""
RUFF_SETTINGS = ("--isolated", "--line-length=100", "--target-version=py311")
"""The ruff settings generated code is formatted and checked with, whatever the project's."""


class RegenError(TriggerspecError):
    """Generation failed; generated/ was left as it was."""


@dataclass
class RegenResult:
    """What a regen (or a check) found and did."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    clients_removed: list[str] = field(default_factory=list)
    """Client packages removed because their spec is no longer in the specs folder."""
    specs: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    rendered: bool = False

    @property
    def up_to_date(self) -> bool:
        return not (self.written or self.removed or self.stale)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_hash(project: Project) -> str:
    """One hash over everything the output depends on."""
    digest = hashlib.sha256()
    parts: list[tuple[str, bytes]] = [
        (project.relative(p), p.read_bytes()) for p in project.spec_inputs()
    ]
    parts += [
        (p.relative_to(_CODEGEN_SOURCES.parent).as_posix(), p.read_bytes())
        for p in [
            *sorted(_CODEGEN_SOURCES.rglob("*")),
            _CODEGEN_SOURCES.parent / "spec" / "naming.py",
        ]
        if p.is_file() and p.suffix in {".py", ".jinja", ".jinja2"}
    ]
    options = json.dumps(load_options(project.root / "pyproject.toml"), sort_keys=True)
    parts.append(("options", options.encode()))
    for dist, version in sorted(GENERATOR_PINS.items()):
        parts.append((dist, version.encode()))
    parts.append(("triggerspec", __version__.encode()))
    for name, data in parts:
        digest.update(name.encode() + b"\0" + _sha(data).encode() + b"\n")
    return digest.hexdigest()


def check_generator() -> None:
    """Refuse to write with any other generator than the pinned one (one line naming it)."""
    for dist, wanted in sorted(GENERATOR_PINS.items()):
        try:
            found: str | None = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found = None
        if found != wanted:
            raise RegenError(
                f"regen writes with {dist}=={wanted} so that its output is byte-identical "
                f"everywhere, and this environment has {found or 'no ' + dist}: "
                "python -m pip install 'triggerspec[codegen]' (or -r requirements/main.txt)"
            )


def _read_manifest(package_dir: Path) -> dict[str, object] | None:
    try:
        data = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_fresh(project: Project) -> bool:
    """Whether generated/ matches the manifest and the manifest matches the inputs."""
    package_dir = project.generated_dir / PACKAGE
    manifest = _read_manifest(package_dir)
    if manifest is None or manifest.get("inputs") != inputs_hash(project):
        return False
    files = manifest.get("files")
    if not isinstance(files, dict):
        return False
    on_disk = {
        p.relative_to(package_dir).as_posix()
        for p in package_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != MANIFEST
    }
    if on_disk != set(files):
        return False
    return all(_sha((package_dir / rel).read_bytes()) == digest for rel, digest in files.items())


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # Spec text reaches Python source only through these (see codegen/escape.py).
    env.filters["line"] = escape.line
    env.filters["doc"] = escape.doc
    env.filters["py"] = escape.literal
    return env


def _typing_imports(module: ClientModule) -> str:
    names = [n for n, used in (("Any", module.uses_any), ("Literal", module.uses_literal)) if used]
    return ", ".join(names)


def render(apis: Iterable[Api], options: dict[str, object], progress: Progress) -> dict[str, str]:
    """Every generated file (path relative to the package folder -> unformatted text)."""
    env = _environment()
    files: dict[str, str] = {}
    modules: list[ClientModule] = []
    for api in apis:
        progress(f"models  {api.document.display}")
        models, named = generate_models(api, dict(options))
        module = build_client_module(api, models, named)
        modules.append(module)
        header = (
            f"# Generated by triggerspec from {escape.line(api.document.display)} "
            f"(sha256 {api.document.sha256[:16]}). Do not edit."
        )
        progress(f"client  {api.document.display}")
        files[f"{module.package}/models.py"] = models
        files[f"{module.package}/client.py"] = env.get_template("client.py.jinja").render(
            m=module, header=header, typing_imports=_typing_imports(module)
        )
        files[f"{module.package}/__init__.py"] = env.get_template("package_init.py.jinja").render(
            m=module, header=header
        )
    files["__init__.py"] = env.get_template("root_init.py.jinja").render(modules=modules)
    files["API.md"] = env.get_template("api.md.jinja").render(modules=modules)
    files["py.typed"] = ""
    return files


def _ruff(args: list[str], cwd: Path) -> None:
    command = [sys.executable, "-m", "ruff", *args, *RUFF_SETTINGS, "."]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RegenError(
            f"ruff {args[0]} failed on the generated code:\n{done.stdout}{done.stderr}"
        )


def format_tree(files: dict[str, str], scratch: Path) -> dict[str, str]:
    """The files after ``ruff format``, in a scratch folder.

    Imports are already sorted where they are written (the templates list only what a module
    uses; datamodel-code-generator's builtin formatter sorts the models'), so one ruff pass
    is enough; the tests hold the output to ruff's import and lint rules.
    """
    for rel, text in files.items():
        path = scratch / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _ruff(["format", "--quiet"], scratch)
    return {rel: (scratch / rel).read_text(encoding="utf-8") for rel in files}


def _with_manifest(files: dict[str, str], inputs: str) -> dict[str, str]:
    manifest = {
        "generator": f"triggerspec {__version__}",
        "inputs": inputs,
        "files": {rel: _sha(text.encode()) for rel, text in sorted(files.items())},
    }
    return {**files, MANIFEST: json.dumps(manifest, indent=2, sort_keys=True) + "\n"}


def build_tree(project: Project, progress: Progress) -> dict[str, str]:
    """Render and format the whole generated package in memory."""
    check_generator()
    apis = [load_api(p, project.relative(p)) for p in project.spec_files()]
    options = load_options(project.root / "pyproject.toml")
    raw = render(apis, options, progress)
    with tempfile.TemporaryDirectory(prefix="triggerspec-regen-") as scratch:
        progress("format  ruff")
        formatted = format_tree(raw, Path(scratch))
    return _with_manifest(formatted, inputs_hash(project))


def _on_disk(package_dir: Path) -> dict[str, str]:
    if not package_dir.is_dir():
        return {}
    return {
        p.relative_to(package_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in package_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def regen(
    project: Project, *, check: bool = False, progress: Progress | None = None
) -> RegenResult:
    """Regenerate ``generated/`` (or, with ``check``, report what is stale and write nothing)."""
    say = progress or (lambda _msg: None)
    specs = project.spec_files()
    if not specs:
        # Never read "no spec" as "remove every client": a moved or renamed folder would.
        raise RegenError(f"{project.no_specs_message()}; generated/ was left as it was")
    found = [project.relative(p) for p in specs]
    if is_fresh(project):
        return RegenResult(specs=found)
    tree = build_tree(project, say)
    package_dir = project.generated_dir / PACKAGE
    current = _on_disk(package_dir)
    changed = sorted(rel for rel, text in tree.items() if current.get(rel) != text)
    removed = sorted(set(current) - set(tree))
    shown = f"{project.relative(project.generated_dir)}/{PACKAGE}"
    result = RegenResult(rendered=True, specs=found)
    gone = {rel.split("/", 1)[0] for rel in removed if "/" in rel} - {
        rel.split("/", 1)[0] for rel in tree if "/" in rel
    }
    result.clients_removed = [f"{shown}/{name}" for name in sorted(gone)]
    if check:
        result.stale = [f"{shown}/{rel}" for rel in [*changed, *removed]]
        return result
    if not changed and not removed:
        return result
    _swap_in(package_dir, tree)
    result.written = [f"{shown}/{rel}" for rel in changed]
    result.removed = [f"{shown}/{rel}" for rel in removed]
    return result


def _swap_in(package_dir: Path, tree: dict[str, str]) -> None:
    """Write the new tree beside the old one, then exchange them in one atomic rename.

    At every instant ``package_dir`` is the old tree or the new one, whatever kills the
    process: the exchange is a single ``renameat2(RENAME_EXCHANGE)`` (:mod:`.swap`). Scratch
    folders a killed run left behind are removed first.

    Raises:
        RegenError: the target cannot be written (read-only, not a folder, ...).
    """
    parent = package_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_scratch(parent)
        staging = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_NEW}{os.getpid()}-", dir=parent))
        staging.chmod(_folder_mode(package_dir))
    except OSError as exc:
        raise RegenError(_cannot_write(parent, exc)) from None
    try:
        for rel, text in tree.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if package_dir.exists():
            exchange(staging, package_dir)  # staging now holds the old tree
        else:
            staging.rename(package_dir)
    except OSError as exc:
        raise RegenError(_cannot_write(package_dir, exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _folder_mode(package_dir: Path) -> int:
    """The old tree's permissions, or the umask's default (mkdtemp makes 0700 folders)."""
    try:
        return package_dir.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o777 & ~umask


def _cannot_write(path: Path, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    return f"{path}: cannot write the generated tree: {why}; generated/ was left as it was"


def remove_stale_scratch(parent: Path) -> list[Path]:
    """Remove the scratch folders of regen runs that are no longer running (killed ones).

    A scratch folder's name carries its run's process id; folders of a live process are
    left alone, so two regens in parallel do not delete each other's work.
    """
    removed: list[Path] = []
    for path in parent.glob(".regen-*"):
        pid = _scratch_pid(path.name)
        if pid is None or pid == os.getpid() or not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _scratch_pid(name: str) -> int | None:
    for prefix in (SCRATCH_NEW, ".regen-old-"):
        if name.startswith(prefix):
            digits = name[len(prefix) :].split("-", 1)[0]
            return int(digits) if digits.isdigit() else None
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
