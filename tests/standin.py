"""A stand-in for POST /v1/messages/count_tokens on 127.0.0.1, for tests and benchmarks.

It checks what the real endpoint checks (fact sheet §1): the key header, the accepted top-level
fields, server tools and url/file sources (400 invalid_request_error), known models (404), and
answers `{"input_tokens": N}` from its own counting rule, which claude-cost cannot reproduce:

    frame (7 / 11 / 6 by tokenizer family, as the real frames) + 3 per message after the first
    + ceil(words x family factor) for every text (system, messages, tool results)
    + 30 per tool definition + 300 once when there are tools
    + 100 per base64 image, 1000 per base64 document

Failures are scripted through attributes (`fail`, `fail_times`, `delay`, `rate_limit_per_s`).

It also answers POST /v1/messages (for tests that instrument the real SDK), plain or streamed
(`"stream": true`: the SSE events the real API sends, with `message_start` carrying the input
and cache fields and an output count of 1, and `message_delta` the cumulative final usage, fact
sheet §4). Each answer's usage is the next of `message_usages` (a list the test fills).
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCEPTED = {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "cache_control", "speed"}
SERVER_TOOLS = ("web_search_", "web_fetch_", "code_execution_", "tool_search_tool_")
FAMILY = {  # model → (frame, factor)
    "claude-sonnet-4-6": (7, 1.0),
    "claude-haiku-4-5": (7, 1.0),
    "claude-opus-4-6": (7, 1.0),
    "claude-opus-4-5": (7, 1.0),
    "claude-sonnet-4-5": (7, 1.0),
    "claude-opus-4-7": (11, 1.35),
    "claude-opus-4-8": (6, 1.35),
    "claude-opus-5": (6, 1.35),
    "claude-sonnet-5": (6, 1.35),
    "claude-haiku-5-5": (6, 1.35),
    "claude-opus-5-5": (6, 1.35),
    "claude-sonnet-5-5": (6, 1.35),
}
KEY = "sk-ant-api03-STANDIN-secret-key-0123456789"


def _words(text: str, factor: float) -> int:
    return math.ceil(len(text.split()) * factor)


def _content(content: Any, factor: float) -> int:
    if isinstance(content, str):
        return _words(content, factor)
    total = 0
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            total += _words(block["text"], factor)
        elif kind == "image":
            total += 100
        elif kind == "document":
            total += 1000
        elif kind == "tool_result":
            total += 2 + _content(block.get("content", ""), factor)
        elif kind == "tool_use":
            total += 5 + _words(json.dumps(block.get("input", {})), factor)
    return total


def count(body: dict[str, Any]) -> int:
    """The stand-in's answer for a valid body (tests use this as the ground truth)."""
    frame, factor = FAMILY[body["model"]]
    total = frame + 3 * (len(body["messages"]) - 1)
    system = body.get("system")
    if system:
        total += _content(system, factor)
    for msg in body["messages"]:
        total += _content(msg["content"], factor)
    tools = body.get("tools") or []
    if tools:
        total += 300 + 30 * len(tools)
    return total


