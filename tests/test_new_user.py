"""Wrong numbers and crashes a new user hit (issue 12): --repeat with manual counts and workload
projections, compare with known counts across tokenizer families, one count_tokens call per
distinct body, tables that never cut a total, an API answer that is not JSON.

Every price is worked out by hand from the pricing page (USD per million tokens):
Haiku 4.5 $1 in / $5 out; Sonnet 4.6 $3 / $15, 5m write $3.75, read $0.30;
Opus 4.6 and 4.7 $5 / $25."""

from __future__ import annotations

import json
import os
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import EXAMPLES, write_json

# ---------------------------------------------------------------- --repeat with manual counts


def test_pricing_page_example_10000_tickets_on_haiku_4_5(cli):
    # 10,000 tickets x 3,700 tokens = 37,000,000 tokens at $1/MTok = $37.00
    r = cli("estimate", "--model", "haiku-4.5", "--input-tokens", "3700", "--repeat", "10000")
    assert "$37.00" in r.stdout and "10,000 requests" in r.stdout
    doc = cli.json("estimate", "--model", "haiku-4.5", "--input-tokens", "3700", "--repeat", "10000")
    assert Decimal(doc["total_usd"]) == Decimal("37")
    assert doc["requests"] == 10000


def test_repeat_with_manual_cache_writes_turns_later_writes_into_reads(cli):
    # Sonnet 4.6, 10 calls: 100 uncached + 5,000 written on the first call, read by the other 9.
    # input 1,000 x $3 = 0.003; write 5,000 x $3.75 = 0.01875; read 45,000 x $0.30 = 0.0135;
    # output 2,000 x $15 = 0.03. Total 0.06525.
    doc = cli.json("estimate", "--model", "sonnet-4.6", "--input-tokens", "100", "--cache-write-tokens", "5000",
                   "--output-tokens", "200", "--repeat", "10")  # fmt: skip
    lines = {line["item"]: line for line in doc["lines"]}
    assert lines["cache_write_5m"]["tokens"] == 5000
    assert lines["cache_read"]["tokens"] == 45000
    assert Decimal(doc["total_usd"]) == Decimal("0.06525")
    # --cache off: every prompt token uncached on every call: 51,000 x $3 + 2,000 x $15 = 0.183
    off = cli.json("estimate", "--model", "sonnet-4.6", "--input-tokens", "100", "--cache-write-tokens", "5000",
                   "--output-tokens", "200", "--repeat", "10", "--cache", "off")  # fmt: skip
    assert Decimal(off["total_usd"]) == Decimal("0.183")


def test_per_day_projects_a_workload(cli):
    # 10,000 calls a day of the $37 workload: week 259, month (30 days) 1,110, year (365) 13,505
    doc = cli.json("estimate", "--model", "haiku-4.5", "--input-tokens", "3700", "--repeat", "10000", "--per", "day")
    assert doc["per"] == "day"
    assert {k: Decimal(v) for k, v in doc["projection_usd"].items()} == {
        "day": Decimal(37), "week": Decimal(259), "month": Decimal(1110), "year": Decimal(13505)}
    table = cli("estimate", "--model", "haiku-4.5", "--input-tokens", "3700", "--repeat", "10000", "--per", "day").stdout
    assert "Per month (30 days)" in table and "$1,110.00" in table and "$13,505.00" in table
    assert "--per must be one of hour, day, week, month" in cli("estimate", "--model", "haiku-4.5", "--input-tokens", "1", "--per", "fortnight", code=2).stderr


def test_per_hour_on_an_offline_estimate_projects_the_range_too(cli):
    doc = cli.json("estimate", EXAMPLES / "long-system-prompt.json", "--count", "offline", "--repeat", "3", "--per", "hour")
    assert Decimal(doc["projection_usd"]["day"]) == Decimal(doc["total_usd"]) * 24
    assert Decimal(doc["projection_usd_high"]["day"]) == Decimal(doc["total_usd_high"]) * 24


# ---------------------------------------------------------------- compare with known counts


