"""Output tokens from recorded traffic (issue 21): `claude-cost history`, profiles, and
`--output-tokens p50|p90|…|mean --history` on estimate, compare, check and diff. Percentiles
are nearest-rank, worked out by hand: sort the N values, take the one at rank ⌈p/100 · N⌉."""

from __future__ import annotations

import json
import random
import sys
from decimal import Decimal

import pytest

SONNET, HAIKU, OPUS47 = "claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-7"


def logs(tmp_path, rows, name="calls.jsonl"):
    """A JSONL log of API responses: (model, output_tokens[, stop_reason[, timestamp]]) per row."""
    lines = []
    for i, row in enumerate(rows):
        model, out = row[0], row[1]
        doc = {"type": "message", "model": model, "usage": {"input_tokens": 1000, "output_tokens": out},
               "timestamp": row[3] if len(row) > 3 else f"2026-11-{1 + i % 28:02d}T10:00:00Z"}  # fmt: skip
        if len(row) > 2 and row[2] is not None:
            doc["stop_reason"] = row[2]
        lines.append(json.dumps(doc))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def stats(doc, model):
    return next(m for m in doc["models"] if m["model"] == model)


def test_percentiles_by_hand_odd_even_ties_and_one(cli, tmp_path):
    path = logs(tmp_path, [(SONNET, v) for v in (50, 10, 40, 20, 30)]  # odd N = 5
                + [(HAIKU, v) for v in (5, 1, 9, 3)]  # even N = 4
                + [(OPUS47, v) for v in (7, 2, 7, 7)]  # ties
                + [("claude-opus-4-8", 42)])  # fmt: skip
    doc = cli.json("history", path)
    s = stats(doc, SONNET)["output_tokens"]  # sorted 10 20 30 40 50: ranks p10 ⌈0.5⌉=1, p50 ⌈2.5⌉=3, p90 ⌈4.5⌉=5
    assert (s["p10"], s["p50"], s["p90"], s["p95"], s["p99"], s["mean"], s["max"]) == (10, 30, 50, 50, 50, 30.0, 50)
    s = stats(doc, HAIKU)["output_tokens"]  # sorted 1 3 5 9: p10 rank 1, p50 rank 2, p90 ⌈3.6⌉ = 4; mean 4.5
    assert (s["p10"], s["p50"], s["p90"], s["mean"]) == (1, 3, 9, 4.5)
    s = stats(doc, OPUS47)["output_tokens"]  # sorted 2 7 7 7: p10 rank 1 = 2, p50 rank 2 = 7
    assert (s["p10"], s["p50"], s["p90"]) == (2, 7, 7)
    assert stats(doc, "claude-opus-4-8")["output_tokens"] == {"p10": 42, "p50": 42, "p90": 42, "p95": 42, "p99": 42, "mean": 42.0, "max": 42}
    assert [m["calls"] for m in doc["models"]] == [4, 4, 1, 5]
    assert doc["from"] == "2026-11-01T10:00:00" and doc["to"] == "2026-11-14T10:00:00"


def test_stopped_at_max_tokens_only_where_recorded(cli, tmp_path):
    path = logs(tmp_path, [(SONNET, 100, "end_turn"), (SONNET, 4096, "max_tokens"), (SONNET, 80, "tool_use"), (SONNET, 90, None),
                           (HAIKU, 10)])  # fmt: skip
    doc = cli.json("history", path)
    assert stats(doc, SONNET)["stopped_at_max_tokens"] == 0.3333 and stats(doc, SONNET)["stop_reason_recorded"] == 3
    assert stats(doc, HAIKU)["stopped_at_max_tokens"] is None


