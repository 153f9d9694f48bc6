"""The Python engine: price a stream of usage records, aggregated per billing bucket (model, day,
batch, residency, speed, long-context tier) before pricing, so memory stays flat however many
records and each bucket is priced once. Never prints."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError, InputError
from claude_cost.core.models import (
    TOKEN_CLASSES,
    Breakdown,
    ModelPrice,
    PriceTable,
    Scenario,
    Usage,
)
from claude_cost.core.prices import resolve
from claude_cost.sources.records import NotBilled, Problem, Record, Skipped

__all__ = ["Group", "Summary", "Bucket", "summarize", "merge", "usage_notes", "group_fields", "time_bound", "utc_time", "GROUP_FIELDS", "MAX_PROBLEMS_KEPT"]

#: What `--group-by` may combine (comma-separated, in the order given).
GROUP_FIELDS = ("model", "day", "hour", "month", "session", "project", "service", "file")
GROUPINGS = GROUP_FIELDS  # kept for callers of the first version
TIME_FIELDS = ("day", "hour", "month")
MAX_PROBLEMS_KEPT = 200


def group_fields(group_by: str) -> tuple[str, ...]:
    """`--group-by` as its fields, validated."""
    fields = tuple(f.strip() for f in group_by.split(",") if f.strip())
    bad = [f for f in fields if f not in GROUP_FIELDS]
    if not fields or bad or len(set(fields)) != len(fields):
        raise InputError(f"--group-by takes a comma list of {', '.join(GROUP_FIELDS)}, not {group_by!r}", hint="e.g. --group-by model,day")
    return fields


def time_bound(text: str | None, flag: str, end: bool) -> str | None:
    """--since/--until as a sortable UTC ISO string: a date (YYYY-MM-DD: the whole day) or a time."""
    if text is None:
        return None
    from datetime import datetime, timedelta, timezone

    value = text.strip()
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return (d + timedelta(days=1)).isoformat() if end else d.isoformat()
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{flag} {text!r} is not a date or an ISO time", hint="e.g. 2026-11-01 or 2026-11-01T09:00:00Z") from None
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t.isoformat()


_LOCATION_TAIL = re.compile(r"(?: \([^()]*\))?$")
_RECORD_PART = re.compile(r" (?:span|log record)(?: \S*)?$")
_LINE_PART = re.compile(r"(?::\d+|\[\d+\])$")


def source_file(location: str) -> str:
    """The file a record's location names: `logs/a.jsonl:12 (custom_id)` → `logs/a.jsonl`."""
    text = _LOCATION_TAIL.sub("", location, count=1)
    text = _RECORD_PART.sub("", text, count=1)
    return _LINE_PART.sub("", text, count=1)


def utc_time(when: str) -> str:
    """A record's timestamp in the same sortable form as time_bound (UTC, no zone)."""
    if when.endswith("Z") or "+" in when[10:] or when[10:].count("-"):
        from datetime import datetime, timezone

        try:
            t = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return when
        if t.tzinfo is not None:
            t = t.astimezone(timezone.utc).replace(tzinfo=None)
        return t.isoformat()
    return when


@dataclass
class Group:
    """Priced totals of one group (a model, a day, a session, … or a combination)."""

    key: tuple[str, ...]
    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    costs: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    logged: Decimal | None = None  # the logs' own cost figure (Claude Code costUSD), when any record had one
    saved: Decimal = Decimal(0)  # with detail: what its cache reads saved against the same tokens as uncached input

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
    problem_tokens: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    fields: tuple[str, ...] = ("model",)
    logged_total: Decimal | None = None
    assumed_5m: int = 0  # records whose cache writes had no 5m/1h split (billed as 5m)
    untimed: int = 0  # records without a timestamp left out by --since/--until
    said: tuple[str, ...] = ()  # the `skipped` reasons said on stderr every time (records with token counts)
    skipped_claude: int = 0  # skipped records that name a Claude model (an error under --strict)
    read_exclusive: int = 0  # telemetry records whose cache exceeded an input said to include it
    buckets: list[Bucket] = field(default_factory=list)  # with detail: the priced billing buckets (for what-ifs)
    price_table: tuple[str, date] | None = None  # (source, as_of) of the table that priced it


@dataclass(frozen=True)
class Bucket:
    """Requests billed alike (one model, price period, scenario, long-context tier), summed: what
    a what-if re-prices. `prompt_min` / `prompt_max`: the smallest and largest single prompt."""

    key: tuple[str, ...]
    model: ModelPrice
    scenario: Scenario
    usage: Usage
    requests: int
    tier_prompt: int
    prompt_min: int
    prompt_max: int
    total: Decimal


