"""Our price table held against another project's list (`prices audit`). Pure: the other list
arrives already read (sources/price_lists.py) as `Listed` models with dated `Period`s.

Ours is always what the pricing core would bill (pricing.token_rates), on the first day of each
of their periods (their first, open-ended one: the day before the next, or today): base rates
with no tier, batch rates, the rates of a prompt one token above each of their long-context
thresholds, the fast-mode rate as a multiple of the base input, and the US-residency multiplier.
A field they do not state is not compared (it is counted in `unexpressed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError
from claude_cost.core.models import TOKEN_CLASSES, ModelPrice, PriceTable, Scenario
from claude_cost.core.prices import resolve

__all__ = ["Period", "Listed", "Difference", "Audit", "audit", "audit_ids", "ours_values"]


@dataclass
class Period:
    start: date | None  # None: from the beginning
    values: dict[str, Decimal]


@dataclass
class Listed:
    """One model of another project's list."""

    id: str
    matches: Callable[[str], bool]
    rule: str  # how they match names, for the report
    periods: list[Period]
    deprecated: date | bool | None = None
    unread: list[str] = field(default_factory=list)  # their fields this audit does not compare


@dataclass(frozen=True)
class Difference:
    model: str
    field: str
    ours: Any
    theirs: Any
    period: str = "current"
    their_model: str | None = None  # when their entry has another name (their matching rule chose it)


@dataclass
class Audit:
    against: str
    compared: int = 0  # (model, field, period) values held against each other
    agree: int = 0
    differences: list[Difference] = field(default_factory=list)
    missing_here: list[dict[str, Any]] = field(default_factory=list)  # {"id", "current", "note"?}
    missing_there: list[str] = field(default_factory=list)
    unexpressed: dict[str, int] = field(default_factory=dict)  # our fields their list cannot state, by field
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # the file or URL their list was read from

    @property
    def failed(self) -> bool:
        return bool(self.differences) or any(m["current"] for m in self.missing_here)


def ours_values(model: ModelPrice, day: date, fees: Any, wanted: set[str]) -> dict[str, Decimal | None]:
    """What we bill for each field on `day` (module docstring)."""
    out: dict[str, Decimal | None] = {}

    def rates(prompt: int, batch: bool) -> Any:
        try:
            return pricing.token_rates(model, prompt, Scenario(day=day, batch=batch), fees)[0]
        except ClaudeCostError:
            return None

    base, batch = rates(0, False), rates(0, True)
    for c in TOKEN_CLASSES:
        out[c] = base.get(c) if base else None
        out[f"batch.{c}"] = batch.get(c) if batch else None
    eff = pricing.effective_model(model, day)
    thresholds = {int(k.split(">")[1].split(".")[0]) for k in wanted if k.startswith(("long_context>", "batch.long_context>"))}
    for t in thresholds:
        has_tier = any(tier.active(day) and tier.threshold == t for tier in eff.long_context)
        above, above_batch = rates(t + 1, False), rates(t + 1, True)
        for c in TOKEN_CLASSES:
            out[f"long_context>{t}.{c}"] = above.get(c) if above and has_tier else None
            out[f"batch.long_context>{t}.{c}"] = above_batch.get(c) if above_batch and has_tier else None
    fast = next((p for p in eff.fast if p.active(day)), None)
    out["fast_multiplier"] = fast.input / eff.rates.input if fast and eff.rates.input else None
    out["us_multiplier"] = fees.us_residency_multiplier if eff.us_residency else None
    return out


def _day(periods: list[Period], i: int, today: date) -> date:
    p = periods[i]
    if p.start is not None:
        return p.start
    later = sorted(q.start for q in periods if q.start is not None)
    return later[0] - timedelta(days=1) if later else today


def _label(periods: list[Period], i: int) -> str:
    p = periods[i]
    starts = sorted(q.start for q in periods if q.start is not None)
    if p.start is None:
        return f"until {starts[0]}" if starts else "current"
    nxt = [s for s in starts if s > p.start]
    return f"{p.start} … {nxt[0]}" if nxt else f"from {p.start}"


def _compare(out: Audit, table: PriceTable, model: ModelPrice, theirs: Listed, today: date) -> None:
    other = None if theirs.id.lower().removeprefix("anthropic/") in {model.id, *model.aliases} else theirs.id
    for i, period in enumerate(theirs.periods):
        day = _day(theirs.periods, i, today)
        ours = ours_values(model, day, table.fees, set(period.values))
        for key, value in period.values.items():
            mine = ours.get(key)
            out.compared += 1
            if mine is not None and mine == value:
                out.agree += 1
            else:
                out.differences.append(Difference(model.id, key, mine, value, _label(theirs.periods, i), other))
        for key in ("cache_write_1h", "batch.input", "batch.output"):
            if key not in period.values and ours.get(key) is not None:
                out.unexpressed[key] = out.unexpressed.get(key, 0) + 1
    if isinstance(theirs.deprecated, date):
        mine_date = model.retired or (model.deprecated if isinstance(model.deprecated, date) else None)
        out.compared += 1
        if mine_date == theirs.deprecated:
            out.agree += 1
        else:
            out.differences.append(Difference(model.id, "deprecation_date", mine_date, theirs.deprecated, "current", other))


def _current(listed: Listed, today: date) -> bool:
    return not listed.deprecated or (isinstance(listed.deprecated, date) and listed.deprecated > today)


def audit(table: PriceTable, listed: list[Listed], against: str, today: date, *, first_match: bool) -> Audit:
    """Hold `table` against `listed`. `first_match`: their list matches a model name with rules,
    the first model whose rule matches wins (genai-prices); otherwise each of their entries is a
    model name, resolved in our table like any name (LiteLLM)."""
    out = Audit(against)
    paired: dict[str, Listed] = {}
    if first_match:
        for m in table.models.values():
            for name in (m.id, *m.aliases):
                found = next((entry for entry in listed if entry.matches(name.lower())), None)
                if found is not None:
                    paired[m.id] = found
                    break
        used = {id(e) for e in paired.values()}
        out.missing_here = [{"id": e.id, "current": _current(e, today), "match": e.rule} for e in listed if id(e) not in used]
        for m_id, entry in sorted(paired.items()):
            _compare(out, table, table.models[m_id], entry, today)
    else:
        for entry in listed:
            try:
                model = resolve(table, entry.id.lower().removeprefix("anthropic/")).model
            except ClaudeCostError:
                out.missing_here.append({"id": entry.id, "current": _current(entry, today)})
                continue
            paired.setdefault(model.id, entry)
            _compare(out, table, model, entry, today)
    out.missing_there = sorted(m.id for m in table.models.values() if m.id not in paired and not m.is_retired(today))
    for entry in listed:
        for field_name in entry.unread:
            note = f"{entry.id}: {field_name} is not compared"
            if note not in out.notes:
                out.notes.append(note)
    return out


def audit_ids(table: PriceTable, ids: list[str], today: date) -> Audit:
    """The model ids an API lists (GET /v1/models) against our table: theirs we cannot price,
    and ours (in force) it no longer lists."""
    out = Audit("models-api")
    listed: set[str] = set()
    for model_id in ids:
        try:
            listed.add(resolve(table, model_id).model.id)
        except ClaudeCostError:
            out.missing_here.append({"id": model_id, "current": True})
    out.missing_there = sorted(m.id for m in table.models.values() if m.id not in listed and not m.is_retired(today))
    out.compared = len(ids)
    out.agree = len(ids) - len(out.missing_here)
    return out