def test_bad_records_are_left_out_and_counted(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    good = {"model": SONNET, "usage": {"input_tokens": 10, "output_tokens": 200}}
    path.write_text("\n".join(json.dumps(d) for d in [
        good, {"model": SONNET, "usage": {"input_tokens": 10, "output_tokens": -3}},
        {"model": SONNET, "usage": {"input_tokens": 10, "output_tokens": 2.5}},
        {"model": SONNET, "usage": {"input_tokens": 10, "output_tokens": 5_000_000}},  # more than a 1M window
        {"model": "claude-nonexistent-9", "usage": {"input_tokens": 10, "output_tokens": 7}},
    ]) + "\nnot json\n")  # fmt: skip
    r = cli("history", path, "--json")
    doc = json.loads(r.stdout)
    assert [m["calls"] for m in doc["models"]] == [1] and doc["unread_count"] == 5
    reasons = " | ".join(u["reason"] for u in doc["unread"])
    assert "got -3" in reasons and "got 2.5" in reasons and "more than the model can write" in reasons and "unknown model" in reasons
    assert "5 record(s) left out of the history" in r.stderr
    # nothing usable: the estimate falls back, with a note, not an error
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"model": SONNET, "usage": {"input_tokens": 1, "output_tokens": -1}}) + "\n")
    doc = cli.json("estimate", "--model", SONNET, "--input-tokens", "1000", "--output-tokens", "p90", "--history", empty)
    assert doc["output_basis"]["kind"] == "none" and "no usable calls" in doc["notes"][0]


def payload(tmp_path, model=SONNET, max_tokens=4096):
    path = tmp_path / "req.json"
    path.write_text(json.dumps({"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": "Triage this ticket."}]}))
    return path


def test_estimate_fallback_kinds_and_the_max_tokens_cap(cli, tmp_path):
    hist = logs(tmp_path, [(SONNET, v) for v in range(100, 1100, 100)])  # 100 … 1000: p90 = rank 9 = 900, p50 = 500
    manual = ("estimate", "--model", SONNET, "--input-tokens", "1000")
    doc = cli.json(*manual, "--output-tokens", "p90", "--history", hist)
    assert doc["output_tokens"] == 900
    assert doc["output_basis"] == {"kind": "history", "stat": "p90", "calls": 10, "model": SONNET, "from": "2026-11-01T10:00:00",
                                   "to": "2026-11-10T10:00:00", "capped_at_max_tokens": None}  # fmt: skip
    assert Decimal(doc["total_usd"]) == Decimal("0.0165")  # 1,000 x $3 + 900 x $15
    assert "output p90 = 900 tokens, from 10 recorded calls of claude-sonnet-4-6, 2026-11-01 … 2026-11-10" in doc["notes"][0]
    assert cli.json(*manual, "--output-tokens", "mean", "--history", hist)["output_tokens"] == 550
    given = cli.json(*manual, "--output-tokens", "321")
    assert given["output_basis"]["kind"] == "given" and given["output_tokens"] == 321
    # a payload: its max_tokens caps the figure; without a history, max_tokens as before
    req = payload(tmp_path, max_tokens=600)
    doc = cli.json("estimate", req, "--count", "offline", "--output-tokens", "p90", "--history", hist)
    assert doc["output_tokens"] == 600 and doc["output_basis"]["capped_at_max_tokens"] == 600 and not doc["output_tokens_upper_bound"]
    doc = cli.json("estimate", req, "--count", "offline")
    assert doc["output_basis"]["kind"] == "max_tokens" and doc["output_tokens"] == 600 and doc["output_tokens_upper_bound"]
    # the table says where the number came from
    r = cli("estimate", req, "--count", "offline", "--output-tokens", "p50", "--history", hist)
    assert "output p50 = 500 tokens, from 10 recorded calls" in r.stdout


