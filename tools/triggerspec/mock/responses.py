"""Success answers: generic ones from the spec, and a few richer payload builders.

Every operation gets the generic answer of :mod:`triggerspec.mock.generic` (fresh ids,
request fields echoed by name, created resources visible to get and list) with the stateful
rules its spec declares (``x-dedup``, ``x-upsert``, ``x-missing-target``). A payload
builder, registered by operationId in a small registry (a duplicate is an error), may
replace the generic payload with a more realistic one (a deployment's stages and aliases,
a run's workflows) for an operation whose spec names it in ``x-mock-payload``; the declared
rules still apply on top. A new API needs none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from triggerspec.errors import SpecError
from triggerspec.mock.context import Built, Context
from triggerspec.mock.generic import apply_rules, generic, missing_target, remember
from triggerspec.mock.state import Ids
from triggerspec.spec.model import Api

__all__ = ["BUILDERS", "Built", "Context", "Values", "build", "builder", "minimal"]

Builder = Callable[[Context], Built]
BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    """Register a payload builder under the name specs give in ``x-mock-payload``."""

    def register(func: Builder) -> Builder:
        if name in BUILDERS:
            raise ValueError(f"a builder named {name} is already registered")
        BUILDERS[name] = func
        return func

    return register


def check_payload_names(apis: Iterable[Api]) -> None:
    """Every ``x-mock-payload`` names a registered builder.

    Raises:
        SpecError: an unknown name (file, pointer and the known names given).
    """
    for api in apis:
        for op in api.operations:
            named = op.stateful.payload
            if named is not None and named not in BUILDERS:
                raise SpecError(
                    api.document.display,
                    op.pointer + "/x-mock-payload",
                    f"no mock payload builder {named!r}; known: {', '.join(sorted(BUILDERS))}",
                )


def build(ctx: Context) -> Built:
    """The success answer for a validated request: the declared answer for a missing
    target, else the operation's builder or the generic answer, with the declared dedup and
    upsert rules laid over it; created resources are remembered for get and list."""
    missing = missing_target(ctx)
    if missing is not None:
        return missing
    named = ctx.operation.stateful.payload
    built = BUILDERS[named](ctx) if named is not None else generic(ctx, minimal)
    built = apply_rules(ctx, built)
    if not built.raw:
        remember(ctx, built.payload)
    return built


# -- richer payloads ------------------------------------------------------------------------

PAGES_STAGES = ("queued", "initialize", "clone_repo", "build", "deploy")
PRODUCTION_BRANCH = "main"
_FUNCTION_PARTS = ("_worker.js", "_worker.bundle", "functions-filepath-routing-config.json")


ALIAS_WINDOW = 256
"""Characters of a branch name its alias is made from. An alias keeps 28, so no real branch
name loses anything; a hostile 20 MiB name costs what a short one does (a regex pass over
all of it took seconds)."""

_NOT_ALIAS = re.compile(r"[^a-z0-9]+")


def _branch_alias(branch: str) -> str:
    """A Pages branch alias: lower-case, runs of other characters as ``-``, 28 max, made
    from the first :data:`ALIAS_WINDOW` characters."""
    alias = _NOT_ALIAS.sub("-", branch[:ALIAS_WINDOW].lower())
    return alias.strip("-")[:28].strip("-") or "branch"


@builder("deployment-stages")
def create_deployment(ctx: Context) -> Built:
    """A queued deployment: stages (queued active, the rest idle) and the form's metadata."""
    fields = ctx.form.fields
    account, project = ctx.params.get("account_id", ""), ctx.params.get("project_name", "")
    project_id = ctx.state.projects.setdefault((account, project), ctx.ids.uuid())
    branch = fields.get("branch") or PRODUCTION_BRANCH
    production = branch == PRODUCTION_BRANCH
    deployment_id = ctx.ids.uuid()
    short_id = deployment_id[:8]
    now = ctx.now
    stages = [
        {
            "name": name,
            "status": "active" if name == "queued" else "idle",
            "started_on": now if name == "queued" else None,
            "ended_on": None,
        }
        for name in PAGES_STAGES
    ]
    alias = (
        f"https://{project}.pages.dev"
        if production
        else (f"https://{_branch_alias(branch)}.{project}.pages.dev")
    )
    return Built(
        {
            "id": deployment_id,
            "short_id": short_id,
            "project_id": project_id,
            "project_name": project,
            "environment": "production" if production else "preview",
            "url": f"https://{short_id}.{project}.pages.dev",
            "aliases": [alias],
            "created_on": now,
            "modified_on": now,
            "is_skipped": False,
            "uses_functions": any(p in ctx.form.files for p in _FUNCTION_PARTS),
            "env_vars": {},
            "build_config": {
                "build_caching": None,
                "build_command": None,
                "destination_dir": fields.get("pages_build_output_dir"),
                "root_dir": None,
                "web_analytics_tag": None,
                "web_analytics_token": None,
            },
            "deployment_trigger": {
                "type": "ad_hoc",
                "metadata": {
                    "branch": branch,
                    "commit_dirty": fields.get("commit_dirty") == "true",
                    "commit_hash": fields.get("commit_hash", ""),
                    "commit_message": fields.get("commit_message", ""),
                },
            },
            "latest_stage": dict(stages[0]),
            "stages": stages,
            "source": {
                "type": "github",
                "config": {
                    "owner": "mock-owner",
                    "owner_id": "1000001",
                    "repo_name": project,
                    "repo_id": "2000001",
                    "production_branch": PRODUCTION_BRANCH,
                    "pr_comments_enabled": True,
                    "deployments_enabled": True,
                    "production_deployments_enabled": True,
                    "preview_deployment_setting": "all",
                    "preview_branch_includes": ["*"],
                    "preview_branch_excludes": [],
                    "path_includes": ["*"],
                    "path_excludes": [],
                },
            },
        }
    )


