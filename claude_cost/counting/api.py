"""count_tokens through the official anthropic SDK (imported only when a call is made), with a
shared in-run memo, the on-disk count cache, and rate-limit back-off shared by all threads."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from claude_cost.core.errors import TokenCountError, redact
from claude_cost.core.models import Count

__all__ = ["ApiCounter"]

#: The canonical JSON of a body (one encoder, reused: cheaper than json.dumps per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

class ApiCounter:
    """count_tokens through the official SDK, with the key and base URL the SDK reads itself.

    Identical bodies are counted once per run.
    """

    source = "api"
    method = "count_tokens API"
    count_method = "count_tokens"

    def __init__(self, *, timeout: float | None = None, max_retries: int | None = None, cache: Any = None) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.cache = cache  # a CountCache (hashes and counts only), or None
        self.api_calls = 0
        self.cache_hits = 0
        self.rate_retries = 0  # extra attempts after the SDK's own retries when still rate limited
        self._pause_until = 0.0  # shared by all threads: nobody sends before it after a 429
        self._client: Any = None
        self._memo: dict[str, Count] = {}
        self._inflight: dict[str, threading.Event] = {}  # bodies being counted now, by canonical key
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Create the client now (importing the SDK), e.g. before counting from several threads."""
        self._get_client()

    def _get_client(self) -> Any:
        with self._lock:
            return self._make_client()

    def _make_client(self) -> Any:
        if self._client is None:
            import anthropic  # lazy: importing the SDK costs ~1.5 s

            kwargs: dict[str, Any] = {}
            if self.timeout is not None:
                kwargs["timeout"] = self.timeout
            if self.max_retries is not None:
                kwargs["max_retries"] = self.max_retries
            try:
                self._client = anthropic.Anthropic(**kwargs)
            except Exception as exc:  # the SDK raises when it finds no credentials at all
                raise TokenCountError(
                    f"cannot create the API client: {redact(str(exc))}",
                    hint="set ANTHROPIC_API_KEY, or use --count offline",
                ) from None
        return self._client

    def _call(self, client: Any, body: dict[str, Any]) -> Any:
        """One count_tokens call (with the SDK's own retries); errors mapped, except that a
        RateLimitError is passed up for count() to wait out."""
        import anthropic

        try:
            raw = client.messages.with_raw_response.count_tokens(**body)
            return _tokens_from(raw)
        except anthropic.RateLimitError:
            raise
        except anthropic.APIStatusError as exc:
            raise _status_error(exc, body.get("model")) from None
        except anthropic.APITimeoutError:
            raise TokenCountError(
                f"count_tokens timed out{f' after {self.timeout:g}s' if self.timeout else ''}",
                hint="raise --timeout or check the network",
            ) from None
        except anthropic.APIConnectionError:
            raise TokenCountError(
                f"cannot connect to the Anthropic API at {redact(str(client.base_url))}",
                hint="check the network and ANTHROPIC_BASE_URL, or use --count offline",
            ) from None
        except TypeError as exc:
            # the SDK raises TypeError at request time when it finds no credentials at all
            if "authentication" not in str(exc):
                raise
            raise TokenCountError(
                "no API credentials: the SDK found no key, token or profile",
                hint="set ANTHROPIC_API_KEY, or use --count offline",
            ) from None
        except anthropic.AnthropicError as exc:
            raise TokenCountError(f"count_tokens failed: {redact(str(exc))}") from None

    @staticmethod
    def _canonical(body: dict[str, Any]) -> str:
        return _CANONICAL.encode(body)

    def _lookup(self, body: dict[str, Any]) -> tuple[str, str | None, Count | None]:
        """(canonical key, disk-cache key, the count if already known in this run or on disk)."""
        key = self._canonical(body)
        if key in self._memo:
            return key, None, self._memo[key]
        if self.cache is None:
            return key, None, None
        from claude_cost.counting.cache import body_key

        disk_key = body_key(key)
        cached = self.cache.get(disk_key)
        if cached is not None:
            self.cache_hits += 1
            self._memo[key] = Count.of(cached)
            return key, disk_key, self._memo[key]
        return key, disk_key, None

    def cached(self, body: dict[str, Any]) -> Count | None:
        """The count of `body` if already known (in this run or in the disk cache); never sends."""
        return self._lookup(body)[2]

    def cached_many(self, bodies: list[dict[str, Any]]) -> list[Count | None]:
        """`cached` for many bodies, with one disk-cache query per few hundred of them."""
        keys = [self._canonical(b) for b in bodies]
        found: list[Count | None] = [self._memo.get(k) for k in keys]
        if self.cache is None:
            return found
        from claude_cost.counting.cache import body_key

        # identical bodies share a disk key: every one of them gets the count
        wanted: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if found[i] is None:
                wanted.setdefault(body_key(k), []).append(i)
        for disk_key, tokens in self.cache.get_many(list(wanted)).items():
            count = Count.of(tokens)
            for i in wanted[disk_key]:
                found[i] = count
                self._memo[keys[i]] = count
            self.cache_hits += 1
        return found

    def count(self, body: dict[str, Any]) -> Count:
        """The count of `body`: from this run, the disk cache, or one API call. Threads asking
        for a body that another thread is counting wait for that call instead of sending again."""
        key, disk_key, known = self._lookup(body)
        if known is not None:
            return known
        while True:
            with self._lock:
                if key in self._memo:
                    return self._memo[key]
                waiting = self._inflight.get(key)
                if waiting is None:
                    done = self._inflight[key] = threading.Event()
                    break
            waiting.wait()  # the other thread's call ended: its count is in _memo, or it failed
        try:
            return self._send(body, key, disk_key)
        finally:
            with self._lock:
                del self._inflight[key]
            done.set()

    def _send(self, body: dict[str, Any], key: str, disk_key: str | None) -> Count:
        client = self._get_client()
        with self._lock:
            self.api_calls += 1
        import anthropic

        attempt = 0
        while True:
            pause = self._pause_until - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                result = self._call(client, body)
                break
            except anthropic.RateLimitError as exc:
                if attempt >= self.rate_retries:
                    raise _status_error(exc, body.get("model")) from None
                attempt += 1
                headers = getattr(getattr(exc, "response", None), "headers", {}) or {}
                wait = _retry_after(headers) or min(0.5 * 2**attempt, 8.0)
                with self._lock:  # slow every thread down, not just this one
                    self._pause_until = max(self._pause_until, time.monotonic() + wait)
        count = Count.of(result)
        self._memo[key] = count
        if disk_key is not None:
            self.cache.put(disk_key, count.tokens)
        return count


