"""Exact offline counts with ctok (issue 14): every recorded count_tokens result we have is
reproduced through our counter, each priced model maps to its ctok version, the method is named
in the output, and asking for ctok without it installed is an error that says how to install."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT

ctok = pytest.importorskip("ctok", reason="ctok is not installed (README: pip install --ignore-requires-python ctok==1.3.0)")

from claude_cost.counting.offline import offline_counter  # noqa: E402

CALIBRATION = ROOT.parent / "shared" / "data" / "token-calibration"
#: The model each recorded family was measured on (calibration README).
RECORDED_ON = {"v3": "claude-opus-4-5", "v4.7": "claude-opus-4-7", "v5": "claude-opus-5"}


def recorded(name: str, key: str):
    if not CALIBRATION.is_dir():
        pytest.skip(f"{CALIBRATION} is not beside this checkout")
    rows = [json.loads(line) for line in gzip.open(CALIBRATION / f"{name}.jsonl.gz", "rt")]
    counts = json.loads((CALIBRATION / f"{name}_counts.json").read_text())
    return rows, counts


@pytest.mark.parametrize("family", ["v3", "v4.7", "v5"])
def test_ctok_reproduces_every_recorded_count(table, family):
    model = table.models[RECORDED_ON[family]]
    counter = offline_counter(model, "ctok")
    checked = wrong = 0
    for name, key, every in (("multipl_e", "lang", 1), ("rosetta", "id", 7)):
        rows, counts = recorded(name, key)
        assert counts[family]["model"] == model.id
        # every 7th Rosetta doc, and every doc that ends in whitespace (free on the 5.0 vocabulary)
        for row in (r for i, r in enumerate(rows) if i % every == 0 or r["text"] != r["text"].rstrip()):
            truth = counts[family]["counts"].get(str(row[key]))
            if truth is None:
                continue
            body = {"model": model.id, "max_tokens": 1, "messages": [{"role": "user", "content": row["text"]}]}
            got = counter.count(body)
            checked += 1
            wrong += got.tokens != truth
            assert got.low <= truth <= got.high
    assert checked > 250 and wrong == 0


def test_every_model_maps_to_the_ctok_version_of_its_tokenizer(table):
    expected = {"v3": {"3.0"}, "v4.7": {"4.7"}, "v5": {"4.8", "5.0"}}
    for model in table.models.values():
        if model.tokenizer is None:  # a family nobody states (Mythos Preview): no exact counter either
            assert model.ctok is None, model.id
            continue
        assert model.ctok in expected[model.tokenizer], model.id
    # ctok's own families (its README): 4.8 = Opus 4.8, Sonnet 5, Fable 5; 5.0 = Opus 5 and later
    assert {m: table.models[m].ctok for m in ("claude-opus-4-8", "claude-sonnet-5", "claude-fable-5", "claude-opus-5",
                                             "claude-opus-4-7", "claude-opus-4-6", "claude-haiku-4-5")} == {
        "claude-opus-4-8": "4.8", "claude-sonnet-5": "4.8", "claude-fable-5": "4.8", "claude-opus-5": "5.0",
        "claude-opus-4-7": "4.7", "claude-opus-4-6": "3.0", "claude-haiku-4-5": "3.0"}  # fmt: skip


def test_the_frame_matches_the_published_probes(table):
    # "a" as one user message: 8 on the v3 family, 12 on Opus 4.7, 7 on Opus 4.8 and later (notes §4)
    for model_id, n in (("claude-sonnet-4-6", 8), ("claude-opus-4-7", 12), ("claude-opus-4-8", 7), ("claude-opus-5", 7)):
        c = offline_counter(table.models[model_id], "ctok").count({"model": model_id, "messages": [{"role": "user", "content": "a"}]})
        assert (c.tokens, c.low, c.high) == (n, n, n), model_id


def test_labels_in_json_and_table(cli):
    payload = EXAMPLES / "multi-turn-chat.json"
    doc = cli.json("estimate", payload, "--count", "offline", "--offline-method", "ctok")
    assert doc["count_method"] == "ctok" and "ctok" in doc["method"]
    assert "offline (ctok, the reconstructed tokenizer)" in cli("estimate", payload, "--count", "offline").stdout
    assert cli.json("estimate", payload, "--count", "offline", "--offline-method", "fitted")["count_method"] == "fitted"
    rows = cli.json("compare", payload, "--count", "offline", "--models", "opus-4.7,sonnet-4.6")["rows"]
    assert {r["count_method"] for r in rows} == {"ctok"}


def test_plain_text_is_narrow_structure_widens(cli, tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"model": "claude-opus-4-7", "messages": [{"role": "user", "content": "Zähle die Wörter, bitte. 🙂"}]}))
    doc = cli.json("estimate", one, "--count", "offline")
    assert doc["prompt_tokens_low"] == doc["prompt_tokens"] == doc["prompt_tokens_high"]
    doc = cli.json("estimate", EXAMPLES / "agent-tool-turn.json", "--count", "offline")
    assert doc["prompt_tokens_low"] < doc["prompt_tokens"] < doc["prompt_tokens_high"]  # tool schemas, turns: a range


def test_ctok_asked_for_but_missing_is_an_install_hint(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctok", None)  # as if not installed
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "offline", "--offline-method", "ctok", code=2)
    assert "ctok is not installed" in r.stderr and "pip install --ignore-requires-python ctok==1.3.0" in r.stderr
    # auto falls back to the fitted estimate, and says so in the output
    assert cli.json("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "offline")["count_method"] == "fitted"


def test_manual_estimates_and_help_do_not_load_ctok():
    """Nor our tokenizer engine, the SDK or DuckDB (issue 24: start-up)."""
    code = (
        "import sys\nfrom claude_cost.cli import main\n"
        "for argv in (['estimate', '--model', 'opus-4.7', '--input-tokens', '5', '--json'], ['--help'], ['estimate', '--help']):\n"
        "    sys.argv = ['claude-cost', *argv]\n"
        "    try: main()\n    except SystemExit: pass\n"
        "heavy = ('ctok', 'anthropic', 'duckdb', 'claude_cost.counting.tokenizer', 'claude_cost.counting.vocabulary', 'claude_cost.counting.offline')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
