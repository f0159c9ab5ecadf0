"""Routes built from the contract model, matched segment by segment.

Every operation is served at its vendor path: the API's base path (``/client/v4`` for
Cloudflare) followed by the operation's path template. Templates go into a trie of path
segments (literal children in a dict, segments mixing text and parameters such as
``{base}...{head}`` as regexes, one whole-segment parameter child), so finding a route costs
the same with six operations or a thousand.

The routing rule, which makes APIs served at the same base path (two at the root) told
apart deterministically: at each segment a literal match is tried first, then a mixed
segment (in the order the routes were added), then a parameter, with backtracking, so
``/repos/{org}/{repo}/cicd/runs`` and ``/{org}/{repo}/ci_workflows/...`` live side by side.
Two operations whose templates have the same shape (the same literals and parameters at the
same places, whatever the parameter names) and method are a real ambiguity: the mock
refuses to start, naming both. In a mixed segment every parameter but the last matches as
little as it can (``{base}...{head}`` splits ``a...b...c`` into ``a`` and ``b...c``).

:meth:`Router.lookup` remembers the verdict for a raw target (a client keeps calling the
same path), so a repeated request skips decoding and the walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from triggerspec.errors import UsageError
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.paths import segment_pattern


@dataclass(frozen=True)
class Route:
    """One operation at its full path, with the parameter name of each template segment."""

    api: Api
    operation: Operation
    template: str
    params: tuple[tuple[int, str], ...]
    """``(segment index, parameter name)`` for each ``{name}`` segment."""
    mixed: tuple[tuple[int, re.Pattern[str], tuple[str, ...]], ...] = ()
    """``(segment index, regex, parameter names in order)`` for each mixed segment."""

    @property
    def method(self) -> str:
        """The HTTP method, upper-case."""
        return self.operation.method


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    mixed: dict[str, tuple[re.Pattern[str], _Node]] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """A route and the decoded values of its path parameters."""

    route: Route
    params: dict[str, str]


@dataclass(frozen=True)
class WrongMethod:
    """The path exists but not for this method; ``allowed`` lists the methods it has."""

    api: Api
    allowed: tuple[str, ...]


class BadPath(ValueError):
    """The path cannot be decoded (a percent-escape that is not UTF-8)."""


def split_target(target: str) -> list[str]:
    """Percent-decoded path segments (UTF-8); ``BadPath`` when a segment does not decode."""
    segments = target.split("/")[1:] if target.startswith("/") else target.split("/")
    out: list[str] = []
    for i, raw in enumerate(segments):
        if "%" not in raw:
            out.append(raw)
            continue
        try:
            out.append(unquote_to_bytes(raw).decode("utf-8"))
        except UnicodeDecodeError:
            raise BadPath(f"path segment {i + 1} is not UTF-8 after percent-decoding") from None
    return out


def _template_segments(template: str) -> list[str]:
    return template.split("/")[1:]


ROUTE_CACHE = 4096
"""Targets whose verdict :meth:`Router.lookup` keeps (the whole memo is dropped when full)."""


class Router:
    """Finds the operation for a method and path; built once from the APIs."""

    def __init__(self, apis: Sequence[Api]) -> None:
        self.apis = tuple(apis)
        self._root = _Node()
        self.routes: list[Route] = []
        self._seen: dict[tuple[str, str], Match | WrongMethod | None] = {}
        for api in self.apis:
            for op in api.operations:
                self._add(api, op)

    def _add(self, api: Api, op: Operation) -> None:
        template = api.base_path + op.path
        node = self._root
        params: list[tuple[int, str]] = []
        mixed: list[tuple[int, re.Pattern[str], tuple[str, ...]]] = []
        for i, segment in enumerate(_template_segments(template)):
            if segment.startswith("{") and segment.endswith("}") and segment.count("{") == 1:
                params.append((i, segment[1:-1]))
                node.param = node.param or _Node()
                node = node.param
            elif "{" in segment or "}" in segment:
                try:
                    found = segment_pattern(segment)
                except ValueError as exc:
                    raise UsageError(f"{api.document.display}: {op.operation_id}: {exc}") from None
                assert found is not None
                shape, regex, names = found
                if shape not in node.mixed:
                    node.mixed[shape] = (regex, _Node())
                mixed.append((i, node.mixed[shape][0], names))
                node = node.mixed[shape][1]
            else:
                node = node.static.setdefault(segment, _Node())
        if op.method in node.routes:
            other = node.routes[op.method]
            raise UsageError(
                f"{op.operation_id} ({api.name}) and {other.operation.operation_id} "
                f"({other.api.name}) are both {op.method} {template}"
            )
        route = Route(api, op, template, tuple(params), tuple(mixed))
        node.routes[op.method] = route
        self.routes.append(route)

    def lookup(self, method: str, target: str) -> Match | WrongMethod | None:
        """:meth:`resolve` for a raw (percent-encoded) target, memoised by target.

        Raises:
            BadPath: a segment is not UTF-8 after percent-decoding.
        """
        key = (method, target)
        found = self._seen.get(key, self)
        if found is self:
            if len(self._seen) >= ROUTE_CACHE:
                self._seen.clear()
            found = self._seen[key] = self.resolve(method, split_target(target))
        return found  # type: ignore[return-value]

    def resolve(self, method: str, segments: Sequence[str]) -> Match | WrongMethod | None:
        """The route for ``method`` at ``segments``, a :class:`WrongMethod`, or ``None``."""
        wrong: WrongMethod | None = None
        for node in self._walk(self._root, segments, 0):
            route = node.routes.get(method)
            if route is not None:
                values = {name: segments[i] for i, name in route.params}
                for i, regex, names in route.mixed:
                    found = regex.fullmatch(segments[i])
                    if found is not None:
                        values.update(zip(names, found.groups(), strict=True))
                return Match(route, values)
            if wrong is None:
                first = next(iter(node.routes.values()))
                wrong = WrongMethod(first.api, tuple(sorted(node.routes)))
        return wrong

    def _walk(self, node: _Node, segments: Sequence[str], i: int) -> Iterator[_Node]:
        if i == len(segments):
            if node.routes:
                yield node
            return
        child = node.static.get(segments[i])
        if child is not None:
            yield from self._walk(child, segments, i + 1)
        for regex, sub in node.mixed.values():
            if regex.fullmatch(segments[i]):
                yield from self._walk(sub, segments, i + 1)
        if node.param is not None:
            yield from self._walk(node.param, segments, i + 1)

    def nearest(self, segments: Sequence[str], count: int = 3) -> list[Route]:
        """The routes most like a path nobody serves, best first (deterministic).

        Ranked by the prefix they share (a literal match counts twice a parameter), then by
        how many of their literal segments the path has anywhere, then by the smallest
        difference in length, then in the order the routes were added.
        """

        def score(index: int, route: Route) -> tuple[int, int, int, int]:
            template = _template_segments(route.template)
            shared = 0
            for want, got in zip(template, segments, strict=False):
                if want == got:
                    shared += 2
                elif want.startswith("{") or "{" in want:
                    shared += 1
                else:
                    break
            literals = {t for t in template if "{" not in t}
            common = len(literals & set(segments))
            return (-shared, -common, abs(len(template) - len(segments)), index)

        ranked = sorted(enumerate(self.routes), key=lambda item: score(*item))
        return [route for _, route in ranked[:count]]

    def nearest_api(self, segments: Sequence[str]) -> Api:
        """The API of the route most like a path nobody serves (:meth:`nearest`).

        Unknown paths and undecodable ones get that vendor's error envelope.
        """
        found = self.nearest(segments, 1)
        return found[0].api if found else self.apis[0]
