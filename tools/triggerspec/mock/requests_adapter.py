"""A ``requests`` transport adapter answered by the mock in-process.

Schemathesis sends its cases with ``requests``; mounting this adapter on a session lets the
fuzz runner drive the embedded mock with no port and no thread, through exactly the code a
real HTTP server would run.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

from triggerspec.mock.app import MockApp
from triggerspec.mock.exchange import MockRequest, headers_of


class MockAdapter(BaseAdapter):
    """Answer every request sent through the session from a :class:`MockApp`."""

    def __init__(self, app: MockApp, sleep: Any = time.sleep) -> None:
        super().__init__()
        self.app = app
        self._sleep = sleep
        self._builder = HTTPAdapter()

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Translate, answer, translate back."""
        url = urlsplit(request.url or "")
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = b"".join(body)  # a generator body
        answer = self.app.handle(
            MockRequest(
                method=request.method or "GET",
                target=url.path or "/",
                query=url.query,
                headers=headers_of(
                    (k, v if isinstance(v, str) else v.decode("latin-1"))
                    for k, v in request.headers.items()
                ),
                body=body or b"",
            )
        )
        if answer.delay_s > 0:
            self._sleep(answer.delay_s)
        raw = HTTPResponse(
            body=io.BytesIO(answer.body),
            headers=HTTPHeaderDict(answer.headers),
            status=answer.status,
            preload_content=False,
            version=11,
            decode_content=False,
        )
        response = self._builder.build_response(request, raw)
        response.content  # noqa: B018 - read now, as a real adapter does for non-streaming calls
        return response

    def close(self) -> None:
        """Nothing to release."""


def mock_session(app: MockApp) -> requests.Session:
    """A ``requests`` session whose every URL is answered by ``app``."""
    session = requests.Session()
    adapter = MockAdapter(app)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
