"""Actual cost: price recorded usage from responses, JSONL logs, SSE streams and Batch results.

Streams its input line by line and aggregates token counts per bucket (model, day, batch,
residency, speed, long-context tier) before pricing, so memory stays flat however long the file
and each bucket is priced once. Never prints.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from claude_cost import pricing
from claude_cost.errors import ClaudeCostError, InputError, PayloadError
from claude_cost.models import TOKEN_CLASSES, Breakdown, ModelPrice, PriceTable, Scenario, Usage
from claude_cost.prices import resolve

__all__ = ["Record", "Problem", "NotBilled", "records", "Summary", "summarize", "GROUPINGS"]

GROUPINGS = ("model", "day", "model,day")
MAX_PROBLEMS_KEPT = 200
TIMESTAMP_KEYS = ("timestamp", "created_at", "time", "date", "ts")


@dataclass(frozen=True)
class Record:
    """One billed request."""

    model: str
    day: date | None
    counts: tuple[int, int, int, int, int, int]  # input, 5m write, 1h write, cache read, output, web searches
    batch: bool
    geo: str | None
    speed: str
    location: str
    assumed_5m: bool = False


@dataclass(frozen=True)
class Problem:
    """A record that cannot be priced, and where it is."""

    location: str
    reason: str


@dataclass(frozen=True)
class NotBilled:
    """A Batch result that is not billed (errored, canceled, expired)."""

    kind: str
    location: str


def _int(value: Any, key: str) -> int:
    if value.__class__ is int and value >= 0:  # the hot path: a plain non-negative int
        return value  # type: ignore[no-any-return]
    if value is None:
        return 0
    raise ValueError(f"usage.{key} must be a whole number >= 0, got {value!r}")


def _day(doc: dict[str, Any], cache: dict[str, date]) -> date | None:
    for key in TIMESTAMP_KEYS:
        value = doc.get(key)
        if isinstance(value, str) and len(value) >= 10:
            head = value[:10]
            day = cache.get(head)
            if day is None:
                try:
                    day = cache[head] = date.fromisoformat(head)
                except ValueError:
                    continue
            return day
    return None


def _usage(u: dict[str, Any]) -> tuple[tuple[int, int, int, int, int, int], bool, str | None, str, bool]:
    """Token counts, whether a missing 5m/1h split was assumed 5m, geo, speed, batch."""
    cache = u.get("cache_creation")
    assumed = False
    if cache.__class__ is dict:
        w5 = _int(cache.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens")  # type: ignore[union-attr]
        w1 = _int(cache.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens")  # type: ignore[union-attr]
    else:
        w5, w1 = _int(u.get("cache_creation_input_tokens"), "cache_creation_input_tokens"), 0
        assumed = w5 > 0
    tools = u.get("server_tool_use")
    searches = _int(tools.get("web_search_requests"), "server_tool_use.web_search_requests") if tools.__class__ is dict else 0  # type: ignore[union-attr]
    counts = (
        _int(u.get("input_tokens"), "input_tokens"),
        w5,
        w1,
        _int(u.get("cache_read_input_tokens"), "cache_read_input_tokens"),
        _int(u.get("output_tokens"), "output_tokens"),
        searches,
    )
    geo = u.get("inference_geo")
    speed = u.get("speed")
    return counts, assumed, geo if geo.__class__ is str else None, "fast" if speed == "fast" else "standard", u.get("service_tier") == "batch"


class _Stream:
    """State of one SSE message: message_start usage, overwritten (never added) by message_delta."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.usage: dict[str, Any] | None = None
        self.location = ""

    def start(self, message: dict[str, Any], location: str) -> None:
        self.model = message.get("model")
        self.usage = dict(message.get("usage") or {})
        self.location = location

    def delta(self, usage: dict[str, Any]) -> None:
        # message_delta usage is cumulative: take the last value of each field present.
        if self.usage is not None:
            self.usage.update({k: v for k, v in usage.items() if v is not None})


#: Streaming events without usage (fact sheet §4: usage is on message_start and message_delta).
STREAM_CONTENT_EVENTS = ("content_block_start", "content_block_delta", "content_block_stop", "ping")