def test_pooled_is_converted_to_the_model_tokenizer_with_a_range(cli, tmp_path):
    # only Sonnet 4.6 (v3) calls: 100 … 1000. Opus 4.7 (v4.7) gets them pooled and converted,
    # x1.30 (range x1.00–x1.47): p90 = 900 → 1,170 (900–1,323)
    hist = logs(tmp_path, [(SONNET, v) for v in range(100, 1100, 100)])
    doc = cli.json("estimate", "--model", OPUS47, "--input-tokens", "1000", "--output-tokens", "p90", "--history", hist)
    assert doc["output_tokens"] == 1170
    basis = doc["output_basis"]
    assert (basis["kind"], basis["stat"], basis["calls"], basis["model"]) == ("pooled", "p90", 10, SONNET)
    assert (basis["tokens_low"], basis["tokens_high"]) == (900, 1323)
    # Opus 4.7 $5 / $25: 1,000 x 5 + 1,170 x 25 = 34,250; low 27,500; high 38,075 (per million)
    assert (Decimal(doc["total_usd"]), Decimal(doc["total_usd_low"]), Decimal(doc["total_usd_high"])) == (
        Decimal("0.03425"), Decimal("0.0275"), Decimal("0.038075"))
    assert "pooled from 10 recorded calls of claude-sonnet-4-6 (none of claude-opus-4-7), converted to its v4.7 tokenizer" in doc["notes"][0]
    # a budget gates the high end, as for any range
    cli("estimate", "--model", OPUS47, "--input-tokens", "1000", "--output-tokens", "p90", "--history", hist, "--budget", "0.035", code=1)


def test_compare_rows_each_with_their_own_model(cli, tmp_path):
    hist = logs(tmp_path, [(SONNET, v) for v in range(100, 1100, 100)] + [(HAIKU, v) for v in (40, 60, 80)])
    doc = cli.json("compare", payload(tmp_path), "--count", "offline", "--models", f"{SONNET},{HAIKU},{OPUS47}",
                   "--output-tokens", "p90", "--history", hist)  # fmt: skip
    rows = {r["model"]: r for r in doc["rows"]}
    assert rows[SONNET]["output_tokens"] == 900 and rows[SONNET]["output_basis"]["kind"] == "history"
    assert rows[HAIKU]["output_tokens"] == 80 and rows[HAIKU]["output_basis"]["model"] == HAIKU
    # Opus 4.7 has none: all 13 calls pooled, converted x1.30: sorted 52 78 104 130 … 1300; p90 = rank ⌈11.7⌉ = 12 → 1,170
    assert rows[OPUS47]["output_basis"]["kind"] == "pooled" and rows[OPUS47]["output_basis"]["calls"] == 13
    assert rows[OPUS47]["output_tokens"] == 1170
    # manual counts too
    doc = cli.json("compare", "--models", f"{SONNET},{HAIKU}", "--input-tokens", "1000", "--output-tokens", "p50", "--history", hist)
    assert {r["model"]: r["output_tokens"] for r in doc["rows"]} == {SONNET: 500, HAIKU: 60}


def test_profile_round_trip_and_its_size(cli, tmp_path):
    rng = random.Random(21)
    rows = [(SONNET, int(rng.lognormvariate(6, 0.8))) for _ in range(20_000)] + [(HAIKU, rng.randrange(1, 300)) for _ in range(500)]
    hist = logs(tmp_path, rows)
    prof = tmp_path / "profile.json"
    r = cli("history", hist, "-o", prof)
    assert "wrote" in r.stderr and prof.stat().st_size < 60_000
    for stat in ("p50", "p90", "p95", "p99", "mean"):
        from_logs = cli.json("estimate", "--model", SONNET, "--input-tokens", "10", "--output-tokens", stat, "--history", hist)
        from_prof = cli.json("estimate", "--model", SONNET, "--input-tokens", "10", "--output-tokens", stat, "--history", prof)
        assert from_logs["output_tokens"] == from_prof["output_tokens"]
        assert from_logs["output_basis"] == from_prof["output_basis"]
    assert json.loads(prof.read_text())["models"][SONNET]["calls"] == 20_000
    # two histories merge
    more = logs(tmp_path, [(SONNET, 1)] * 5, name="more.jsonl")
    doc = cli.json("estimate", "--model", SONNET, "--input-tokens", "10", "--output-tokens", "p50", "--history", prof, "--history", more)
    assert doc["output_basis"]["calls"] == 20_005


