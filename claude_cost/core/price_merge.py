"""A candidate price table merged from ours and the lists the world keeps current (`prices
update`): LiteLLM's price map and genai-prices' data.json, read by sources/price_lists.py. Pure:
the lists arrive read, the table as its TOML text; out comes the merge (what changes and why,
what is held back and why) and the new TOML text.

The rules (issue 32), each change carrying its reason:

- A Claude model a list prices that our table lacks is **added**, with every class the list
  states (both lists' when both price it and agree; when they disagree it is not added, and
  said). Classes no list states follow the general rules of the fact sheet — 5-minute write
  1.25x input, 1-hour write 2x, cache read 0.1x (§2), Batch 50% (§3) — and the entry names its
  sources and says `unconfirmed`. A dated id of a model we have (its id plus -YYYYMMDD) is said,
  not added.
- A name that is not a model id of the current scheme (claude-FAMILY-VERSION, fact sheet §11)
  is said, not added: genai-prices labels families of retired models `claude-2`, `claude-v1`.
- A rate of ours that **both** lists state differently, and alike, is **changed from today**:
  the old rate stays in force before today (a `history` entry), so past days price as billed.
- A rate where only one list differs from us is **kept**, and reported as a conflict.
- Only a list's entry of the model's own name counts: genai-prices' prefix rules also match
  models it does not list (its `claude-fable-5` entry matches `claude-fable-5-2`), and that is
  no statement about them.
- What our table knows and theirs cannot express (dated periods, retirements, residency, fast
  mode, long-context tiers) is never touched.
- An entry is **refused** whole: a non-Claude name under Anthropic, a rate outside 0–1,000 USD
  per MTok, or an input or output rate of 0 (a model zeroed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core.audit import Listed, ours_values
from claude_cost.core.errors import ClaudeCostError
from claude_cost.core.models import PriceTable
from claude_cost.core.prices import family_of, resolve

__all__ = ["Merge", "Change", "Addition", "Held", "merge", "apply", "FIELDS", "MAX_RATE"]

#: The rates a merge may change or add, as the lists state them (audit's names) → our TOML keys.
FIELDS = {"input": "input", "output": "output", "cache_write_5m": "cache_write_5m", "cache_write_1h": "cache_write_1h",
          "cache_read": "cache_read", "batch.input": "batch_input", "batch.output": "batch_output"}  # fmt: skip
#: Rates a new model gets by the general rules when no list states them: (from, factor, where).
RULES = {"cache_write_5m": ("input", Decimal("1.25"), "§2"), "cache_write_1h": ("input", Decimal(2), "§2"),
         "cache_read": ("input", Decimal("0.1"), "§2"), "batch.input": ("input", Decimal("0.5"), "§3"),
         "batch.output": ("output", Decimal("0.5"), "§3")}  # fmt: skip
MAX_RATE = Decimal(1000)
_DATED = re.compile(r"^(.+)-(\d{8})$")
#: A model id of the current scheme (fact sheet §11): claude-FAMILY-VERSION, e.g. claude-opus-4-7,
#: claude-mythos-preview. genai-prices labels families of older models (claude-2, claude-v1,
#: claude-3-5-sonnet) by names that are not API ids: those are never added.
_CURRENT_ID = re.compile(r"^claude-(opus|sonnet|haiku|fable|mythos)-[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Change:
    model: str
    field: str  # a FIELDS key
    old: Decimal
    new: Decimal
    reason: str


@dataclass(frozen=True)
class Addition:
    model: str
    values: dict[str, Decimal]  # FIELDS keys
    stated_by: tuple[str, ...]  # the lists
    filled: tuple[str, ...]  # fields set by the general rules
    reason: str


@dataclass(frozen=True)
class Held:
    """What the merge did not do, and why: a conflict, a disagreement, a refused entry, a dated id."""

    kind: str  # conflict | disagree | refused | dated | old-id
    model: str
    field: str | None
    ours: Any
    theirs: dict[str, Any]
    reason: str


@dataclass
class Merge:
    lists: dict[str, str] = field(default_factory=dict)  # name -> where it was read from
    changes: list[Change] = field(default_factory=list)
    additions: list[Addition] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a list that could not be fetched, …

    @property
    def empty(self) -> bool:
        return not (self.changes or self.additions)


def _name(listed: Listed) -> str:
    return listed.id.lower().removeprefix("anthropic/")


def _now(listed: Listed, today: date) -> dict[str, Decimal]:
    """The entry's values in force today: its latest period begun by today."""
    started = [p for p in listed.periods if p.start is None or p.start <= today]
    if not started:
        return {}
    latest = max(started, key=lambda p: p.start or date.min)
    return {k: v for k, v in latest.values.items() if k in FIELDS}


