"""Developer tasks, one short session each: `nox -s tests`, `nox -s lint`, ..."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

GENERATED_RUFF = ["--isolated", "--line-length=100", "--target-version=py311"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (the same command CI and the README use)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the toolkit and tests, the generator's ruff over generated/, lint over specs."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", *GENERATED_RUFF, "--ignore", "E501", "generated")
    session.run("ruff", "format", "--check", *GENERATED_RUFF, "generated")
    session.run("triggerspec", "lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the toolkit and the generated code."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def regen(session: nox.Session) -> None:
    """Regenerate generated/ from the specs (nothing is rewritten when nothing changed)."""
    session.install("-e", ".")
    session.run("triggerspec", "regen")


@nox.session
def contract(session: nox.Session) -> None:
    """The main job: lint, freshness, client contract tests, fuzz of the embedded mock."""
    session.install("-e", ".")
    session.run("triggerspec", "run", *session.posargs)
