"""Plain data: price table entries, token usage, scenarios and priced lines. No I/O, no logic
beyond small derived properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = [
    "TOKEN_CLASSES",
    "Rates",
    "FastPeriod",
    "LongContextTier",
    "HistoryEntry",
    "ModelPrice",
    "Fees",
    "PriceTable",
    "Usage",
    "Scenario",
    "CostLine",
    "Breakdown",
    "Count",
    "Estimate",
    "OutputBasis",
    "Assumptions",
    "CHOICES",
]

#: Token classes in bill order; each is a per-MTok rate on `Rates` and a count on `Usage`.
TOKEN_CLASSES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")


_RATE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


@dataclass(frozen=True)
class Rates:
    """USD per million tokens for each token class."""

    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal

    def get(self, token_class: str) -> Decimal:
        return getattr(self, token_class)

    def scaled(self, factor: Decimal, classes: tuple[str, ...] = TOKEN_CLASSES) -> Rates:
        """These rates with `classes` multiplied by `factor`."""
        return Rates(*(getattr(self, c) * factor if c in classes else getattr(self, c) for c in _RATE_FIELDS))


@dataclass(frozen=True)
class FastPeriod:
    """Fast-mode input/output rates in force from `start` (inclusive) until `until` (exclusive)."""

    input: Decimal
    output: Decimal
    start: date | None = None
    until: date | None = None

    def active(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class LongContextTier:
    """Rates for a request whose total input is strictly above `threshold`, in force for a period."""

    threshold: int
    rates: Rates
    start: date | None = None
    until: date | None = None

    def active(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class HistoryEntry:
    """Scalar model fields as they were before `until` (exclusive)."""

    until: date
    values: dict[str, object]


@dataclass(frozen=True)
class ModelPrice:
    """One model of the price table, as written (history not applied)."""

    id: str
    name: str
    family: str
    aliases: tuple[str, ...]
    rates: Rates
    batch_input: Decimal
    batch_output: Decimal
    source: str = ""
    context_window: int | None = None
    min_cacheable: int | None = None
    tokenizer: str | None = None
    ctok: str | None = None  # the ctok version that counts this model exactly offline
    tool_prompt_auto: int | None = None
    tool_prompt_any: int | None = None
    us_residency: bool = False
    regional_premium: bool = False
    deprecated: bool | date = False
    retired: date | None = None
    fast: tuple[FastPeriod, ...] = ()
    fast_after_removal: str = "error"
    long_context: tuple[LongContextTier, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    def is_retired(self, day: date) -> bool:
        return self.retired is not None and day >= self.retired


@dataclass(frozen=True)
class Fees:
    """Non-token fees and table-wide multipliers."""

    web_search_per_1000: Decimal
    code_execution_per_hour: Decimal
    session_per_hour: Decimal
    us_residency_multiplier: Decimal
    regional_endpoint_multiplier: Decimal
    code_execution_free_hours_per_month: Decimal | None = None


@dataclass(frozen=True)
class PriceTable:
    """The validated table: models by canonical id, every alias → id, fees, and provenance."""

    models: dict[str, ModelPrice]
    aliases: dict[str, str]
    fees: Fees
    as_of: date
    files: tuple[str, ...] = ()
    source: str = "bundled"  # where the base table came from: "bundled", or the file / URL an update installed
    notes: tuple[str, ...] = ()  # what the user should hear about the table (an ignored update, its age)


@dataclass(frozen=True)
class Usage:
    """Token and non-token usage of one or more requests.

    `input` is the uncached input, as the API's `usage.input_tokens`; the request's whole
    prompt is `prompt_tokens` (uncached + cache writes + cache reads).
    """

    input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    web_searches: int = 0
    code_execution_hours: Decimal = Decimal(0)
    session_hours: Decimal = Decimal(0)

    @property
    def prompt_tokens(self) -> int:
        return self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    def tokens(self, token_class: str) -> int:
        return int(getattr(self, token_class))

    def times(self, n: int) -> Usage:
        """This usage repeated `n` times."""
        if n == 1:
            return self
        return Usage(
            *(self.tokens(c) * n for c in ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")),
            web_searches=self.web_searches * n,
            code_execution_hours=self.code_execution_hours * n,
            session_hours=self.session_hours * n,
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{c: self.tokens(c) + other.tokens(c) for c in TOKEN_CLASSES},
            web_searches=self.web_searches + other.web_searches,
            code_execution_hours=self.code_execution_hours + other.code_execution_hours,
            session_hours=self.session_hours + other.session_hours,
        )


@dataclass(frozen=True)
class Scenario:
    """How a request is sent: which day's prices, batch, residency, speed, platform endpoint."""

    day: date
    batch: bool = False
    geo: str | None = None  # "us" | "global" | None (not sent)
    speed: str = "standard"  # "standard" | "fast"
    platform: str = "api"  # "api" | "bedrock" | "vertex" | "foundry"
    endpoint: str = "global"  # "global" | "regional" (Bedrock / Google Cloud)


@dataclass(frozen=True)
class CostLine:
    """One itemized line: `quantity` units at `rate` USD per `unit`."""

    item: str
    label: str
    quantity: Decimal
    unit: str
    rate: Decimal
    usd: Decimal