def _rows(doc):
    return {r["model"]: r for r in doc["rows"]}


def test_compare_manual_counts_converts_across_tokenizer_families(cli):
    doc = cli.json("compare", "--models", "opus-4.6,opus-4.7,sonnet-4.6", "--input-tokens", "20000", "--output-tokens", "1000")
    rows = _rows(doc)
    assert doc["baseline"] == "claude-opus-4-6"  # the first listed made the counts
    # same tokenizer (v3): the counts as given; 20,000 x $5 + 1,000 x $25 = 0.125
    assert rows["claude-opus-4-6"]["token_source"] == "manual"
    assert Decimal(rows["claude-opus-4-6"]["total_usd"]) == Decimal("0.125")
    # Sonnet 4.6 shares v3: 20,000 x $3 + 1,000 x $15 = 0.075, exact
    assert rows["claude-sonnet-4-6"]["prompt_tokens"] == 20000
    assert rows["claude-sonnet-4-6"]["prompt_tokens_low"] == rows["claude-sonnet-4-6"]["prompt_tokens_high"] == 20000
    assert Decimal(rows["claude-sonnet-4-6"]["total_usd"]) == Decimal("0.075")
    # Opus 4.7 (new vocabulary): x1.30 (range x1.00–x1.47), never the same count silently
    o47 = rows["claude-opus-4-7"]
    assert o47["token_source"] == "converted" and "converted from claude-opus-4-6" in o47["method"]
    assert (o47["prompt_tokens"], o47["prompt_tokens_low"], o47["prompt_tokens_high"]) == (26000, 20000, 29400)
    assert o47["output_tokens"] == 1300
    # 26,000 x $5 + 1,300 x $25 = 0.1625; low 0.125; high 29,400 x $5 + 1,470 x $25 = 0.18375
    assert Decimal(o47["total_usd"]) == Decimal("0.1625")
    assert Decimal(o47["total_usd_low"]) == Decimal("0.125")
    assert Decimal(o47["total_usd_high"]) == Decimal("0.18375")


def test_compare_counted_on_a_newer_model_converts_back(cli):
    doc = cli.json("compare", "--models", "opus-4.6,opus-4.7", "--counted-on", "opus-4.7", "--input-tokens", "13000")
    rows = _rows(doc)
    assert rows["claude-opus-4-7"]["prompt_tokens"] == 13000 and rows["claude-opus-4-7"]["token_source"] == "manual"
    # 13,000 / 1.30 = 10,000; range 13,000 / 1.47 = 8,843.5 → 8,844 up to 13,000
    o46 = rows["claude-opus-4-6"]
    assert (o46["prompt_tokens"], o46["prompt_tokens_low"], o46["prompt_tokens_high"]) == (10000, 8844, 13000)


def test_compare_without_payload_or_counts_says_what_to_give(cli):
    err = cli("compare", "--models", "opus-4.7", code=2).stderr
    assert "payload" in err and "--input-tokens" in err
    assert "needs --models" in cli("compare", "--input-tokens", "5", code=2).stderr


def test_compare_manual_table_says_how_counts_were_obtained(cli):
    out = cli("compare", "--models", "opus-4.6,opus-4.7", "--input-tokens", "20000").stdout
    assert "converted from claude-opus-4-6 counts" in out


# ---------------------------------------------------------------- one call per distinct body


def test_identical_bodies_in_flight_are_counted_once(cli, standin, tmp_path):
    standin.delay = 0.05  # every call is still in flight when its twins are asked for
    lines = []
    for copy in range(3):
        for i in range(10):
            body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": f"body {i}"}]}
            lines.append(json.dumps({"custom_id": f"c{copy}-{i}", "params": body}))
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    doc = cli.json("estimate", path, "--count", "api", "--no-cache", "--concurrency", "8")
    assert len(doc["requests"]) == 30
    assert len(standin.requests) == 10, f"{len(standin.requests)} calls for 10 distinct bodies"


# ---------------------------------------------------------------- an answer that is not a count


