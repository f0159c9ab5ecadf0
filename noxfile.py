"""Developer tasks, one short session each: `nox -s tests`, `nox -s lint`, ..."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (the same command CI and the README use)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the toolkit, tests and generated code; triggerspec lint over the specs."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("triggerspec", "lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the toolkit and the generated code."""
    session.install("-e", ".[dev]")
    session.run("mypy")