@dataclass(frozen=True)
class Breakdown:
    """The priced result for one model: lines, their exact total, and what was applied."""

    model: str
    lines: tuple[CostLine, ...]
    total: Decimal
    rates: Rates
    applied: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Count:
    """A prompt token count: exact (`low == tokens == high`) or an estimate with its range;
    `low_confidence` when the offline estimate met text unlike what it was fitted on."""

    tokens: int
    low: int
    high: int
    exact: bool = True
    low_confidence: bool = False

    @classmethod
    def of(cls, n: int) -> Count:
        return cls(n, n, n, True)

    def minus(self, n: int) -> Count:
        """This count less `n` tokens (never below zero)."""
        return Count(max(self.tokens - n, 0), max(self.low - n, 0), max(self.high - n, 0), self.exact, self.low_confidence)


@dataclass(frozen=True)
class OutputBasis:
    """Output tokens per call (`tokens`, with `low` / `high` when pooled) and their source
    (estimating.output chooses it)."""

    kind: str  # given | history | pooled | max_tokens | none
    tokens: int
    low: int
    high: int
    stat: str | None = None
    calls: int = 0
    model: str | None = None  # whose calls (for pooled: the models pooled, comma-separated)
    first: str | None = None
    last: str | None = None
    capped_at: int | None = None  # the payload's max_tokens, when it cut the figure
    note: str | None = None

    @property
    def ranged(self) -> bool:
        return self.low != self.high

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": self.kind, "stat": self.stat, "calls": self.calls, "model": self.model}
        if self.kind in ("history", "pooled"):
            doc.update({"from": self.first, "to": self.last, "capped_at_max_tokens": self.capped_at})
        if self.ranged:
            doc.update({"tokens_low": self.low, "tokens_high": self.high})
        return doc


@dataclass
class Estimate:
    """A priced estimate: the point breakdown, and low/high breakdowns when counts are estimated."""

    model: ModelPrice
    scenario: Scenario
    token_source: str
    method: str
    prompt: Count  # input tokens of one request (what count_tokens returns)
    output_tokens: int  # per request
    usage: Usage  # all requests together
    breakdown: Breakdown
    # the costliest single call among `requests` (the cold one, with --repeat and a cold cache):
    # required, so that no code path can leave a silent $0 for the per-request budget gate
    costliest_call: Decimal
    requests: int = 1
    low: Breakdown | None = None
    high: Breakdown | None = None
    output_upper_bound: bool = False
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)  # how it was counted, for stderr
    costliest_call_high: Decimal | None = None
    per: str | None = None  # `requests` calls per this period (see PERIOD_DAYS)
    count_method: str = "manual"  # count_tokens | ctok | fitted | manual | converted
    projection: tuple[tuple[str, Decimal, Decimal | None], ...] = ()  # (period, total, high total)
    output_basis: OutputBasis | None = None  # where output_tokens came from
    output_band: tuple[int, int, Decimal, Decimal] | None = None  # with mean: p5/p95 total output of the calls, and their totals
    price_table: tuple[str, date] | None = None  # (source, as_of) of the table that priced it


#: Allowed values of the scenario's named choices (the flag names users see).
CHOICES: dict[str, tuple[str, ...]] = {
    "cache": ("cold", "warm", "off"),
    "per": ("hour", "day", "week", "month"),
    "geo": ("us", "global"),
    "speed": ("standard", "fast"),
    "platform": ("api", "bedrock", "vertex", "foundry"),
    "endpoint": ("global", "regional"),
}


@dataclass(frozen=True)
class Assumptions:
    """The pricing scenario as the user states it — the what-ifs, apart from how tokens are
    counted. None means: take it from the payload, else the default.

    cache: cold (the first call writes) | warm (the prefix is read) | off; repeat: identical calls
    (1 cold + N-1 warm); per: the calls happen once per this period (projections); output_tokens
    and web_searches per call; code-execution and session hours for the whole run; batch, geo
    (inference_geo), speed, platform and endpoint; day: prices as billed on that day.
    """

    cache: str = "cold"
    repeat: int = 1
    per: str | None = None
    output_tokens: int | None = None
    web_searches: int | None = None
    code_execution_hours: Decimal = Decimal(0)
    session_hours: Decimal = Decimal(0)
    batch: bool | None = None
    geo: str | None = None
    speed: str | None = None
    platform: str | None = None
    endpoint: str | None = None
    day: date | None = None
    output_stat: str | None = None  # p50 | p90 | p95 | p99 | mean of `history`, instead of a number
    history: Any = None  # core.history.History: recorded output counts per model

    def __post_init__(self) -> None:
        from claude_cost.core.errors import InputError

        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise InputError(f"--{name} must be one of {', '.join(allowed)}, not {value!r}")
        if not isinstance(self.repeat, int) or self.repeat < 1:
            raise InputError("--repeat must be at least 1")
        if self.output_stat is not None:
            from claude_cost.core.history import STATS

            if self.output_stat not in STATS:
                raise InputError(f"--output-tokens takes a number or one of {', '.join(STATS)}, not {self.output_stat!r}")
            if self.history is None:
                raise InputError(f"--output-tokens {self.output_stat} needs recorded calls to take it from",
                                 hint="add --history FILE (a profile from `claude-cost history -o`, or usage logs), or give a number")  # fmt: skip
