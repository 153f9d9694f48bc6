"""The price table as rows of whole picodollars, for the SQL back ends.

Pure. Nothing here is a pricing rule: every row is what `pricing.token_rates` (the one place the
rules live) answers for one model, price period, batch / residency / speed choice and
long-context band. A SQL engine then only looks a usage row's rates up and multiplies whole
numbers, so Python and SQL agree to the last digit by construction (and tests prove it).

Why integers: a rate in USD per million tokens is a whole number of picodollars (1e-12 USD) per
token for every published price and multiplier — $5/MTok = 5,000,000 pico per token; x1.25, x2,
x0.1, x0.5, x1.1 keep it whole. A row's cost is then an integer sum of tokens x price, and only
the final division by 1e12 makes a decimal. Engines that keep decimals in between lose digits
quietly (DuckDB turns decimal division into DOUBLE, Spark rounds to 6 places by default,
ClickHouse keeps the left scale in division; issue #16). A rate that is not a whole number of
picodollars is refused with its model and key, never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError, PriceTableError
from claude_cost.core.models import TOKEN_CLASSES, ModelPrice, PriceTable, Scenario

__all__ = ["RateRow", "rate_rows", "platform_key", "split_key", "pico_per_token", "PICO", "FIRST_DAY", "LAST_DAY", "NO_LIMIT"]

PICO = 10**12  # picodollars per dollar
PICO_PER_MTOK = Decimal(PICO) / Decimal(1_000_000)  # $1/MTok = 1,000,000 pico per token
FIRST_DAY = date(1, 1, 1)  # valid_from of a model's first period
LAST_DAY = date(9999, 12, 31)  # valid_until of its last period (exclusive)
NO_LIMIT = 10**18  # tier_upto of the top long-context band (fits BIGINT)


@dataclass(frozen=True)
class RateRow:
    """Whole picodollars per token (per search for web_search) for usage rows of `model` dated
    in [valid_from, valid_until), with these choices, whose prompt (input + cache writes + cache
    reads) is in (tier_above, tier_upto]."""

    model: str
    valid_from: date
    valid_until: date
    batch: bool
    geo_us: bool
    fast: bool
    tier_above: int
    tier_upto: int
    input: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    output: int
    web_search: int

    def get(self, token_class: str) -> int:
        return int(getattr(self, token_class))


def pico_per_token(rate_per_mtok: Decimal, where: str) -> int:
    """USD per million tokens as whole picodollars per token; refused (naming `where`) when the
    rate has more than 6 decimals, which no SQL back end could then price exactly."""
    value = rate_per_mtok * PICO_PER_MTOK
    if value != value.to_integral_value():
        raise PriceTableError(
            f"{where}: {rate_per_mtok} USD/MTok is not a whole number of picodollars per token",
            hint="the SQL engines price in whole picodollars; use at most 6 decimals, or --engine python",
        )
    return int(value)


def _periods(model: ModelPrice, today: date) -> list[tuple[date, date, date]]:
    """(valid_from, valid_until, a day inside) for each price period of `model`."""
    bounds = pricing.period_bounds(model)
    if not bounds:
        return [(FIRST_DAY, LAST_DAY, today)]
    periods = [(FIRST_DAY, bounds[0], bounds[0] - timedelta(days=1))]
    periods += [(a, b, a) for a, b in zip(bounds, bounds[1:])]
    periods.append((bounds[-1], LAST_DAY, bounds[-1]))
    return periods


def platform_key(model_id: str, platform: str, endpoint: str) -> str:
    """The `model` of the rate rows of `model_id` served on a platform other than the Claude
    API (a Bedrock or Google Cloud id names it): `claude-sonnet-4-5|bedrock|regional`."""
    return f"{model_id}|{platform}|{endpoint}"


def split_key(key: str) -> tuple[str, str, str]:
    """(model id, platform, endpoint) of a rate row's `model`."""
    model_id, _, rest = key.partition("|")
    platform, _, endpoint = rest.partition("|")
    return model_id, platform or "api", endpoint or "global"


def rate_rows(table: PriceTable, platforms: tuple[tuple[str, str], ...] = ()) -> list[RateRow]:
    """Every rate row of `table`: model x price period x batch x residency x speed x long-context
    band. Combinations the rules refuse (fast mode with batch, fast mode outside its period)
    have no row, so a SQL engine leaves such usage unpriced, as the Python engine does.
    Residency on a model without it prices as without it (the usage engine's rule: such records
    were not billed the 1.1x; the API refuses the request). `platforms`: (platform, endpoint)
    pairs whose rows are added too, under `platform_key` names (fact sheet §11: a regional
    Bedrock or Google Cloud endpoint +10%; fast mode and residency refused there)."""
    key = (id(table), platforms)
    held = _ROWS.get(key)
    if held is not None and held[0] is table:
        return held[1]
    rows = _rate_rows(table, platforms)
    _ROWS.clear()
    _ROWS[key] = (table, rows)
    return rows


_ROWS: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[PriceTable, list[RateRow]]] = {}  # the last table's rows (an engine asks twice per run)


def _rate_rows(table: PriceTable, platforms: tuple[tuple[str, str], ...]) -> list[RateRow]:
    rows: list[RateRow] = []
    web = table.fees.web_search_per_1000 / 1000 * PICO
    if web != web.to_integral_value():
        raise PriceTableError(f"fees.web_search_per_1000 = {table.fees.web_search_per_1000} is not a whole number of picodollars per search")
    for model, platform, endpoint in [(m, p, e) for p, e in (("api", "global"), *platforms) for m in table.models.values()]:
        name = model.id if platform == "api" else platform_key(model.id, platform, endpoint)
        for start, until, inside in _periods(model, table.as_of):
            eff = pricing.effective_model(model, inside)
            thresholds = sorted(t.threshold for t in eff.long_context if t.active(inside))
            bands = list(zip([-1, *thresholds], [*thresholds, NO_LIMIT]))
            for batch in (False, True):
                for geo_us in (False, True):
                    for fast in (False, True):
                        scenario = Scenario(day=inside, batch=batch, geo="us" if geo_us and model.us_residency else None,
                                            speed="fast" if fast else "standard", platform=platform, endpoint=endpoint)  # fmt: skip
                        for above, upto in bands:
                            try:
                                rates, _ = pricing.token_rates(model, upto if upto != NO_LIMIT else above + 1, scenario, table.fees)
                            except ClaudeCostError:
                                continue
                            where = f"{name} ({start}..{until}, batch={batch}, us={geo_us}, fast={fast})"
                            per = {c: pico_per_token(rates.get(c), f"{where} {c}") for c in TOKEN_CLASSES}
                            rows.append(RateRow(name, start, until, batch, geo_us, fast, above, upto, web_search=int(web), **per))
    return rows
