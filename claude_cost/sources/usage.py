"""Actual cost: price recorded usage from responses, JSONL logs, SSE streams and Batch results.

Streams its input line by line and aggregates token counts per bucket (model, day, batch,
residency, speed, long-context tier) before pricing, so memory stays flat however long the file
and each bucket is priced once. Never prints.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from claude_cost.core.errors import InputError, PayloadError
from claude_cost.sources.records import NotBilled, Problem, Record, Skipped, parse_usage

__all__ = ["Record", "Problem", "NotBilled", "Skipped", "records"]

TIMESTAMP_KEYS = ("timestamp", "created_at", "time", "date", "ts")


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


class _Stream:
    """State of one SSE message: message_start usage, overwritten (never added) by message_delta."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.usage: dict[str, Any] | None = None
        self.location = ""
        self.stop: Any = None

    def start(self, message: dict[str, Any], location: str) -> None:
        self.model = message.get("model")
        usage = message.get("usage")
        self.usage = dict(usage) if isinstance(usage, dict) else {}
        self.location = location
        self.stop = None

    def delta(self, usage: dict[str, Any], delta: Any) -> None:
        # message_delta usage is cumulative: take the last value of each field present.
        if self.usage is not None:
            self.usage.update({k: v for k, v in usage.items() if v is not None})
        if isinstance(delta, dict) and delta.get("stop_reason") is not None:
            self.stop = delta["stop_reason"]


#: Streaming events without usage (fact sheet §4: usage is on message_start and message_delta).
STREAM_CONTENT_EVENTS = ("content_block_start", "content_block_delta", "content_block_stop", "ping")


def _doc_items(doc: Any, location: str, default_model: str | None, day_cache: dict[str, date], stream: _Stream) -> Iterator[Record | Problem | NotBilled]:
    if not isinstance(doc, dict):
        yield Problem(location, f"expected a JSON object, got {type(doc).__name__}")
        return
    if "resourceSpans" in doc or "resourceLogs" in doc or "resourceMetrics" in doc:
        from claude_cost.sources.otlp import export_records

        yield from export_records(doc, location)
        return
    if "attributes" in doc and "usage" not in doc:
        from claude_cost.sources.otlp import console_records, is_console_doc

        if is_console_doc(doc):
            yield from console_records(doc, location)
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
        message = result.get("message")
        where = f"{location} ({doc['custom_id']})"
        if not isinstance(message, dict):
            yield Problem(where, f"result.message: expected an object, got {_kind(message)}")
            return
        yield from _record(message, where, default_model, _day(doc, day_cache), force_batch=True)
        return
    when = _when(doc)
    day = None
    if when is not None:
        day = day_cache.get(when[:10])
        if day is None:
            try:
                day = day_cache[when[:10]] = date.fromisoformat(when[:10])
            except ValueError:
                day = _day(doc, day_cache)  # the first timestamp key is not a date: try the others
    yield from _record(doc, location, default_model, day, when=when)