class StandIn(ThreadingHTTPServer):
    daemon_threads = True
    # Tests hammer it from 50 threads and several processes at once: the default listen backlog
    # of 5 refuses connections in such a burst (a client error that no real API would cause).
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.fail: tuple[int, str, str, dict[str, str]] | None = None
        self.fail_times: int | None = None  # None: always
        self.delay = 0.0
        self.raw_reply: tuple[int, str, bytes] | None = None  # (status, content-type, body): a proxy's page
        self.rate_limit_per_s: float | None = None
        self.message_usages: list[dict[str, Any]] = []  # POST /v1/messages: each answer's usage, in order
        self.message_bill: Any = None  # or a function: request body -> the usage to answer with (budget tests)
        self.message_fail: tuple[int, str, str] | None = None  # POST /v1/messages answers this error
        self.cut_after: int | None = None  # a stream is cut (connection closed) after this many events
        self.billed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.arrived: list[dict[str, Any]] = []  # every message body, as it arrives  # (body, usage) of every answered message
        self.models: list[str] = list(FAMILY)  # GET /v1/models lists these, paged
        self._window: list[float] = []
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test, a finished process) closes the socket before the
        answer is written: that is expected here, not an error worth a traceback on stderr."""
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def over_rate(self) -> float | None:
        """None when the request may go ahead, else the seconds until the 1-s window frees a slot."""
        if self.rate_limit_per_s is None:
            return None
        with self._lock:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) >= self.rate_limit_per_s:
                return max(0.001, 1.0 - (now - self._window[0]))
            self._window.append(now)
            return None


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_standin"}


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("request-id", "req_standin")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        """GET /v1/models: the model list, paged as the API pages it (limit, after_id, has_more)."""
        from urllib.parse import parse_qs, urlsplit

        url = urlsplit(self.path)
        if url.path != "/v1/models":
            return self._send(404, _error("not_found_error", f"no route {url.path}"))
        auth = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        if auth != KEY:
            return self._send(401, _error("authentication_error", "invalid x-api-key"))
        query = parse_qs(url.query)
        limit = int(query.get("limit", ["20"])[0])
        after = query.get("after_id", [None])[0]
        ids = self.server.models
        start = ids.index(after) + 1 if after in ids else 0
        page = ids[start:start + limit]
        data = [{"type": "model", "id": i, "display_name": i, "created_at": "2026-01-01T00:00:00Z"} for i in page]
        return self._send(200, {"data": data, "has_more": start + limit < len(ids), "first_id": page[0] if page else None,
                                "last_id": page[-1] if page else None})  # fmt: skip

    def do_POST(self) -> None:  # noqa: N802
        srv = self.server
        length = int(self.headers.get("content-length", 0))
        raw = self.rfile.read(length)
        if self.path.split("?")[0] == "/v1/messages":
            return self._message(json.loads(raw))
        if self.path.split("?")[0] != "/v1/messages/count_tokens":
            return self._send(404, _error("not_found_error", f"no route {self.path}"))
        if srv.delay:
            time.sleep(srv.delay)
        auth = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        if auth != KEY:
            return self._send(401, _error("authentication_error", "invalid x-api-key"))
        wait = srv.over_rate()
        if wait is not None:
            return self._send(
                429, _error("rate_limit_error", "Number of requests has exceeded your rate limit"),
                {"retry-after": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))},
            )  # fmt: skip
        if srv.raw_reply is not None:
            status, ctype, data = srv.raw_reply
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        if srv.fail is not None and (srv.fail_times is None or srv.fail_times > 0):
            if srv.fail_times is not None:
                srv.fail_times -= 1
            status, kind, message, headers = srv.fail
            return self._send(status, _error(kind, message), headers)
        try:
            body = json.loads(raw)
        except ValueError:
            return self._send(400, _error("invalid_request_error", "request body is not valid JSON"))
        srv.requests.append(body)
        extra = sorted(set(body) - ACCEPTED)
        if extra:
            return self._send(400, _error("invalid_request_error", f"{extra[0]}: Extra inputs are not permitted"))
        if not body.get("messages"):
            return self._send(400, _error("invalid_request_error", "messages: at least one message is required"))
        for tool in body.get("tools") or []:
            if str(tool.get("type", "")).startswith(SERVER_TOOLS):
                return self._send(400, _error("invalid_request_error", f"tools: {tool['type']} is not supported by token counting"))
        for msg in body["messages"]:
            for block in msg["content"] if isinstance(msg["content"], list) else []:
                if block.get("type") in ("image", "document") and block.get("source", {}).get("type") in ("url", "file"):
                    return self._send(400, _error("invalid_request_error", "url and file sources are not supported by token counting"))
        if body.get("model") not in FAMILY:
            return self._send(404, _error("not_found_error", f"model: {body.get('model')}"))
        return self._send(200, {"input_tokens": count(body)})

    def _message(self, body: dict[str, Any]) -> None:
        """A Messages API answer with the next scripted usage, as JSON or as an SSE stream."""
        auth = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        if auth != KEY:
            return self._send(401, _error("authentication_error", "invalid x-api-key"))
        srv = self.server
        srv.arrived.append(body)  # before any delay: a test can act while the answer is pending
        if srv.delay:
            time.sleep(srv.delay)
        if srv.message_fail is not None:
            status, kind, text = srv.message_fail
            return self._send(status, _error(kind, text))
        with srv._lock:
            srv.requests.append(body)
            if srv.message_bill is not None:
                usage = srv.message_bill(body)
            else:
                usage = srv.message_usages.pop(0) if srv.message_usages else {"input_tokens": 10, "output_tokens": 5}
            # what a cut stream bills: what was reported before the cut (message_start's usage)
            billed = usage if not (body.get("stream") and srv.cut_after is not None) else {**usage, "output_tokens": 1}
            srv.billed.append((body, billed))
        message = {"id": f"msg_standin_{len(self.server.requests)}", "type": "message", "role": "assistant", "model": body["model"],
                   "content": [{"type": "text", "text": "The answer."}], "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            return self._send(200, message)
        start_usage = {k: v for k, v in usage.items() if k != "output_tokens"} | {"output_tokens": 1}
        events = [
            ("message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None, "usage": start_usage}}),
            ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "The answer."}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": usage["output_tokens"]}}),
            ("message_stop", {"type": "message_stop"}),
        ]  # fmt: skip
        if srv.cut_after is not None:  # the connection drops mid-stream
            data = "".join(f"event: {name}\ndata: {json.dumps(doc)}\n\n" for name, doc in events[: srv.cut_after]).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data) + 1000))  # promised more than is sent
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
            return None
        data = "".join(f"event: {name}\ndata: {json.dumps(doc)}\n\n" for name, doc in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return None