def _refusal(name: str, values: dict[str, Decimal]) -> str | None:
    if not name.startswith("claude-"):
        return f"{name!r} is not a Claude model, under Anthropic"
    for key, value in values.items():
        if value < 0 or value > MAX_RATE:
            return f"{key} ${_num(value)} per MTok is outside 0–1,000"
    for key in ("input", "output"):
        if values.get(key) == 0:
            return f"{key} $0 would price the model at nothing"
    return None


def _current(listed: Listed, today: date) -> bool:
    return not listed.deprecated or (isinstance(listed.deprecated, date) and listed.deprecated > today)


def merge(table: PriceTable, lists: dict[str, list[Listed]], today: date) -> Merge:
    """Merge `lists` (name -> its models) into `table` by the rules above."""
    out = Merge()
    # our model id -> list -> its values today; and their models we lack: name -> list -> values
    ours: dict[str, dict[str, dict[str, Decimal]]] = {}
    unknown: dict[str, dict[str, dict[str, Decimal]]] = {}
    for list_name, entries in lists.items():
        seen: set[str] = set()
        for entry in entries:
            name = _name(entry)
            if name in seen:
                continue  # LiteLLM lists some models twice (with and without "anthropic/"): the first counts
            seen.add(name)
            values = _now(entry, today)
            why = _refusal(name, values)
            if why is not None:
                out.held.append(Held("refused", name, None, None, {list_name: {k: _num(v) for k, v in values.items()}}, f"{list_name}: {why}"))
                continue
            try:
                model = resolve(table, name).model
            except ClaudeCostError:
                if _current(entry, today):
                    unknown.setdefault(name, {})[list_name] = values
                continue
            if name not in (model.id, *model.aliases):
                continue  # a platform id or a snapshot our table maps: the model's own entry speaks for it
            ours.setdefault(model.id, {})[list_name] = values
    for model_id, stated in sorted(ours.items()):
        _compare(out, table, model_id, stated, today)
    for name, stated in sorted(unknown.items()):
        _add(out, table, name, stated, today)
    return out


def _compare(out: Merge, table: PriceTable, model_id: str, stated: dict[str, dict[str, Decimal]], today: date) -> None:
    model = table.models[model_id]
    mine = ours_values(model, today, table.fees, set(FIELDS))
    for key in FIELDS:
        theirs = {name: values[key] for name, values in stated.items() if key in values}
        differ = {name: v for name, v in theirs.items() if v != mine.get(key)}
        if not differ or mine.get(key) is None:
            continue
        if len(differ) == 2 and len(set(differ.values())) == 1:
            new = next(iter(differ.values()))
            out.changes.append(Change(model_id, key, mine[key], new, f"both lists state ${_num(new)} (ours ${_num(mine[key])})"))  # type: ignore[arg-type]
        else:
            why = "the lists disagree" if len(differ) == 2 else f"only {next(iter(differ))} differs"
            out.held.append(Held("conflict", model_id, key, mine[key], {n: _num(v) for n, v in differ.items()}, why))


