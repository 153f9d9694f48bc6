"""The guarded client: behaves as the SDK client it wraps; `messages.create` (stream=True too) and
`messages.stream` (and the same on `beta.messages`) reserve before the HTTP request and settle when
the answer (or the stream's last usage) arrives. Everything else is the client's own."""

from __future__ import annotations

from typing import Any

from claude_cost.guard.bound import request_body

__all__ = ["guarded", "usage_of"]


def usage_of(message: Any) -> dict[str, Any] | None:
    """A response's (or a stream snapshot's) usage as a plain dict."""
    usage = getattr(message, "usage", None)
    if usage is None:
        return None
    if hasattr(usage, "model_dump"):
        return usage.model_dump()  # type: ignore[no-any-return]
    return dict(usage) if isinstance(usage, dict) else None


def _request_id(obj: Any) -> str | None:
    rid = getattr(obj, "_request_id", None) or getattr(obj, "request_id", None)
    return rid if isinstance(rid, str) else None


def guarded(client: Any, budget: Any) -> Any:
    """The guarded form of an SDK client (Anthropic, AsyncAnthropic and their platform clients)."""
    from anthropic._base_client import AsyncAPIClient  # the SDK is loaded already: the client is one of its objects

    if not hasattr(client, "messages"):
        raise TypeError(f"Budget.wrap expects an anthropic client, not {type(client).__name__}")
    return (AsyncGuardedClient if isinstance(client, AsyncAPIClient) else GuardedClient)(client, budget)


class _Events:
    """Usage from raw stream events, as the SDK's accumulator keeps it: message_start's usage,
    each message_delta field overwriting (never adding to) it."""

    def __init__(self) -> None:
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.message_id: str | None = None
        self.stop: str | None = None

    def see(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            message = event.message
            self.usage = usage_of(message) or {}
            self.model = getattr(message, "model", None)
            self.message_id = getattr(message, "id", None)
        elif kind == "message_delta" and self.usage is not None:
            delta_usage = usage_of(event) or {}
            self.usage.update({k: v for k, v in delta_usage.items() if v is not None})
            stop = getattr(getattr(event, "delta", None), "stop_reason", None)
            if isinstance(stop, str):
                self.stop = stop


# ---------------------------------------------------------------------------- sync


class GuardedClient:
    """The wrapped client: its messages (and beta.messages) guarded, the rest its own."""

    _messages_cls: Any = None  # GuardedMessages (set below) or AsyncGuardedMessages

    def __init__(self, client: Any, budget: Any) -> None:
        self._client, self._budget = client, budget
        self.messages = self._messages_cls(client.messages, budget, client.messages.count_tokens)

    @property
    def beta(self) -> Any:
        return _Beta(self._client.beta, self._budget, self._messages_cls)

    def with_options(self, **kw: Any) -> GuardedClient:
        return type(self)(self._client.with_options(**kw), self._budget)

    copy = with_options

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _Beta:
    def __init__(self, beta: Any, budget: Any, cls: Any) -> None:
        self._beta = beta
        self.messages = cls(beta.messages, budget, beta.messages.count_tokens)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._beta, name)


class GuardedMessages:
    def __init__(self, messages: Any, budget: Any, count: Any) -> None:
        self._messages, self._budget = messages, budget
        self._count = count

    def _count_body(self, body: dict[str, Any]) -> int:
        return int(self._count(**body).input_tokens)

    def create(self, **kwargs: Any) -> Any:
        hold = self._budget.hold(request_body(kwargs), self._count_body)
        try:
            result = self._messages.create(**kwargs)
        except BaseException:
            hold.release()  # the API refused or the connection failed: nothing billed
            raise
        if kwargs.get("stream"):
            return GuardedStream(result, hold)
        hold.settle(usage_of(result), model=getattr(result, "model", None), request_id=_request_id(result),
                    message_id=getattr(result, "id", None), stop_reason=getattr(result, "stop_reason", None))  # fmt: skip
        return result

    def stream(self, **kwargs: Any) -> GuardedStreamManager:
        return GuardedStreamManager(self, kwargs)

    def __getattr__(self, name: str) -> Any:  # count_tokens, batches, parse, …: the client's own
        return getattr(self._messages, name)


class GuardedStream:
    """`create(stream=True)`'s Stream, observed: it settles when the events end, the stream is
    closed, or reading it fails (at what the events reported; before message_start: released)."""

    def __init__(self, stream: Any, hold: Any) -> None:
        self._stream, self._hold, self._events = stream, hold, _Events()

    def _end(self, failed: bool = False) -> None:
        _end_stream(self._hold, self._events, _header_id(self._stream), failed)

    def __iter__(self) -> Any:
        failed = False
        try:
            for event in self._stream:
                self._events.see(event)
                yield event
        except BaseException as exc:
            failed = not isinstance(exc, GeneratorExit)
            raise
        finally:
            self._end(failed)

    def __next__(self) -> Any:
        try:
            event = next(self._stream)
        except StopIteration:
            self._end()
            raise
        except BaseException:
            self._end(failed=True)
            raise
        self._events.see(event)
        return event

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._end()

    def __enter__(self) -> GuardedStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _end_stream(hold: Any, events: _Events, request_id: str | None, failed: bool) -> None:
    """Settle a raw stream: at what its events reported; before message_start, released when the
    connection failed, else (closed unread after a 200) at its bound."""
    if events.usage is not None:
        hold.settle(events.usage, model=events.model, request_id=request_id, message_id=events.message_id, stop_reason=events.stop)
    elif failed:
        hold.release()
    else:
        hold.settle_unread(request_id)


