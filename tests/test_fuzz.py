"""Fuzzing (issue 12): every run on a hostile input ends in a result or a documented error —
never exit 4 (internal error), never a traceback. `benchmarks/fuzz.py` runs the same
properties for 10,000+ cases; here a short run keeps CI fast."""

from __future__ import annotations

import os

from fuzz_cases import (
    CHECK_CONFIG,
    DOCUMENTED,
    PRICE_FILES,
    payload_texts,
    toml_texts,
    usage_lines,
)
from hypothesis import HealthCheck, given, settings

CASES = int(os.environ.get("CLAUDE_COST_FUZZ_CASES", "40"))
# CI replays the same cases every run (derandomized); benchmarks/fuzz.py draws new ones.
RANDOM = bool(os.environ.get("CLAUDE_COST_FUZZ_RANDOM"))
fuzz = settings(max_examples=CASES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not RANDOM, database=None)


def ended_cleanly(result) -> None:
    text = (result.stdout or "") + (result.stderr or "")
    assert result.exit_code in DOCUMENTED, f"exit {result.exit_code}:\n{text[-3000:]}"
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]
    if result.exit_code == 2:
        assert result.stderr.startswith("error: "), result.stderr[-2000:]


@fuzz
@given(data=payload_texts())
def test_fuzzed_payloads_estimate(cli_factory, data):
    cli = cli_factory()
    ended_cleanly(cli.bytes_in(["estimate", "-", "--count", "offline", "--json"], data))


@fuzz
@given(data=payload_texts())
def test_fuzzed_payloads_compare(cli_factory, data):
    cli = cli_factory()
    ended_cleanly(cli.bytes_in(["compare", "-", "--count", "offline", "--models", "opus-4.7,sonnet-4.6,haiku-3"], data))


@fuzz
@given(text=toml_texts(PRICE_FILES))
def test_fuzzed_price_files(cli_factory, tmp_path_factory, text):
    cli = cli_factory()
    path = tmp_path_factory.mktemp("prices") / "p.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    ended_cleanly(cli.bytes_in(["estimate", "--model", "sonnet-4.6", "--input-tokens", "1000", "--prices", str(path)], b""))
    ended_cleanly(cli.bytes_in(["prices", "--check", str(path)], b""))


@fuzz
@given(data=usage_lines())
def test_fuzzed_usage_records(cli_factory, tmp_path_factory, data):
    cli = cli_factory()
    path = tmp_path_factory.mktemp("usage") / "u.jsonl"
    path.write_bytes(data)
    ended_cleanly(cli.bytes_in(["usage", str(path), "--group-by", "model,day"], b""))
    py = cli.bytes_in(["usage", str(path), "--json", "--engine", "python"], b"")
    ended_cleanly(py)
    # the DuckDB engine (issue 16) must give the Python engine's answer on whatever it is fed
    dk = cli.bytes_in(["usage", str(path), "--json", "--engine", "duckdb"], b"")
    ended_cleanly(dk)
    assert dk.exit_code == py.exit_code
    if py.exit_code == 0:
        import json

        a, b = json.loads(py.stdout), json.loads(dk.stdout)
        a.pop("unpriced"), b.pop("unpriced")  # per line from Python, per file and model from DuckDB
        assert a == b


@fuzz
@given(text=toml_texts([CHECK_CONFIG]))
def test_fuzzed_check_configs(cli_factory, tmp_path_factory, text):
    import shutil

    from conftest import EXAMPLES

    cli = cli_factory()
    folder = tmp_path_factory.mktemp("check")
    shutil.copytree(EXAMPLES / "prompts", folder / "prompts")
    shutil.copy(EXAMPLES / "batch-requests.jsonl", folder)
    (folder / "claude-cost.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    ended_cleanly(cli.bytes_in(["check", "--config", str(folder / "claude-cost.toml")], b""))
