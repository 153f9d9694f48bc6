"""estimate with manual counts, from the command line: the contract CI scripts rely on."""

from __future__ import annotations

import subprocess
import sys


def test_pricing_page_example_table(cli):
    out = cli("estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000").stdout
    assert "Claude Opus 4.7" in out and "$1.50" in out and "manual" in out and "2026-" in out


def test_json_contract(cli):
    doc = cli.json("estimate", "--model", "opus-4.7", "--input-tokens", "10000", "--cache-read-tokens", "40000",
                   "--output-tokens", "15000", "--session-hours", "1")  # fmt: skip
    assert doc["model"] == "claude-opus-4-7"
    assert doc["token_source"] == "manual"
    assert doc["prompt_tokens"] == 50_000
    assert doc["output_tokens"] == 15_000
    assert doc["total_usd"] == "0.525"
    assert [(line["item"], line["tokens"], line["usd"]) for line in doc["lines"]] == [
        ("input", 10_000, "0.05"),
        ("cache_read", 40_000, "0.02"),
        ("output", 15_000, "0.375"),
        ("session", None, "0.08"),
    ]


def test_managed_agents_example(cli):
    doc = cli.json("estimate", "--model", "opus-4.7", "--input-tokens", "50000", "--output-tokens", "15000", "--session-hours", "1")
    assert doc["total_usd"] == "0.705"


def test_date_flag(cli):
    doc = cli.json("estimate", "--model", "opus-4.6", "--input-tokens", "250000", "--at", "2026-02-01")
    assert doc["total_usd"] == "2.5" and doc["price_date"] == "2026-02-01"


def test_batch_geo_flags(cli):
    doc = cli.json("estimate", "--model", "sonnet-4.6", "--input-tokens", "1000000", "--batch", "--geo", "us")
    assert doc["total_usd"] == "1.65"  # 3 * 0.5 * 1.1


def test_bedrock_id_implies_regional_premium(cli):
    doc = cli.json("estimate", "--model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "--input-tokens", "100000")
    assert doc["total_usd"] == "0.33" and doc["scenario"]["platform"] == "bedrock"


def test_csv_and_markdown(cli):
    csv_out = cli("estimate", "-m", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("model,token_source,item")
    assert csv_out.splitlines()[-1].endswith(",1.5")
    md = cli("estimate", "-m", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000", "--format", "markdown").stdout
    assert "| **Total** | | | **$1.50** |" in md


def test_unknown_model_exit_2_one_line(cli):
    r = cli("estimate", "--model", "opus-4.9", "--input-tokens", "1", code=2)
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == "error: unknown model 'opus-4.9'"
    assert "did you mean" in r.stderr and "Traceback" not in r.stderr
    r = cli("estimate", "--model", "gpt-4", "--input-tokens", "1", code=2)  # nothing close: where the list is, as a sentence
    assert "run `claude-cost prices` to list models. The price table is as of " in r.stderr


def test_scenario_errors_exit_2(cli):
    r = cli("estimate", "--model", "opus-5", "--input-tokens", "1", "--speed", "fast", "--batch", code=2)
    assert "fast mode is not available with the Batch API" in r.stderr
    r = cli("estimate", "--model", "haiku-4.5", "--input-tokens", "1", "--geo", "us", code=2)
    assert "inference_geo" in r.stderr
    r = cli("estimate", "--model", "opus-4.7", "--input-tokens", "1", "--geo", "eu", code=2)
    assert "--geo must be one of" in r.stderr


def test_bad_flags_exit_2(cli):
    cli("estimate", "--model", "opus-4.7", "--input-tokens", "-5", code=2)
    r = cli("estimate", "--model", "opus-4.7", "--input-tokens", "1", "--at", "yesterday", code=2)
    assert "'yesterday' is not a date" in r.stderr
    r = cli("estimate", code=2)
    assert "nothing to estimate" in r.stderr


def test_bad_prices_file_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[models.claude-opus-4-7]\noutput = -1\n")
    r = cli("estimate", "--model", "opus-4.7", "--input-tokens", "1", "--prices", bad, code=2)
    assert "bad.toml: models.claude-opus-4-7.output: must not be negative" in r.stderr


def test_context_window_exceeded(cli):
    r = cli("estimate", "--model", "haiku-4.5", "--input-tokens", "250000", code=2)
    assert "context window" in r.stderr


def test_retired_model_note(cli):
    doc = cli.json("estimate", "--model", "opus-3", "--input-tokens", "1000")
    assert any("retired" in n for n in doc["notes"])


def test_version_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "claude_cost", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("claude-cost ")


def test_manual_path_does_not_import_the_sdk():
    code = (
        "import sys\n"
        "from claude_cost.cli import main\n"
        "sys.argv=['claude-cost','estimate','--model','opus-4.7','--input-tokens','5','--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'anthropic' not in sys.modules, 'SDK imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
