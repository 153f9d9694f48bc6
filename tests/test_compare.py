"""compare: per-model counts, unpriceable rows with reasons, sorting, baseline diffs, what-if."""

from __future__ import annotations

import standin as si
from conftest import EXAMPLES, words, write_json


def payload(tmp_path, n=2000, **extra):
    return write_json(tmp_path, {"model": "claude-sonnet-4-6", "max_tokens": 4096,
                                 "messages": [{"role": "user", "content": words(n)}], **extra})  # fmt: skip


def rows(doc):
    return {r["model"]: r for r in doc["rows"]}


def test_each_model_is_counted_by_its_own_api_call(cli, standin, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "sonnet-4.6,opus-4.7,opus-5", "--output-tokens", "0")
    seen = sorted(body["model"] for body in standin.requests)
    assert seen == ["claude-opus-4-7", "claude-opus-5", "claude-sonnet-4-6"]
    by = rows(doc)
    for model_id in seen:
        body = next(b for b in standin.requests if b["model"] == model_id)
        assert by[model_id]["prompt_tokens"] == si.count(body)
    # the stand-in's tokenizers differ: 7 + 2000, 11 + 2700, 6 + 2700
    assert [by[m]["prompt_tokens"] for m in seen] == [2711, 2706, 2007]


def test_offline_counts_differ_by_family(cli, tmp_path):
    text = (EXAMPLES / "long-system-prompt.json").read_text()
    doc = cli.json("compare", "-", "--count", "offline", "--models", "sonnet-4.6,opus-4.7,opus-5", input=text)
    by = rows(doc)
    assert by["claude-opus-4-7"]["prompt_tokens"] > by["claude-sonnet-4-6"]["prompt_tokens"]
    assert by["claude-opus-5"]["prompt_tokens"] != by["claude-sonnet-4-6"]["prompt_tokens"]


def test_sorted_by_total_with_hand_worked_baseline_differences(cli, standin, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "opus-4.6,haiku-4.5,sonnet-4.6", "--output-tokens", "1000")
    assert [r["model"] for r in doc["rows"]] == ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6"]
    by = rows(doc)
    # 2,007 input + 1,000 output: sonnet 0.006021 + 0.015; haiku 0.002007 + 0.005; opus 0.010035 + 0.025
    assert by["claude-sonnet-4-6"]["total_usd"] == "0.021021" and by["claude-sonnet-4-6"]["diff_usd"] == "0"
    assert (by["claude-haiku-4-5"]["total_usd"], by["claude-haiku-4-5"]["diff_usd"], by["claude-haiku-4-5"]["diff_pct"]) == ("0.007007", "-0.014014", "-66.7")
    assert (by["claude-opus-4-6"]["diff_usd"], by["claude-opus-4-6"]["diff_pct"]) == ("0.014014", "66.7")
    assert doc["baseline"] == "claude-sonnet-4-6"


def test_baseline_flag(cli, standin, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "haiku-4.5,sonnet-4.6", "--baseline", "haiku-4.5", "--output-tokens", "1000")
    assert doc["baseline"] == "claude-haiku-4-5"
    assert (rows(doc)["claude-sonnet-4-6"]["diff_usd"], rows(doc)["claude-sonnet-4-6"]["diff_pct"]) == ("0.014014", "200.0")


def test_rows_that_cannot_be_priced_say_why(cli, standin, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "opus-5,sonnet-4.6", "--speed", "fast")
    by = rows(doc)
    assert by["claude-opus-5"]["priced"] is True
    assert by["claude-sonnet-4-6"]["priced"] is False and "fast mode is not available" in by["claude-sonnet-4-6"]["reason"]
    assert doc["rows"][-1]["model"] == "claude-sonnet-4-6"  # unpriced rows go last

    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "haiku-4.5,sonnet-4.6", "--geo", "us")
    assert "inference_geo" in rows(doc)["claude-haiku-4-5"]["reason"]


def test_context_window_row(cli, tmp_path):
    doc = cli.json("compare", payload(tmp_path, n=210_000), "--count", "offline", "--models", "haiku-4.5,sonnet-4.6")
    assert "context window" in rows(doc)["claude-haiku-4-5"]["reason"]
    assert rows(doc)["claude-sonnet-4-6"]["priced"]


def test_what_if_savings(cli, standin, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "api", "--models", "sonnet-4.6,sonnet-5", "--output-tokens", "1000", "--what-if")
    ifs = {w["change"].split(" ")[0]: w for w in doc["what_if"]}
    assert (ifs["Batch"]["saving_usd"], ifs["Batch"]["saving_pct"]) == ("0.0105105", "50.0")
    # Sonnet 5: 6 + 2700 = 2,706 at $2 + 1,000 at $10 = 0.015412; saves 0.005609
    assert (ifs["Claude"]["total_usd"], ifs["Claude"]["saving_usd"], ifs["Claude"]["saving_pct"]) == ("0.015412", "0.005609", "26.7")
    # 10 calls: uncached 0.21021; cached 1 x (2007 x 3.75 + out) + 9 x (2007 x 0.3 + out) = 0.16294515
    assert (ifs["automatic"]["total_usd"], ifs["automatic"]["saving_usd"], ifs["automatic"]["saving_pct"]) == ("0.16294515", "0.04726485", "22.5")


def test_default_models_and_families(cli, tmp_path):
    doc = cli.json("compare", payload(tmp_path), "--count", "offline")
    assert [r["model"] for r in doc["rows"]] and {"claude-sonnet-4-6", "claude-opus-5-5", "claude-haiku-5-5"} <= set(rows(doc))
    doc = cli.json("compare", payload(tmp_path), "--count", "offline", "--models", "haiku")
    assert set(rows(doc)) == {"claude-haiku-5-5", "claude-haiku-4-5", "claude-3-haiku-20240307", "claude-sonnet-4-6"}


def test_unknown_model_in_list_is_exit_2(cli, tmp_path):
    r = cli("compare", payload(tmp_path), "--models", "sonet-4.6", code=2)
    assert "unknown model 'sonet-4.6'" in r.stderr


def test_machine_formats(cli, tmp_path):
    out = cli("compare", payload(tmp_path), "--count", "offline", "--models", "haiku-4.5,sonnet-4.6", "--format", "csv").stdout
    lines = out.splitlines()
    assert lines[0].startswith("model,prompt_tokens,prompt_tokens_low") and len(lines) == 3
    md = cli("compare", payload(tmp_path), "--count", "offline", "--models", "haiku-4.5,sonnet-4.6", "--format", "markdown").stdout
    assert "| claude-sonnet-4-6 (baseline) |" in md
    table = cli("compare", payload(tmp_path), "--count", "offline", "--models", "haiku-4.5,sonnet-4.6").stdout
    assert "█" in table and "baseline" in table


def test_a_narrow_range_reads_as_two_numbers_or_one():
    """Issue 33: `≈1,372 (1.4K–1.4K)`: a range must read as two different numbers, or one."""
    from claude_cost.render.formats import span_text

    for low, high in [(1372, 1375), (13_720, 13_750), (137_200, 137_250), (1_371_000, 1_372_000), (9_999, 10_001), (5, 5)]:
        text = span_text(low, high)
        ends = text.split("–")
        assert len(ends) == (1 if low == high else 2) and len(set(ends)) == len(ends), text
