"""``triggerspec mock``: serve every spec at its vendor path with uvicorn.

Wired into the main CLI through :func:`add_parser`; ``python -m triggerspec.mock`` runs the
same command on its own.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from triggerspec.errors import TriggerspecError, UsageError
from triggerspec.flags import PORT, SEED
from triggerspec.mock.app import create_app, load_apis
from triggerspec.mock.control import CONTROL_PREFIX, TOKEN_HEADER
from triggerspec.mock.scenarios import ScenarioError, load_scenarios
from triggerspec.mock.server import Limits, bind, implementation, serve
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.state import FAKE_EPOCH, iso
from triggerspec.project import Project
from triggerspec.spec.model import Api

TOKEN_ENV = "TRIGGERSPEC_MOCK_TOKEN"
CONTROL_TOKEN_ENV = "TRIGGERSPEC_MOCK_CONTROL_TOKEN"
FORBIDDEN_TOKEN_ENV = "TRIGGERSPEC_MOCK_FORBIDDEN_TOKEN"

DESCRIPTION = (
    "Serve every spec at the path of its first server URL (e.g. /client/v4, or the root), "
    "so a client only changes its base URL. Requests are checked against the specs (auth, "
    "parameters, bodies, formats, patterns, cross-field rules) and refused in the error "
    "envelope each spec declares; valid ones get realistic, stateful answers. "
    "Per request, 'Prefer: code=429, retry-after=2', 'Prefer: delay=150' or "
    "'Prefer: example=NAME' force an answer. Control endpoints under "
    f"{CONTROL_PREFIX}: journal, scenarios, routes, clock, reset. No build is ever started."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the mock command."""
    parser.add_argument("specs", nargs="*", help="spec files (default: every spec in specs/)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=PORT, default=8080, help="port (default: %(default)s; 0 picks a free one)"
    )
    parser.add_argument(
        "--seed",
        type=SEED,
        help="deterministic ids, and a fake clock starting at " + iso(FAKE_EPOCH),
    )
    parser.add_argument(
        "--token",
        help=f"require exactly this credential (default: ${TOKEN_ENV}, else any well-formed "
        f"one); prefer ${TOKEN_ENV}: a --token value is visible in the process list",
    )
    parser.add_argument(
        "--forbidden-token",
        help=f"a credential that authenticates but lacks the permission: answered as each "
        f"spec's x-auth-errors 'forbidden' says (default: ${FORBIDDEN_TOKEN_ENV}, else none)",
    )
    parser.add_argument(
        "--scenario-file",
        type=Path,
        help="YAML or JSON list of {operation, status, retry_after, delay_ms, example, times}",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        help="refuse larger bodies with 413 (default: the largest documented part cap + 4 MiB)",
    )
    parser.add_argument(
        "--repeat-window",
        type=float,
        default=60.0,
        help="seconds in which a repeated request of an operation with an x-dedup declaration "
        "gets its repeat answer, unless the spec declares a window (default: 60)",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log every request (off by default: it is slow)"
    )
    parser.add_argument(
        "--control",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"serve the control endpoints ({CONTROL_PREFIX}); default: on when listening on "
        f"a loopback address, off otherwise. Their token: ${CONTROL_TOKEN_ENV}, else a random "
        "one written to a private file whose path is printed",
    )
    limits = Limits()
    parser.add_argument(
        "--keep-alive",
        type=float,
        default=limits.keep_alive_s,
        help="close idle keep-alive connections after this many seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--head-timeout",
        type=float,
        default=limits.head_timeout_s,
        help="seconds a client has to send a request line and headers (default: %(default)s)",
    )
    parser.add_argument(
        "--limit-concurrency",
        type=int,
        help="most connections served at once; more get 503 (default: 10000, or what the "
        "open-file limit allows)",
    )


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``mock`` command to the main CLI's subcommands."""
    parser = commands.add_parser(
        "mock", help="serve a validating, stateful mock of every spec", description=DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def settings_from_args(args: argparse.Namespace) -> MockSettings:
    """The mock's settings from the command line (and the token's environment variable)."""
    if args.max_body_bytes is not None and args.max_body_bytes < 1:
        raise UsageError("--max-body-bytes must be positive")
    if not args.repeat_window >= 0 or args.repeat_window == float("inf"):
        raise UsageError("--repeat-window must not be negative")
    scenarios = tuple(load_scenarios(args.scenario_file)) if args.scenario_file else ()
    loopback = is_loopback(args.host)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    forbidden = args.forbidden_token or os.environ.get(FORBIDDEN_TOKEN_ENV) or None
    if forbidden is not None and forbidden == token:
        raise UsageError("the forbidden token must differ from the token that passes")
    return MockSettings(
        seed=args.seed,
        token=token,
        forbidden_token=forbidden,
        scenarios=scenarios,
        max_body_bytes=args.max_body_bytes,
        repeat_window_s=args.repeat_window,
        control=loopback if args.control is None else args.control,
        control_token=os.environ.get(CONTROL_TOKEN_ENV) or None,
        control_hosts=frozenset() if loopback else frozenset({args.host.strip("[]").lower()}),
    )


def limits_from_args(args: argparse.Namespace) -> Limits:
    """The connection limits from the command line."""
    if args.keep_alive <= 0 or args.head_timeout <= 0:
        raise UsageError("--keep-alive and --head-timeout must be positive")
    if args.limit_concurrency is not None and args.limit_concurrency < 1:
        raise UsageError("--limit-concurrency must be positive")
    return Limits(
        keep_alive_s=args.keep_alive,
        head_timeout_s=args.head_timeout,
        max_connections=args.limit_concurrency,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _token_file(port: int, token: str) -> Path:
    """Write a generated control token to a file only this user can read."""
    folder = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    path = folder / f"triggerspec-mock-{port}.control-token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token + "\n")
    path.chmod(0o600)
    return path


BANNER_OPERATIONS = 12
"""Operations the start-up banner names per API (a whole vendor API has a thousand)."""


def _listed(api: Api) -> str:
    ids = [op.operation_id for op in api.operations]
    more = len(ids) - BANNER_OPERATIONS
    return ", ".join(ids[:BANNER_OPERATIONS]) + (f", and {more:,} more" if more > 0 else "")


def run(args: argparse.Namespace, project: Project) -> int:
    """Serve until interrupted; 2 on a usage error (bad spec, scenario or port)."""
    settings = settings_from_args(args)
    limits = limits_from_args(args)
    apis = load_apis(project, [Path(p).resolve() for p in args.specs], lazy=True)
    try:
        app = create_app(apis, settings)
    except ScenarioError as exc:
        raise UsageError(f"{args.scenario_file}: {exc}") from None
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    origin = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    out = sys.stderr
    count = sum(len(api.operations) for api in apis)
    print(f"triggerspec mock: {count} operation(s) from {len(apis)} spec(s) on {origin}", file=out)
    for api in apis:
        print(f"  {api.name:<28} {origin}{api.base_path}  ({_listed(api)})", file=out)
    if count > BANNER_OPERATIONS:
        print(f"  {'':<28} every route: GET {origin}{CONTROL_PREFIX}/routes", file=out)
    if not settings.control:
        print(f"  {'control':<28} off (not a loopback address; --control turns it on)", file=out)
    else:
        where = (
            f"${CONTROL_TOKEN_ENV}"
            if settings.control_token
            else str(_token_file(port, app.control_token))
        )
        print(f"  {'control':<28} {origin}{CONTROL_PREFIX}", file=out)
        print(f"  {'':<28} needs header {TOKEN_HEADER}: the token in {where}", file=out)
        if not is_loopback(host):
            print(f"  warning: control endpoints on a non-loopback address ({host})", file=out)
    auth = "exactly the configured token" if settings.token else "any well-formed credential"
    if settings.forbidden_token:
        auth += " (the forbidden token: refused as unpermitted)"
    seed = f"seed {settings.seed}" if settings.seed is not None else "random ids, wall clock"
    print(f"  auth: {auth}; {seed}; {len(settings.scenarios)} scenario(s)", file=out)
    logging = "access log on" if args.access_log else "access log off (--access-log)"
    print(f"  server: uvicorn, {implementation()}; {logging}", file=out, flush=True)
    serve(app, sock, access_log=args.access_log, limits=limits)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m triggerspec.mock``: the mock command on its own."""
    parser = argparse.ArgumentParser(prog="python -m triggerspec.mock", description=DESCRIPTION)
    parser.add_argument("--root", type=Path, help="project root (default: found from the cwd)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        project = Project.from_root(args.root) if args.root else Project.discover()
        return run(args, project)
    except TriggerspecError as exc:
        print(f"triggerspec: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
