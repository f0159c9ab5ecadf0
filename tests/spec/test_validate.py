"""The compiled validator: a Rust fast path that accepts exactly what jsonschema accepts,
and one wording of union errors for every tool."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import operation, request_schema
from triggerspec.spec.model import Api
from triggerspec.spec.validate import SchemaValidator, SpecValidator, format_checker, violations

SHA40 = "262ed9817b3cad5142fbceabe0c9e371e390d616"
UUID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def python_verdict(schema: dict[str, Any], instance: object) -> bool:
    return bool(SpecValidator(schema, format_checker=format_checker).is_valid(instance))


def test_every_request_schema_gets_the_fast_path(apis: dict[str, Api]) -> None:
    for api in apis.values():
        for op in api.operations:
            schemas = [p.schema for p in op.parameters]
            if op.body is not None:
                schemas.append(op.body.schema)
            for schema in schemas:
                assert SchemaValidator(schema).is_fast, (op.operation_id, schema)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("/Dockerfile", True),
        ("/Dockerfile\n", False),  # ECMAScript '$' is the end of the text, not before a '\n'
        ("/build/Dockerfile\r", False),
        ("/", False),
        ("Dockerfile", False),
    ],
)
def test_patterns_keep_their_ecmascript_meaning(apis: dict[str, Api], value: str, ok: bool) -> None:
    schema = request_schema(apis, "startJobBuild")
    validator = SchemaValidator(schema)
    assert validator.is_fast
    body = {"sha": SHA40, "overrides": {"docker": {"dockerFilePath": value}}}
    assert validator.is_valid(body) is ok
    assert (validator.violations(body) == []) is ok
    assert python_verdict(schema, body) is ok


@pytest.mark.parametrize(("key", "ok"), [("/dir/file", True), ("dir/file", False), ("\n/x", False)])
def test_property_name_patterns_go_the_same_way(apis: dict[str, Api], key: str, ok: bool) -> None:
    validator = SchemaValidator(request_schema(apis, "startJobBuild"))
    body = {"overrides": {"buildFiles": {key: {"data": "eA==", "encoding": "utf-8"}}}}
    assert validator.is_valid(body) is ok
    assert (validator.violations(body) == []) is ok


def test_a_rust_ecmascript_difference_cannot_leak_through() -> None:
    # Rust's '.' matches '\r' and U+2028; ECMAScript's does not. The pattern is evaluated by
    # the same Python function on both paths, so the fast path refuses them too.
    validator = SchemaValidator({"type": "string", "pattern": "^a.b$"})
    assert validator.is_fast
    assert validator.is_valid("axb")
    for value in ("a\rb", "a\u2028b", "a\nb"):
        assert not validator.is_valid(value), value


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (UUID, True),
        (UUID.upper(), True),
        (UUID.replace("-", ""), False),
        ("{" + UUID + "}", False),
        ("urn:uuid:" + UUID, False),
        (UUID + "\n", False),
    ],
)
def test_uuid_format_is_enforced(value: str, ok: bool) -> None:
    validator = SchemaValidator({"type": "string", "format": "uuid"})
    assert validator.is_fast
    assert validator.is_valid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2025-01-01T00:00:00Z", True),
        ("2025-01-01T00:00:00.123+02:00", True),
        ("2025-01-01 00:00:00Z", True),  # our checker allows RFC 3339's space separator
        ("2016-12-31T23:59:60Z", False),  # jsonschema_rs alone would accept a leap second
        ("2025-02-30T00:00:00Z", False),
        ("2025-01-01T00:00:00", False),
        ("27/12/2019", False),
    ],
)
def test_date_time_format_is_ours_on_both_paths(value: str, ok: bool) -> None:
    schema = {"type": "string", "format": "date-time"}
    validator = SchemaValidator(schema)
    assert validator.is_fast
    assert validator.is_valid(value) is ok
    assert python_verdict(schema, value) is ok


def test_unknown_formats_are_not_asserted() -> None:
    validator = SchemaValidator({"type": "string", "format": "hostname"})
    assert validator.is_valid("not a host name!")
    assert violations({"format": "idn-hostname"}, "not a host name!") == []


def test_email_and_uri_formats_are_asserted() -> None:
    assert not SchemaValidator({"type": "string", "format": "email"}).is_valid("not an email")
    assert violations({"format": "uri"}, "not a uri") != []


@pytest.mark.parametrize(
    ("operation_id", "body", "ok", "wording"),
    [
        ("createManualBuild", {"branch": "main"}, True, ""),
        ("createManualBuild", {}, False, "at least one of branch, commit_hash is required"),
        ("createDeployment", {"_worker.js": "<file>"}, True, ""),
        (
            "createDeployment",
            {"_worker.js": "<file>", "_worker.bundle": "<file>"},
            False,
            "_worker.js and _worker.bundle are mutually exclusive",
        ),
        ("runWorkflows", {"head": {"tag": "v1"}}, True, ""),
        (
            "runWorkflows",
            {"head": {"branch": "main", "tag": "v1"}},
            False,
            "exactly one of branch, commit, tag",
        ),
    ],
)
def test_cross_field_rules_hold_on_the_fast_path(
    apis: dict[str, Api], operation_id: str, body: dict[str, Any], ok: bool, wording: str
) -> None:
    validator = SchemaValidator(request_schema(apis, operation_id))
    assert validator.is_fast
    assert validator.is_valid(body) is ok
    found = [str(v) for v in validator.violations(body)]
    assert (found == []) is ok, found
    assert all(wording in m for m in found[:1]), found


def test_a_lone_surrogate_falls_back_to_jsonschema() -> None:
    validator = SchemaValidator({"type": "string", "maxLength": 3})
    assert validator.is_valid("\ud800")  # Rust cannot hold it; jsonschema judges
    assert not validator.is_valid("\ud800" * 4)
    assert [v.rule for v in validator.violations("\ud800" * 4)] == ["maxLength 3"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "patternProperties": {"^a$": {"type": "string"}}},
        {"type": "number", "multipleOf": 0.01},
        {"type": "string", "contentEncoding": "base64"},
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
    ],
)
def test_keywords_the_libraries_read_differently_get_no_fast_path(schema: dict[str, Any]) -> None:
    assert not SchemaValidator(schema).is_fast


def test_fractional_multiple_of_keeps_jsonschemas_verdict() -> None:
    # jsonschema_rs says 0.07 is a multiple of 0.01, jsonschema (floats) does not.
    schema = {"type": "number", "multipleOf": 0.01}
    assert SchemaValidator(schema).is_valid(0.07) == python_verdict(schema, 0.07)


def test_a_union_is_worded_by_its_best_branch(apis: dict[str, Api]) -> None:
    body = {"overrides": {"docker": {"dockerFilePath": "/Dockerfile\n"}}}
    found = violations(request_schema(apis, "startJobBuild"), body)
    assert [(v.pointer, v.rule.split()[0]) for v in found] == [
        ("/overrides/docker/dockerFilePath", "pattern")
    ]
    found = violations(
        request_schema(apis, "runWorkflows"), {"config_revision": {"tag": "v1", "commit": "c"}}
    )
    assert [str(v) for v in found] == [
        "/config_revision: exactly one of branch, commit, tag must be provided (oneOf)"
    ]


def test_the_compiled_validator_and_the_function_agree(apis: dict[str, Api]) -> None:
    schema = request_schema(apis, "startJobBuild")
    body = {"sha": "abc", "overrides": {"docker": {"dockerfileTarget": "a b"}}}
    assert SchemaValidator(schema).violations(body) == violations(schema, body)


# -- differential: the fast path never accepts what jsonschema refuses --------------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from("aZ0/-._ \n\r\u2028\u00e9"), max_size=42)
    | st.sampled_from([SHA40, UUID, "/Dockerfile", "2025-01-01T00:00:00Z", "main", "<file>"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


def _mutate(example: Any, data: st.DataObject) -> Any:
    value = copy.deepcopy(example)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(value)))
        replacement = data.draw(_JSON)
        if not where:
            value = replacement
            continue
        parent = value
        for key in where[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            parent[data.draw(st.sampled_from([*map(str, parent), "branch", "tag", "extra"]))] = (
                replacement
            )
        elif isinstance(parent, dict) and data.draw(st.booleans()):
            parent.pop(where[-1], None)
        else:
            parent[where[-1]] = replacement
    return value


def _bodies(apis: dict[str, Api]) -> list[tuple[str, dict[str, Any], Any]]:
    out = []
    for api in apis.values():
        for op in api.operations:
            if op.body is None:
                continue
            for example in op.body.examples:
                instance = example.value
                if op.body.is_multipart:
                    instance = {
                        k: "<file>" if not isinstance(v, str) else v for k, v in instance.items()
                    }
                out.append((op.operation_id, op.body.schema, instance))
    return out


DIFFERENTIAL = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
"""The bounded, repeatable runs of the tests comparing the fast path with jsonschema."""


@DIFFERENTIAL
@given(data=st.data())
def test_the_fast_path_agrees_with_jsonschema(apis: dict[str, Api], data: st.DataObject) -> None:
    operation_id, schema, example = data.draw(st.sampled_from(_bodies(apis)))
    validator = SchemaValidator(schema)
    instance = _mutate(example, data)
    expected = python_verdict(schema, instance)
    assert validator.is_valid(instance) is expected, (operation_id, instance)
    assert (validator.violations(instance) == []) is expected, (operation_id, instance)


def test_examples_are_valid_on_both_paths(apis: dict[str, Api]) -> None:
    for operation_id, schema, example in _bodies(apis):
        _, op = operation(apis, operation_id)
        assert SchemaValidator(schema).is_valid(example) == python_verdict(schema, example), op


# -- refusals: worded from the Rust validator's errors, exactly as jsonschema words them ---

KEYWORDS: dict[str, Any] = {
    "type": "object",
    "required": ["name", "kind"],
    "propertyNames": {"pattern": "^[a-z/]"},
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$"},
        "kind": {"enum": ["build", "deploy"]},
        "fixed": {"const": 3},
        "id": {"type": "string", "format": "uuid"},
        "tags": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}},
        "count": {"type": "integer", "minimum": 0, "maximum": 9, "multipleOf": 3},
        "either": {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 1}]},
        "source": {
            "anyOf": [
                {"type": "object", "required": ["branch"], "additionalProperties": False,
                 "properties": {"branch": {"type": "string", "minLength": 1}}},
                {"type": "object", "required": ["tag"], "additionalProperties": False,
                 "properties": {"tag": {"type": "string", "pattern": "^v"},
                                "nested": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}},
            ]
        },
        "not_text": {"not": {"type": "string"}},
        "has_int": {"type": "array", "contains": {"type": "integer"}},
    },
    "dependentRequired": {"tags": ["count"]},
    "if": {"required": ["fixed"]},
    "then": {"required": ["id"]},
    "additionalProperties": {"type": ["string", "integer"]},
}  # fmt: skip

KEYWORDS_EXAMPLE = {"name": "abc", "kind": "build", "source": {"branch": "main"}}


@DIFFERENTIAL
@given(data=st.data())
def test_refusals_are_worded_alike_on_both_paths(apis: dict[str, Api], data: st.DataObject) -> None:
    """Wording from the Rust errors gives exactly the violations (pointer, rule, message,
    order) that a full jsonschema pass gives, on the specs' bodies and on a schema using
    many more keywords."""
    cases = [*_bodies(apis), ("keywords", KEYWORDS, KEYWORDS_EXAMPLE)]
    operation_id, schema, example = data.draw(st.sampled_from(cases))
    instance = _mutate(example, data)
    fast = SchemaValidator(schema)
    assert fast.violations(instance) == SchemaValidator(schema, fast=False).violations(instance), (
        operation_id,
        instance,
    )


@pytest.mark.parametrize(
    "instance",
    [
        {"name": "A", "kind": "x", "Bad": 1.5, "tags": ["a", "a"], "fixed": 4},
        {"name": "abc", "kind": "build", "either": "s", "not_text": "t", "has_int": ["a"]},
        {"name": "abc", "kind": "build", "source": {"tag": "x", "nested": "n"}},
        {"name": "abc", "kind": "build", "source": {"branch": ""}, "count": 4, "id": "no"},
    ],
)
def test_a_refusal_is_worded_without_a_second_jsonschema_pass(
    instance: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = SchemaValidator(KEYWORDS, fast=False).violations(instance)
    assert expected
    fast = SchemaValidator(KEYWORDS)
    assert fast.is_fast

    cls = type(fast._python)
    original = cls.iter_errors

    def no_whole_pass(self: Any, checked: object, *args: Any, **kwargs: Any) -> Any:
        if self.schema is KEYWORDS:
            raise AssertionError("the whole instance was checked by jsonschema again")
        return original(self, checked, *args, **kwargs)

    monkeypatch.setattr(cls, "iter_errors", no_whole_pass)
    assert fast.violations(instance) == expected