@pytest.mark.parametrize(("content", "fault"), [
    ("{not json", "not valid JSON"),
    ('{"models": {}}', "not a claude-cost history profile"),
    ('[1, 2]', "not a claude-cost history profile"),
    ('{"claude_cost_profile": 9, "models": {}}', "written by a newer claude-cost (profile version 9"),
    ('{"claude_cost_profile": 1, "models": {"claude-sonnet-4-6": {"calls": 3, "histogram": {"values": [5, 1], "counts": [1, 1]}}}}',
     "calls is 3 but the histogram holds 2 calls"),
    ('{"claude_cost_profile": 1, "models": {"claude-sonnet-4-6": {"calls": 2, "histogram": {"values": [5, -1], "counts": [1, 1]}}}}',
     "must be a list of whole numbers >= 0"),
    ('{"claude_cost_profile": 1, "models": {"claude-sonnet-4-6": {"calls": 1}}}', "histogram missing"),
])  # fmt: skip
def test_corrupt_profiles_are_named_errors(cli, tmp_path, content, fault):
    prof = tmp_path / "p.json"
    prof.write_text(content)
    if '"claude_cost_profile"' not in content:  # read as a profile only when it says it is one: force it with the profile loader
        from claude_cost.core.errors import InputError
        from claude_cost.sources.profile import load_profile

        with pytest.raises(InputError) as exc:
            load_profile(str(prof))
        assert fault in str(exc.value) and str(prof) in str(exc.value)
        return
    r = cli("estimate", "--model", SONNET, "--input-tokens", "1", "--output-tokens", "p90", "--history", prof, code=2)
    assert fault in r.stderr and str(prof) in r.stderr and "Traceback" not in r.stderr


def test_a_statistic_needs_a_history(cli):
    r = cli("estimate", "--model", SONNET, "--input-tokens", "1", "--output-tokens", "p90", code=2)
    assert "--output-tokens p90 needs recorded calls" in r.stderr and "--history" in r.stderr
    r = cli("estimate", "--model", SONNET, "--input-tokens", "1", "--output-tokens", "p42", code=2)
    assert "p50, p90, p95, p99, mean" in r.stderr


def test_repeat_at_the_mean_gives_a_p5_p95_band(cli, tmp_path):
    same = logs(tmp_path, [(SONNET, 200)] * 50, name="same.jsonl")
    doc = cli.json("estimate", "--model", SONNET, "--input-tokens", "1000", "--output-tokens", "mean", "--history", same, "--repeat", "40")
    band = doc["output_band"]  # every call answers 200: the band is exactly 40 x 200, priced as the total
    assert (band["output_tokens_p5"], band["output_tokens_p95"]) == (8000, 8000)
    assert band["total_usd_p5"] == band["total_usd_p95"] == doc["total_usd"]
    spread = logs(tmp_path, [(SONNET, v) for v in (100, 300)] * 50, name="spread.jsonl")  # mean 200, sigma 100
    doc = cli.json("estimate", "--model", SONNET, "--input-tokens", "1000", "--output-tokens", "mean", "--history", spread, "--repeat", "100")
    band = doc["output_band"]
    # normal approximation: 100 x 200 ± 1.6449 x 100 x √100 = 20,000 ± 1,645
    assert (band["output_tokens_p5"], band["output_tokens_p95"]) == (18355, 21645)
    # the total at p95 is the mean's plus 1,645 output tokens at $15 / MTok
    assert Decimal(band["total_usd_p95"]) - Decimal(doc["total_usd"]) == Decimal("0.024675")
    small = cli.json("estimate", "--model", SONNET, "--input-tokens", "1000", "--output-tokens", "mean", "--history", spread, "--repeat", "4")
    lo, hi = small["output_band"]["output_tokens_p5"], small["output_band"]["output_tokens_p95"]
    assert 400 <= lo < 800 < hi <= 1200  # 4 calls of 100 or 300 (resampled): 400 … 1,200


