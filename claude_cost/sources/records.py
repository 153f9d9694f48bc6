"""What usage readers produce: a billed record, a problem, a result that is not billed, lines
skipped — and the one parser of an API `usage` object. Shared by every reader (usage.py for
responses, logs, streams and Batch results; claude_code.py; otlp.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = ["Record", "Problem", "NotBilled", "Skipped", "parse_usage"]


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
    when: str | None = None  # the record's ISO timestamp, as written (hour grouping, --since/--until)
    session: str | None = None  # Claude Code session (sub-agents: their parent's)
    project: str | None = None  # Claude Code project folder
    service: str | None = None  # OpenTelemetry resource service.name
    logged_cost: Decimal | None = None  # a cost the log itself carries (Claude Code costUSD), never used to price
    platform: str | None = None  # "bedrock" / "vertex" / "foundry" when the telemetry names that provider
    read_exclusive: bool = False  # its cache figures exceeded an input count said to include them: read as exclusive
    stop: str | None = None  # the response's stop_reason, where recorded (end_turn, max_tokens, tool_use, …)


@dataclass(frozen=True)
class Problem:
    """A record that cannot be priced, and where it is (and its tokens, when they are known)."""

    location: str
    reason: str
    tokens: int = 0


@dataclass(frozen=True)
class Skipped:
    """Lines read that are not model responses (user turns, tool results, summaries, …): neither
    records nor problems; counted for --verbose. `said`: skipped items that carry token counts
    (spans of another provider, …), always said on stderr; `claude`: how many of them name a
    Claude model (an error under --strict)."""

    count: int
    what: str
    said: bool = False
    claude: int = 0


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


def parse_usage(u: dict[str, Any]) -> tuple[tuple[int, int, int, int, int, int], bool, str | None, str, bool]:
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
