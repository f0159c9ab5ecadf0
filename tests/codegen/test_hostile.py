"""Spec text never becomes code: hostile titles, summaries, descriptions, enum values and
property names generate a package that imports with no side effects and keeps the text."""

from __future__ import annotations

import builtins
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.codegen.golden import HERE, make_project
from triggerspec.codegen import escape
from triggerspec.codegen.pipeline import PACKAGE, regen

MARK = "TRIGGERSPEC_PWNED"
PAYLOADS = [
    f'"""\n__import__("builtins").{MARK} = 1\n"""',
    f"'''; __import__('builtins').{MARK} = 1; '''",
    f'"; __import__("builtins").{MARK} = 1; "',
    f'\\\n__import__("builtins").{MARK} = 1 #',
    f"\r__import__('builtins').{MARK} = 1\r",
    f"\x0c__import__('builtins').{MARK} = 1",
    f"\u2028__import__('builtins').{MARK} = 1",
    "{{ 7*7 }}{% raw %}",
]
FRAGMENTS = ['"', '"""', "'''", "\\", "\n", "\r", "\t", " ", "\x00", "\x1b", "\ud800", "\u2028"]
FRAGMENTS += ["\U0001f600", "#", "\\N{", "é", "x"]

# A spec is UTF-8 YAML: it cannot carry a lone surrogate (the escape unit test covers them).
IN_SPEC = [f for f in FRAGMENTS if f != "\ud800"]
hostile = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(IN_SPEC),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
    ),
    min_size=1,
    max_size=6,
).map("".join)


def _spec(title: str, summary: str, description: str, enum_value: str, prop: str) -> str:
    spec: dict[str, Any] = yaml.safe_load((HERE / "mini" / "specs" / "mini.yaml").read_text())
    spec["info"]["title"] = title
    post = spec["paths"]["/accounts/{account_id}/builds"]["post"]
    post["summary"] = summary
    post["description"] = description
    schemas = spec["components"]["schemas"]
    schemas["Build"]["properties"]["state"]["enum"].append(enum_value)
    schemas["StartBuild"]["properties"][prop] = {"type": "string", "description": description}
    return yaml.safe_dump(spec, allow_unicode=False)


@pytest.fixture
def clean_import() -> Iterator[None]:
    """Import generated packages from tmp folders, then put the real ones back."""
    saved_path = list(sys.path)
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == PACKAGE}
    yield
    if hasattr(builtins, MARK):
        delattr(builtins, MARK)
    sys.path[:] = saved_path
    for name in [k for k in sys.modules if k.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    sys.modules.update(saved)


def _import_fresh(root: Path) -> Any:
    for name in [k for k in sys.modules if k.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(f"{PACKAGE}.mini")
    finally:
        sys.path.remove(str(root))


def _words(text: str) -> str:
    return " ".join(text.split())


@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.generate],  # each example is a full regen: no shrinking
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=hostile,
    summary=hostile,
    description=hostile,
    enum_value=hostile,
    prop=hostile,
)
def test_hostile_spec_text_stays_text(
    tmp_path_factory: pytest.TempPathFactory,
    clean_import: None,
    title: str,
    summary: str,
    description: str,
    enum_value: str,
    prop: str,
) -> None:
    enum_value, prop, description = "v" + enum_value, "zz" + prop, "D " + description
    root = tmp_path_factory.mktemp("hostile")
    project = make_project(HERE / "mini", root)
    (root / "specs" / "mini.yaml").write_text(
        _spec(title, summary, description, enum_value, prop), encoding="utf-8"
    )
    regen(project)
    assert not hasattr(builtins, MARK)
    package = _import_fresh(project.generated_dir)
    assert not hasattr(builtins, MARK), "importing the package ran spec text"
    client_module = sys.modules[f"{PACKAGE}.mini.client"]
    assert f"clients for {title}." in (client_module.__doc__ or "")
    assert (package.__doc__ or "").startswith(f"{title}: typed clients")
    method_doc = package.MiniClient.start_build.__doc__ or ""
    sentence = summary if summary.endswith(".") else summary + "."
    assert method_doc.startswith(sentence)
    assert _words(description) in _words(method_doc)
    fields = package.models.StartBuild1.model_fields
    assert prop in {f.alias or name for name, f in fields.items()}
    assert enum_value in {m.value for m in package.models.BuildState}
    client = package.MiniClient(api_token="t", base_url="http://mock.invalid")
    assert client.with_raw_response.start_build.__doc__
    assert not hasattr(builtins, MARK), "using the client ran spec text"


@pytest.mark.parametrize("text", [*PAYLOADS, *FRAGMENTS, "a  b", " lead", "trail\t", ""])
def test_escaped_text_evaluates_back_to_itself(text: str) -> None:
    assert eval(f'"""{escape.doc(text)}"""') == text
    one_line = escape.line(text)
    assert "\n" not in one_line and "\r" not in one_line
    assert eval(f'"""{one_line}"""') == text
    assert eval(escape.literal(text)) == text