def _kind(value: Any) -> str:
    """A JSON value's kind, for a message: object, array, string, number, true/false, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "a number")


def _when(doc: dict[str, Any]) -> str | None:
    for key in TIMESTAMP_KEYS:
        value = doc.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value
    return None


def _record(doc: dict[str, Any], location: str, default_model: str | None, day: date | None, force_batch: bool = False,
            when: str | None = None) -> Iterator[Record | Problem]:  # fmt: skip
    usage = doc.get("usage")
    if not isinstance(usage, dict):
        for inner_key in ("message", "response"):
            inner = doc.get(inner_key)
            if isinstance(inner, dict) and isinstance(inner.get("usage"), dict):
                yield from _record(inner, location, doc.get("model") or default_model, day, force_batch, when)
                return
        yield Problem(location, "no usage object")
        return
    model = doc.get("model") or default_model
    if not isinstance(model, str):
        yield Problem(location, "no model beside the usage (pass --model for lines without one)")
        return
    try:
        counts, assumed, geo, speed, batch = parse_usage(usage)
    except ValueError as exc:
        yield Problem(location, str(exc))
        return
    stop = doc.get("stop_reason")
    yield Record(model, day, counts, batch or force_batch, geo, speed, location, assumed, when, stop=stop if stop.__class__ is str else None)


def _stream_event(doc: dict[str, Any], location: str, default_model: str | None, day_cache: dict[str, date], stream: _Stream) -> Iterator[Record | Problem]:
    kind = doc.get("type")
    if kind == "message_start":
        message = doc.get("message")
        if not isinstance(message, dict):
            yield Problem(location, f"message_start.message: expected an object, got {_kind(message)}")
            return
        stream.start(message, location)
    elif kind == "message_delta":
        usage = doc.get("usage")
        if usage is not None and not isinstance(usage, dict):
            yield Problem(location, f"message_delta.usage: expected an object, got {_kind(usage)}")
            return
        stream.delta(usage or {}, doc.get("delta"))
    elif kind == "message_stop":
        yield from _finish(stream, default_model)


def _finish(stream: _Stream, default_model: str | None) -> Iterator[Record | Problem]:
    if stream.usage is not None:
        yield from _record({"model": stream.model, "usage": stream.usage, "stop_reason": stream.stop}, stream.location, default_model, None)
    stream.usage = None


_SPACE = re.compile(r"\s*")
_CHUNK = 1 << 20


def _documents(head: str, fh: IO[str], where: str, first_line: int) -> Iterator[tuple[str, Any]]:
    """(location, document) for each JSON value in `head` + the rest of `fh`, read a chunk at a
    time. One document is located as the file; several by the line each starts on. A first
    document that is not valid JSON is an error for the whole file; a later one (a truncated
    export) is a located problem, and what came before it stands."""
    decoder = json.JSONDecoder()
    buf, pos, line, eof = head, 0, first_line, False  # `line`: the line number at buf[0]
    found: list[tuple[int, Any]] = []  # the document waiting to be yielded, when its location is not yet known

    def refill(grow: bool) -> bool:
        nonlocal buf, pos, line, eof
        more = fh.read(max(_CHUNK, len(buf)) if grow else _CHUNK)
        if not more:
            eof = True
            return False
        line += buf.count("\n", 0, pos)
        buf, pos = buf[pos:] + more, 0
        return True

    while True:
        pos = _SPACE.match(buf, pos).end()  # type: ignore[union-attr]
        if pos >= len(buf):
            if eof or not refill(False):
                break
            continue
        try:
            doc, end = decoder.raw_decode(buf, pos)
        except ValueError as exc:
            if not eof and refill(True):
                continue
            at = line + buf.count("\n", 0, pos)
            if not found and at == first_line:
                raise PayloadError(f"{where}: invalid JSON: {exc}") from None
            for n, d in found:
                yield f"{where}:{n}", d
            yield f"{where}:{at}", Problem(f"{where}:{at}", f"invalid JSON (a cut or damaged document): {exc.args[0] if exc.args else exc}")
            return
        start = line + buf.count("\n", 0, pos)
        if found:
            for n, d in found:
                yield f"{where}:{n}", d
            found = []
            yield f"{where}:{start}", doc
        elif start == first_line:
            found = [(start, doc)]  # the first document: located as the file unless others follow
        else:
            yield f"{where}:{start}", doc
        pos = end
    for _, d in found:
        yield where, d


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
                # a pretty-printed JSON document, or several one after another (the OpenTelemetry
                # SDK's console exporters print one object per span or log record)
                for location, d in _documents(line, fh, where, n):
                    if isinstance(d, Problem):
                        yield d
                    else:
                        yield from _doc_items(d, location, default_model, day_cache, stream)
                return
            yield from _doc_items(doc, f"{where}:{n}", default_model, day_cache, stream)
            continue
        at_start, first = first, False
        if at_start and text.startswith("["):  # a JSON array file; a "[" line inside JSONL is just a bad line
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


def records(sources: Iterable[str], default_model: str | None = None) -> Iterator[Record | Problem | NotBilled | Skipped]:
    """Every record of every source (a path, a glob, a directory's .json/.jsonl/.sse files, or -
    for stdin), streamed. Claude Code transcripts found among them are read by the Claude Code
    rules (one record per billed response, deduplicated across all of them)."""
    from claude_cost.sources.claude_code import is_transcript, transcript_records
    from claude_cost.sources.ledger import is_ledger, records as ledger_records
    from claude_cost.sources.payload import expand_paths

    sources = list(sources)
    for ledger in (s for s in sources if is_ledger(s)):  # a budget ledger: its settled calls (sources/ledger.py)
        yield from ledger_records(ledger)
    paths = expand_paths([s for s in sources if not is_ledger(s)], USAGE_SUFFIXES) if any(not is_ledger(s) for s in sources) else []
    transcripts = [p for p in paths if p != "-" and is_transcript(p)]
    if transcripts:
        yield from transcript_records(transcripts)
    done = set(transcripts)
    for source in (p for p in paths if p not in done):
        where = "stdin" if source == "-" else source
        fh = _open(source)
        with fh:
            try:
                yield from _lines(fh, where, default_model)
            except UnicodeDecodeError:
                raise InputError(f"{where}: not UTF-8 text") from None
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # before OSError: BadGzipFile is one
                # a cut or damaged .gz: what was read before the damage stands, the rest is said
                yield Problem(where, f"compressed data is cut or damaged ({exc}); records after this point were not read")
            except OSError as exc:  # the device failed mid-read (EIO), /proc/self/mem: the file, not a bug
                raise InputError(f"{where}: cannot read: {exc.strerror or exc}") from None


#: What a folder given to `usage` contributes (gzip-compressed files too).
USAGE_SUFFIXES = (".json", ".jsonl", ".sse", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_GZIP = b"\x1f\x8b"


def _open(source: str) -> IO[str]:
    """A usage file (or - for stdin) as text, gunzipped when it starts with gzip's magic bytes.
    A bad byte spoils its line only (invalid JSON there)."""
    import io

    if source == "-":
        raw: Any = getattr(sys.stdin, "buffer", None)
        if raw is None:
            return sys.stdin
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(raw)
        if raw.peek(2)[:2] == _GZIP:
            raw = gzip.GzipFile(fileobj=raw)
        return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace")
    try:
        fb = open(source, "rb")
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        head = fb.peek(2)[:2]
    except OSError as exc:  # opened but unreadable (/proc/self/mem, a failing device)
        fb.close()
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    if head == _GZIP:
        return io.TextIOWrapper(gzip.GzipFile(fileobj=fb), encoding="utf-8-sig", errors="replace")
    return io.TextIOWrapper(fb, encoding="utf-8-sig", errors="replace")


def usage_records(paths: list[str], default_model: str | None = None, *, claude_code: bool = False) -> Iterator[Record | Problem | NotBilled | Skipped]:
    """What `usage` reads: the given files (Claude Code transcripts among them found by their
    shape), or with `claude_code` every transcript below the given folders or the default ones."""
    if claude_code:
        from claude_cost.sources.claude_code import (
            default_roots,
            transcript_files,
            transcript_records,
        )

        return transcript_records(transcript_files(paths or default_roots()))
    if not paths:
        raise InputError("no usage files given", hint="give files, folders or - for stdin, or --claude-code for Claude Code's logs")
    return records(paths, default_model)
