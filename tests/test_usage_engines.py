"""`usage --engine duckdb|spark` give the Python engine's answer: same groups, same exact
totals, same unpriced counts — on plain logs, on files full of lines SQL must not guess about,
on CSV and Parquet, and through the CLI."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from claude_cost.engines.duckdb import summarize_files
from claude_cost.engines.python import summarize
from claude_cost.sources.usage import records

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

DAY = date(2026, 11, 22)
MODELS = ["claude-opus-4-7", "sonnet-4.6", "claude-haiku-4-5-20251001", "claude-opus-4-6", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
          "claude-haiku-5-5", "claude-opus-4-8", "claude-nonexistent-1"]  # fmt: skip


def plain_line(rng: random.Random, i: int) -> dict:
    usage = {"input_tokens": rng.choice([0, rng.randrange(1, 400_000)]), "output_tokens": rng.randrange(0, 5000),
             "cache_read_input_tokens": rng.choice([0, 0, 9000, 190_000])}  # fmt: skip
    if i % 3 == 0:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": rng.choice([0, 2100]), "ephemeral_1h_input_tokens": rng.choice([0, 5000])}
    elif i % 3 == 1:
        usage["cache_creation_input_tokens"] = rng.choice([0, 3000])  # no split: billed as 5m, with a note
    if i % 11 == 0:
        usage["server_tool_use"] = {"web_search_requests": 3}
    if i % 5 == 0:
        usage["service_tier"] = "batch"
    if i % 7 == 0:
        usage["inference_geo"] = "us"
    if i % 13 == 0:
        usage["speed"] = "fast"  # refused with batch, and outside fast-mode periods
    rec = {"model": rng.choice(MODELS), "usage": usage, "type": "message"}
    if i % 17:
        rec["timestamp"] = f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:10:00Z"
    return rec


def write(path, lines):
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return str(path)


def same(a, b):
    assert a.total == b.total and a.requests == b.requests
    assert a.problem_count == b.problem_count and a.problem_tokens == b.problem_tokens
    assert a.notes == b.notes and a.not_billed == b.not_billed
    assert [(g.key, g.requests, g.usage, g.costs, g.total) for g in a.groups] == [(g.key, g.requests, g.usage, g.costs, g.total) for g in b.groups]


def python(table, paths, group_by="model", model=None):
    return summarize(table, records(paths, model), group_by, DAY)


@pytest.mark.parametrize("group_by", ["model", "model,day", "month,model"])
def test_plain_logs_equal_the_python_engine(table, tmp_path, group_by):
    rng = random.Random(3)
    a = write(tmp_path / "a.jsonl", [plain_line(rng, i) for i in range(1500)])
    b = write(tmp_path / "b.jsonl", [plain_line(rng, i) for i in range(1500, 2200)])
    got = summarize_files(table, [a, b], group_by, DAY)
    same(got, python(table, [a, b], group_by))
    assert got.problem_count > 0 and got.total > 0


ODD_LINES = [
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 1.5, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": "12", "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": true, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": -4, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 99999999999999999999, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 1e3, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": [1, 2]}',
    '{"model": 7, "usage": {"input_tokens": 1, "output_tokens": 2}}',
    '{"model": "", "usage": {"input_tokens": 1, "output_tokens": 2}}',
    '{"usage": {"input_tokens": 1, "output_tokens": 2}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 1}, "timestamp": "2026-13-45T00:00:00Z"}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 1}, "timestamp": 1764000000000, "ts": "2026-02-01T00:00:00Z"}',
    '{"type": "message_start", "message": {"model": "claude-opus-4-7", "usage": {"input_tokens": 10, "output_tokens": 1}}}',
    '{"type": "message_delta", "usage": {"output_tokens": 40}}',
    '{"custom_id": "r1", "result": {"type": "succeeded", "message": {"model": "claude-opus-4-7", "usage": {"input_tokens": 9, "output_tokens": 3}}}}',
    '{"custom_id": "r2", "result": {"type": "errored"}}',
    '{"response": {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 10, "output_tokens": 1}}}',
    'not json at all',
    '[1, 2, 3]',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 3, "cache_creation": {}, "cache_creation_input_tokens": 50}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 3, "cache_creation": 5, "cache_creation_input_tokens": 50}}',
    '{"model": "Claude-Opus-4-7 ", "usage": {"input_tokens": 3, "output_tokens": 1}, "created_at": "2026-03-01T00:00:00+09:00"}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 3, "output_tokens": 1, "speed": "fast", "service_tier": "batch"}}',
    '{"model": "claude-opus-4-7", "usage": {"input_tokens": 3, "output_tokens": 1, "inference_geo": ["us"]}}',
]


@pytest.mark.parametrize("odd", range(len(ODD_LINES)))
def test_a_file_with_a_line_sql_cannot_be_sure_of_equals_the_python_engine(table, tmp_path, odd):
    rng = random.Random(odd)
    lines = [plain_line(rng, i) for i in range(60)]
    lines.insert(rng.randrange(1, len(lines)), ODD_LINES[odd])
    path = write(tmp_path / "mixed.jsonl", lines)
    clean = write(tmp_path / "clean.jsonl", [plain_line(rng, i) for i in range(60, 90)])
    same(summarize_files(table, [path, clean], "model,day", DAY), python(table, [path, clean], "model,day"))


def test_non_utf8_bytes_and_the_bundled_examples_equal_the_python_engine(table, tmp_path):
    rng = random.Random(9)
    bad = tmp_path / "bytes.jsonl"
    bad.write_bytes(b"".join(json.dumps(plain_line(rng, i)).encode() + b"\n" for i in range(20)) + b'{"model": "\xff\xfe", "usage": {}}\n')
    paths = [str(bad), str(EXAMPLES / "usage")]
    same(summarize_files(table, paths, "model", DAY), python(table, paths))


def test_default_model_applies_to_lines_without_one(table, tmp_path):
    path = write(tmp_path / "no-model.jsonl", [{"usage": {"input_tokens": 1000, "output_tokens": 10}}] * 3)
    got = summarize_files(table, [path], "model", DAY, default_model="haiku-4.5")
    same(got, python(table, [path], model="haiku-4.5"))
    assert got.total == Decimal("0.00315")  # 3 x (1,000 x $1 + 10 x $5) / 1M, Haiku 4.5


def test_csv_and_parquet_are_priced_like_the_same_jsonl(table, tmp_path):
    import duckdb

    rng = random.Random(5)
    lines = [plain_line(rng, i) for i in range(400)]
    jsonl = write(tmp_path / "u.jsonl", lines)
    flat = []
    for rec in lines:
        u = rec["usage"]
        cc = u.get("cache_creation")
        flat.append({"model": rec["model"], "timestamp": rec.get("timestamp"), "input_tokens": u["input_tokens"],
                     "ephemeral_5m_input_tokens": cc["ephemeral_5m_input_tokens"] if cc else u.get("cache_creation_input_tokens", 0),
                     "ephemeral_1h_input_tokens": cc["ephemeral_1h_input_tokens"] if cc else 0,
                     "cache_read_input_tokens": u["cache_read_input_tokens"], "output_tokens": u["output_tokens"],
                     "web_search_requests": u.get("server_tool_use", {}).get("web_search_requests", 0),
                     "service_tier": u.get("service_tier"), "inference_geo": u.get("inference_geo"), "speed": u.get("speed")})  # fmt: skip
    con = duckdb.connect()
    write(tmp_path / "flat.jsonl", flat)
    con.sql(f"COPY (SELECT * FROM read_json('{tmp_path / 'flat.jsonl'}')) TO '{tmp_path / 'u.parquet'}' (FORMAT parquet)")
    con.sql(f"COPY (SELECT * FROM read_json('{tmp_path / 'flat.jsonl'}')) TO '{tmp_path / 'u.csv'}' (HEADER)")
    want = python(table, [jsonl], "model,month")
    for name in ("u.parquet", "u.csv"):
        got = summarize_files(table, [str(tmp_path / name)], "model,month", DAY)
        assert got.total == want.total and got.requests == want.requests and got.problem_count == want.problem_count, name
        assert [(g.key, g.costs) for g in got.groups] == [(g.key, g.costs) for g in want.groups], name


def test_the_cli_prints_the_same_json_for_every_engine(cli, tmp_path):
    rng = random.Random(11)
    path = write(tmp_path / "log.jsonl", [plain_line(rng, i) for i in range(300)])
    py = cli("usage", path, "--json", "--group-by", "model,day", "--engine", "python", code=None)
    dk = cli("usage", path, "--json", "--group-by", "model,day", "--engine", "duckdb", "-v", code=None)
    assert py.exit_code == dk.exit_code == 0
    a, b = json.loads(py.stdout), json.loads(dk.stdout)
    # unpriced records: one entry per line from Python, one per file and model from DuckDB
    assert len(a.pop("unpriced")) >= len(b.pop("unpriced")) > 0
    assert a == b
    assert "engine: duckdb" in dk.stderr


def test_engine_choice_and_its_errors(cli, tmp_path, monkeypatch):
    from claude_cost.engines import select

    rng = random.Random(1)
    path = write(tmp_path / "log.jsonl", [plain_line(rng, i) for i in range(10)])
    assert select.choose("auto", [path], "model", None, None, False) == "python"  # small: not worth starting DuckDB
    monkeypatch.setattr(select, "AUTO_JSONL_BYTES", 100)
    assert select.choose("auto", [path], "model,day", None, None, False) == "duckdb"
    assert select.choose("auto", [path], "session", None, None, False) == "python"
    assert select.choose("auto", ["-"], "model", None, None, False) == "python"
    r = cli("usage", path, "--engine", "duckdb", "--group-by", "session", code=None)
    assert r.exit_code == 2 and "--engine duckdb cannot be used with --group-by session" in r.stderr and "Traceback" not in r.stderr
    r = cli("usage", path, "--engine", "warp", code=None)
    assert r.exit_code == 2 and "--engine 'warp'" in r.stderr
    csv = tmp_path / "u.csv"
    csv.write_text("model,input_tokens,output_tokens\nclaude-opus-4-7,1000000,0\n")
    r = cli("usage", str(csv), "--engine", "python", code=None)
    assert r.exit_code == 2 and "--engine duckdb" in r.stderr
    r = cli("usage", str(csv), "--json")  # auto picks DuckDB for CSV: 1M input tokens of Opus 4.7 = $5
    assert r.exit_code == 0 and json.loads(r.stdout)["total_usd"] == "5"


def test_spark_engine_equals_the_python_engine(table, tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is a test extra")
    if not shutil.which("java"):
        pytest.skip("Spark needs Java, which is not on this machine")
    from claude_cost.engines.spark import summarize_files as spark_files

    rng = random.Random(21)
    lines = [plain_line(rng, i) for i in range(500)]
    lines = [x for x in lines if "claude-nonexistent" not in x["model"] and "us.anthropic" not in x["model"]]
    path = write(tmp_path / "s.jsonl", lines)
    got = spark_files(table, [path], "model,day", DAY, master="local[2]")
    want = python(table, [path], "model,day")
    assert got.total == want.total and got.requests == want.requests and got.problem_count == want.problem_count
    assert [(g.key, g.requests, g.costs) for g in got.groups] == [(g.key, g.requests, g.costs) for g in want.groups]
    assert got.notes == want.notes


def test_file_names_with_quotes_glob_characters_and_other_scripts(table, tmp_path):
    rng = random.Random(8)
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a[1].jsonl", "it's *.jsonl", "журнал ü.jsonl", "sp ace?.jsonl"):
        write(folder / name, [plain_line(rng, i) for i in range(30)])
    same(summarize_files(table, [str(folder)], "model,day", DAY), python(table, [str(folder)], "model,day"))
    assert len(summarize_files(table, [str(folder / "a[1].jsonl")], "model", DAY).groups) > 0  # a name taken as named, not as a pattern


def test_duckdbs_progress_bar_never_reaches_stdout():
    """DuckDB draws a progress bar on stdout for any query over 2 s (found pricing 10M records:
    it broke --json). In a fresh process (pytest's capture turns it off for us) a default
    connection has it on; the engine's connection has it off."""
    code = (
        "import duckdb\n"
        "from claude_cost.engines.duckdb import _connect\n"
        "q = \"SELECT current_setting('enable_progress_bar')\"\n"
        "print(duckdb.connect().execute(q).fetchall()[0][0], _connect().execute(q).fetchall()[0][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]
