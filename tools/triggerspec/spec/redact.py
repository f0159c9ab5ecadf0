"""Secret body fields, found from the specs, and their masking wherever text leaves.

Part of the contract model: the mock's journal and the fuzz runner's reports mask the same
fields.

The specs mark a field holding a secret with ``x-sensitive: true`` (Northflank's secret
build files, Pages' secret environment variables and web analytics token). The mock never
keeps a hand list: :func:`sensitive_paths` walks an operation's dereferenced schema
(through ``properties``, ``additionalProperties``, ``items`` and every ``anyOf``/``oneOf``/
``allOf`` branch) and returns where such fields sit, ``*`` standing for any key or index.
A :class:`Redactor` replaces the value at each of those paths with ``***`` (and text sent
where an object holding a secret belongs, such as a secret file given as a bare string) and
remembers what it hid, so the same text can be scrubbed from the problems recorded with the
request (a validation message quotes the value it refuses).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

MASK = "***"
SENSITIVE = "x-sensitive"

FieldPath = tuple[str, ...]
"""Keys from the body's root to a field; ``"*"`` matches any key or array index."""

ANY = "*"

_BRANCHES = ("anyOf", "oneOf", "allOf")
_SAME_LEVEL = ("then", "else", "if")


def sensitive_paths(schema: Any) -> frozenset[FieldPath]:
    """Where ``schema`` (dereferenced) declares ``x-sensitive: true`` fields."""
    return frozenset(_walk(schema, (), set()))


def declares_sensitive(document: Any) -> bool:
    """Whether ``x-sensitive: true`` appears anywhere in a raw document (no ``$ref`` is
    followed): when it does not, no operation of the document has a secret field."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get(SENSITIVE) is True:
                return True
            pending.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            pending.extend(v for v in node if isinstance(v, (dict, list)))
    return False


def _walk(schema: Any, at: FieldPath, active: set[int]) -> Iterator[FieldPath]:
    if not isinstance(schema, dict) or id(schema) in active:
        return  # a recursive schema is walked once per branch of the recursion
    active.add(id(schema))
    try:
        if schema.get(SENSITIVE) is True:
            yield at
        for name, prop in (schema.get("properties") or {}).items():
            yield from _walk(prop, (*at, name), active)
        for key in ("additionalProperties", "items", "unevaluatedProperties"):
            yield from _walk(schema.get(key), (*at, ANY), active)
        for prop in (schema.get("patternProperties") or {}).values():
            yield from _walk(prop, (*at, ANY), active)
        for item in schema.get("prefixItems") or []:
            yield from _walk(item, (*at, ANY), active)
        for key in _BRANCHES:
            for branch in schema.get(key) or []:
                yield from _walk(branch, at, active)
        for key in _SAME_LEVEL:
            yield from _walk(schema.get(key), at, active)
    finally:
        active.discard(id(schema))


Tree = dict[str, "Tree | bool"]
"""Sensitive paths as a trie of keys; ``True`` marks a sensitive field (all of it)."""


class Redactor:
    """Masks the values at a set of :data:`FieldPath`s in JSON-like data.

    Example:
        >>> redactor = Redactor([("overrides", "buildFiles", "*", "data")])
        >>> redactor.mask({"overrides": {"buildFiles": {"/a": {"data": "c2VjcmV0"}}}})
        ({'overrides': {'buildFiles': {'/a': {'data': '***'}}}}, ['c2VjcmV0'])
    """

    def __init__(self, paths: Iterable[FieldPath]) -> None:
        self.paths = frozenset(paths)
        self._tree: Tree | bool = _tree_of(self.paths)
        self._nodes: dict[int, Tree | bool] = {}
        _index(self._tree, self._nodes)
        self._steps: dict[tuple[State, Any, bool], State] = {}
        self._keys = frozenset(key for path in self.paths for key in path)
        self._anywhere = any(path[:1] == (ANY,) or not path for path in self.paths)

    @classmethod
    def from_schemas(cls, schemas: Iterable[Any]) -> Redactor:
        """The redactor of every sensitive field declared in ``schemas``."""
        return cls(path for schema in schemas for path in sensitive_paths(schema))

    def __bool__(self) -> bool:
        return bool(self.paths)

    def mask(self, value: Any, known: Sequence[str] = ()) -> tuple[Any, list[str]]:
        """``(copy of value with secrets as ***, the text of each secret hidden)``.

        A sensitive field is found wherever it sits: at its declared path, inside an array
        the schema did not expect there, under members the schema does not know (its path
        may start at any depth and skip unknown levels). Text equal to one of ``known``
        (credentials the request carried), or holding a long one, is masked anywhere.
        """
        known = [k for k in known if k]
        if not self.paths and not known:
            return value, []
        simple = not known and not self._anywhere and isinstance(value, dict)
        if simple and not _mentions(value, self._keys):
            return value, []  # no member on any path to a secret: nothing to hide
        hidden: list[str] = []
        start = frozenset({(id(self._tree), True)}) if self.paths else frozenset()
        if len(self._steps) > STEP_CACHE:
            self._steps.clear()
        walk = _Walk(self._tree, self._nodes, self._steps, known, hidden)
        return walk.mask(value, start, 0), hidden

    def covers(self, pointer: str) -> bool:
        """Whether a JSON pointer (``/overrides/buildFiles/~1a/data``) is a sensitive field
        or lies inside one."""
        node = self._tree
        for raw in pointer.split("/")[1:]:
            if node is True or node is False:
                break
            key = raw.replace("~1", "/").replace("~0", "~")
            node = _child(node, key)
        return node is True


def _child(node: Tree, key: str) -> Tree | bool:
    return node.get(key, node.get(ANY, False))


def _tree_of(paths: Iterable[FieldPath]) -> Tree | bool:
    root: Tree | bool = {}
    for path in paths:
        root = _merge(root, _chain(path))
    return root


def _chain(path: FieldPath) -> Tree | bool:
    node: Tree | bool = True
    for key in reversed(path):
        node = {key: node}
    return node


def _merge(a: Tree | bool, b: Tree | bool) -> Tree | bool:
    """The union of two tries; a ``*`` branch also applies under every named sibling."""
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    out: Tree = dict(a)
    for key, sub in b.items():
        out[key] = _merge(out.get(key, False), sub)
    wildcard = out.get(ANY, False)
    if wildcard is not False:
        for key in out:
            if key != ANY:
                out[key] = _merge(out[key], wildcard)
    return out


def _mentions(value: dict[Any, Any], keys: frozenset[str]) -> bool:
    """Whether a member named in ``keys`` sits anywhere in ``value`` (a path to a secret
    starts at such a member, so without one the walk would find nothing)."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not keys.isdisjoint(item):
                return True
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        else:
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return False