def _add(out: Merge, table: PriceTable, name: str, stated: dict[str, dict[str, Decimal]], today: date) -> None:
    dated = _DATED.match(name)
    if dated:
        try:
            base = resolve(table, dated.group(1)).model.id
        except ClaudeCostError:
            base = None
        if base is not None:
            out.held.append(Held("dated", name, None, None, {n: {k: _num(v) for k, v in vals.items()} for n, vals in stated.items()},
                                 f"a dated id of {base}: not added (add it to {base}'s aliases if it is one)"))  # fmt: skip
            return
    if not _CURRENT_ID.match(name):
        out.held.append(Held("old-id", name, None, None, {n: {k: _num(v) for k, v in vals.items()} for n, vals in stated.items()},
                             "not a model id of the current scheme (claude-FAMILY-VERSION, fact sheet §11): not added"))  # fmt: skip
        return
    values: dict[str, Decimal] = {}
    for list_name, vals in stated.items():
        for key, value in vals.items():
            if key in values and values[key] != value:
                out.held.append(Held("disagree", name, key, None, {n: _num(v[key]) if key in v else None for n, v in stated.items()},
                                     "the lists price it differently: not added"))  # fmt: skip
                return
            values[key] = value
    if "input" not in values or "output" not in values:
        out.held.append(Held("refused", name, None, None, {n: {k: _num(v) for k, v in vals.items()} for n, vals in stated.items()},
                             "no input and output rates stated: not added"))  # fmt: skip
        return
    filled = []
    for key, (base_key, factor, _) in RULES.items():
        if key not in values:
            values[key] = values[base_key] * factor
            filled.append(key)
    lists = tuple(sorted(stated))
    reason = f"priced by {' and '.join(lists)}" + (" (alike)" if len(lists) == 2 else "") + ", not in our table"
    out.additions.append(Addition(name, values, lists, tuple(filled), reason))


# ---------------------------------------------------------------- the TOML text


def _num(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def _display_name(model_id: str) -> str:
    """claude-opus-4-7 → Claude Opus 4.7; claude-mythos-preview → Claude Mythos Preview."""
    words = model_id.split("-")
    out: list[str] = []
    for w in words:
        if w.isdigit() and out and out[-1][-1:].isdigit():
            out[-1] += f".{w}"
        else:
            out.append(w if w.isdigit() else w.capitalize())
    return " ".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def apply(text: str, merge_: Merge, today: date) -> str:
    """`text` (a prices.toml) with the merge's changes and additions written in: a changed rate
    replaced in its model's section, its old value kept before today in a history entry; an
    added model as a section of its own; `as_of` today. Comments and everything else stay."""
    if merge_.empty:
        return text
    lines = text.splitlines()
    by_model: dict[str, list[Change]] = {}
    for c in merge_.changes:
        by_model.setdefault(c.model, []).append(c)
    for model_id, changes in by_model.items():
        header = next((i for i, line in enumerate(lines) if line.split("#")[0].strip() == f"[models.{model_id}]"), None)
        if header is None:
            raise ValueError(f"[models.{model_id}] is not in the table's text")
        end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        for c in changes:
            key = FIELDS[c.field]
            at = next((i for i in range(header + 1, end) if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i])), None)
            line = f"{key} = {_num(c.new)}  # from {today}: {c.reason}"
            if at is None:
                lines.insert(end, line)
                end += 1
            else:
                lines[at] = line
    lines = [f"as_of = {today.isoformat()}" if re.match(r"^as_of\s*=", line) else line for line in lines]
    tail = ["", f"# ---- merged by `claude-cost prices update` on {today}: " + ", ".join(f"{n} ({w})" for n, w in merge_.lists.items())]
    for model_id, changes in by_model.items():
        tail += ["", f"[[models.{model_id}.history]]  # the rates before the {today} merge", f"until = {today.isoformat()}"]
        tail += [f"{FIELDS[c.field]} = {_num(c.old)}" for c in changes]
    for a in merge_.additions:
        filled = ", ".join(FIELDS[k] for k in a.filled)
        source = f"{' + '.join(a.stated_by)}, merged {today}; unconfirmed" + (f"; {filled} by the general rules (fact sheet §2, §3)" if filled else "")
        tail += ["", f"[models.{a.model}]  # added: {a.reason}", f"name = {_quote(_display_name(a.model))}",
                 f"family = {_quote(family_of(a.model))}", "aliases = []", f"source = {_quote(source)}"]  # fmt: skip
        tail += [f"{FIELDS[k]} = {_num(a.values[k])}" for k in FIELDS if k in a.values]
    return "\n".join(lines + tail) + "\n"
