"""A vendor triggerspec has no preset for: its envelope and credentials are spec data only,
and the generated client, regenerated in a throwaway project, reads them (422 as a typed
error with the declared message, a derived credential variable)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.codegen.golden import ROOT, make_project
from triggerspec.cli import main

SPEC = """\
openapi: 3.1.0
info:
  title: Dispatch API
  version: "1"
  x-envelope:
    error: {message: message, details: errors}
    validation_status: 422
servers:
  - url: https://api.example.test
security:
  - bearerAuth: []
paths:
  /repos/{owner}/dispatches:
    parameters:
      - name: owner
        in: path
        required: true
        schema: {type: string}
    post:
      operationId: createDispatch
      summary: Create a dispatch
      x-side-effects: starts-build
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Dispatch"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/DispatchResult"}
        "422":
          description: Invalid
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Invalid"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Dispatch:
      type: object
      required: [ref]
      properties:
        ref: {type: string, minLength: 1}
    DispatchResult:
      type: object
      required: [id, ref]
      properties:
        id: {type: string, format: uuid}
        ref: {type: string}
    Invalid:
      type: object
      required: [message]
      properties:
        message: {type: string}
        errors: {type: object}
"""

CHECK = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import pytest
    from triggerspec.mock import MockSettings, create_app
    from triggerspec.mock.scenarios import Scenario
    from triggerspec.mock.transport import MockTransport
    from triggerspec.spec.model import load_api
    from triggerspec_clients import UnprocessableEntityError
    from triggerspec_clients.dispatch.client import API, DispatchClient

    assert API.envelope.validation_status == 422 and API.envelope.name == "inline"
    assert API.schemes["bearerAuth"].env == ("DISPATCH_BEARER_AUTH",)
    api = load_api(Path(sys.argv[1]))
    ok = create_app([api], MockSettings(seed=1))
    client = DispatchClient(environ={"DISPATCH_BEARER_AUTH": "t0k3n"}, transport=MockTransport(ok))
    made = client.create_dispatch(owner="o", ref="main")
    assert made.ref == "main" and made.id
    forced = create_app([api], MockSettings(seed=1, scenarios=(Scenario(status=422),)))
    client = DispatchClient(api_token="t0k3n", transport=MockTransport(forced))
    with pytest.raises(UnprocessableEntityError) as caught:
        client.create_dispatch(owner="o", ref="main")
    assert "forced by a mock scenario" in str(caught.value)
    print("ok")
    """
)


def test_a_declared_vendor_needs_only_spec_data(tmp_path: Path) -> None:
    case = tmp_path / "case"
    (case / "specs").mkdir(parents=True)
    (case / "specs" / "dispatch.yaml").write_text(SPEC)
    project = make_project(case, tmp_path / "project")
    spec = project.specs_dir / "dispatch.yaml"
    assert main(["--root", str(project.root), "regen", "-q"]) == 0
    generated = project.generated_dir
    env = {**os.environ, "PYTHONPATH": f"{generated}{os.pathsep}{ROOT / 'tools'}"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(spec)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
