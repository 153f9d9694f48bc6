"""OpenTelemetry files: the containers around spans and log records, as exporters write them.

Read here:
- OTLP JSON, as the collector's file exporter writes it (one export request per line) or as one
  document: `resourceSpans → scopeSpans → spans`, `resourceLogs → scopeLogs → logRecords` and
  `resourceMetrics` (traces, logs and metrics may be mixed in one file);
- the Python SDK's console exporters (`ConsoleSpanExporter`, `ConsoleLogRecordExporter`): one
  pretty-printed JSON object per span or log record, one after another;
- either of them gzip-compressed (`sources/usage.py` opens the file).

Not read: the collector's protobuf file format (`format: proto`). Its messages carry no type: a
trace, log and metrics export request all start with field 1, so one could only be told from
another by trial decoding, and reading them would add protobuf and opentelemetry-proto to the
install. Export JSON instead (`format: json`, the default).

Each span or log record is read on its own by the conventions in `sources/conventions.py`, never
per file: stored traces mix instrumentations and versions. What a record cannot give is said:
a Claude call that cannot be priced is a Problem (with its location and tokens); a record with
token counts of another provider, or of no provider and a model that is not Claude's, is
Skipped and said on stderr (with how many name a Claude model, an error under --strict).
Claude Code's metrics (`claude_code.token.usage`, `claude_code.cost.usage`) count the same calls
as its `claude_code.api_request` events, so they are never added; that is said too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

from claude_cost.sources.conventions import CLAUDE_CODE_METRICS, Call, looks_like_claude, platform_of, read_call
from claude_cost.sources.records import Problem, Record, Skipped

__all__ = ["export_records", "console_records", "is_console_doc"]


def _value(v: Any) -> Any:
    """An OTLP AnyValue as Python: intValue arrives as a string in OTLP JSON."""
    if not isinstance(v, dict):
        return None
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return v["intValue"]
    if "arrayValue" in v:
        values = (v["arrayValue"] or {}).get("values") if isinstance(v["arrayValue"], dict) else None
        return [_value(x) for x in values] if isinstance(values, list) else None
    return None


def _attrs(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in items if isinstance(items, list) else []:
        if isinstance(a, dict) and isinstance(a.get("key"), str):
            out[a["key"]] = _value(a.get("value"))
    return out


def _nanos(value: Any) -> str | None:
    try:
        ns = int(value)
    except (TypeError, ValueError):
        return None
    if ns <= 0:
        return None
    try:
        return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, OSError, ValueError):
        return None


def _day(when: str | None) -> date | None:
    if when is None or len(when) < 10:
        return None
    try:
        return date.fromisoformat(when[:10])
    except ValueError:
        return None


class _Tally:
    """Skipped records of one export, by reason, with how many name a Claude model."""

    def __init__(self) -> None:
        self.said: dict[str, list[int]] = {}

    def add(self, what: str, claude: bool) -> None:
        n = self.said.setdefault(what, [0, 0])
        n[0] += 1
        n[1] += claude

    def items(self) -> Iterator[Skipped]:
        for what, (count, claude) in self.said.items():
            yield Skipped(count, what, said=True, claude=claude)


def _one(attrs: dict[str, Any], body: Any, where: str, when: str | None, service: str | None, kind: str,
         tally: _Tally) -> Iterator[Record | Problem]:  # fmt: skip
    """The record (or problem) of one span or log record, or nothing (a skip, tallied)."""
    try:
        call = read_call(attrs, body)
    except ValueError as exc:
        yield Problem(where, str(exc))
        return
    if call is None:
        return  # no token counts: not a model call
    platform = "api" if call.provider is None else platform_of(call.provider)
    if platform is None:
        tally.add(f"{kind} of other providers ({call.provider.strip().lower()[:40]})", looks_like_claude(call.model))  # type: ignore[union-attr]
        return
    if call.model is None:
        if call.provider is None:
            tally.add(f"{kind} with token counts but no provider or model", False)
            return
        yield Problem(where, f"{call.convention.name}: a {call.provider} call with no model", call.tokens)
        return
    if call.provider is None and not looks_like_claude(call.model):
        tally.add(f"{kind} of other models (no provider named)", False)
        return
    yield _record(call, where, when, service, platform)


def _record(call: Call, where: str, when: str | None, service: str | None, platform: str) -> Record:
    when = call.when or when
    return Record(call.model, _day(when), call.counts, call.batch, call.geo, call.speed, where,  # type: ignore[arg-type]
                  assumed_5m=not call.split_known, when=when, session=call.session, service=service,
                  logged_cost=call.logged_cost, platform=None if platform == "api" else platform,
                  read_exclusive=call.read_exclusive, stop=call.stop)  # fmt: skip


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def export_records(doc: dict[str, Any], location: str) -> Iterator[Record | Problem | Skipped]:
    """The records of one OTLP JSON export request (spans, log records, metrics)."""
    tally = _Tally()
    for rs in _list(doc.get("resourceSpans")):
        if not isinstance(rs, dict):
            continue
        service = _service(_attrs((rs.get("resource") or {}).get("attributes") if isinstance(rs.get("resource"), dict) else None))
        for ss in _list(rs.get("scopeSpans")):
            for j, span in enumerate(_list(ss.get("spans")) if isinstance(ss, dict) else []):
                if isinstance(span, dict):
                    where = f"{location} span {span.get('spanId') or j}"
                    when = _nanos(span.get("startTimeUnixNano")) or _nanos(span.get("endTimeUnixNano"))
                    yield from _one(_attrs(span.get("attributes")), None, where, when, service, "spans", tally)
    for rl in _list(doc.get("resourceLogs")):
        if not isinstance(rl, dict):
            continue
        service = _service(_attrs((rl.get("resource") or {}).get("attributes") if isinstance(rl.get("resource"), dict) else None))
        for sl in _list(rl.get("scopeLogs")):
            for j, log in enumerate(_list(sl.get("logRecords")) if isinstance(sl, dict) else []):
                if isinstance(log, dict):
                    where = f"{location} log record {j}"
                    when = _nanos(log.get("timeUnixNano")) or _nanos(log.get("observedTimeUnixNano"))
                    yield from _one(_attrs(log.get("attributes")), _value(log.get("body")), where, when, service, "log records", tally)
    for rm in _list(doc.get("resourceMetrics")):
        for sm in _list(rm.get("scopeMetrics")) if isinstance(rm, dict) else []:
            for metric in _list(sm.get("metrics")) if isinstance(sm, dict) else []:
                if isinstance(metric, dict) and metric.get("name") in CLAUDE_CODE_METRICS:
                    tally.add("Claude Code metrics, not added (its api_request events count the same calls)", False)
    yield from tally.items()


def _service(resource: dict[str, Any]) -> str | None:
    name = resource.get("service.name")
    return name if isinstance(name, str) else None


def is_console_doc(doc: dict[str, Any]) -> bool:
    """A span or log record as the Python SDK's console exporters print it."""
    if not isinstance(doc.get("attributes"), dict):
        return False
    return isinstance(doc.get("context"), dict) and "name" in doc or "body" in doc and ("severity_number" in doc or "observed_timestamp" in doc)


def console_records(doc: dict[str, Any], location: str) -> Iterator[Record | Problem | Skipped]:
    """The record of one console-exported span or log record."""
    tally = _Tally()
    resource = doc.get("resource")
    service = _service(resource.get("attributes") or {}) if isinstance(resource, dict) and isinstance(resource.get("attributes"), dict) else None
    if isinstance(doc.get("context"), dict):
        span_id = doc["context"].get("span_id")
        when = doc.get("start_time") or doc.get("end_time")
        yield from _one(doc["attributes"], None, f"{location} span {span_id or ''}".rstrip(), when if isinstance(when, str) else None,
                        service, "spans", tally)  # fmt: skip
    else:
        when = doc.get("timestamp") or doc.get("observed_timestamp")
        yield from _one(doc["attributes"], doc.get("body"), f"{location} log record", when if isinstance(when, str) else None, service,
                        "log records", tally)  # fmt: skip
    yield from tally.items()