def _doc_items(doc: Any, location: str, default_model: str | None, day_cache: dict[str, date], stream: _Stream) -> Iterator[Record | Problem | NotBilled]:
    if not isinstance(doc, dict):
        yield Problem(location, f"expected a JSON object, got {type(doc).__name__}")
        return
    kind = doc.get("type")
    if kind in ("message_start", "message_delta", "message_stop") or (kind is None and "event" in doc):
        yield from _stream_event(doc, location, default_model, day_cache, stream)
        return
    if kind in STREAM_CONTENT_EVENTS:
        return  # content and keep-alive events of a stream carry no usage
    if kind == "error" and isinstance(doc.get("error"), dict):
        err = doc["error"]
        yield Problem(location, f"the stream ended with {err.get('type', 'an error')}: {err.get('message', '')}".rstrip(": "))
        return
    if "custom_id" in doc and isinstance(doc.get("result"), dict):
        result = doc["result"]
        rtype = result.get("type")
        if rtype != "succeeded":
            yield NotBilled(str(rtype), f"{location} ({doc['custom_id']})")
            return
        message = result.get("message") or {}
        yield from _record(message, f"{location} ({doc['custom_id']})", default_model, _day(doc, day_cache), force_batch=True)
        return
    yield from _record(doc, location, default_model, _day(doc, day_cache))


def _record(doc: dict[str, Any], location: str, default_model: str | None, day: date | None, force_batch: bool = False) -> Iterator[Record | Problem]:
    usage = doc.get("usage")
    if not isinstance(usage, dict):
        for inner_key in ("message", "response"):
            inner = doc.get(inner_key)
            if isinstance(inner, dict) and isinstance(inner.get("usage"), dict):
                yield from _record(inner, location, doc.get("model") or default_model, day, force_batch)
                return
        yield Problem(location, "no usage object")
        return
    model = doc.get("model") or default_model
    if not isinstance(model, str):
        yield Problem(location, "no model beside the usage (pass --model for lines without one)")
        return
    try:
        counts, assumed, geo, speed, batch = _usage(usage)
    except ValueError as exc:
        yield Problem(location, str(exc))
        return
    yield Record(model, day, counts, batch or force_batch, geo, speed, location, assumed)


def _stream_event(doc: dict[str, Any], location: str, default_model: str | None, day_cache: dict[str, date], stream: _Stream) -> Iterator[Record | Problem]:
    kind = doc.get("type")
    if kind == "message_start":
        stream.start(doc.get("message") or {}, location)
    elif kind == "message_delta":
        stream.delta(doc.get("usage") or {})
    elif kind == "message_stop":
        yield from _finish(stream, default_model)


def _finish(stream: _Stream, default_model: str | None) -> Iterator[Record | Problem]:
    if stream.usage is not None:
        yield from _record({"model": stream.model, "usage": stream.usage}, stream.location, default_model, None)
    stream.usage = None


def _lines(fh: IO[str], where: str, default_model: str | None) -> Iterator[Record | Problem | NotBilled]:
    day_cache: dict[str, date] = {}
    stream = _Stream()
    first = True
    for n, line in enumerate(fh, 1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("event:") or text.startswith(":"):
            continue
        if text.startswith("data:"):
            text = text[5:].strip()
        if first and text.startswith("{"):
            first = False
            try:
                doc = json.loads(text)
            except ValueError:
                # a pretty-printed JSON document: read it whole (one response, or a list of them)
                rest = text + "\n" + fh.read()
                try:
                    whole = json.loads(rest)
                except ValueError as exc:
                    raise PayloadError(f"{where}: invalid JSON: {exc}") from None
                docs = whole if isinstance(whole, list) else [whole]
                for i, d in enumerate(docs):
                    yield from _doc_items(d, f"{where}" if len(docs) == 1 else f"{where}[{i}]", default_model, day_cache, stream)
                return
            yield from _doc_items(doc, f"{where}:{n}", default_model, day_cache, stream)
            continue
        first = False
        if text.startswith("["):
            try:
                docs = json.loads(text + fh.read())
            except ValueError as exc:
                raise PayloadError(f"{where}: invalid JSON: {exc}") from None
            for i, d in enumerate(docs if isinstance(docs, list) else [docs]):
                yield from _doc_items(d, f"{where}[{i}]", default_model, day_cache, stream)
            return
        try:
            doc = json.loads(text)
        except ValueError as exc:
            yield Problem(f"{where}:{n}", f"invalid JSON: {exc.args[0] if exc.args else exc}")
            continue
        yield from _doc_items(doc, f"{where}:{n}", default_model, day_cache, stream)
    yield from _finish(stream, default_model)  # a stream cut before message_stop still used tokens


def records(sources: Iterable[str], default_model: str | None = None) -> Iterator[Record | Problem | NotBilled]:
    """Every record of every source (a path, a glob, a directory's .json/.jsonl/.sse files, or -
    for stdin), streamed."""
    from claude_cost.payload import expand_paths

    for source in expand_paths(list(sources), (".json", ".jsonl", ".sse")):
        if source == "-":
            import io

            stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
            yield from _lines(stdin, "stdin", default_model)  # a bad byte spoils its line only (invalid JSON there)
            continue
        try:
            fh = open(source, encoding="utf-8", errors="replace")  # a bad byte spoils its line only
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror}") from None
        with fh:
            try:
                yield from _lines(fh, source, default_model)
            except UnicodeDecodeError:
                raise InputError(f"{source}: not UTF-8 text") from None