def _keyer(fields: tuple[str, ...]) -> Any:
    """A function (record, model id, day) -> the record's group key, built once per run."""
    iso: dict[date, str] = {}

    def day_of(item: Record, model_id: str, day: date) -> str:
        text = iso.get(day)
        if text is None:
            text = iso[day] = day.isoformat()
        return text

    def hour_of(item: Record, model_id: str, day: date) -> str:
        when = utc_time(item.when) if item.when else None
        return f"{when[:13]}:00" if when and len(when) >= 13 else f"{day_of(item, model_id, day)} (no time)"

    def attr(name: str) -> Any:
        return lambda item, model_id, day: getattr(item, name) or "—"

    parts = {"model": lambda item, model_id, day: model_id, "day": day_of, "month": lambda item, model_id, day: day_of(item, model_id, day)[:7],
             "hour": hour_of, "session": attr("session"), "project": attr("project"), "service": attr("service"),
             "file": lambda item, model_id, day: source_file(item.location)}  # fmt: skip
    fns = [parts[f] for f in fields]
    if len(fns) == 1:
        (f,) = fns
        return lambda item, model_id, day: (f(item, model_id, day),)
    if len(fns) == 2:
        f, g = fns
        return lambda item, model_id, day: (f(item, model_id, day), g(item, model_id, day))
    return lambda item, model_id, day: tuple(fn(item, model_id, day) for fn in fns)


def summarize(
    table: PriceTable, items: Iterable[Record | Problem | NotBilled | Skipped], group_by: str, default_day: date,
    *, since: str | None = None, until: str | None = None, detail: bool = False,
) -> Summary:  # fmt: skip
    """Aggregate per billing bucket within each group, price each bucket once, and total per
    group. `since` / `until` (from time_bound) keep records with a timestamp in [since, until).
    `detail`: also each group's cache savings and the priced buckets (reports, what-ifs)."""
    fields = group_fields(group_by)
    buckets: dict[tuple[Any, ...], list[Any]] = {}  # key -> [requests, sums, location, logged cost]
    resolved: dict[str, tuple[ModelPrice, str | None, str | None] | Exception] = {}
    problems: list[Problem] = []
    problem_count = 0
    problem_tokens = 0
    not_billed: dict[str, int] = {}
    skipped: dict[str, int] = {}
    said: list[str] = []
    skipped_claude = 0
    exclusive = 0
    assumed = 0
    untimed = 0
    filtering = since is not None or until is not None
    group_key = _keyer(fields)
    periods: dict[tuple[str, date], Any] = {}

    def problem(p: Problem) -> None:
        nonlocal problem_count, problem_tokens
        problem_count += 1
        problem_tokens += p.tokens
        if len(problems) < MAX_PROBLEMS_KEPT:
            problems.append(p)

    for item in items:
        if isinstance(item, Problem):
            problem(item)
            continue
        if isinstance(item, NotBilled):
            not_billed[item.kind] = not_billed.get(item.kind, 0) + 1
            continue
        if isinstance(item, Skipped):
            skipped[item.what] = skipped.get(item.what, 0) + item.count
            if item.said and item.what not in said:
                said.append(item.what)
            skipped_claude += item.claude
            continue
        if filtering:
            if item.when is None:
                untimed += 1
                continue
            when = utc_time(item.when)
            if (since is not None and when < since) or (until is not None and when >= until):
                continue
        found = resolved.get(item.model)
        if found is None:
            try:
                r = resolve(table, item.model)
                found = resolved[item.model] = (r.model, r.platform, r.endpoint)
            except ClaudeCostError as exc:
                found = resolved[item.model] = exc
        c = item.counts
        if isinstance(found, Exception):
            problem(Problem(item.location, str(found), sum(c[:5])))
            continue
        model, platform, endpoint = found
        # the platform a telemetry record names, else the one its model id implies (fact sheet §11)
        platform = item.platform or platform
        endpoint = endpoint if platform in ("bedrock", "vertex") else None
        day = item.day or default_day
        geo_us = item.geo == "us" and model.us_residency
        tier = pricing.tier_of(model, c[0] + c[1] + c[2] + c[3], day) if model.long_context else None
        gkey = group_key(item, model.id, day)
        # days of one price period price alike: one bucket for them, priced on its first day
        period = periods.get((model.id, day), periods)
        if period is periods:
            period = periods[(model.id, day)] = pricing.price_period(model, day)
        key = (gkey, model.id, period, item.batch, geo_us, item.speed, tier, platform, endpoint)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = [0, [0, 0, 0, 0, 0, 0], item.location, None, day, None, 0]
        if detail:
            prompt = c[0] + c[1] + c[2] + c[3]
            bucket[5] = prompt if bucket[5] is None or prompt < bucket[5] else bucket[5]
            bucket[6] = max(bucket[6], prompt)
        bucket[0] += 1
        sums = bucket[1]
        for i in range(6):
            sums[i] += c[i]
        if item.logged_cost is not None:
            bucket[3] = (bucket[3] or Decimal(0)) + item.logged_cost
        assumed += item.assumed_5m
        exclusive += item.read_exclusive

    groups: dict[tuple[str, ...], Group] = {}
    total = Decimal(0)
    requests = 0
    logged_total: Decimal | None = None
    kept: list[Bucket] = []
    for (gkey, model_id, _period, batch, geo_us, speed, tier, platform, endpoint), (count, sums, where, logged, day, pmin, pmax) in buckets.items():
        model = table.models[model_id]
        usage = Usage(*sums[:5], web_searches=sums[5])
        scenario = Scenario(day=day, batch=batch, geo="us" if geo_us else None, speed=speed, platform=platform or "api",
                            endpoint=endpoint or "global")  # fmt: skip
        tier_prompt = (tier + 1) if tier is not None else 0
        try:
            b: Breakdown = pricing.price(usage, model, scenario, table.fees, tier_prompt_tokens=tier_prompt)
        except ClaudeCostError as exc:
            problem(Problem(where, f"{count} record(s) of {model_id} on {day}: {exc.message}", sum(sums[:5])))
            problem_count += count - 1
            continue
        g = groups.get(gkey)
        if g is None:
            g = groups[gkey] = Group(gkey, costs={c: Decimal(0) for c in (*TOKEN_CLASSES, "web_searches")})
        g.requests += count
        g.usage = g.usage + usage
        for line in b.lines:
            g.costs[line.item] = g.costs.get(line.item, Decimal(0)) + line.usd
        g.total += b.total
        if detail:
            kept.append(Bucket(gkey, model, scenario, usage, count, tier_prompt, pmin or 0, pmax, b.total))
            if usage.cache_read:
                as_input = pricing.price(Usage(input=usage.cache_read), model, scenario, table.fees, tier_prompt_tokens=tier_prompt)
                as_read = pricing.price(Usage(cache_read=usage.cache_read), model, scenario, table.fees, tier_prompt_tokens=tier_prompt)
                g.saved += as_input.total - as_read.total
        if logged is not None:
            g.logged = (g.logged or Decimal(0)) + logged
            logged_total = (logged_total or Decimal(0)) + logged
        total += b.total
        requests += count
    return Summary(sorted(groups.values(), key=lambda g: g.key), total, requests, not_billed, problems, problem_count,
                   usage_notes(assumed, untimed, exclusive), problem_tokens, skipped, fields, logged_total, assumed, untimed,
                   tuple(said), skipped_claude, exclusive, kept, (table.source, table.as_of))  # fmt: skip