def _tokens_from(raw: Any) -> int:
    """`input_tokens` of a 2xx count_tokens answer; anything else that came back (a proxy's HTML
    page, JSON of another shape) is an API failure that says what it was."""
    try:
        parsed = raw.parse()
        tokens = getattr(parsed, "input_tokens", None)
    except Exception:  # the SDK's JSON decoding or validation of a body that is not a count
        tokens = None
    if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
        return tokens
    ctype = raw.headers.get("content-type") or "no content type"
    try:
        head = raw.http_response.content[:80].decode("utf-8", "replace")
    except Exception:
        head = ""
    shown = " ".join(head.split())
    raise TokenCountError(
        f"count_tokens answered {raw.status_code} ({ctype}) without a token count: {redact(shown)!r}",
        hint="a proxy or gateway may be in the way: check ANTHROPIC_BASE_URL and the network",
    )


def _retry_after(headers: Any) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers.get(name)) * scale
        except (TypeError, ValueError):
            continue
    return None


_HINTS = {
    400: "the API rejected the payload; fix it as the message says",
    401: "check ANTHROPIC_API_KEY (or use --count offline)",
    402: "check the organization's billing",
    403: "the key may not have access to this model or workspace",
    413: "count_tokens accepts at most 32 MB per request",
    500: "an API-side error; retry later",
    529: "the API is overloaded; retry later",
}


def _status_error(exc: Any, model: Any) -> TokenCountError:
    status = getattr(exc, "status_code", None)
    kind = getattr(exc, "type", None)
    message = getattr(exc, "api_message", None)
    if not message:
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            err = body.get("error", body)
            message = err.get("message") if isinstance(err, dict) else None
    message = redact(str(message or exc))
    label = f"count_tokens failed: {status}{f' {kind}' if kind else ''}: {message}"
    if status == 404:
        return TokenCountError(
            f"count_tokens failed: 404 not_found_error: the API does not know model {model!r} ({message})",
            hint="check the model id, or use --count offline",
        )
    if status == 429:
        headers = getattr(getattr(exc, "response", None), "headers", {}) or {}
        retry_after = headers.get("retry-after")
        wait = f"; the API asked to retry after {retry_after}s" if retry_after else ""
        return TokenCountError(
            f"{label} (rate limited, still after the SDK's retries{wait})",
            hint="wait and retry, raise --max-retries, or use --count offline",
        )
    hint = _HINTS.get(status) or ("an API-side error; retry later" if status and status >= 500 else None)
    return TokenCountError(label, hint=hint)
