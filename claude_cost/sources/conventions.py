"""How telemetry writes one Claude call: one reader per convention, each given the flat
attributes of one span or log record.

Whether a convention's input count *includes* the cache is a fact about that convention, read
in the instrumentation's own source; each `Convention` below says which version and where. The
Anthropic API's `usage.input_tokens` excludes cache reads and writes (fact sheet §2 "Usage
fields"); so do the conventions marked exclusive. For an inclusive convention the cache figures
are subtracted; when they exceed the input count, the writer evidently did not include them, so
the input is read as exclusive and the record is flagged (a note says how many).

No convention records the 5-minute / 1-hour split of cache writes except the raw usage objects
(Logfire's `gen_ai.usage.raw` / `response_data`, Langfuse's flattened `cache_creation_*` keys);
elsewhere writes are billed as 5-minute writes and counted in the summary's note.

Pure: no I/O. A reader returns None when the attributes are not its convention's, a `Call`
when they are, and raises ValueError (naming the attribute) when a value is unusable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from claude_cost.sources.records import parse_usage

__all__ = ["Convention", "Call", "CONVENTIONS", "read_call", "platform_of", "looks_like_claude", "CLAUDE_CODE_METRICS"]


@dataclass(frozen=True)
class Convention:
    key: str
    name: str
    input_includes_cache: bool
    source: str  # the instrumentation, its version and where its source says so


GENAI = Convention(
    "genai", "OpenTelemetry GenAI semantic conventions", True,
    "gen_ai.usage.input_tokens 'SHOULD include all types of input tokens, including cached tokens' (semantic-conventions "
    "gen-ai spans); written so by opentelemetry-instrumentation-anthropic (OpenLLMetry) 0.55.0-0.62.4, __init__.py "
    "_set_token_usage: input_tokens = prompt_tokens + cache_read_tokens + cache_creation_tokens",
)  # fmt: skip
OPENLLMETRY = Convention(
    "openllmetry", "OpenLLMetry, 2024-2025 attribute names", True,
    "opentelemetry-instrumentation-anthropic 0.38.7-0.52.0, __init__.py _set_token_usage: gen_ai.usage.prompt_tokens (to "
    "0.47) or gen_ai.usage.input_tokens (0.49-0.52) = input + cache_read + cache_creation, cache in "
    "gen_ai.usage.cache_read_input_tokens / cache_creation_input_tokens, gen_ai.system 'Anthropic' (semconv-ai 0.4.2-0.4.16); "
    "0.33.0 wrote prompt_tokens = usage.input_tokens and no cache attributes (nothing to subtract)",
)  # fmt: skip
OPENINFERENCE = Convention(
    "openinference", "OpenInference", True,
    "openinference-instrumentation-anthropic 3.1.0, _utils.py _get_token_counts: llm.token_count.prompt = input_tokens + "
    "cache_creation_input_tokens + cache_read_input_tokens; llm.token_count.prompt_details.cache_read / cache_write "
    "(left out when 0); llm.provider from the client class (anthropic, aws, google, azure), _wrappers.py _get_llm_provider",
)  # fmt: skip
LOGFIRE = Convention(
    "logfire", "Pydantic Logfire", False,
    "logfire-sdk 5.4.0, integrations/llm_providers/anthropic.py get_anthropic_usage_attributes and usage.py: "
    "gen_ai.usage.raw = the API's usage object (usage.model_dump), read as the API reads it; logfire 3.16-4.0 "
    "anthropic.py on_response: response_data = {message, usage} (the API's usage), request_data = the request (model)",
)  # fmt: skip
LANGFUSE = Convention(
    "langfuse", "Langfuse", False,
    "langfuse 5.2.0, _client/attributes.py: langfuse.observation.usage_details (JSON) and langfuse.observation.model.name; "
    "usage types are additive: langchain/CallbackHandler.py _parse_usage_model keeps Anthropic's input_tokens as 'input' "
    "and subtracts input_token_details (cache_read, cache_creation) and output_token_details (reasoning) from input/output",
)  # fmt: skip
CLAUDE_CODE = Convention(
    "claude_code", "Claude Code OpenTelemetry events", False,
    "Claude Code monitoring docs (https://code.claude.com/docs/en/monitoring-usage), event claude_code.api_request: "
    "model, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, speed, session.id, "
    "event.timestamp, values as strings; the counts are the API's usage fields (input excludes the cache)",
)  # fmt: skip
CONVENTIONS = (CLAUDE_CODE, LOGFIRE, LANGFUSE, OPENINFERENCE, OPENLLMETRY, GENAI)

#: Claude Code's metrics count the same calls as its api_request events (monitoring docs).
CLAUDE_CODE_METRICS = ("claude_code.token.usage", "claude_code.cost.usage")

#: Provider names (gen_ai.provider.name, gen_ai.system, llm.provider, llm.system; compared
#: lower-cased) → the platform whose prices apply. Anything else is another provider.
PLATFORMS = {
    "anthropic": "api",
    "aws.bedrock": "bedrock", "aws_bedrock": "bedrock", "bedrock": "bedrock", "aws": "bedrock",
    "gcp.vertex_ai": "vertex", "vertex_ai": "vertex", "vertexai": "vertex", "google": "vertex",
    "az.ai.inference": "foundry", "azure.ai.inference": "foundry", "azure": "foundry",
}  # fmt: skip
_FAMILY_WORDS = ("claude", "opus", "sonnet", "haiku", "fable", "mythos")


def platform_of(provider: str | None) -> str | None:
    """The platform a provider name prices as; None for another provider (or none named)."""
    return None if provider is None else PLATFORMS.get(provider.strip().lower())


def looks_like_claude(model: Any) -> bool:
    return isinstance(model, str) and any(w in model.lower() for w in _FAMILY_WORDS)


@dataclass(frozen=True)
class Call:
    """What one span or log record says about one call."""

    convention: Convention
    model: str | None
    provider: str | None  # as written; None when the convention names none
    counts: tuple[int, int, int, int, int, int]  # exclusive input, 5m write, 1h write, cache read, output, web searches
    split_known: bool = False  # the 5m/1h split of cache writes was recorded
    read_exclusive: bool = False  # an inclusive convention's cache exceeded its input: read as exclusive
    speed: str = "standard"
    geo: str | None = None
    batch: bool = False
    logged_cost: Decimal | None = None
    session: str | None = None
    when: str | None = None  # an ISO time the record itself carries (Claude Code's event.timestamp)
    stop: str | None = None  # gen_ai.response.finish_reasons[0], where written (the API's stop_reason)

    @property
    def tokens(self) -> int:
        return sum(self.counts[:5])


def _count(attrs: dict[str, Any], key: str, strings: bool = False) -> int | None:
    """A token count: absent → None; a whole number >= 0 (an integral float, as JavaScript
    exporters write numbers, too); `strings`: digit strings too (Claude Code writes strings)."""
    v = attrs.get(key)
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError(f"{key} must be a whole number >= 0, got {v!r}")
    if isinstance(v, int) and v >= 0:
        return v
    if isinstance(v, float) and v.is_integer() and v >= 0:
        return int(v)
    if strings and isinstance(v, str) and v.strip().isdigit() and v.strip().isascii():
        return int(v.strip())
    raise ValueError(f"{key} must be a whole number >= 0, got {v!r}")


def _inclusive(total_in: int, read: int, written: int) -> tuple[int, bool]:
    """The uncached input from an input count that includes the cache, and whether the cache
    exceeded it (then the count is taken as the uncached input itself)."""
    if read + written > total_in:
        return total_in, True
    return total_in - read - written, False


def _text(attrs: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        v = attrs.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _json(value: Any) -> Any:
    """An attribute that carries JSON (Logfire and Langfuse serialise dicts as strings)."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


