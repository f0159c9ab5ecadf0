"""The client model: what one generated client module says, decided before rendering.

One parse step turns a contract-model ``Api`` (plus the class names the models stage
produced) into a :class:`ClientModule`; the template only prints it. Names, annotations,
imports, the envelope to unwrap and the runtime literals are all decided here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

from triggerspec.codegen import escape
from triggerspec.codegen.datamodel import attribute
from triggerspec.errors import SpecError
from triggerspec.runtime.envelope import ErrorShape, RateLimit
from triggerspec.spec import pointer as jp
from triggerspec.spec.model import Api, Operation, Parameter, media_kind
from triggerspec.spec.naming import ClassName, PythonIdentifier, argument_names, constant, snake
from triggerspec.spec.patterns import to_python

_REF = "#/components/schemas/"
_CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)


@dataclass(frozen=True)
class Arg:
    """One keyword argument of a generated method."""

    name: PythonIdentifier
    wire: str
    annotation: str
    required: bool
    kind: Literal["path", "body", "text", "file", "media"]
    description: str

    @property
    def parameter(self) -> str:
        """The argument as written in the method signature."""
        if self.required:
            return f"{self.name}: {self.annotation}"
        return f"{self.name}: {self.annotation} | NotGiven = NOT_GIVEN"


@dataclass(frozen=True)
class Method:
    """One generated method (sync, async and raw twins share it)."""

    name: PythonIdentifier
    const: str
    operation: Operation
    args: tuple[Arg, ...]
    body_model: str | None
    success_models: str
    """The runtime's status -> parse table: ``{200: models.X, 204: None}``."""
    parsed_type: str
    """What the raw view's ``parsed`` holds (the union over the success responses)."""
    error_model: str | None
    return_expr: str
    """The expression the method returns (unwrapping the envelope's payload)."""
    return_type: str
    docstring: tuple[str, ...]
    """Lines of the method's docstring, spec text already escaped."""
    op_def: str
    deprecation: str | None = None
    """The ``@deprecated`` message as a Python literal (deprecated operations only)."""

    @property
    def media_arg(self) -> Arg | None:
        return next((a for a in self.args if a.kind == "media"), None)

    @property
    def path_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.kind == "path")

    @property
    def body_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.kind in ("body", "text"))

    @property
    def file_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.kind == "file")


@dataclass(frozen=True)
class Credential:
    """A constructor argument holding a credential, with its environment variables."""

    name: str
    env: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class ClientModule:
    """Everything one ``client.py`` prints."""

    api: Api
    package: str
    sync_class: ClassName
    async_class: ClassName
    credentials: tuple[Credential, ...]
    methods: tuple[Method, ...]
    api_def: str
    uses_any: bool
    uses_literal: bool
    uses_files: bool
    runtime_imports: tuple[str, ...]
    uses_deprecated: bool


class _Annotator:
    """Python annotations for request arguments, from the raw (un-dereferenced) schema."""

    def __init__(self, raw: dict[str, Any], classes: set[str]) -> None:
        self.schemas: dict[str, Any] = (raw.get("components") or {}).get("schemas", {})
        self.classes = classes
        self.uses_any = False
        self.uses_literal = False

    def __call__(self, schema: Any) -> str:
        if not isinstance(schema, dict):
            self.uses_any = True
            return "Any"
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            name = ref[len(_REF) :]
            target = self.schemas.get(name, {})
            if target.get("type") == "object" or "anyOf" in target or "oneOf" in target:
                self.uses_any = True
                cls = f"models.{ClassName(name)} | " if ClassName(name) in self.classes else ""
                return f"{cls}dict[str, Any]"
            return self(target)
        for key in ("oneOf", "anyOf"):
            if key in schema and "properties" not in schema:
                parts = [self(b) for b in schema[key]]
                return " | ".join(dict.fromkeys(" | ".join(parts).split(" | ")))
        types = schema.get("type")
        nullable = isinstance(types, list) and "null" in types
        kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
        if "enum" in schema:
            self.uses_literal = True
            values = ", ".join(repr(v) for v in schema["enum"])
            text = f"Literal[{values}]"
            if set(schema["enum"]) == {"true", "false"}:
                text = f"bool | {text}"  # a boolean sent as the documented strings
        elif "const" in schema:
            self.uses_literal = True
            text = f"Literal[{schema['const']!r}]"
        elif kind == "null":
            text = "None"
        else:
            text = {
                "string": "str",
                "integer": "int",
                "number": "float",
                "boolean": "bool",
            }.get(str(kind), "")
            mapped = schema.get("additionalProperties")
            if kind == "array":
                text = f"list[{self(schema.get('items'))}]"
            elif kind == "object" and not schema.get("properties") and isinstance(mapped, dict):
                # A typed map: its values keep their type (``dict[str, str]``).
                text = f"dict[str, {self(mapped) if mapped else 'Any'}]"
                self.uses_any = self.uses_any or not mapped
            elif kind == "object" or not text:
                self.uses_any = True
                text = "dict[str, Any]"
        return f"{text} | None" if nullable else text


