"""Plain curl against a real mock server: the requests a user would type."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.mock.helpers import DEPLOY_PATH, JOB_PATH, SHA, TRIGGER_PATH
from triggerspec.mock.server import LiveMock

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(*args: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_curl_triggers_and_is_refused_like_the_vendors(
    live_mock_server: LiveMock, tmp_path: Path
) -> None:
    base = live_mock_server.origin
    auth = "Authorization: Bearer curl-token"
    status, body = curl(
        "-H",
        auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps({"sha": SHA}),
        base + JOB_PATH,
    )
    assert (status, body["data"]["sha"]) == (200, SHA)  # type: ignore[index]
    status, body = curl(
        "-H", auth, "-H", "Content-Type: application/json", "-d", "{bad", base + JOB_PATH
    )
    assert status == 400 and "not valid JSON" in body["error"]["message"]  # type: ignore[index]
    headers_file = tmp_path / "_headers"
    headers_file.write_text("/*\n  X-Frame-Options: DENY\n")
    status, body = curl(
        "-H", auth, "-F", "branch=main", "-F", f"_headers=@{headers_file}", base + DEPLOY_PATH
    )
    assert (status, body["success"]) == (200, True)
    worker = tmp_path / "w.js"
    worker.write_text("export default {}")
    status, body = curl(
        "-H",
        auth,
        "-F",
        f"_worker.js=@{worker}",
        "-F",
        f"_worker.bundle=@{worker}",
        base + DEPLOY_PATH,
    )
    assert status == 400
    assert "mutually exclusive" in body["errors"][0]["message"]  # type: ignore[index]
    status, body = curl("-X", "POST", base + TRIGGER_PATH)
    assert (status, body["error_code"]) == (401, "UNAUTHENTICATED")
