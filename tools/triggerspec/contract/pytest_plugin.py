"""pytest plugin: triggerspec's contract fuzzing of your own server, one test per operation.

Installing triggerspec registers this plugin (entry point ``triggerspec_contract``). Add one
test to your suite; the plugin turns it into a test per operation and mode::

    # tests/test_contract.py
    def test_contract(triggerspec_contract):
        triggerspec_contract.check()

and point it at your server::

    pytest tests/test_contract.py --triggerspec-base-url http://127.0.0.1:8080

Each generated test (``test_contract[startJobBuild-positive]``, ...) fuzzes one operation
in one mode with :func:`triggerspec.contract.runner.run_task` and fails with every broken
check, its message, the curl line that reproduces it (credentials masked) and the seed.
Without ``--triggerspec-base-url`` the tests run against the embedded mock, in process.

Options:
    --triggerspec-base-url URL | API=URL
        Where to send the cases (repeatable). A bare URL serves every API; the API's base
        path (``/client/v4`` for Cloudflare) is appended unless the URL already ends with it.
    --triggerspec-root DIR       the triggerspec project (default: found from pytest's rootdir)
    --triggerspec-spec PATH      only these specs (repeatable)
    --triggerspec-operation ID   only this operationId
    --triggerspec-mode MODE      positive, negative or all (default)
    --triggerspec-max-examples N cases per operation and mode (default 25)
    --triggerspec-seed N         the Hypothesis seed (default: derandomized)
    --triggerspec-allow-side-effects, --triggerspec-max-requests N
        As for ``triggerspec fuzz``: against a URL that is not loopback, operations that
        start builds get negative cases only, unless both are given.
    --triggerspec-real-endpoint  every real-endpoint safety on, even against loopback
    --triggerspec-request-timeout SECONDS  a slower answer fails its case (default 10)

Credentials come from the environment variables the specs name (``NORTHFLANK_API_TOKEN``,
``CLOUDFLARE_API_TOKEN``, ...). Against loopback a dummy credential is used when none is
set; against a real endpoint an API without credentials is skipped, naming the variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from triggerspec.contract.runner import (
    MODES,
    Budget,
    RunConfig,
    Task,
    TaskResult,
    dummy_credentials,
    environ_credentials,
    plan,
    run_task,
)
from triggerspec.contract.safety import DEFAULT_REQUEST_TIMEOUT, Safety
from triggerspec.errors import TriggerspecError
from triggerspec.flags import POSITIVE, SEED, positive_seconds
from triggerspec.spec.cache import cached_api
from triggerspec.spec.model import Api

FIXTURE = "triggerspec_contract"
pytest_plugins = ["triggerspec.pytest_project"]
EMBEDDED = "http://mock.invalid"
"""The base URL the embedded mock answers (it routes on the path alone)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--triggerspec-*`` options."""
    group = parser.getgroup("triggerspec", "triggerspec contract tests")
    group.addoption(
        "--triggerspec-base-url",
        action="append",
        default=[],
        metavar="URL",
        help="server under test, or API=URL (repeatable; default: the embedded mock)",
    )
    group.addoption("--triggerspec-spec", action="append", default=[], type=Path, metavar="PATH")
    group.addoption("--triggerspec-operation", metavar="ID", help="only this operationId")
    group.addoption(
        "--triggerspec-mode", choices=[*MODES, "all"], default="all", help="generation mode"
    )
    group.addoption("--triggerspec-max-examples", type=POSITIVE, default=25, metavar="N")
    group.addoption("--triggerspec-seed", type=SEED, default=None, metavar="N")
    group.addoption("--triggerspec-allow-side-effects", action="store_true")
    group.addoption("--triggerspec-max-requests", type=POSITIVE, default=None, metavar="N")
    group.addoption(
        "--triggerspec-real-endpoint",
        action="store_true",
        help="every real-endpoint safety on, even against loopback",
    )
    group.addoption(
        "--triggerspec-request-timeout",
        type=positive_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="a request taking longer fails its case",
    )


@dataclass(frozen=True)
class ContractSettings:
    """What the options ask for, resolved once per session."""

    apis: tuple[Api, ...]
    base_urls: dict[str, str]
    safety: Safety
    modes: tuple[str, ...]
    operation: str | None
    max_examples: int
    seed: int | None
    embedded: bool
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    @classmethod
    def from_config(cls, config: pytest.Config) -> ContractSettings:
        """Read the options (``pytest.UsageError`` when they cannot be honoured)."""
        # Imported here: pytest imports it first, as a plugin (pytest_plugins above).
        from triggerspec.pytest_project import project_for

        option = config.getoption
        try:
            project = project_for(config)
            specs = option("--triggerspec-spec") or project.spec_files()
            apis = tuple(cached_api(Path(s), project.relative(Path(s))) for s in specs)
        except (TriggerspecError, OSError) as exc:
            raise pytest.UsageError(f"triggerspec contract tests: {exc}") from None
        urls = base_urls(apis, option("--triggerspec-base-url"))
        mode = option("--triggerspec-mode")
        return cls(
            apis=apis,
            base_urls=urls,
            safety=safety_of(config),
            modes=MODES if mode == "all" else (mode,),
            operation=option("--triggerspec-operation"),
            max_examples=option("--triggerspec-max-examples"),
            seed=option("--triggerspec-seed"),
            embedded=not option("--triggerspec-base-url"),
            request_timeout=option("--triggerspec-request-timeout"),
        )

    def tasks(self) -> list[Task]:
        """One task per operation and mode the safety rules allow (an unknown operation is a
        ``pytest.UsageError``, not a skip)."""
        try:
            return plan(list(self.apis), self.safety, operation=self.operation, modes=self.modes)
        except TriggerspecError as exc:
            raise pytest.UsageError(f"triggerspec contract tests: {exc}") from None


def base_urls(apis: tuple[Api, ...], given: list[str]) -> dict[str, str]:
    """API name -> the base URL its cases go to, from ``URL`` and ``API=URL`` options."""
    names = {api.name for api in apis}
    default = EMBEDDED
    chosen: dict[str, str] = {}
    for value in given:
        name, sep, url = value.partition("=")
        if sep and name in names:
            chosen[name] = url
        elif sep and "://" not in name:
            raise pytest.UsageError(f"--triggerspec-base-url {value}: no API named {name!r}")
        else:
            default = value
    out: dict[str, str] = {}
    for api in apis:
        url = chosen.get(api.name, default).rstrip("/")
        out[api.name] = url if url.endswith(api.base_path) else url + api.base_path
    return out


def safety_of(config: pytest.Config) -> Safety:
    """What the run may do to its targets (``pytest.UsageError`` for an unsafe request)."""
    given = config.getoption("--triggerspec-base-url")
    urls = [value.partition("=")[2] if "=" in value.split("://")[0] else value for value in given]
    try:
        return Safety.for_target(
            urls,
            real_endpoint=config.getoption("--triggerspec-real-endpoint"),
            allow_side_effects=config.getoption("--triggerspec-allow-side-effects"),
            max_requests=config.getoption("--triggerspec-max-requests"),
        )
    except TriggerspecError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_configure(config: pytest.Config) -> None:
    """Refuse unsafe options at once (before collection): they need no spec to judge.

    An ``--triggerspec-operation`` is checked against the specs here too, so a misspelt one
    is a usage error rather than a collection error (or, worse, a silent skip).
    """
    safety_of(config)
    if config.getoption("--triggerspec-operation") is not None:
        _settings(config).tasks()


_SETTINGS = pytest.StashKey[ContractSettings | None]()
_BUDGET = pytest.StashKey[Budget]()


def _settings(config: pytest.Config) -> ContractSettings:
    settings = config.stash.get(_SETTINGS, None)
    if settings is None:
        # Read on first use, so a suite that never asks for the fixture never loads specs.
        settings = config.stash[_SETTINGS] = ContractSettings.from_config(config)
        config.stash[_BUDGET] = Budget(settings.safety.max_requests)
    return settings


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every test that asks for ``triggerspec_contract`` by operation and mode."""
    if FIXTURE not in metafunc.fixturenames:
        return
    tasks = _settings(metafunc.config).tasks()
    metafunc.parametrize(
        FIXTURE, tasks, ids=[f"{t.operation_id}-{t.mode}" for t in tasks], indirect=True
    )


