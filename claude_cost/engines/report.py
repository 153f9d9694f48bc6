"""What the HTML spend report shows, aggregated from a detailed usage summary: spend per period
stacked by model, cost per class, cache efficiency per period, the top projects, sessions and
files, what could not be priced, and the what-ifs. Aggregated here, before anything is embedded
in a page: the page gets one number per (period, model), never one element per record. Never
prints; renders nothing (render/html.py does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from claude_cost.engines.python import Summary

__all__ = ["REPORT_FIELDS", "ReportData", "Ranked", "report_data", "period_of"]

#: The grouping a report is summarised by (each then summed the ways the page shows).
REPORT_FIELDS = "day,model,project,session,file"
CLASSES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_searches")
TOP = 10


@dataclass(frozen=True)
class Ranked:
    name: str
    total: Decimal
    requests: int


@dataclass
class ReportData:
    total: Decimal
    requests: int
    first: str | None  # the first and last day with priced traffic
    last: str | None
    period: str  # day | week | month: the bars' width, by the span
    periods: list[str]  # the label of each bar (the first day of its period)
    models: list[str]  # by spend, largest first
    spend: dict[str, list[Decimal]]  # model -> spend per period
    classes: dict[str, Decimal]  # input, cache writes (5m, 1h), cache reads, output, web searches
    cache_share: list[Decimal | None]  # per period: cache reads / all input tokens (None: no input)
    cache_saved: list[Decimal]  # per period: what cache reads saved against uncached input
    saved_total: Decimal
    tops: dict[str, list[Ranked]]  # projects, sessions, files
    unpriced: list[Any]  # Problems (the first ones), with their count
    unpriced_count: int
    unpriced_tokens: int
    what_if: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_billed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def period_of(first: date, last: date) -> str:
    """Bars per day for up to 62 days, per week up to a year, else per month."""
    span = (last - first).days
    return "day" if span <= 62 else "week" if span <= 366 else "month"


def _label(day: date, period: str) -> str:
    if period == "week":
        return (day - timedelta(days=day.weekday())).isoformat()  # the week's Monday
    if period == "month":
        return day.isoformat()[:7]
    return day.isoformat()


def _ranked(totals: dict[str, list[Any]]) -> list[Ranked]:
    rows = [Ranked(k, v[0], v[1]) for k, v in totals.items() if k != "—"]
    rows.sort(key=lambda r: (-r.total, r.name))
    return rows[:TOP]


def report_data(summary: Summary, what_if: list[Any] | None = None) -> ReportData:
    """The report of `summary`, which must be grouped by REPORT_FIELDS with detail."""
    at = {f: i for i, f in enumerate(summary.fields)}
    days = sorted({date.fromisoformat(g.key[at["day"]]) for g in summary.groups})
    period = period_of(days[0], days[-1]) if days else "day"
    labels = sorted({_label(d, period) for d in days})
    index = {lab: i for i, lab in enumerate(labels)}
    spend: dict[str, list[Decimal]] = {}
    classes = dict.fromkeys(CLASSES, Decimal(0))
    read_tokens = [0] * len(labels)
    input_tokens = [0] * len(labels)
    saved = [Decimal(0)] * len(labels)
    tops: dict[str, dict[str, list[Any]]] = {"projects": {}, "sessions": {}, "files": {}}
    for g in summary.groups:
        i = index[_label(date.fromisoformat(g.key[at["day"]]), period)]
        model = g.key[at["model"]]
        spend.setdefault(model, [Decimal(0)] * len(labels))[i] += g.total
        for c in CLASSES:
            classes[c] += g.cost(c)
        u = g.usage
        read_tokens[i] += u.cache_read
        input_tokens[i] += u.prompt_tokens
        saved[i] += g.saved
        for kind, name in (("projects", g.key[at["project"]]), ("sessions", g.key[at["session"]]), ("files", g.key[at["file"]])):
            t = tops[kind].setdefault(name, [Decimal(0), 0])
            t[0] += g.total
            t[1] += g.requests
    models = sorted(spend, key=lambda m: (-sum(spend[m]), m))
    share = [Decimal(r) / Decimal(n) if n else None for r, n in zip(read_tokens, input_tokens)]
    return ReportData(
        total=summary.total, requests=summary.requests, first=days[0].isoformat() if days else None,
        last=days[-1].isoformat() if days else None, period=period, periods=labels, models=models, spend=spend,
        classes=classes, cache_share=share, cache_saved=saved, saved_total=sum(saved, Decimal(0)),
        tops={k: _ranked(v) for k, v in tops.items()}, unpriced=list(summary.problems), unpriced_count=summary.problem_count,
        unpriced_tokens=summary.problem_tokens, what_if=list(what_if or []), notes=list(summary.notes),
        not_billed=dict(summary.not_billed), skipped=dict(summary.skipped),
    )  # fmt: skip
