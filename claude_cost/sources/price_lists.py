"""Other projects' published price lists, read into one neutral form for `prices audit`:
pydantic/genai-prices' `data.json` (the `anthropic` provider) and LiteLLM's
`model_prices_and_context_window.json` (entries whose `litellm_provider` is `anthropic`).

Each of their models becomes a `Listed`: its id, how model names are matched to it, whether it
is deprecated, and its rates per dated period, in USD per million tokens, under this project's
field names — `input`, `output`, `cache_write_5m`, `cache_write_1h`, `cache_read`, the batch
rates `batch.input` … and the long-context tiers `long_context>200000.input` … — plus the
multipliers LiteLLM states (`fast_multiplier`, `us_multiplier`). Numbers are read exactly
(`parse_float=Decimal`); LiteLLM's per-token figures are multiplied by 1,000,000.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core.audit import Listed, Period
from claude_cost.core.errors import InputError

__all__ = ["Listed", "Period", "read_genai_prices", "read_litellm", "SOURCES"]

MILLION = Decimal(1_000_000)

#: Where each list is published (what `prices audit --against NAME` fetches without FILE|URL).
SOURCES = {
    "genai-prices": "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json",
    "litellm": "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
}


def _load(data: bytes, where: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)  # a BOM dropped, as everywhere
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{where}: not valid JSON ({exc})", hint="is this the right file?") from None


# ---------------------------------------------------------------- genai-prices

_GENAI_FIELDS = {"input_mtok": "input", "output_mtok": "output", "cache_write_mtok": "cache_write_5m",
                 "cache_write_1h_mtok": "cache_write_1h", "cache_read_mtok": "cache_read"}  # fmt: skip


def _rule(rule: Any) -> tuple[Callable[[str], bool], str]:
    """genai-prices' match clause (equals, starts_with, ends_with, contains, or, and) as a test."""
    if not isinstance(rule, dict) or len(rule) != 1:
        return (lambda name: False), f"unread rule {rule!r}"
    (kind, arg), = rule.items()
    if kind in ("or", "and") and isinstance(arg, list):
        parts = [_rule(r) for r in arg]
        combine = any if kind == "or" else all
        return (lambda name: combine(f(name) for f, _ in parts)), f" {kind} ".join(t for _, t in parts)
    if not isinstance(arg, str):
        return (lambda name: False), f"unread rule {rule!r}"
    tests = {"equals": lambda n: n == arg, "starts_with": lambda n: n.startswith(arg), "ends_with": lambda n: n.endswith(arg),
             "contains": lambda n: arg in n}  # fmt: skip
    if kind not in tests:
        return (lambda name: False), f"unread rule {rule!r}"
    return tests[kind], f"{kind} {arg!r}"