class ContractCase:
    """One operation in one mode, ready to fuzz (what ``triggerspec_contract`` gives a test)."""

    def __init__(self, task: Task, config: RunConfig, budget: Budget) -> None:
        self.task = task
        self.config = config
        self.budget = budget

    def run(self) -> TaskResult:
        """Fuzz the operation; the result holds failures instead of raising."""
        return run_task(self.task, self.config, self.budget)

    def check(self) -> TaskResult:
        """Fuzz the operation and fail the test on any contract failure or error."""
        result = self.run()
        text = describe(result)
        if text:
            pytest.fail(text, pytrace=False)
        return result


def describe(result: TaskResult) -> str:
    """The failures of a task as a report (empty when it passed)."""
    lines: list[str] = []
    if result.error:
        lines.append(f"{result.task.label}: error: {result.error}")
    for failure in result.failures:
        lines += [
            f"{failure.task}: {failure.check} (status {failure.status})",
            f"    {failure.message}",
            f"    reproduce: {failure.curl}",
            f"    seed: {failure.seed}",
        ]
    if lines and result.stopped:
        lines.append(f"stopped: {result.stopped}")
    return "\n".join(lines)


@pytest.fixture
def triggerspec_contract(request: pytest.FixtureRequest) -> ContractCase:
    """One operation × mode of the specs, fuzzed against ``--triggerspec-base-url``.

    Call ``.check()`` to fuzz and fail on any contract failure, or ``.run()`` for the
    :class:`~triggerspec.contract.runner.TaskResult`.
    """
    settings = _settings(request.config)
    task: Task = request.param
    api = next(a for a in settings.apis if a.document.path == task.spec)
    try:
        credentials = environ_credentials(api)
    except TriggerspecError as exc:
        pytest.fail(str(exc), pytrace=False)
    if credentials is None:
        if not settings.safety.loopback:
            env = sorted({v for s in api.schemes.values() for v in s.env})
            pytest.skip(f"no credentials for {api.name} in the environment ({', '.join(env)})")
        credentials = dummy_credentials(api)
    config = RunConfig(
        base_urls=settings.base_urls,
        auth_headers={api.name: credentials},
        session_factory=_session_factory(request, settings),
        safety=settings.safety,
        max_examples=settings.max_examples,
        seed=settings.seed,
        request_timeout=settings.request_timeout,
    )
    return ContractCase(task, config, request.config.stash[_BUDGET])


def _session_factory(request: pytest.FixtureRequest, settings: ContractSettings) -> Any:
    if not settings.embedded:
        return requests.Session
    # Imported only when used: the mock (and uvicorn behind it) would otherwise load at the
    # start of every pytest run of any project that has triggerspec installed.
    from triggerspec.mock.app import create_app
    from triggerspec.mock.requests_adapter import mock_session
    from triggerspec.mock.settings import MockSettings

    app = create_app(list(settings.apis), MockSettings(seed=settings.seed or 0))
    return lambda: mock_session(app)