def usage_notes(assumed: int, untimed: int, exclusive: int = 0) -> list[str]:
    """The notes a summary carries, from its counts (every engine words them alike)."""
    notes = []
    if assumed:
        notes.append(f"{assumed} record(s) had cache writes without the 5m/1h split: billed as 5-minute writes")
    if untimed:
        notes.append(f"{untimed} record(s) without a timestamp left out by --since/--until")
    if exclusive:
        notes.append(f"{exclusive} telemetry record(s) had more cache tokens than the input count said to include them: "
                     "their input was read as uncached input alone")  # fmt: skip
    return notes


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def merge(a: Summary, b: Summary) -> Summary:
    """One summary of two runs over different records (same fields): groups with the same key
    are added, counts and problems joined. Used when an engine hands some files to another."""
    groups = {g.key: g for g in a.groups}
    for g in b.groups:
        mine = groups.get(g.key)
        if mine is None:
            groups[g.key] = g
            continue
        costs = _add(mine.costs, g.costs)  # type: ignore[arg-type]
        logged = None if mine.logged is None and g.logged is None else (mine.logged or Decimal(0)) + (g.logged or Decimal(0))
        groups[g.key] = Group(g.key, mine.requests + g.requests, mine.usage + g.usage, costs, mine.total + g.total, logged,  # type: ignore[arg-type]
                              mine.saved + g.saved)
    logged_total = None if a.logged_total is None and b.logged_total is None else (a.logged_total or Decimal(0)) + (b.logged_total or Decimal(0))
    assumed, untimed, exclusive = a.assumed_5m + b.assumed_5m, a.untimed + b.untimed, a.read_exclusive + b.read_exclusive
    said = a.said + tuple(w for w in b.said if w not in a.said)
    return Summary(sorted(groups.values(), key=lambda g: g.key), a.total + b.total, a.requests + b.requests, _add(a.not_billed, b.not_billed),
                   (a.problems + b.problems)[:MAX_PROBLEMS_KEPT], a.problem_count + b.problem_count, usage_notes(assumed, untimed, exclusive),
                   a.problem_tokens + b.problem_tokens, _add(a.skipped, b.skipped), a.fields, logged_total, assumed, untimed, said,
                   a.skipped_claude + b.skipped_claude, exclusive, a.buckets + b.buckets, a.price_table or b.price_table)  # fmt: skip
