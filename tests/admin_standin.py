"""A stand-in for the Usage & Cost Admin API on 127.0.0.1, with paging (one bucket per page).

Requires `x-api-key` = ADMIN_KEY and `anthropic-version`; serves the buckets given to it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

ADMIN_KEY = "sk-ant-admin01-STANDIN-admin-secret-42"


class AdminStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, usage: list[dict[str, Any]], cost: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.buckets = {"/v1/organizations/usage_report/messages": usage, "/v1/organizations/cost_report": cost}
        self.queries: list[tuple[str, dict[str, list[str]]]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> AdminStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: AdminStandIn

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, doc: dict[str, Any]) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        self.server.queries.append((url.path, query))
        if self.headers.get("x-api-key") != ADMIN_KEY or not self.headers.get("anthropic-version"):
            return self._send(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
        buckets = self.server.buckets.get(url.path)
        if buckets is None:
            return self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": url.path}})
        page = int(query.get("page", ["0"])[0])
        more = page + 1 < len(buckets)
        return self._send(200, {"data": buckets[page:page + 1], "has_more": more, "next_page": str(page + 1) if more else None})