@pytest.mark.parametrize("ctype,body", [
    ("text/html", b"<html><body>Proxy login required</body></html>"),
    ("application/json", b"<html>gateway</html>"),
    ("application/json", b'{"tokens": 12}'),
])  # fmt: skip
def test_200_without_a_count_is_an_api_failure(cli, standin, tmp_path, ctype, body):
    standin.raw_reply = (200, ctype, body)
    p = write_json(tmp_path, {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "hi"}]})
    r = cli("estimate", p, "--count", "api", "--no-cache", code=3)
    assert "count_tokens answered 200" in r.stderr and ctype in r.stderr
    assert body.decode()[:10] in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- tables that fit


def shown(amount: str, places: int) -> str:
    """How a USD amount looks in a table: rounded half up to `places`, at least cents."""
    q = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, frac = f"{abs(q):f}".split(".")
    return f"{'-' if q < 0 else ''}${int(whole):,}.{frac.rstrip('0').ljust(2, '0')}"


@pytest.fixture(params=[60, 80, 120])
def width(request, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(request.param))
    return request.param


def _fits(text: str, width: int) -> None:
    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= width, text


def test_compare_table_keeps_totals_and_differences_whole(cli, width):
    args = ["compare", EXAMPLES / "agent-tool-turn.json", "--count", "offline"]
    doc = cli.json(*args)
    out = cli(*args).stdout
    _fits(out, width)
    for row in doc["rows"]:
        assert shown(row["total_usd"], 5) in out, (width, row["model"], out)
        if row["diff_usd"] not in (None, "0"):
            assert shown(str(abs(Decimal(row["diff_usd"]))), 5) in out
    if width < 120:
        assert "left out to fit" in out


def test_usage_table_keeps_totals_whole(cli, width):
    files = [EXAMPLES / "usage" / "app.log.jsonl", EXAMPLES / "usage" / "batch_results.jsonl"]
    doc = cli.json("usage", *files, "--group-by", "model,day")
    out = cli("usage", *files, "--group-by", "model,day").stdout
    _fits(out, width)
    for g in doc["groups"]:
        assert shown(g["total_usd"], 4) in out


def test_diff_check_prices_and_estimate_tables_fit(cli, width, tmp_path):
    a = write_json(tmp_path, {"model": "claude-sonnet-4-6", "max_tokens": 300, "messages": [{"role": "user", "content": "hello " * 50}]}, "a.json")
    b = write_json(tmp_path, {"model": "claude-sonnet-4-6", "max_tokens": 300, "messages": [{"role": "user", "content": "hello " * 90}]}, "b.json")
    d = cli.json("diff", a, b, "--count", "offline")
    out = cli("diff", a, b, "--count", "offline").stdout
    _fits(out, width)
    assert shown(d["total"]["after_usd"], 6) in out or shown(d["total"]["change_usd"], 6) in out
    assert shown(d["total"]["change_usd"].lstrip("+-"), 6) in out

    est = cli.json("estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000")
    out = cli("estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000").stdout
    _fits(out, width)
    assert shown(est["total_usd"], 6) in out

    out = cli("prices").stdout
    _fits(out, width)
    assert "claude-opus-4-7" in out and "claude-haiku-4-5" in out

    doc = cli.json("check", "--config", EXAMPLES / "claude-cost.toml", code=None)
    out = cli("check", "--config", EXAMPLES / "claude-cost.toml", code=None).stdout
    _fits(out, width)
    for b in doc["budgets"]:
        assert shown(b["total_usd"], 6) in out


# ---------------------------------------------------------------- found by the fuzz suite


def test_non_utf8_stdin_is_an_input_error(cli):
    r = cli.bytes_in(["estimate", "-", "--count", "offline"], b'{\xff\xfe"model": "x"}')
    assert r.exit_code == 2 and r.stderr.startswith("error: stdin: not UTF-8 text"), r.stderr