def _ref_class(schema: Any, classes: set[str], where: str, display: str) -> str:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not (isinstance(ref, str) and ref.startswith(_REF)):
        raise SpecError(display, where, "codegen needs a $ref to a named schema here")
    name = ClassName(ref[len(_REF) :])
    if name not in classes:
        raise SpecError(display, where, f"datamodel-code-generator wrote no class {name}")
    return f"models.{name}"


def _result_type(schema: Any, classes: set[str], where: str, display: str) -> str:
    if isinstance(schema, dict) and "$ref" in schema:
        return _ref_class(schema, classes, where, display)
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key) if isinstance(schema, dict) else None
        if branches:
            parts = [
                "None" if b.get("type") == "null" else _ref_class(b, classes, where, display)
                for b in branches
            ]
            return " | ".join(parts)
    raise SpecError(display, where, "the envelope's payload must be a $ref or a oneOf of $refs")


def _body_properties(
    schema: dict[str, Any], schemas: dict[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """Top-level properties of a body schema (across anyOf/oneOf shapes) and required ones."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"][len(_REF) :]]
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, dict) and set(branch) != {"required"}:
                sub, _ = _body_properties(branch, schemas)
                for name, prop in sub.items():
                    props.setdefault(name, prop)
    return props, required


def _summary(op: Operation) -> str:
    """The operation's summary as a sentence (a full stop added when it has none)."""
    return op.summary if op.summary.endswith(".") else op.summary + "."


def _docstring(op: Operation, args: tuple[Arg, ...]) -> tuple[str, ...]:
    """The method docstring's lines, spec text escaped (:mod:`triggerspec.codegen.escape`)."""
    lines = [escape.line(_summary(op))]
    if op.description and op.description != op.summary:
        lines += ["", *_wrap(op.description)]
    if op.deprecated:
        lines += ["", f"Deprecated: use ``{snake(op.replaced_by or '')}`` instead."]
    lines += ["", f"``{escape.line(op.method)} {escape.line(op.path)}``"]
    if op.side_effects == "starts-build":
        lines += [
            "Starts a build: retried only when the request was never sent or the server",
            "asked for it (429 with Retry-After), unless the client opted in.",
        ]
    if args:
        lines += ["", "Args:"]
        for arg in args:
            desc = arg.description or arg.wire
            lines += _wrap(f"{arg.name}: {desc}", indent="    ", hang="        ")
    return tuple(lines)


def _wrap(text: str, width: int = 88, indent: str = "", hang: str | None = None) -> list[str]:
    """Words of ``text`` (each escaped) in lines of about ``width`` columns."""
    words = [escape.line(word) for word in text.split()]
    lines: list[str] = []
    current = indent
    for word in words:
        if len(current) + len(word) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = hang if hang is not None else indent
        current += word + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _json_types(schema: dict[str, Any]) -> tuple[str, ...]:
    """The JSON types a (dereferenced) parameter schema admits."""
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return tuple(dict.fromkeys(t for b in branches for t in _json_types(b)))
    kind = schema.get("type", "string")
    return tuple(kind) if isinstance(kind, list) else (str(kind),)


def _path_param(p: Parameter) -> str:
    """A ``PathParam`` literal: format, the JSON types when not only a string, lengths and
    the pattern in Python's dialect."""
    schema = p.schema
    types = tuple(t for t in _json_types(schema) if t in ("string", "integer"))
    extra = "" if types in (("string",), ()) else f", {types!r}"
    pattern = schema.get("pattern")
    python = to_python(pattern) if isinstance(pattern, str) else None
    given = {
        "min_length": schema.get("minLength"),
        "max_length": schema.get("maxLength"),
        "pattern": python,
    }
    extra += "".join(f", {k}={v!r}" for k, v in given.items() if v is not None)
    return f"PathParam({p.name!r}, {schema.get('format')!r}{extra})"


def _path_annotation(p: Any, annotate: _Annotator) -> str:
    types = _json_types(p.schema)
    if "enum" in p.schema:
        return annotate(p.schema)
    out = [{"integer": "int", "string": "str"}[t] for t in types if t in ("integer", "string")]
    return " | ".join(out) or "str"


def _op_def(op: Operation, args: tuple[Arg, ...]) -> str:
    params = ", ".join(_path_param(p) for p in op.path_parameters)
    several = op.body is not None and len(op.body.media_types) > 1
    media = f", media_types={op.body.media_types!r}" if op.body and several else ""
    body = "none" if op.body is None else op.body.kind
    if body not in ("none", "json", "form", "multipart"):
        body = "json"
    rules = ", ".join(f"Rule({r.kind!r}, {r.fields!r}, {r.at!r}, {r.limit!r})" for r in op.rules)
    files = ", ".join(
        f"{p.name!r}: {(p.content_type or 'application/octet-stream').split(',')[0].strip()!r}"
        for p in (op.body.parts if op.body else ())
        if p.is_file
    )
    return (
        f"OperationDef(operation_id={op.operation_id!r}, method={op.method!r}, path={op.path!r}, "
        f"retry={op.retry_safe!r}, path_params=({params}{',' if params else ''}), body={body!r}, "
        f"rules=({rules}{',' if rules else ''}), file_parts={{{files}}}{media})"
    )


def build_client_module(
    api: Api, models_source: str, raw: dict[str, Any] | None = None
) -> ClientModule:
    """The client model of one API, given the models module the first stage wrote and the
    document with its inline schemas named (the spec itself when ``raw`` is not given)."""
    display = api.document.display
    raw = raw if raw is not None else api.document.raw
    classes = set(_CLASS.findall(models_source))
    annotate = _Annotator(raw, classes)
    schemas = annotate.schemas
    methods: list[Method] = []
    for op in api.operations:
        path_names = [p.name for p in op.path_parameters]
        args: list[Arg] = []
        body_model = None
        fields: list[tuple[str, Any, bool]] = []
        if op.body is not None:
            # The raw (un-dereferenced) body schema keeps the $refs the annotations name.
            raw_schema = _raw_at(raw, op.body.pointer + "/schema")
            body_model = _ref_class(raw_schema, classes, op.body.pointer + "/schema", display)
            props, required = _body_properties(raw_schema, schemas)
            fields = [(name, prop, name in required) for name, prop in props.items()]
        media = ["media_type"] if op.body is not None and len(op.body.media_types) > 1 else []
        names = argument_names(path_names, [f[0] for f in fields], media)
        for p in op.path_parameters:
            args.append(
                Arg(
                    names[("path", p.name)],
                    p.name,
                    _path_annotation(p, annotate),
                    True,
                    "path",
                    p.description,
                )
            )
        for name, prop, is_required in fields:
            assert op.body is not None
            part = next((p for p in op.body.parts if p.name == name), None)
            kind: Literal["body", "text", "file"] = (
                "file" if part and part.is_file else "text" if part else "body"
            )
            annotation = "FileInput" if kind == "file" else annotate(prop)
            description = str(_described(prop, schemas).get("description", ""))
            args.append(
                Arg(names[("body", name)], name, annotation, is_required, kind, description)
            )
        if media:
            assert op.body is not None
            annotate.uses_literal = True
            choices = ", ".join(repr(m) for m in op.body.media_types)
            args.append(
                Arg(
                    names[("media", "media_type")],
                    "media_type",
                    f"Literal[{choices}]",
                    False,
                    "media",
                    f"the body's media type (default {op.body.media_types[0]})",
                )
            )
        names_given = [a.name for a in args]
        if len(names_given) != len(set(names_given)):
            raise SpecError(display, op.pointer, f"two arguments would share a name: {names_given}")
        success_models, parsed_type, return_type, return_expr = _successes(
            api, op, raw, classes, display
        )
        error_model = None
        for resp in op.error_responses:
            raw_error = _raw_response_schema(raw, op, resp.status)
            if raw_error is not None:
                error_model = _ref_class(raw_error, classes, resp.pointer + "/schema", display)
                break
        ordered = tuple(
            sorted(args, key=lambda a: (a.kind != "path", a.kind == "media", not a.required))
        )
        methods.append(
            Method(
                name=PythonIdentifier(op.operation_id),
                const=constant(op.operation_id),
                operation=op,
                args=ordered,
                body_model=body_model,
                success_models=success_models,
                parsed_type=parsed_type,
                error_model=error_model,
                return_expr=return_expr,
                return_type=return_type,
                docstring=_docstring(op, ordered),
                op_def=_op_def(op, ordered),
                deprecation=escape.literal(f"{op.operation_id} is deprecated; use {op.replaced_by}")
                if op.deprecated
                else None,
            )
        )
    arguments = _credential_names(api)
    credentials = tuple(
        Credential(arguments[s.name], s.env, s.header)
        for s in sorted(api.schemes.values(), key=lambda s: s.name)
    )
    schemes = ", ".join(
        f"{s.name!r}: Scheme({s.name!r}, {arguments[s.name]!r}, {s.kind!r}, "
        f"{s.header!r}, {s.env!r})"
        for s in sorted(api.schemes.values(), key=lambda s: s.name)
    )
    security = tuple(sorted({req for op in api.operations for req in op.security}))
    api_def = (
        f"ApiDef(name={api.name!r}, base_url={api.base_url!r}, "
        f"envelope={render_data(api.envelope)}, schemes={{{schemes}}}, security={security!r}, "
        f"base_url_env={api.base_url_env!r})"
    )
    base = ClassName(api.name)
    needed = {
        "DEFAULT_TIMEOUT",
        "NOT_GIVEN",
        "APIResponse",
        "ApiDef",
        "AsyncAPIClient",
        "NotGiven",
        "OperationDef",
        "SyncAPIClient",
        "Timeout",
        "drop_not_given",
    }
    needed.add("Envelope")
    if api.schemes:  # a document may declare no security scheme at all
        needed.add("Scheme")
    if api.envelope.error != ErrorShape():
        needed.add("ErrorShape")
    if api.envelope.rate_limit != RateLimit():
        needed.add("RateLimit")
    if any(m.file_args for m in methods):
        needed.add("FileInput")
    if any(m.operation.rules for m in methods):
        needed.add("Rule")
    if any(m.path_args for m in methods):
        needed.add("PathParam")
    return ClientModule(
        api=api,
        package=snake(api.name),
        sync_class=ClassName(f"{base}Client"),
        async_class=ClassName(f"Async{base}Client"),
        credentials=credentials,
        methods=tuple(methods),
        api_def=api_def,
        uses_any=annotate.uses_any,
        uses_literal=annotate.uses_literal,
        uses_files=any(m.file_args for m in methods),
        runtime_imports=tuple(sorted(needed, key=_isort_key)),
        uses_deprecated=any(m.operation.deprecated for m in methods),
    )


def render_data(value: Any) -> str:
    """A dataclass as the Python expression that rebuilds it, defaults left out."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return repr(value)
    args = [
        f"{f.name}={render_data(getattr(value, f.name))}"
        for f in dataclasses.fields(value)
        if getattr(value, f.name) != _default(f)
    ]
    return f"{type(value).__name__}({', '.join(args)})"


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _isort_key(name: str) -> tuple[int, str]:
    """isort's order within one import: constants, then classes, then the rest."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _described(prop: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The property, or the schema it refers to when the property has no description."""
    if isinstance(prop, dict) and "description" not in prop and "$ref" in prop:
        target = schemas.get(str(prop["$ref"])[len(_REF) :], {})
        return target if isinstance(target, dict) else {}
    return prop if isinstance(prop, dict) else {}


def _credential_names(api: Api) -> dict[str, str]:
    """Each scheme's constructor argument: ``api_token`` for the one bearer scheme, else the
    scheme's name in snake case."""
    bearers = [s.name for s in api.schemes.values() if s.kind == "bearer"]
    return {
        s.name: "api_token" if bearers == [s.name] else str(PythonIdentifier(s.name))
        for s in api.schemes.values()
    }


def _raw_at(raw: dict[str, Any], pointer: str) -> Any:
    """The raw node at ``pointer``, following local ``$ref``s met on the way (a path item
    or request body may itself be a reference); the last node is returned as written."""
    node: Any = raw
    for token in [t for t in pointer.split("/")[1:]]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = jp.resolve(raw, node["$ref"])
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _raw_response_schema(raw: dict[str, Any], op: Operation, status: str) -> Any:
    resp = _raw_at(raw, jp.join(op.pointer, "responses", status))
    if isinstance(resp, dict) and "$ref" in resp:
        resp = jp.resolve(raw, resp["$ref"])
    content = (resp or {}).get("content") or {}
    media = next((m for t, m in content.items() if media_kind(t) == "json"), None)
    return (media or {}).get("schema")


_KIND_TYPES = {"none": "None", "text": "str", "binary": "bytes"}


def _successes(
    api: Api, op: Operation, raw: dict[str, Any], classes: set[str], display: str
) -> tuple[str, str, str, str]:
    """The status -> parse table, the raw view's type, the method's return type and the
    expression it returns, over every 2xx response of ``op``."""
    table: list[str] = []
    parsed: list[str] = []
    returned: list[str] = []
    unwrap = api.envelope.result_key
    for resp in op.successes:
        where = resp.pointer + "/schema"
        if resp.kind == "json":
            raw_schema = _raw_response_schema(raw, op, resp.status)
            model = _ref_class(raw_schema, classes, where, display)
            if unwrap is None:
                result = model
            else:
                target = schemas_of(raw)[raw_schema["$ref"][len(_REF) :]]
                payload = (target.get("properties") or {}).get(unwrap)
                result = _result_type(payload, classes, resp.pointer, display)
        else:
            if unwrap is not None and resp.kind != "none":
                raise SpecError(
                    display, resp.pointer, f"a {resp.kind} 2xx body cannot carry the envelope"
                )
            model = result = _KIND_TYPES[resp.kind]
        status = resp.status if resp.status.isdigit() else repr(resp.status)
        table.append(f"{status}: {model if resp.kind == 'json' else _KIND_TYPES[resp.kind]}")
        parsed.append(model)
        returned.append(result)
    parsed_type = " | ".join(dict.fromkeys(" | ".join(parsed).split(" | ")))
    return_type = " | ".join(dict.fromkeys(" | ".join(returned).split(" | ")))
    if unwrap is None:
        expr = "response.parsed"
    elif "None" in parsed:
        expr = f"None if response.parsed is None else response.parsed.{attribute(unwrap)}"
    else:
        expr = f"response.parsed.{attribute(unwrap)}"
    return "{" + ", ".join(table) + "}", parsed_type, return_type, expr


def schemas_of(raw: dict[str, Any]) -> dict[str, Any]:
    schemas = (raw.get("components") or {}).get("schemas") or {}
    return schemas if isinstance(schemas, dict) else {}