def _index(node: Tree | bool, nodes: dict[int, Tree | bool]) -> None:
    """Every node of a trie by id (the walk's states name nodes by id)."""
    nodes[id(node)] = node
    if isinstance(node, dict):
        for child in node.values():
            if id(child) not in nodes:
                _index(child, nodes)


STEP_CACHE = 4096
"""Steps a redactor remembers (state, key) -> state before starting afresh."""

MAX_MASK_DEPTH = 128
"""Deeper than this (past the mock's JSON depth limit), a body is recorded as ``***``."""

State = frozenset[tuple[int, bool]]
"""Trie nodes a value is matched against (by id), each anchored (reached key by key, so
text found there is a secret's wrong shape) or carried over unknown levels."""


class _Walk:
    """One masking pass: the trie, the known credentials, and what was hidden."""

    def __init__(
        self,
        tree: Tree | bool,
        nodes: dict[int, Tree | bool],
        steps: dict[tuple[State, Any, bool], State],
        known: Sequence[str],
        hidden: list[str],
    ) -> None:
        self.tree = tree
        self.nodes = nodes
        self.steps = steps
        self.known = sorted(set(known), key=len, reverse=True)
        self.hidden = hidden

    def _hide(self, value: Any) -> str:
        self.hidden.extend(_texts(value))
        return MASK

    def mask(self, value: Any, state: State, depth: int) -> Any:
        if state and any(self.nodes[n] is True for n, _ in state):
            return self._hide(value)
        if depth > MAX_MASK_DEPTH:
            return MASK
        if isinstance(value, dict):
            return {
                key: self.mask(item, self._step(state, key, item), depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.mask(item, self._step(state, ANY, item), depth + 1) for item in value]
        if isinstance(value, str):
            if state and any(anchored for _, anchored in state):  # a secret's wrong shape
                return self._hide(value)
            return self._scrub(value) if self.known else value
        return value

    def _step(self, state: State, key: Any, item: Any) -> State:
        """The nodes ``item`` (at ``key``) is matched against (remembered per redactor:
        bodies repeat their keys)."""
        container = isinstance(item, (dict, list))
        memo = (state, key, container) if isinstance(key, str) else None
        found = self.steps.get(memo) if memo is not None else None
        if found is None:
            found = self._next(state, key, container)
            if memo is not None:
                self.steps[memo] = found
        return found

    def _next(self, state: State, key: Any, container: bool) -> State:
        out: set[tuple[int, bool]] = set()
        for n, anchored in state:
            node = self.nodes[n]
            child = _child(node, key) if isinstance(node, dict) and isinstance(key, str) else False
            if child is not False:
                out.add((id(child), True))
            elif key == ANY:  # an array where the schema has none: look through it
                out.add((n, anchored))
            elif container:  # a member the schema does not know: look through it
                out.add((n, False))
        if container and self.tree is not False and self.tree is not True:
            out.add((id(self.tree), False))  # a sensitive path may start at any depth
        return frozenset(out)

    def _scrub(self, text: str) -> str:
        for secret in self.known:
            if text == secret or (len(secret) >= SCRUB_BARE and secret in text):
                self.hidden.append(secret)
                return MASK
        return text


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a hidden value (to scrub it from messages)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str) and value:
        yield value


SCRUB_BARE = 8
"""Secrets at least this long are scrubbed wherever they appear, not only where quoted."""


def scrub(text: str, hidden: Sequence[str]) -> str:
    """``text`` with every hidden secret replaced by ``***``.

    A validation message quotes the value it refuses (``'c2Vj...' is not of type
    'object'``), so the quoted form goes whatever its length; a long secret also goes
    wherever it appears. Short ones are left elsewhere, so a secret ``"1"`` does not
    garble ``minLength 1``.
    """
    present = {s for s in hidden if s and (s in text or repr(s) in text)}
    for secret in sorted(present, key=len, reverse=True):
        text = text.replace(repr(secret), repr(MASK))
        if len(secret) >= SCRUB_BARE:
            text = text.replace(secret, MASK)
    return text


def scrub_json(text: str, plain: Sequence[str]) -> str:
    """JSON ``text`` with secrets of plain characters (no quote, backslash or control, so
    JSON holds them as they are) replaced by ``***``: a long one wherever it appears, a
    short one where it is a whole string."""
    present = {s for s in plain if s and s in text}  # usually none: the text is kept as is
    for secret in sorted(present, key=len, reverse=True):
        if len(secret) >= SCRUB_BARE:
            text = text.replace(secret, MASK)
        else:
            text = text.replace(f'"{secret}"', f'"{MASK}"')
    return text