def test_non_utf8_line_of_a_jsonl_spoils_that_line_only(cli, tmp_path):
    good = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}).encode()
    path = tmp_path / "r.jsonl"
    path.write_bytes(good + b"\n\xff\xfe\n" + good + b"\n")
    r = cli("estimate", path, "--count", "offline", "--keep-going", "--json")
    doc = json.loads(r.stdout)
    assert len(doc["requests"]) == 2
    assert [e["location"] for e in doc["errors"]] == [f"{path}:2"]
    assert "r.jsonl:2: not UTF-8 text" in r.stderr


@pytest.mark.parametrize("line,expected", [
    ("input = 1e999", "input: 1E+999 is out of range"),
    ("input = nan", "must be a finite number"),
    ("input = 0.0000000000001", "is out of range"),
])  # fmt: skip
def test_price_out_of_range_is_named(cli, tmp_path, line, expected):
    p = tmp_path / "p.toml"
    p.write_text(f'[models."sonnet-4.6"]\n{line}\n')
    r = cli("estimate", "--model", "sonnet-4.6", "--input-tokens", "1", "--prices", p, code=2)
    assert expected in r.stderr and "models.claude-sonnet-4-6.input" in r.stderr


def test_non_utf8_price_file_is_named(cli, tmp_path):
    p = tmp_path / "p.toml"
    p.write_bytes(b'\xed = 1\n')
    assert "not UTF-8 text" in cli("prices", "--check", p, code=2).stderr


def test_check_config_nan_budget_is_named(cli, tmp_path):
    cfg = tmp_path / "claude-cost.toml"
    cfg.write_text('[[budget]]\nname = "x"\nfiles = ["*.json"]\nper-request = nan\n')
    assert "per-request: must be an amount in USD >= 0" in cli("check", "--config", cfg, code=2).stderr


BOM = b"\xef\xbb\xbf"


