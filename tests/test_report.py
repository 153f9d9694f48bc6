"""report: the Admin usage report priced with our table, next to the cost report (paged)."""

from __future__ import annotations

import pytest
from admin_standin import ADMIN_KEY, AdminStandIn

USAGE = [
    {"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [
        {"uncached_input_tokens": 1_000_000, "output_tokens": 100_000, "cache_read_input_tokens": 0,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "server_tool_use": {"web_search_requests": 0}, "model": "claude-sonnet-4-6", "service_tier": "standard",
         "context_window": "0-200k", "inference_geo": "global", "speed": None}]},
    {"starting_at": "2026-11-02T00:00:00Z", "ending_at": "2026-11-03T00:00:00Z", "results": [
        {"uncached_input_tokens": 1_000_000, "output_tokens": 0, "cache_read_input_tokens": 1_000_000,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "server_tool_use": {"web_search_requests": 0}, "model": "claude-sonnet-4-6", "service_tier": "batch",
         "context_window": "0-200k", "inference_geo": "global", "speed": None},
        {"uncached_input_tokens": 100_000, "output_tokens": 0, "cache_read_input_tokens": 0,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "server_tool_use": {"web_search_requests": 2}, "model": "claude-opus-4-7", "service_tier": "standard",
         "context_window": "0-200k", "inference_geo": "us", "speed": None}]},
]  # fmt: skip
COST = [
    {"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [
        {"amount": "300.00", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-6", "token_type": "uncached_input_tokens"},
        {"amount": "150.00", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-6", "token_type": "output_tokens"}]},
    {"starting_at": "2026-11-02T00:00:00Z", "ending_at": "2026-11-03T00:00:00Z", "results": [
        {"amount": "200.00", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-6", "token_type": "uncached_input_tokens"},
        {"amount": "57", "currency": "USD", "cost_type": "tokens", "model": "claude-opus-4-7", "token_type": "uncached_input_tokens"},
        {"amount": "2.5", "currency": "USD", "cost_type": "web_search", "model": None}]},
]  # fmt: skip


@pytest.fixture
def admin(monkeypatch):
    with AdminStandIn(USAGE, COST) as server:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def test_report_prices_usage_and_sets_it_next_to_the_bill(cli, admin):
    doc = cli.json("report", "--from", "2026-11-01", "--to", "2026-11-02")
    rows = {(r["day"], r["model"]): r for r in doc["rows"]}
    # day 1: 1M x $3 + 100K x $15 = 4.50; billed 300 + 150 cents
    assert (rows[("2026-11-01", "claude-sonnet-4-6")]["ours_usd"], rows[("2026-11-01", "claude-sonnet-4-6")]["reported_usd"],
            rows[("2026-11-01", "claude-sonnet-4-6")]["diff_usd"]) == ("4.5", "4.5", "0")  # fmt: skip
    # day 2, batch: 1M x $1.50 + 1M read x $0.15 = 1.65; billed $2.00 -> -0.35 (-17.5%)
    r = rows[("2026-11-02", "claude-sonnet-4-6")]
    assert (r["ours_usd"], r["reported_usd"], r["diff_usd"], r["diff_pct"]) == ("1.65", "2", "-0.35", "-17.5")
    # Opus 4.7 in the US: 100K x $5.50 + 2 searches x $0.01 = 0.57; billed 57 cents
    assert rows[("2026-11-02", "claude-opus-4-7")]["ours_usd"] == "0.57" and rows[("2026-11-02", "claude-opus-4-7")]["diff_usd"] == "0"
    assert rows[("2026-11-02", "(web_search)")]["reported_usd"] == "0.025"
    # billed: 4.50 + 2.00 + 0.57 + 0.025 = 7.095
    assert (doc["ours_total_usd"], doc["reported_total_usd"], doc["diff_usd"]) == ("6.72", "7.095", "-0.375")


def test_report_follows_pages_and_sends_the_documented_query(cli, admin):
    cli.json("report", "--from", "2026-11-01", "--to", "2026-11-02")
    usage_calls = [q for p, q in admin.queries if p.endswith("/messages")]
    assert len(usage_calls) == 2 and usage_calls[1]["page"] == ["1"]
    assert set(usage_calls[0]["group_by[]"]) >= {"model", "service_tier", "inference_geo", "speed"}
    assert usage_calls[0]["starting_at"] == ["2026-11-01T00:00:00Z"] and usage_calls[0]["ending_at"] == ["2026-11-03T00:00:00Z"]
    assert len([p for p, _ in admin.queries if p.endswith("/cost_report")]) == 2


def test_report_errors_exit_3_without_the_key(cli, admin, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-wrong-key-555")
    r = cli("report", "--from", "2026-11-01", "--debug", code=3)
    assert "401 authentication_error" in r.stderr and "sk-ant-admin01-wrong-key-555" not in r.stderr + r.stdout
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    assert "ANTHROPIC_ADMIN_KEY" in cli("report", "--from", "2026-11-01", code=3).stderr


def test_report_bad_dates(cli, admin):
    assert "is not a date" in cli("report", "--from", "Nov 1", code=2).stderr
    assert "before --from" in cli("report", "--from", "2026-11-02", "--to", "2026-11-01", code=2).stderr


def test_report_formats(cli, admin):
    md = cli("report", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "markdown").stdout
    assert "| **Total** | | **$6.72** | **$7.095** | **-$0.375** |" in md
    assert cli("report", "--from", "2026-11-01", "--to", "2026-11-02", "-f", "csv").stdout.startswith("day,model,ours_usd")
    assert "Our pricing" in cli("report", "--from", "2026-11-01", "--to", "2026-11-02").stdout


def test_report_html_page(cli, admin, browser, tmp_path):
    from conftest import open_page

    out = tmp_path / "admin.html"
    cli("report", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "html", "-o", out)
    doc = cli.json("report", "--from", "2026-11-01", "--to", "2026-11-02")
    page, requests, errors = open_page(browser, out)
    page.wait_for_selector("body[data-drawn]", timeout=15000)
    assert errors == [] and len(requests) == 1
    assert page.get_attribute("#total", "data-total-usd") == doc["ours_total_usd"] == "6.72"
    assert "claude-opus-4-7" in page.text_content("main") and "(web_search)" in page.text_content("main")
    # our pricing stacked per model, and the bill as a line: 2 days
    assert page.evaluate("document.getElementById('chart-spend').data.map(t => t.x.length)") == [2, 2, 2, 2]
    page.close()