_ADJECTIVES = ("joyous", "brave", "calm", "eager", "gentle", "lucky", "quiet", "swift")
_NOUNS = ("view", "river", "cloud", "forest", "harbor", "meadow", "summit", "valley")


@builder("job-build")
def start_job_build(ctx: Context) -> Built:
    """A pending build of the requested sha (or the job's head commit when none is given)."""
    job = (ctx.params.get("projectId", ""), ctx.params.get("jobId", ""))
    sha = ctx.json.get("sha") or ctx.state.heads.setdefault(job, ctx.ids.hex(40))
    build_id = f"{ctx.ids.pick(_ADJECTIVES)}-{ctx.ids.pick(_NOUNS)}-{ctx.ids.number(1000, 9999)}"
    return Built(
        {
            "id": build_id,
            "branch": PRODUCTION_BRANCH,
            "sha": sha,
            "createdAt": ctx.now,
            "status": "PENDING",
            "concluded": False,
        }
    )


USER = "mock-user"


@builder("workflow-run")
def run_workflows(ctx: Context) -> Built:
    """A new Run (status created, event_type manual) with the requested workflows.

    Workflows the mock's CI config does not define are left out and named in
    ``error_messages``; when none is left the run is ``failed``.
    """
    org, repo = ctx.params.get("org_slug", ""), ctx.params.get("repo_slug", "")
    requested = [w for w in ctx.json.get("workflows") or [] if isinstance(w, dict)]
    names = [str(w.get("name", "")) for w in requested]
    known = [n for n in names if not ctx.settings.has_no_config(n)]
    unknown = [n for n in names if ctx.settings.has_no_config(n)]
    number = ctx.state.run_numbers.get((org, repo), 0) + 1
    ctx.state.run_numbers[(org, repo)] = number
    now = ctx.now
    failed = bool(requested) and not known
    dates = {"created_at": now, **({"finished_at": now} if failed else {})}
    return Built(
        {
            "id": ctx.ids.uuid(),
            "slug": str(number),
            "dates": dates,
            "status": "failed" if failed else "created",
            "workflows": [
                {
                    "id": ctx.ids.uuid(),
                    "slug": n,
                    "status": "created",
                    "dates": {"created_at": now},
                    "tasks": [],
                }
                for n in known
            ],
            "event_type": "manual",
            "error_messages": [f"workflow {n!r} is not defined in the CI config" for n in unknown],
            "user": {
                "id": ctx.state.projects.setdefault(("user", ""), ctx.ids.uuid()),
                "slug": "mock-user",
            },
        }
    )


class Values(Protocol):
    """Where :func:`minimal` takes its ids and time from (a :class:`Context`, or the mock's
    own ids and clock where no request was answered)."""

    @property
    def ids(self) -> Ids: ...

    @property
    def now(self) -> str: ...


def minimal(schema: Mapping[str, Any], ctx: Values) -> Any:
    """The smallest instance of ``schema`` the mock can build (required properties only)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return minimal(schema[key][0], ctx)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {name: minimal(props.get(name, {}), ctx) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt == "uuid":
        return ctx.ids.uuid()
    if fmt == "uri":
        return "https://mock.invalid/" + ctx.ids.hex(8)
    if fmt == "email":
        return f"user-{ctx.ids.hex(6)}@example.com"
    if fmt == "date-time":
        return ctx.now
    return "x" * int(schema.get("minLength", 0))