def test_files_saved_with_a_byte_order_mark(cli, tmp_path):
    """Windows editors and PowerShell's Out-File start UTF-8 files with a BOM: every file we read
    takes it (the DuckDB engine always did, so the Python engine lost the first record and the
    two disagreed); UTF-16 is named as such."""
    import gzip

    request = {"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    payload = tmp_path / "p.json"
    payload.write_bytes(BOM + json.dumps(request).encode())
    # 1M input tokens of Opus 4.7 at $5 / MTok
    assert cli.json("estimate", payload, "--input-tokens", "1000000", "--output-tokens", "0")["total_usd"] == "5"
    assert cli.json("estimate", "-", "--input-tokens", "1000000", "--output-tokens", "0", input="\ufeff" + json.dumps(request))["total_usd"] == "5"
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(BOM + b"\n".join(json.dumps({"custom_id": c, "params": request}).encode() for c in "ab") + b"\n")
    doc = cli.json("estimate", batch, "--count", "offline")
    assert len(doc["requests"]) == 2 and doc["errors"] == []
    line = {"model": "claude-opus-4-7", "usage": {"input_tokens": 1000000, "output_tokens": 0}, "timestamp": "2026-11-01T00:00:00Z"}
    log = tmp_path / "u.jsonl"
    log.write_bytes(BOM + (json.dumps(line) + "\n").encode() * 2)
    (tmp_path / "u.jsonl.gz").write_bytes(gzip.compress(log.read_bytes()))
    for path in (log, tmp_path / "u.jsonl.gz"):
        for engine in ("python", "duckdb"):
            doc = cli.json("usage", path, "--engine", engine)
            assert (doc["total_usd"], doc["groups"][0]["requests"], doc["unpriced_count"]) == ("10", 2, 0), (path, engine)
    prices = tmp_path / "p.toml"
    prices.write_bytes(BOM + b'[models."sonnet-4.6"]\ninput = 4\n')
    doc = cli.json("estimate", "--model", "sonnet-4.6", "--input-tokens", "1000000", "--output-tokens", "0", "--prices", prices)
    assert doc["total_usd"] == "4"
    cfg = tmp_path / "claude-cost.toml"
    cfg.write_bytes(BOM + b'count = "offline"\n[[budget]]\nfiles = ["p.json"]\nper-request = 1\n')
    assert cli.json("check", "--config", cfg)["budgets"][0]["ok"]
    payload.write_bytes(json.dumps(request).encode("utf-16"))
    r = cli("estimate", payload, "--input-tokens", "1", code=2)
    assert "UTF-16 text, not UTF-8" in r.stderr and "save it as UTF-8" in r.stderr


def test_hostile_names_cannot_drive_the_terminal(cli, tmp_path):
    """A file name or model name is the user's data, and a log folder may hold anyone's: ESC
    (colour, cursor, window-title sequences) and bidirectional overrides are shown as escapes
    in tables and on stderr, never sent to the terminal; JSON keeps the name exact."""
    folder = tmp_path / "logs"
    folder.mkdir()
    name = "a\x1b[2J\x1b]0;pwned\u202eb.jsonl"
    good = {"model": "claude-opus-4-7", "usage": {"input_tokens": 1000000, "output_tokens": 0}, "timestamp": "2026-11-01T00:00:00Z"}
    bad = {**good, "model": "claude-\u202eevil\x1b[31m"}
    (folder / name).write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    r = cli("usage", folder, "--group-by", "file")
    for stream in (r.stdout, r.stderr):
        assert "\x1b" not in stream and "\u202e" not in stream
    assert "\\x1b[2J" in r.stdout and "\\u202e" in r.stdout  # shown, not acted on
    assert "could not be priced" in r.stderr and "\\x1b" in r.stderr
    doc = cli.json("usage", folder, "--group-by", "file")
    assert doc["groups"][0]["file"] == str(folder / name) and doc["total_usd"] == "5"
    r = cli("estimate", str(tmp_path / "\x1b[31mmissing.json"), "--input-tokens", "1", code=2)
    assert "\x1b" not in r.stderr and "\\x1b[31mmissing.json: no file matches this pattern" in r.stderr  # "[": a pattern


def test_a_payload_named_with_glob_characters_is_one_payload(cli, tmp_path):
    """`estimate 'prompt[v2].json' --input-tokens N` is one request (it was taken for a pattern,
    so manual counts were refused); a pattern that finds nothing says so first."""
    path = tmp_path / "prompt[v2].json"
    path.write_text(json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
    # 1M input tokens of Opus 4.7 at $5 / MTok
    assert cli.json("estimate", path, "--input-tokens", "1000000", "--output-tokens", "0")["total_usd"] == "5"
    r = cli("estimate", tmp_path / "nothing[1].json", "--input-tokens", "1", code=2)
    assert "nothing[1].json: no file matches this pattern" in r.stderr


def test_markdown_tables_hold_hostile_names(cli, tmp_path):
    """Markdown goes into pull-request comments: a `|` or line break in a file or model name
    must not split the table, nor `<…>` become HTML there."""
    import re

    folder = tmp_path / "prompts"
    folder.mkdir()
    request = json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]})
    names = ["a|b.json", "c\nd.json", "e<img src=x onerror=alert(1)>.json"]
    for name in names:
        (folder / name).write_text(request)
    out = cli("estimate", folder, "--count", "offline", "--format", "markdown").stdout
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(names) + 1  # head, rule, one row per payload, the total
    for row in rows:  # every row has the head's four cells: no unescaped | inside a cell
        assert len(re.split(r"(?<!\\)\|", row)) == 6, row
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out and "c d.json" in out
    log = tmp_path / "u|<b>.jsonl"
    log.write_text(json.dumps({"model": "claude-opus-4-7", "usage": {"input_tokens": 5, "output_tokens": 1}}) + "\n")
    out = cli("usage", log, "--group-by", "file", "--format", "markdown").stdout
    assert "u\\|&lt;b&gt;.jsonl |" in out and "<b>" not in out
    assert "Output tokens per call, no call times recorded" in cli("history", log, "--format", "markdown").stdout  # not "? … ?"