def _end_manager(hold: Any, stream: Any, failed: bool) -> None:
    snapshot = stream._current_snapshot_or_none() if stream is not None else None
    if snapshot is None:
        hold.release() if failed or stream is None else hold.settle_unread(getattr(stream, "request_id", None))
        return
    hold.settle(usage_of(snapshot), model=getattr(snapshot, "model", None), request_id=getattr(stream, "request_id", None),
                message_id=getattr(snapshot, "id", None), stop_reason=getattr(snapshot, "stop_reason", None))  # fmt: skip


def _header_id(stream: Any) -> str | None:
    response = getattr(stream, "response", None)
    headers = getattr(response, "headers", None)
    rid = headers.get("request-id") if headers is not None else None
    return rid if isinstance(rid, str) else None


class GuardedStreamManager:
    """`messages.stream(...)`: reserves on entering (when the HTTP request is made) and settles on
    leaving, from the SDK's own accumulated message (cumulative usage, fact sheet §4)."""

    def __init__(self, messages: GuardedMessages, kwargs: dict[str, Any]) -> None:
        self._messages, self._kwargs = messages, kwargs
        self._hold: Any = None
        self._stream: Any = None

    def __enter__(self) -> Any:
        self._hold = self._messages._budget.hold(request_body(self._kwargs), self._messages._count_body)
        try:
            self._manager = self._messages._messages.stream(**self._kwargs)
            self._stream = self._manager.__enter__()
        except BaseException:
            self._hold.release()
            raise
        return self._stream

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._manager.__exit__(*exc)
        finally:
            _end_manager(self._hold, self._stream, failed=exc[0] is not None and not issubclass(exc[0], GeneratorExit))


# ---------------------------------------------------------------------------- async


class AsyncGuardedClient(GuardedClient):
    _messages_cls: Any = None  # AsyncGuardedMessages (set below)


async def _thread(fn: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args)


class AsyncGuardedMessages:
    """As GuardedMessages; the ledger and the counting run in a worker thread, off the event loop."""

    def __init__(self, messages: Any, budget: Any, count: Any) -> None:
        self._messages, self._budget, self._count = messages, budget, count

    async def _hold(self, kwargs: dict[str, Any]) -> Any:
        body = request_body(kwargs)
        budget = self._budget
        if budget.count != "offline":
            # count_tokens is async here: count first (if this model needs it), then reserve in a thread
            from claude_cost.core.prices import resolve
            from claude_cost.counting.offline import ctok_available
            from claude_cost.sources import payload as pl

            pl.validate_request(body, "request")
            model = resolve(budget.table, body["model"]).model
            if budget.count == "api" or model.ctok is None or not ctok_available():
                counted = (await self._count(**pl.countable(body, model.id).body)).input_tokens
                return await _thread(budget.hold, body, lambda _b: counted)
        return await _thread(budget.hold, body, None)

    async def create(self, **kwargs: Any) -> Any:
        hold = await self._hold(kwargs)
        try:
            result = await self._messages.create(**kwargs)
        except BaseException:
            await _thread(hold.release)
            raise
        if kwargs.get("stream"):
            return AsyncGuardedStream(result, hold)
        await _thread(lambda: hold.settle(usage_of(result), model=getattr(result, "model", None), request_id=_request_id(result),
                                          message_id=getattr(result, "id", None), stop_reason=getattr(result, "stop_reason", None)))  # fmt: skip
        return result

    def stream(self, **kwargs: Any) -> AsyncGuardedStreamManager:
        return AsyncGuardedStreamManager(self, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._messages, name)


class AsyncGuardedStream:
    def __init__(self, stream: Any, hold: Any) -> None:
        self._stream, self._hold, self._events = stream, hold, _Events()

    async def _end(self, failed: bool = False) -> None:
        await _thread(_end_stream, self._hold, self._events, _header_id(self._stream), failed)

    async def __aiter__(self) -> Any:
        failed = False
        try:
            async for event in self._stream:
                self._events.see(event)
                yield event
        except BaseException as exc:
            failed = not isinstance(exc, GeneratorExit)
            raise
        finally:
            await self._end(failed)

    async def close(self) -> None:
        try:
            await self._stream.close()
        finally:
            await self._end()

    async def __aenter__(self) -> AsyncGuardedStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class AsyncGuardedStreamManager:
    def __init__(self, messages: AsyncGuardedMessages, kwargs: dict[str, Any]) -> None:
        self._messages, self._kwargs = messages, kwargs
        self._hold: Any = None
        self._stream: Any = None

    async def __aenter__(self) -> Any:
        self._hold = await self._messages._hold(self._kwargs)
        try:
            self._manager = self._messages._messages.stream(**self._kwargs)
            self._stream = await self._manager.__aenter__()
        except BaseException:
            await _thread(self._hold.release)
            raise
        return self._stream

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._manager.__aexit__(*exc)
        finally:
            await _thread(_end_manager, self._hold, self._stream, exc[0] is not None and not issubclass(exc[0], GeneratorExit))


GuardedClient._messages_cls = GuardedMessages
AsyncGuardedClient._messages_cls = AsyncGuardedMessages
