"""OpenTelemetry GenAI spans, as the collector's file exporter writes them (OTLP JSON: one
export per line, `resourceSpans → scopeSpans → spans`).

Read from each span with `gen_ai.usage.*` attributes: the model (`gen_ai.response.model`, else
`gen_ai.request.model`), `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
`gen_ai.usage.cache_read.input_tokens` and `gen_ai.usage.cache_creation.input_tokens`, and the
resource's `service.name`.

The GenAI semantic conventions count cached tokens *inside* `input_tokens`, unlike the Anthropic
API, where `input_tokens` is only the uncached part (fact sheet §2 "Usage fields"). So the cache
figures are subtracted from `input_tokens`; a span whose cache figures exceed its input is a
problem, not a negative count. Cache creation is billed as 5-minute writes (spans carry no TTL).
Spans of another provider (`gen_ai.provider.name` / `gen_ai.system` not anthropic) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from claude_cost.sources.records import Problem, Record, Skipped

__all__ = ["span_records"]

ANTHROPIC = ("anthropic", "aws.bedrock", "gcp.vertex_ai", "az.ai.inference")


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
    return None


def _attrs(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in items if isinstance(items, list) else []:
        if isinstance(a, dict) and isinstance(a.get("key"), str):
            out[a["key"]] = _value(a.get("value"))
    return out


def _count(attrs: dict[str, Any], key: str) -> int:
    v = attrs.get(key)
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"{key} must be a whole number >= 0, got {v!r}")
    return v


def _when(span: dict[str, Any]) -> str | None:
    for key in ("startTimeUnixNano", "endTimeUnixNano"):
        try:
            ns = int(span.get(key))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if ns > 0:
            return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return None


def span_records(doc: dict[str, Any], location: str) -> Iterator[Record | Problem | Skipped]:
    """The records of one OTLP JSON export."""
    other = 0
    for i, rs in enumerate(doc.get("resourceSpans") or []):
        if not isinstance(rs, dict):
            continue
        service = _attrs((rs.get("resource") or {}).get("attributes")).get("service.name")
        for ss in rs.get("scopeSpans") or []:
            for j, span in enumerate((ss or {}).get("spans") or [] if isinstance(ss, dict) else []):
                if not isinstance(span, dict):
                    continue
                a = _attrs(span.get("attributes"))
                if "gen_ai.usage.input_tokens" not in a and "gen_ai.usage.output_tokens" not in a:
                    continue
                provider = a.get("gen_ai.provider.name") or a.get("gen_ai.system")
                if isinstance(provider, str) and provider not in ANTHROPIC:
                    other += 1
                    continue
                where = f"{location} span {span.get('spanId') or j}"
                model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
                if not isinstance(model, str):
                    yield Problem(where, "span has no gen_ai.response.model or gen_ai.request.model")
                    continue
                try:
                    total_in = _count(a, "gen_ai.usage.input_tokens")
                    read = _count(a, "gen_ai.usage.cache_read.input_tokens")
                    written = _count(a, "gen_ai.usage.cache_creation.input_tokens")
                    out = _count(a, "gen_ai.usage.output_tokens")
                except ValueError as exc:
                    yield Problem(where, str(exc))
                    continue
                if read + written > total_in:
                    yield Problem(where, f"cache tokens ({read + written:,}) exceed gen_ai.usage.input_tokens ({total_in:,}), which includes them",
                                  total_in + out)  # fmt: skip
                    continue
                when = _when(span)
                from datetime import date

                day = date.fromisoformat(when[:10]) if when else None
                yield Record(model, day, (total_in - read - written, written, 0, read, out, 0), False, None, "standard", where,
                             written > 0, when, None, None, service if isinstance(service, str) else None)  # fmt: skip
    if other:
        yield Skipped(other, "spans of other providers")