def test_a_payload_larger_than_the_api_accepts_is_not_read_whole(cli, tmp_path, monkeypatch):
    """A wrong path to a huge file (or /dev/zero) must not fill memory: a payload file over the
    API's 32 MB request limit (fact sheet §1) is refused after reading 32 MB; one just under is
    estimated. Running out of memory anyway (a log with no line breaks) is exit 2, not a bug."""
    request = json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]})
    limit = 32 * 2**20
    under = tmp_path / "under.json"
    under.write_text(request + " " * (limit - len(request)))
    # 1M input tokens of Opus 4.7 at $5 / MTok
    assert cli.json("estimate", under, "--input-tokens", "1000000", "--output-tokens", "0")["total_usd"] == "5"
    over = tmp_path / "over.json"
    over.write_text(request + " " * (limit + 1 - len(request)))
    r = cli("estimate", over, "--input-tokens", "1", code=2)
    assert "over.json: larger than 32 MB, more than the API accepts" in r.stderr
    if os.path.exists("/dev/zero"):
        assert "larger than 32 MB" in cli("estimate", "/dev/zero", "--input-tokens", "1", code=2).stderr

    import claude_cost.sources.usage as usage_source

    def exhausted(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(usage_source, "usage_records", exhausted)
    log = tmp_path / "u.jsonl"
    log.write_text("{}\n")
    r = cli("usage", log, "--engine", "python", code=2)
    assert r.stderr.startswith("error: out of memory") and "internal error" not in r.stderr


def test_a_file_named_twice_is_read_once(cli, tmp_path, monkeypatch):
    """Overlapping globs and folders (`usage logs/ logs/*.jsonl`) must not count a file's
    records twice, in either engine; `usage - -` reads stdin once (it was exit 4); a file the
    system cannot read (/proc/self/mem: EIO) is named, not a bug."""
    monkeypatch.chdir(tmp_path)
    line = json.dumps({"model": "claude-opus-4-7", "usage": {"input_tokens": 1000000, "output_tokens": 0}}) + "\n"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(line)
    for engine in ("python", "duckdb"):  # 1M input tokens of Opus 4.7 at $5 / MTok, once
        doc = cli.json("usage", "logs", "logs/a.jsonl", "./logs/a.jsonl", "logs/*.jsonl", "--engine", engine)
        assert (doc["total_usd"], doc["requests"]) == ("5", 1), engine
    assert cli.json("usage", "-", "-", input=line)["total_usd"] == "5"
    assert cli.json("history", "-", "-", input=line)["models"][0]["calls"] == 1
    request = {"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    (tmp_path / "p.json").write_text(json.dumps(request))
    assert len(cli.json("estimate", "p.json", "p.json", "*.json", "--count", "offline")["requests"]) == 1
    if os.path.exists("/proc/self/mem"):
        r = cli("usage", "/proc/self/mem", code=2)
        assert "/proc/self/mem: cannot read" in r.stderr and "internal error" not in r.stderr


def test_a_terminal_that_is_not_utf8(tmp_path):
    """PYTHONIOENCODING=ascii, a legacy console: a table with ≤ and – was exit 4
    (UnicodeEncodeError). What it cannot show comes out as escapes, and --json as ASCII JSON
    that decodes to the same names."""
    import subprocess
    import sys

    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
    log = tmp_path / "u.jsonl"
    log.write_text(json.dumps({"model": "claude-nope-é≤", "usage": {"input_tokens": 5, "output_tokens": 1}}, ensure_ascii=False) + "\n")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    env.pop("ANTHROPIC_API_KEY", None)
    run = [sys.executable, "-m", "claude_cost.cli"]
    table = subprocess.run([*run, "estimate", str(payload), "--input-tokens", "5"], env=env, capture_output=True)
    assert table.returncode == 0 and b"internal error" not in table.stderr and b"\\u2264" in table.stdout  # "≤ 10" output tokens
    doc = subprocess.run([*run, "usage", str(log), "--json"], env=env, capture_output=True)
    assert doc.returncode == 0 and doc.stdout.isascii()
    assert json.loads(doc.stdout)["unpriced"][0]["reason"].startswith("unknown model 'claude-nope-é≤'")
