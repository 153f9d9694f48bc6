"""The pricing engine, checked against numbers worked out by hand from the pricing page's rates.

Rates used (USD per MTok): Opus 4.7/4.6/5 $5 in / $25 out; Sonnet 4.6 / 4.5 $3 / $15; Haiku 5.5
$0.10 / $0.50 (5x above 100K); Opus 4.6 above 200K until 2026-03-13 $10 / $37.50; cache writes
1.25x (5m) and 2x (1h), cache reads 0.1x; batch 50%; US residency 1.1x; fast Opus 5 $10 / $50,
Opus 4.6 $30 / $150 until 2026-06-29.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from claude_cost.core import pricing
from claude_cost.core.errors import ScenarioError
from claude_cost.core.models import Scenario, Usage
from claude_cost.core.prices import resolve

DAY = date(2026, 11, 1)
M = 1_000_000


def bill(table, model, usage, **scenario):
    sc = Scenario(day=scenario.pop("day", DAY), **scenario)
    return pricing.price(usage, resolve(table, model).model, sc, table.fees)


def lines(breakdown):
    return {line.item: line.usd for line in breakdown.lines}


def test_pricing_page_example_opus_47(table):
    b = bill(table, "opus-4.7", Usage(input=200_000, output=20_000))
    assert lines(b) == {"input": D("1.00"), "output": D("0.50")}
    assert b.total == D("1.50")


def test_managed_agents_session_examples(table):
    b = bill(table, "opus-4.7", Usage(input=50_000, output=15_000, session_hours=D(1)))
    assert b.total == D("0.705")
    b = bill(table, "opus-4.7", Usage(input=10_000, cache_read=40_000, output=15_000, session_hours=D(1)))
    assert b.total == D("0.525")


def test_cache_multipliers_apply_to_base_input(table):
    # Sonnet 4.6 $3: 5m write 3.75, 1h write 6, read 0.30 per MTok
    b = bill(table, "sonnet-4.6", Usage(cache_write_5m=M, cache_write_1h=M, cache_read=M))
    assert lines(b) == {"input": D(0), "cache_write_5m": D("3.75"), "cache_write_1h": D(6), "cache_read": D("0.3"), "output": D(0)}


def test_batch_stacks_with_caching(table):
    # 50% of each: 5m write 1.25 * 0.5 * 3 = 1.875; 1h 3; read 0.15; input 1.5; output 7.5
    b = bill(table, "sonnet-4.6", Usage(input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M), batch=True)
    assert lines(b) == {
        "input": D("1.5"),
        "cache_write_5m": D("1.875"),
        "cache_write_1h": D("3"),
        "cache_read": D("0.15"),
        "output": D("7.5"),
    }


def test_residency_multiplies_every_token_class(table):
    b = bill(table, "opus-4.7", Usage(input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M), geo="us")
    assert lines(b) == {
        "input": D("5.5"),
        "cache_write_5m": D("6.875"),
        "cache_write_1h": D("11"),
        "cache_read": D("0.55"),
        "output": D("27.5"),
    }


def test_residency_does_not_multiply_web_search_fees(table):
    b = bill(table, "opus-4.7", Usage(web_searches=3), geo="us")
    assert lines(b)["web_searches"] == D("0.03")


def test_global_geo_is_standard_price(table):
    assert bill(table, "opus-4.7", Usage(input=M), geo="global").total == D(5)


def test_fast_mode_replaces_rates_and_caching_and_residency_stack(table):
    # Opus 5 fast $10/$50: 5m write 12.5, read 1.0; all x1.1 with us residency
    b = bill(table, "opus-5", Usage(input=M, cache_write_5m=M, cache_read=M, output=M), speed="fast", geo="us")
    assert lines(b) == {"input": D("11"), "cache_write_5m": D("13.75"), "cache_read": D("1.1"), "output": D("55")}


def test_fast_mode_keeps_a_models_own_cache_read_multiplier(table):
    # Opus 5.5 reads at 0.05x: fast $8 input -> read $0.40 (genai-prices lists the same)
    b = bill(table, "opus-5.5", Usage(cache_read=M), speed="fast")
    assert lines(b)["cache_read"] == D("0.4")


def test_fast_with_batch_is_an_error(table):
    with pytest.raises(ScenarioError, match="Batch"):
        bill(table, "opus-5", Usage(input=1), speed="fast", batch=True)


def test_fast_on_model_without_it_is_an_error(table):
    with pytest.raises(ScenarioError, match="fast mode is not available"):
        bill(table, "sonnet-4.6", Usage(input=1), speed="fast")


def test_us_residency_on_older_model_is_an_error(table):
    with pytest.raises(ScenarioError, match="inference_geo"):
        bill(table, "opus-4.5", Usage(input=1), geo="us")


def test_tier_below_threshold_uses_base_rates(table):
    # Haiku 5.5: exactly 100,000 input is not above the threshold
    b = bill(table, "haiku-5.5", Usage(input=90_000, cache_read=10_000, output=1_000))
    assert b.total == D("0.009") + D("0.0001") + D("0.0005")


def test_tier_chosen_by_total_input_including_cache_and_applied_to_all_tokens(table):
    # 90,001 uncached + 10,000 cache read = 100,001 > 100,000: every class at 5x, output too
    b = bill(table, "haiku-5.5", Usage(input=90_001, cache_read=10_000, output=1_000))
    assert lines(b) == {"input": D("0.0450005"), "cache_read": D("0.0005"), "output": D("0.0025")}
    assert any("long-context" in a for a in b.applied)


def test_tier_with_batch(table):
    # above the tier in batch: $0.25 in / $1.25 out
    b = bill(table, "haiku-5.5", Usage(input=200_000, output=100_000), batch=True)
    assert lines(b) == {"input": D("0.05"), "output": D("0.125")}


def test_long_context_premium_before_and_after_ga(table):
    usage = Usage(input=250_000, output=10_000)
    before = bill(table, "opus-4.6", usage, day=date(2026, 3, 12))
    assert lines(before) == {"input": D("2.5"), "output": D("0.375")}  # $10 / $37.50
    after = bill(table, "opus-4.6", usage, day=date(2026, 3, 13))
    assert lines(after) == {"input": D("1.25"), "output": D("0.25")}  # $5 / $25


def test_long_context_residency_stacks_on_tier(table):
    b = bill(table, "opus-4.6", Usage(input=150_000, cache_read=60_000, output=1_000), day=date(2026, 3, 1), geo="us")
    assert lines(b) == {"input": D("1.65"), "cache_read": D("0.066"), "output": D("0.04125")}


def test_fast_mode_price_change_over_time(table):
    during = bill(table, "opus-4.6", Usage(input=M), speed="fast", day=date(2026, 3, 1))
    assert during.total == D(30)
    after = bill(table, "opus-4.6", Usage(input=M), speed="fast", day=date(2026, 7, 1))
    assert after.total == D(5)
    assert any("removed" in a for a in after.applied)
    with pytest.raises(ScenarioError):
        bill(table, "opus-4.6", Usage(input=M), speed="fast", day=date(2026, 1, 1))


def test_sonnet_45_premium_until_beta_retirement_then_window_error(table):
    b = bill(table, "sonnet-4.5", Usage(input=300_000), day=date(2026, 4, 1))
    assert b.total == D("1.8")  # $6
    model = resolve(table, "sonnet-4.5").model
    pricing.check_context_window(model, 300_000, date(2026, 4, 1))
    with pytest.raises(ScenarioError, match="context window"):
        pricing.check_context_window(model, 300_000, date(2026, 5, 1))


def test_regional_endpoint_premium(table):
    # Bedrock regional Sonnet 4.5: $3.30 / $16.50, read 0.33, 5m write 4.125, 1h 6.60 (fact sheet §11)
    r = resolve(table, "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (r.platform, r.endpoint) == ("bedrock", "regional")
    sc = Scenario(day=DAY, platform=r.platform, endpoint=r.endpoint)
    b = pricing.price(Usage(input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M), r.model, sc, table.fees)
    assert lines(b) == {
        "input": D("3.3"),
        "cache_write_5m": D("4.125"),
        "cache_write_1h": D("6.6"),
        "cache_read": D("0.33"),
        "output": D("16.5"),
    }
    # Sonnet 4 keeps its old pricing on regional endpoints
    assert bill(table, "sonnet-4", Usage(input=M), platform="bedrock", endpoint="regional", day=date(2026, 6, 1)).total == D(3)
    # global endpoints: no premium
    assert bill(table, "sonnet-4.5", Usage(input=M), platform="bedrock", endpoint="global").total == D(3)


def test_non_token_fees(table):
    b = bill(table, "sonnet-4.6", Usage(web_searches=250, code_execution_hours=D("2.5"), session_hours=D("0.5")), batch=True)
    assert lines(b)["web_searches"] == D("2.5")  # $10 per 1,000, not halved in batch
    assert lines(b)["code_execution"] == D("0.125")
    assert lines(b)["session"] == D("0.04")


def test_history_changes_scalars(table):
    model = resolve(table, "opus-4.7").model
    assert pricing.effective_model(model, date(2026, 5, 27)).min_cacheable == 4096
    assert pricing.effective_model(model, date(2026, 5, 28)).min_cacheable == 2048


def test_price_requests_prices_each_request_on_its_own(table):
    # two requests of 60K on Haiku 5.5: each below 100K, so base rates (a sum of 120K would be 5x)
    model = resolve(table, "haiku-5.5").model
    b = pricing.price_requests([(Usage(input=60_000), 2)], model, Scenario(day=DAY), table.fees)
    assert b.total == D("0.012")


def test_cache_split_cold_warm_off_and_mixed_ttl():
    prefixes = [(3000, "1h", "system[0]"), (5000, "5m", "messages[0]")]
    cold, _ = pricing.cache_split(8000, prefixes, "cold", 1024)
    assert cold == {"cache_write_1h": 3000, "cache_write_5m": 2000, "input": 3000}
    warm, _ = pricing.cache_split(8000, prefixes, "warm", 1024)
    assert warm == {"cache_read": 5000, "input": 3000}
    off, _ = pricing.cache_split(8000, prefixes, "off", 1024)
    assert off == {"input": 8000}


def test_cache_split_below_minimum_is_uncached():
    split, notes = pricing.cache_split(5000, [(900, "5m", "system[0]"), (4000, "5m", "messages[0]")], "cold", 1024)
    assert split == {"cache_write_1h": 0, "cache_write_5m": 4000, "input": 1000}
    assert "below" in notes[0]
    split, notes = pricing.cache_split(5000, [(900, "5m", "system[0]")], "cold", 1024)
    assert split == {"input": 5000}


def test_rates_memo_never_crosses_price_tables(table):
    """Two tables in one process (e.g. a user price file merged over the bundled one) with the
    same model id at different rates: each is priced at its own rates, in any order, repeatedly."""
    from dataclasses import replace

    from claude_cost.core.models import Rates

    sonnet = resolve(table, "sonnet-4.6").model  # $3 / $15
    cheaper = replace(sonnet, rates=Rates(D("1"), D("5"), D("1.25"), D("2"), D("0.1")))
    sc = Scenario(day=DAY)
    usage = Usage(input=1_000_000, output=1_000_000)
    for _ in range(3):
        assert pricing.price(usage, sonnet, sc, table.fees).total == D("18")
        assert pricing.price(usage, cheaper, sc, table.fees).total == D("6")
    # and per tier: Haiku 5.5 input $0.10/MTok, $0.50 (5x) for a request above 100K tokens
    haiku = resolve(table, "claude-haiku-5-5").model
    assert pricing.price(Usage(input=100_000), haiku, sc, table.fees).total == D("0.01")
    assert pricing.price(Usage(input=100_001), haiku, sc, table.fees).total == D("0.0500005")  # 100,001 x $0.50 / 1M
    assert pricing.price(Usage(input=100_000), haiku, sc, table.fees).total == D("0.01")


def test_batch_is_named_as_a_plain_percentage(table):
    b = bill(table, "sonnet-4.6", Usage(input=1_000_000, output=1_000_000), batch=True)
    assert b.total == D("9") and "batch 50%" in b.applied  # $1.50 + $7.50