def _claude_code(attrs: dict[str, Any], body: Any) -> Call | None:
    if attrs.get("event.name") != "api_request" and body != "claude_code.api_request":
        return None
    n = {k: _count(attrs, k, strings=True) for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")}
    if n["input_tokens"] is None and n["output_tokens"] is None:
        raise ValueError("claude_code.api_request without input_tokens or output_tokens")
    cost = attrs.get("cost_usd")
    logged = None
    if cost is not None and not isinstance(cost, bool):
        try:
            logged = Decimal(str(cost))
        except InvalidOperation:
            logged = None
        if logged is not None and (not logged.is_finite() or logged < 0):
            logged = None
    written = n["cache_creation_tokens"] or 0
    counts = (n["input_tokens"] or 0, written, 0, n["cache_read_tokens"] or 0, n["output_tokens"] or 0, 0)
    return Call(CLAUDE_CODE, _text(attrs, "model"), None, counts, split_known=written == 0,
                speed="fast" if attrs.get("speed") == "fast" else "standard", logged_cost=logged,
                session=_text(attrs, "session.id"), when=_text(attrs, "event.timestamp"))  # fmt: skip


def _provider(attrs: dict[str, Any]) -> str | None:
    return _text(attrs, "gen_ai.provider.name", "gen_ai.system")


def _logfire(attrs: dict[str, Any], body: Any) -> Call | None:
    raw = _json(attrs.get("gen_ai.usage.raw"))
    model = _text(attrs, "gen_ai.response.model", "gen_ai.request.model")
    if not (isinstance(raw, dict) and "input_tokens" in raw and "output_tokens" in raw):
        response = _json(attrs.get("response_data"))
        raw = response.get("usage") if isinstance(response, dict) else None
        if not (isinstance(raw, dict) and "input_tokens" in raw and "output_tokens" in raw):
            return None
        if model is None:
            request = _json(attrs.get("request_data"))
            model = request.get("model") if isinstance(request, dict) and isinstance(request.get("model"), str) else None
    counts, assumed, geo, speed, batch = parse_usage(raw)
    return Call(LOGFIRE, model, _provider(attrs), counts, split_known=not assumed, speed=speed, geo=geo, batch=batch)


def _langfuse(attrs: dict[str, Any], body: Any) -> Call | None:
    details = _json(attrs.get("langfuse.observation.usage_details"))
    if not isinstance(details, dict):
        return None
    d = {k: v for k, v in details.items() if isinstance(k, str)}
    get = lambda *keys: next((x for x in (_count(d, k) for k in keys) if x is not None), None)  # noqa: E731
    w5 = get("cache_creation_ephemeral_5m_input_tokens", "input_ephemeral_5m_input_tokens")
    w1 = get("cache_creation_ephemeral_1h_input_tokens", "input_ephemeral_1h_input_tokens")
    split = w5 is not None or w1 is not None
    written = (w5 or 0, w1 or 0) if split else (get("cache_creation_input_tokens", "input_cache_creation") or 0, 0)
    read = get("cache_read_input_tokens", "input_cache_read") or 0
    # Langfuse subtracts reasoning tokens from "output" (usage types are additive); the bill counts both
    output = (get("output") or 0) + (get("output_reasoning") or 0)
    counts = (get("input") or 0, written[0], written[1], read, output, 0)
    model = _text(attrs, "langfuse.observation.model.name", "gen_ai.response.model", "gen_ai.request.model")
    return Call(LANGFUSE, model, _provider(attrs), counts, split_known=split or written[0] == 0)


def _openinference(attrs: dict[str, Any], body: Any) -> Call | None:
    if "llm.token_count.prompt" not in attrs and "llm.token_count.completion" not in attrs:
        return None
    total_in = _count(attrs, "llm.token_count.prompt") or 0
    read = _count(attrs, "llm.token_count.prompt_details.cache_read") or 0
    written = _count(attrs, "llm.token_count.prompt_details.cache_write") or 0
    uncached, flipped = _inclusive(total_in, read, written)
    counts = (uncached, written, 0, read, _count(attrs, "llm.token_count.completion") or 0, 0)
    model = _text(attrs, "llm.response.model_name", "llm.model_name", "llm.request.model_name")
    return Call(OPENINFERENCE, model, _text(attrs, "llm.provider", "llm.system"), counts, split_known=written == 0, read_exclusive=flipped)


_LEGACY = ("gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens", "gen_ai.usage.cache_read_input_tokens",
           "gen_ai.usage.cache_creation_input_tokens")  # fmt: skip


def _gen_ai(convention: Convention, attrs: dict[str, Any], inputs: tuple[str, ...], outputs: tuple[str, ...], reads: str, writes: str) -> Call:
    first = lambda keys: next((x for x in (_count(attrs, k) for k in keys) if x is not None), None)  # noqa: E731
    read = _count(attrs, reads) or 0
    written = _count(attrs, writes) or 0
    uncached, flipped = _inclusive(first(inputs) or 0, read, written)
    counts = (uncached, written, 0, read, first(outputs) or 0, 0)
    model = _text(attrs, "gen_ai.response.model", "gen_ai.request.model")
    return Call(convention, model, _provider(attrs), counts, split_known=written == 0, read_exclusive=flipped)


def _openllmetry(attrs: dict[str, Any], body: Any) -> Call | None:
    if not any(k in attrs for k in _LEGACY):
        return None
    return _gen_ai(OPENLLMETRY, attrs, ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
                   ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
                   "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_creation_input_tokens")  # fmt: skip


def _genai(attrs: dict[str, Any], body: Any) -> Call | None:
    if "gen_ai.usage.input_tokens" not in attrs and "gen_ai.usage.output_tokens" not in attrs:
        return None
    return _gen_ai(GENAI, attrs, ("gen_ai.usage.input_tokens",), ("gen_ai.usage.output_tokens",),
                   "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens")  # fmt: skip


#: Tried in this order: the most exact first (a raw usage object beats derived counts).
READERS: tuple[Callable[[dict[str, Any], Any], Call | None], ...] = (_claude_code, _logfire, _langfuse, _openinference, _openllmetry, _genai)


def read_call(attrs: dict[str, Any], body: Any = None) -> Call | None:
    """The call these attributes describe, by the first convention that recognises them; None
    when no convention does (a span or record without token counts). ValueError: a value of the
    convention's attributes is unusable (its message names the attribute)."""
    for reader in READERS:
        call = reader(attrs, body)
        if call is not None:
            reasons = attrs.get("gen_ai.response.finish_reasons")
            stop = reasons[0] if isinstance(reasons, list) and reasons else reasons
            return replace(call, stop=stop) if isinstance(stop, str) else call
    return None
