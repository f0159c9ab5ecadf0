"""Realistic, stateful success payloads, one builder per operation.

Builders are plain functions in a small registry keyed by operationId (a duplicate is an
error). Each returns the payload the vendor would put in its envelope: fresh ids and
timestamps, the requested sha, branch or commit echoed back, and state that persists
between requests (a repository connection is created once and then updated; a SourceCraft
trigger repeated within the window is ``already_exists``). An operation without a builder
answers its documented example, or a minimal body built from its success schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from triggerspec.mock.bodies import Form, ParsedBody
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.state import Clock, Ids, MockState, Trigger
from triggerspec.spec.model import Api, Operation, Response


@dataclass(frozen=True)
class Context:
    """What a builder may read: the request (validated) and the mock's state."""

    api: Api
    operation: Operation
    params: Mapping[str, str]
    body: ParsedBody
    state: MockState
    clock: Clock
    ids: Ids
    settings: MockSettings
    response: Response | None = None
    """The success response chosen for this request (``None``: the primary one)."""

    @property
    def json(self) -> dict[str, Any]:
        """The JSON body as an object (``{}`` when there is none)."""
        value = self.body.value
        return value if isinstance(value, dict) else {}

    @property
    def form(self) -> Form:
        """The multipart form (empty when there is none)."""
        return self.body.form or Form({}, {})

    @property
    def now(self) -> str:
        """The mock's current time as the vendors print it."""
        return self.clock.iso_now()


@dataclass
class Built:
    """A builder's result: the payload (or, with ``raw``, the whole body) and headers."""

    payload: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bool = False


Builder = Callable[[Context], Built]
BUILDERS: dict[str, Builder] = {}


def builder(operation_id: str) -> Callable[[Builder], Builder]:
    """Register the payload builder of one operation."""

    def register(func: Builder) -> Builder:
        if operation_id in BUILDERS:
            raise ValueError(f"a builder for {operation_id} is already registered")
        BUILDERS[operation_id] = func
        return func

    return register


def build(ctx: Context) -> Built:
    """The success answer for a validated request."""
    return BUILDERS.get(ctx.operation.operation_id, fallback)(ctx)


# -- Cloudflare Workers Builds ---------------------------------------------------------


@builder("createManualBuild")
def create_manual_build(ctx: Context) -> Built:
    """A new build with a fresh ``build_uuid``; the request is remembered in the state."""
    build = {"build_uuid": ctx.ids.uuid(), "created_on": ctx.now}
    ctx.state.builds.append(
        {
            "operation": ctx.operation.operation_id,
            "trigger_uuid": ctx.params.get("trigger_uuid"),
            "branch": ctx.json.get("branch"),
            "commit_hash": ctx.json.get("commit_hash"),
            **build,
        }
    )
    return Built(build)


@builder("upsertRepoConnection")
def upsert_repo_connection(ctx: Context) -> Built:
    """Create the connection once; later upserts update it (same uuid, newer modified_on)."""
    body = ctx.json
    key = (
        ctx.params.get("account_id", ""),
        str(body.get("provider_type")),
        str(body.get("provider_account_id")),
        str(body.get("repo_id")),
    )
    now = ctx.now
    connection = ctx.state.connections.get(key)
    if connection is None:
        connection = {
            "repo_connection_uuid": ctx.ids.uuid(),
            "created_on": now,
            "deleted_on": None,
        }
        ctx.state.connections[key] = connection
    connection.update(
        {
            "modified_on": now,
            "provider_account_id": body.get("provider_account_id"),
            "provider_account_name": body.get("provider_account_name"),
            "provider_type": body.get("provider_type"),
            "repo_id": body.get("repo_id"),
            "repo_name": body.get("repo_name"),
        }
    )
    return Built(dict(connection))


# -- Cloudflare Pages --------------------------------------------------------------------

PAGES_STAGES = ("queued", "initialize", "clone_repo", "build", "deploy")
PRODUCTION_BRANCH = "main"
_FUNCTION_PARTS = ("_worker.js", "_worker.bundle", "functions-filepath-routing-config.json")


def _branch_alias(branch: str) -> str:
    """Cloudflare's branch alias: lower-case, runs of other characters as ``-``, 28 max."""
    return re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")[:28].strip("-") or "branch"


@builder("createDeployment")
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


# -- Northflank --------------------------------------------------------------------------

_ADJECTIVES = ("joyous", "brave", "calm", "eager", "gentle", "lucky", "quiet", "swift")
_NOUNS = ("view", "river", "cloud", "forest", "harbor", "meadow", "summit", "valley")


@builder("startJobBuild")
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


# -- SourceCraft -------------------------------------------------------------------------


USER = "mock-user"


@builder("runWorkflow")
def run_workflow(ctx: Context) -> Built:
    """TriggerStatus: ``created``; ``already_exists`` for the same trigger within the window;
    ``nothing_to_start`` for a workflow the mock's CI config does not define."""
    name = ctx.params.get("workflow_name", "")
    if ctx.settings.has_no_config(name):
        return Built({"trigger_status": "nothing_to_start"})
    body = ctx.json
    key = (
        ctx.params.get("org_slug", ""),
        ctx.params.get("repo_slug", ""),
        name,
        json.dumps(body.get("revision")),
        json.dumps(body.get("workflow_revision")),
        json.dumps(body.get("input"), sort_keys=True),
    )
    now = ctx.clock.now()
    seen = ctx.state.triggers.get(key)
    if seen is not None and (now - seen.at).total_seconds() < ctx.settings.repeat_window_s:
        return Built(
            {
                "flux_id": seen.flux_id,
                "flux_public_id": seen.flux_public_id,
                "trigger_status": "already_exists",
            }
        )
    trigger = Trigger(ctx.ids.uuid(), ctx.ids.hex(12), now)
    ctx.state.triggers[key] = trigger
    return Built(
        {
            "flux_id": trigger.flux_id,
            "flux_public_id": trigger.flux_public_id,
            "trigger_status": "created",
        }
    )


@builder("runWorkflows")
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


# -- Any other operation -----------------------------------------------------------------


def fallback(ctx: Context) -> Built:
    """The success response's first example, or a minimal body from its schema."""
    success = ctx.response or ctx.operation.success
    if success.kind == "none":
        return Built(None, raw=True)
    if success.examples:
        return Built(success.examples[0].value, raw=True)
    if success.kind == "text":
        return Built("", raw=True)
    if success.kind == "binary":
        return Built(b"", raw=True)
    return Built(minimal(success.schema or {}, ctx), raw=True)


def minimal(schema: Mapping[str, Any], ctx: Context) -> Any:
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
