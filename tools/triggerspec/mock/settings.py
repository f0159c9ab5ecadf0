"""How one mock instance behaves: seed, token, limits, windows, scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field

from triggerspec.mock.scenarios import Scenario

MiB = 1024 * 1024


@dataclass(frozen=True)
class MockSettings:
    """Settings of one mock; the defaults suit tests and a local server alike.

    Args:
        seed: make ids and time deterministic (fake clock from 2025-01-01T00:00:00Z).
        token: require exactly this credential (default: any well-formed one).
        forbidden_token: a credential that authenticates but lacks every permission: the
            mock answers it as the spec's ``x-auth-errors`` ``forbidden`` says (403 unless
            declared otherwise).
        scenarios: the mock's own scenarios, in match order.
        max_body_bytes: refuse larger bodies with 413 (default: the largest documented
            part cap plus 4 MiB, and at least 8 MiB).
        max_delay_ms: the longest delay a scenario may ask for (longer ones are capped).
        repeat_window_s: a request of an operation with ``x-dedup`` repeated within this
            many seconds (mock clock) gets the declared repeat answer, unless the spec
            declares its own window.
        no_config_prefix: target names (``x-missing-target``) starting with this do not
            exist in the mock, so they get the declared answer (``nothing_to_start``).
        no_config_workflows: further target names that do not exist.
        journal_limit: how many requests the journal keeps (the oldest fall off).
        journal_budget: how many bytes the journal keeps in all (the oldest fall off).
        journal_body_cap: the most bytes of one body the journal keeps (a longer one is
            kept as a preview with its full size).
        state_limit: how many records of each kind (builds, triggers, connections, ...)
            the mock remembers (the oldest are forgotten and counted).
        state_budget: how many bytes the records made from requests may hold in all, each
            charged its request body's size plus 1 KiB (the oldest are forgotten, counted).
        body_timeout_s: how long a client may take to send its body (408 after that).
        control: serve the control endpoints to sockets (in-process callers always reach them).
        control_token: the token control requests must send in ``X-Triggerspec-Control``
            (default: a random one, :attr:`MockApp.control_token`).
        control_hosts: host names accepted in ``Host``/``Origin`` besides loopback ones.
        rate_limit_per_hour: the limit reported in rate-limit headers where the envelope
            declares them (never enforced; force a 429 with a scenario).
    """

    seed: int | None = None
    token: str | None = field(default=None, repr=False)
    forbidden_token: str | None = field(default=None, repr=False)
    scenarios: tuple[Scenario, ...] = ()
    max_body_bytes: int | None = None
    max_delay_ms: int = 10_000
    repeat_window_s: float = 60.0
    no_config_prefix: str = "none-"
    no_config_workflows: frozenset[str] = frozenset()
    journal_limit: int = 10_000
    journal_budget: int = 64 * MiB
    journal_body_cap: int = 64 * 1024
    state_limit: int = 10_000
    state_budget: int = 64 * MiB
    body_timeout_s: float = 30.0
    rate_limit_per_hour: int = 1000
    control: bool = True
    control_token: str | None = field(default=None, repr=False)
    control_hosts: frozenset[str] = frozenset()

    def has_no_config(self, workflow: str) -> bool:
        """Whether the mock's CI config defines no workflow called ``workflow``."""
        prefix = self.no_config_prefix
        return (
            bool(prefix) and workflow.startswith(prefix)
        ) or workflow in self.no_config_workflows