def test_check_config_history_and_a_statistic(cli, tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.json").write_text(json.dumps({"model": SONNET, "max_tokens": 4096,
                                                              "messages": [{"role": "user", "content": "hello"}]}))  # fmt: skip
    logs(tmp_path, [(SONNET, v) for v in range(100, 1100, 100)], name="calls.jsonl")
    cfg = tmp_path / "claude-cost.toml"
    cfg.write_text('count = "offline"\noutput-tokens = "p90"\nhistory = "calls.jsonl"\n'
                   '[[budget]]\nfiles = ["prompts/*.json"]\nper-request = 0.0136\n')  # fmt: skip
    doc = cli.json("check", "--config", cfg, code=None)
    (budget,) = doc["budgets"]
    # 900 output tokens at $15 = 0.0135 plus a few input tokens: under 0.0136 (max_tokens 4,096 would be 0.0614)
    assert budget["ok"], budget
    cfg.write_text('count = "offline"\noutput-tokens = "p91"\n[[budget]]\nfiles = ["prompts/*.json"]\ntotal = 1\n')
    r = cli("check", "--config", cfg, code=2)
    assert "output-tokens: must be a number of tokens or one of p50" in r.stderr


def test_diff_takes_a_history(cli, tmp_path):
    hist = logs(tmp_path, [(SONNET, v) for v in range(100, 1100, 100)])
    a = payload(tmp_path)
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"model": HAIKU, "max_tokens": 4096, "messages": [{"role": "user", "content": "Triage this ticket."}]}))
    doc = cli.json("diff", a, b, "--count", "offline", "--output-tokens", "p90", "--history", hist)
    out = {r["item"]: r for r in doc["lines"]}["output"]
    # Sonnet 4.6: 900 x $15; Haiku 4.5 (none recorded: pooled, same v3 tokenizer, 900) x $5
    assert Decimal(out["before_usd"]) == Decimal("0.0135") and Decimal(out["after_usd"]) == Decimal("0.0045")


def test_backtest_on_a_known_distribution(cli, tmp_path):
    rng = random.Random(7)
    rows = [(SONNET, rng.randrange(1, 1001), None, f"2026-{1 + i // 2000:02d}-{1 + (i // 80) % 25:02d}T{(i // 4) % 20:02d}:{i % 60:02d}:00Z")
            for i in range(10_000)]  # fmt: skip
    doc = cli.json("history", logs(tmp_path, rows), "--backtest")
    (row,) = doc["models"]
    assert row["train_calls"] == 8000 and row["test_calls"] == 2000
    # uniform 1 … 1000, learned from 8,000 draws: p90 ≈ 900 and it covers ≈ 90% of new draws
    assert 880 <= row["p90"] <= 920 and 0.87 <= row["p90_covered"] <= 0.93
    # every call costs 1,000 x $3 + out x $15; with p50 ≈ 500 the median error of that cost is
    # about |500 - out| x 15 / (3000 + 15 out) at the median |500 - out| ≈ 250: ≈ 0.3
    assert 0.2 <= row["p50_cost_error_median"] <= 0.4
    r = cli("history", logs(tmp_path, rows), "--backtest")
    assert "p90 covered" in r.stdout


def test_the_manual_path_imports_no_history_code():
    import subprocess

    code = ("import sys; from claude_cost.cli import main; sys.argv = ['claude-cost', 'estimate', '--model', 'opus-4.7', "
            "'--input-tokens', '100', '--output-tokens', '10']\ntry: main()\nexcept SystemExit: pass\n"
            "bad = [m for m in ('claude_cost.engines.history', 'claude_cost.core.history', 'claude_cost.sources.profile', "
            "'claude_cost.estimating.output', 'anthropic', 'ctok', 'duckdb') if m in sys.modules]\n"
            "print('LOADED', bad)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out, out