@dataclass
class Group:
    """Priced totals of one group (a model, a day, or both)."""

    key: tuple[str, ...]
    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    costs: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)

    def cost(self, item: str) -> Decimal:
        """The cost of one item (0 when absent); "cache_writes" is the 5-minute and 1-hour writes together."""
        if item == "cache_writes":
            return self.cost("cache_write_5m") + self.cost("cache_write_1h")
        return self.costs.get(item, Decimal(0))


@dataclass
class Summary:
    groups: list[Group]
    total: Decimal
    requests: int
    not_billed: dict[str, int]
    problems: list[Problem]
    problem_count: int
    notes: list[str]


def summarize(table: PriceTable, items: Iterable[Record | Problem | NotBilled], group_by: str, default_day: date) -> Summary:
    """Aggregate per billing bucket, price each bucket once, and total per group."""
    if group_by not in GROUPINGS:
        raise InputError(f"--group-by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    buckets: dict[tuple[Any, ...], list[Any]] = {}  # key -> [requests, Usage, locations sample]
    resolved: dict[str, ModelPrice | Exception] = {}
    problems: list[Problem] = []
    problem_count = 0
    not_billed: dict[str, int] = {}
    assumed = 0

    def problem(p: Problem) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_PROBLEMS_KEPT:
            problems.append(p)

    for item in items:
        if isinstance(item, Problem):
            problem(item)
            continue
        if isinstance(item, NotBilled):
            not_billed[item.kind] = not_billed.get(item.kind, 0) + 1
            continue
        model = resolved.get(item.model)
        if model is None:
            try:
                model = resolved[item.model] = resolve(table, item.model).model
            except ClaudeCostError as exc:
                model = resolved[item.model] = exc
        if isinstance(model, Exception):
            problem(Problem(item.location, str(model)))
            continue
        day = item.day or default_day
        geo_us = item.geo == "us" and model.us_residency
        c = item.counts
        tier = pricing.tier_of(model, c[0] + c[1] + c[2] + c[3], day) if model.long_context else None
        key = (model.id, day, item.batch, geo_us, item.speed, tier)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = [0, [0, 0, 0, 0, 0, 0], item.location]
        bucket[0] += 1
        sums = bucket[1]
        for i in range(6):
            sums[i] += c[i]
        assumed += item.assumed_5m

    groups: dict[tuple[str, ...], Group] = {}
    total = Decimal(0)
    requests = 0
    for (model_id, day, batch, geo_us, speed, tier), (count, sums, where) in buckets.items():
        model = table.models[model_id]
        usage = Usage(*sums[:5], web_searches=sums[5])
        scenario = Scenario(day=day, batch=batch, geo="us" if geo_us else None, speed=speed)
        try:
            b: Breakdown = pricing.price(usage, model, scenario, table.fees, tier_prompt_tokens=(tier + 1) if tier is not None else 0)
        except ClaudeCostError as exc:
            problem(Problem(where, f"{count} record(s) of {model_id} on {day}: {exc.message}"))
            problem_count += count - 1
            continue
        gkey = {"model": (model_id,), "day": (day.isoformat(),), "model,day": (model_id, day.isoformat())}[group_by]
        g = groups.get(gkey)
        if g is None:
            g = groups[gkey] = Group(gkey, costs={c: Decimal(0) for c in (*TOKEN_CLASSES, "web_searches")})
        g.requests += count
        g.usage = g.usage + usage
        for line in b.lines:
            g.costs[line.item] = g.costs.get(line.item, Decimal(0)) + line.usd
        g.total += b.total
        total += b.total
        requests += count
    notes = []
    if assumed:
        notes.append(f"{assumed} record(s) had cache_creation_input_tokens without the 5m/1h split: billed as 5-minute writes")
    return Summary(sorted(groups.values(), key=lambda g: g.key), total, requests, not_billed, problems, problem_count, notes)
