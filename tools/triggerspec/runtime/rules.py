"""Cross-field rules as values: the runtime half, shared by generated clients and the tools.

The contract model (``triggerspec.spec.rules``) finds these rules in a spec; generated
clients render them as literals and check them before sending; the mock and the checks call
the same :meth:`Rule.check`, so a broken rule is named the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

RuleKind = Literal["at-least-one-of", "exactly-one-of", "mutually-exclusive", "max-bytes"]


@dataclass(frozen=True)
class Rule:
    """A rule over several fields of one object (or a size cap on one field).

    ``at`` is the JSON pointer of the object in the instance (``""`` for the body itself,
    ``/head`` for a nested object; ``*`` stands for any array index or map key).
    """

    kind: RuleKind
    fields: tuple[str, ...]
    at: str = ""
    limit: int | None = None

    @property
    def message(self) -> str:
        names = ", ".join(self.fields)
        if self.kind == "at-least-one-of":
            return f"at least one of {names} is required"
        if self.kind == "exactly-one-of":
            return f"exactly one of {names} must be provided"
        if self.kind == "mutually-exclusive":
            return f"{' and '.join(self.fields)} are mutually exclusive"
        return f"{names} must be at most {self.limit} bytes"

    def check(self, obj: Mapping[str, Any], sizes: Mapping[str, int] | None = None) -> bool:
        """Whether one object instance keeps the rule (``sizes``: byte sizes of file parts)."""
        present = [f for f in self.fields if f in obj and obj[f] is not None]
        if self.kind == "at-least-one-of":
            return bool(present)
        if self.kind == "exactly-one-of":
            return len(present) == 1
        if self.kind == "mutually-exclusive":
            return len(present) < len(self.fields)
        size = (sizes or {}).get(self.fields[0])
        return size is None or self.limit is None or size <= self.limit


def objects_at(instance: Any, at: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The objects a rule at pointer ``at`` governs, with their concrete pointers.

    ``*`` in ``at`` matches every array item or map value.
    """
    found: list[tuple[str, Any]] = [("", instance)]
    for token in [t for t in at.split("/") if t]:
        token = token.replace("~1", "/").replace("~0", "~")
        step: list[tuple[str, Any]] = []
        for where, node in found:
            if token == "*" and isinstance(node, Mapping):
                step.extend((f"{where}/{k}", v) for k, v in node.items())
            elif token == "*" and isinstance(node, list):
                step.extend((f"{where}/{i}", v) for i, v in enumerate(node))
            elif isinstance(node, Mapping) and token in node:
                step.append((f"{where}/{token}", node[token]))
        found = step
    return [(where, node) for where, node in found if isinstance(node, Mapping)]


def broken_rules(
    rules: tuple[Rule, ...], instance: Any, sizes: Mapping[str, int] | None = None
) -> list[str]:
    """A message for each place where ``instance`` breaks one of ``rules``: ``/head: ...``."""
    messages: list[str] = []
    for rule in rules:
        for where, obj in objects_at(instance, rule.at):
            if not rule.check(obj, sizes):
                messages.append(f"{where or '/'}: {rule.message}")
    return messages
