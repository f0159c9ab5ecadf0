"""triggerspec: contract tests, codegen and a mock for CI/CD build-trigger APIs."""

__version__ = "0.1.0"