def _genai_prices(prices: dict[str, Any], unread: list[str]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for key, value in prices.items():
        name = _GENAI_FIELDS.get(key)
        if name is None:
            if key not in unread:
                unread.append(key)
            continue
        if isinstance(value, dict):  # {"base": 3, "tiers": [{"price": 6, "start": 200000}]}: a cliff on total input
            if isinstance(value.get("base"), (int, Decimal)):
                values[name] = Decimal(value["base"])
            for tier in value.get("tiers") or []:
                if isinstance(tier, dict) and isinstance(tier.get("price"), (int, Decimal)) and isinstance(tier.get("start"), int):
                    values[f"long_context>{tier['start']}.{name}"] = Decimal(tier["price"])
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            values[name] = Decimal(value)
    return values


def read_genai_prices(data: bytes, where: str) -> list[Listed]:
    """The Anthropic models of genai-prices' data.json, in its order (the first match wins)."""
    doc = _load(data, where)
    providers = doc if isinstance(doc, list) else doc.get("providers") if isinstance(doc, dict) else None
    provider = next((p for p in providers or [] if isinstance(p, dict) and p.get("id") == "anthropic"), None)
    if provider is None:
        raise InputError(f"{where}: no 'anthropic' provider: not genai-prices' data.json")
    out = []
    for m in provider.get("models") or []:
        if not isinstance(m, dict) or not isinstance(m.get("id"), str):
            continue
        unread: list[str] = []
        matches, rule = _rule(m.get("match"))
        prices = m.get("prices")
        periods: list[Period] = []
        if isinstance(prices, dict):
            periods.append(Period(None, _genai_prices(prices, unread)))
        elif isinstance(prices, list):
            for p in prices:
                if not isinstance(p, dict) or not isinstance(p.get("prices"), dict):
                    continue
                constraint = p.get("constraint") or {}
                start = constraint.get("start_date") if isinstance(constraint, dict) else None
                other = sorted(set(constraint) - {"start_date"}) if isinstance(constraint, dict) else []
                if other:
                    unread.append(f"constraint {', '.join(other)}")
                    continue  # a variant this audit cannot place (a processing or speed condition)
                try:
                    day = date.fromisoformat(start) if isinstance(start, str) else None
                except ValueError:
                    day = None
                periods.append(Period(day, _genai_prices(p["prices"], unread)))
        out.append(Listed(m["id"], matches, rule, periods, bool(m.get("deprecated")) or None, unread))
    return out


# ---------------------------------------------------------------- LiteLLM

_LITELLM_CLASSES = {"input_cost_per_token": "input", "output_cost_per_token": "output", "cache_creation_input_token_cost": "cache_write_5m",
                    "cache_creation_input_token_cost_above_1hr": "cache_write_1h", "cache_read_input_token_cost": "cache_read"}  # fmt: skip


def _litellm_key(key: str) -> str | None:
    """LiteLLM's cost key as this project's field, or None."""
    batch = key.endswith("_batches")
    base = key[: -len("_batches")] if batch else key
    tier = None
    for size in ("200k", "100k", "1m"):
        for marker in (f"_above_{size}_tokens",):
            if marker in base:
                tier = {"200k": 200_000, "100k": 100_000, "1m": 1_000_000}[size]
                base = base.replace(marker, "")
    name = _LITELLM_CLASSES.get(base)
    if name is None:
        return None
    if tier is not None:
        name = f"long_context>{tier}.{name}"
    return f"batch.{name}" if batch else name


def read_litellm(data: bytes, where: str) -> list[Listed]:
    """The `anthropic` entries of LiteLLM's price map (matched by exact name, "anthropic/" or not)."""
    doc = _load(data, where)
    if not isinstance(doc, dict):
        raise InputError(f"{where}: not LiteLLM's model_prices_and_context_window.json (not an object)")
    out = []
    for key, entry in doc.items():
        if not isinstance(entry, dict) or entry.get("litellm_provider") != "anthropic":
            continue
        values: dict[str, Decimal] = {}
        unread: list[str] = []
        for k, v in entry.items():
            if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
                continue
            name = _litellm_key(k) if "cost" in k else None
            if name is not None:
                values[name] = Decimal(v) * MILLION
            elif "cost" in k:
                unread.append(k)
        special = entry.get("provider_specific_entry")
        if isinstance(special, dict):
            for k, field_name in (("fast", "fast_multiplier"), ("us", "us_multiplier")):
                if isinstance(special.get(k), (int, Decimal)) and not isinstance(special.get(k), bool):
                    values[field_name] = Decimal(special[k])
        deprecated: date | None = None
        if isinstance(entry.get("deprecation_date"), str):
            try:
                deprecated = date.fromisoformat(entry["deprecation_date"])
            except ValueError:
                deprecated = None
        name = key.lower()
        short = name.removeprefix("anthropic/")
        out.append(Listed(key, lambda n, a=name, b=short: n in (a, b), f"equals {key!r}", [Period(None, values)], deprecated, unread))
    if not out:
        raise InputError(f"{where}: no entry with litellm_provider 'anthropic': not LiteLLM's price map")
    return out
