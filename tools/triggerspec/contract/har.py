"""Recorded traffic as HAR 1.2, with credentials and secret body fields masked.

Schemathesis' own CLI offers a HAR report; the runner writes the same format so a fuzz run's
exchanges can be opened in any HAR viewer. Every value leaves through :func:`mask` first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from triggerspec import __version__

MAX_BODY = 64 * 1024
"""Longer bodies are cut in the record (the size is kept)."""


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    raw = data.encode() if isinstance(data, str) else data
    return raw[:MAX_BODY].decode("utf-8", "replace")


def entry(
    response: requests.Response,
    mask: Callable[[str], str],
    masked_body: str | None = None,
    masked_response: str | None = None,
) -> dict[str, Any]:
    """One HAR entry for an exchange; ``mask`` hides credentials and secrets in every text.

    ``masked_body`` and ``masked_response`` replace the request and response bodies when the
    caller masked them structurally (JSON with its secret fields replaced), which text
    replacement alone cannot do reliably; ``mask`` still runs over them (a server may echo a
    secret into a field that is not marked).
    """
    request = response.request
    body = request.body if isinstance(request.body, (bytes, str)) else None
    sent: dict[str, Any] = {
        "method": request.method,
        "url": mask(request.url or ""),
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": mask(v)} for k, v in request.headers.items()],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(body) if body is not None else 0,
    }
    if body is not None:
        text = masked_body if masked_body is not None else _text(body)
        sent["postData"] = {"mimeType": request.headers.get("content-type", ""), "text": mask(text)}
    elapsed_ms = response.elapsed.total_seconds() * 1000
    return {
        "startedDateTime": datetime.now(UTC).isoformat(),
        "time": elapsed_ms,
        "request": sent,
        "response": {
            "status": response.status_code,
            "statusText": response.reason or "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": mask(v)} for k, v in response.headers.items()],
            "cookies": [],
            "content": {
                "size": len(response.content),
                "mimeType": response.headers.get("content-type", ""),
                "text": mask(
                    masked_response if masked_response is not None else _text(response.content)
                ),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.content),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
    }


def document(entries: list[dict[str, Any]]) -> str:
    """A HAR 1.2 document holding ``entries``."""
    return json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "triggerspec", "version": __version__},
                "entries": entries,
            }
        },
        indent=1,
    )
