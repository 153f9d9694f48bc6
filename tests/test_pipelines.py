"""CI and pipelines: budget gates and exit codes, clean stdout, many requests, the count cache,
diff (hand-worked percentages, --rev), and check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import standin as si
from conftest import EXAMPLES, words, write_json


def req(n, model="claude-sonnet-4-6", **extra):
    return {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": words(n)}], **extra}


# ---------------------------------------------------------------- budgets and exit codes


def test_budget_exit_codes(cli):
    args = ["estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000"]
    assert cli(*args, "--budget", "1.50", "-q").stdout.strip() == "1.5"  # at the budget: ok
    r = cli(*args, "--budget", "1.00", code=1)
    assert "$1.50" in r.stdout  # the normal output is still printed
    assert r.stderr.strip() == "over budget: the estimate $1.50 is $0.50 (50.0%) over the budget of $1.00"
    assert "budget" in cli(*args, "--budget", "lots", code=2).stderr


def test_budget_on_high_end_of_offline_range(cli):
    doc = cli.json("estimate", EXAMPLES / "long-system-prompt.json", "--count", "offline")
    point, high = doc["total_usd"], doc["total_usd_high"]
    between = str((float(point) + float(high)) / 2)
    cli("estimate", EXAMPLES / "long-system-prompt.json", "--count", "offline", "--budget", between, "-q", code=1)
    cli("estimate", EXAMPLES / "long-system-prompt.json", "--count", "offline", "--budget", between, "--budget-on", "point", "-q", code=0)


def test_budget_per_request_gates_the_costliest_call_of_a_repeat(cli, standin, tmp_path):
    """--repeat 10 with a cold cache: the first call writes the cache, the other nine read it.
    Sonnet 4.6 ($3 in, $3.75 5m write, $0.30 read, $15 out); prefix 7 + 3,000 = 3,007 tokens,
    10 uncached, 100 output (max_tokens):
    cold call 3,007 x 3.75 + 10 x 3 + 100 x 15 = $0.01280625 (per 1M);
    warm call 3,007 x 0.30 + 10 x 3 + 100 x 15 = $0.0024321; total 0.01280625 + 9 x 0.0024321."""
    p = write_json(tmp_path, {**req(10), "system": [{"type": "text", "text": words(3000), "cache_control": {"type": "ephemeral"}}]})
    args = ["estimate", p, "--count", "api", "--repeat", "10"]
    assert cli(*args, "-q").stdout.strip() == "0.03469515"
    r = cli(*args, "--budget-per-request", "0.01", "-q", code=1)  # the average ($0.0035) would pass
    assert r.stderr.strip() == "over budget: one request $0.012806 is $0.002806 (28.1%) over the per-request budget of $0.01"
    cli(*args, "--budget-per-request", "0.0129", "-q", code=0)


def test_every_broken_budget_gets_its_line(cli):
    args = ["estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000"]
    r = cli(*args, "--budget", "1.00", "--budget-per-request", "1.20", "-q", code=1)
    assert r.stderr.splitlines() == [
        "over budget: the estimate $1.50 is $0.50 (50.0%) over the budget of $1.00",
        "over budget: one request $1.50 is $0.30 (25.0%) over the per-request budget of $1.20",
    ]
    # --budget-on is checked before anything is estimated, with or without a budget
    assert "--budget-on" in cli(*args, "--budget-on", "middle", code=2).stderr


def test_many_over_budget_requests_are_listed_up_to_a_limit(cli, tmp_path):
    path = batch_file(tmp_path, [req(100 + i) for i in range(25)])
    r = cli("estimate", path, "--count", "offline", "--budget-per-request", "0.000001", "-q", code=1)
    lines = r.stderr.splitlines()
    assert len(lines) == 21 and lines[0].startswith(f"over budget: {path}:1 ")
    assert lines[-1].startswith("… and 5 more over budget")


def test_compare_budget_gates_the_baseline(cli, tmp_path):
    p = write_json(tmp_path, req(2000))
    # the baseline (the payload's Sonnet 4.6, or --baseline) is gated, not the other rows
    common = ["compare", p, "--count", "offline", "--models", "haiku-4.5,opus-4.1", "--output-tokens", "0", "-q"]
    cli(*common, "--baseline", "haiku-4.5", "--budget", "0.01", code=0)
    cli(*common, "--baseline", "haiku-4.5", "--budget", "0.001", code=1)
    cli(*common, "--budget", "0.01", code=0)  # Sonnet 4.6: ~2,000 tokens x $3 is under $0.01


def test_stdout_stays_clean_json_while_warnings_go_to_stderr(cli, tmp_path):
    r = cli("estimate", EXAMPLES / "web-search.json", "--json")
    doc = json.loads(r.stdout)  # the whole of stdout is one JSON document
    assert doc["token_source"] == "offline" and "offline" in r.stderr
    assert "\x1b[" not in r.stdout


# ---------------------------------------------------------------- many requests


def batch_file(tmp_path, lines):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines if isinstance(lines[0], str) else [json.dumps(x) for x in lines]) + "\n")
    return path


def test_batch_jsonl_with_a_broken_line(cli, standin, tmp_path):
    good = [json.dumps({"custom_id": f"r{i}", "params": req(1000 + i)}) for i in range(3)]
    path = batch_file(tmp_path, [good[0], '{"custom_id": "bad", "params": ', good[1], good[2]])
    r = cli("estimate", path, "--count", "api", "--output-tokens", "0", "--json", code=2)
    doc = json.loads(r.stdout)
    assert [x["location"] for x in doc["requests"]] == [f"{path}:1 (r0)", f"{path}:3 (r1)", f"{path}:4 (r2)"]
    assert doc["errors"][0]["location"] == f"{path}:2" and "invalid JSON" in doc["errors"][0]["error"]
    # batch rates by default for Batch lines: (1007 + 1008 + 1009) x $1.50
    assert doc["total_usd"] == "0.004536"
    assert all(x["scenario"]["batch"] for x in doc["requests"])
    assert f"{path}:2" in r.stderr
    cli("estimate", path, "--count", "api", "--output-tokens", "0", "--keep-going", "-q", code=0)
    nob = json.loads(cli("estimate", path, "--count", "api", "--output-tokens", "0", "--no-batch", "--keep-going", "--json").stdout)
    assert nob["total_usd"] == "0.009072"


def test_many_files_globs_and_directories(cli, tmp_path):
    d = tmp_path / "prompts"
    d.mkdir()
    for i in range(3):
        write_json(d, req(100 * (i + 1)), f"p{i}.json")
    doc = json.loads(cli("estimate", str(d / "*.json"), "--count", "offline", "--json").stdout)
    assert len(doc["requests"]) == 3
    doc = json.loads(cli("estimate", d, EXAMPLES / "image.json", "--count", "offline", "--json").stdout)
    assert len(doc["requests"]) == 4
    assert "no file matches" in cli("estimate", str(tmp_path / "nope*.json"), code=2).stderr


def test_progress_bar_on_a_terminal_stderr_only(tmp_path):
    """stderr on a pseudo-terminal gets a bar; stdout (a pipe) stays one clean JSON document."""
    import pty

    path = batch_file(tmp_path, [req(10 + i) for i in range(30)])
    primary, secondary = pty.openpty()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "claude_cost", "estimate", str(path), "--count", "offline", "--json"],
                            stdout=subprocess.PIPE, stderr=secondary, env=env)  # fmt: skip
    os.close(secondary)
    out, _ = proc.communicate(timeout=120)
    err = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        err += chunk
    os.close(primary)
    assert proc.returncode == 0
    assert len(json.loads(out)["requests"]) == 30
    assert b"estimating" in err and b"30/30" in err


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli, tmp_path):
    path = batch_file(tmp_path, [req(10 + i) for i in range(30)])
    r = cli("estimate", path, "--count", "offline", "--json")
    assert "estimating" not in r.stderr and "30/30" not in r.stderr


def test_many_requests_budget_per_request(cli, tmp_path):
    path = batch_file(tmp_path, [req(100), req(5000)])
    r = cli("estimate", path, "--count", "offline", "--output-tokens", "0", "--budget-per-request", "0.005", "-q", code=1)
    assert f"{path}:2" in r.stderr


def test_api_failure_in_many_mode_is_exit_3(cli, standin, tmp_path):
    standin.fail = (401, "authentication_error", "invalid x-api-key", {})
    path = batch_file(tmp_path, [req(10), req(20)])
    assert "401" in cli("estimate", path, "--count", "api", code=3).stderr


# ---------------------------------------------------------------- the count cache


def test_second_run_is_served_from_the_cache(cli, standin, tmp_path):
    path = batch_file(tmp_path, [req(10 + i) for i in range(5)])
    first = json.loads(cli("estimate", path, "--count", "api", "--json").stdout)
    calls = len(standin.requests)
    assert calls == 5
    second = json.loads(cli("estimate", path, "--count", "api", "--json").stdout)
    assert len(standin.requests) == calls and second["total_usd"] == first["total_usd"]
    cli("estimate", path, "--count", "api", "--json", "--no-cache")
    assert len(standin.requests) == calls + 5
    info = cli("cache", "info").stdout
    assert "5 counts" in info
    assert "5 counts removed" in cli("cache", "clear").stdout


def test_cached_full_body_with_an_uncounted_cache_prefix_still_counts_the_prefix(cli, standin, tmp_path):
    cached = {**req(10), "system": [{"type": "text", "text": words(3000), "cache_control": {"type": "ephemeral"}}]}
    path = batch_file(tmp_path, [cached, req(20)])
    cli("estimate", path, "--count", "api", "--cache", "off", "-q")
    assert len(standin.requests) == 2  # full bodies only: now both are in the count cache
    doc = cli.json("estimate", path, "--count", "api")
    # the breakpoint's prefix and the placeholder turn were never counted: 2 more calls, no more
    assert len(standin.requests) == 4
    first = doc["requests"][0]
    lines = {line["item"]: line for line in first["lines"]}
    # prefix 7 + 3,000 (system) = 3,007 written at $3.75/MTok; 10 uncached at $3; 100 output at $15
    assert lines["cache_write_5m"]["tokens"] == 3007 and lines["input"]["tokens"] == 10
    assert first["total_usd"] == "0.01280625"  # 0.01127625 + 0.00003 + 0.0015
    again = cli.json("estimate", path, "--count", "api")
    assert len(standin.requests) == 4 and again["requests"] == doc["requests"]


def test_bulk_cache_lookup_matches_one_by_one(tmp_path):
    from claude_cost.counting.api import ApiCounter
    from claude_cost.counting.cache import CountCache, body_key

    a, b, c = ({"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": t}]} for t in "abc")
    cache = CountCache(tmp_path / "c.sqlite3")
    cache.put(body_key(ApiCounter._canonical(a)), 11)
    cache.put(body_key(ApiCounter._canonical(c)), 13)
    counter = ApiCounter(cache=CountCache(tmp_path / "c.sqlite3"))
    got = counter.cached_many([a, b, c, dict(a)] * 300)  # 1,200 bodies: more than one query's worth
    assert [x.tokens if x else None for x in got[:4]] == [11, None, 13, 11]
    assert got == got[:4] * 300
    assert [counter.cached(x) for x in (a, b, c)] == got[:3]
    assert counter.cache_hits == 2 and counter.api_calls == 0


def test_cache_never_stores_keys_or_text(cli, standin, tmp_path):
    secret_text = "confidential-merger-plan-" + "x" * 20
    payload = {**req(3), "messages": [{"role": "user", "content": secret_text}]}
    cli("estimate", write_json(tmp_path, payload), "--count", "api", "-q")
    blob = b"".join(p.read_bytes() for p in (tmp_path / "cache" / "claude-cost").iterdir())
    assert si.KEY.encode() not in blob and secret_text.encode() not in blob


WRITER = """
import sys
from claude_cost.counting.cache import CountCache
c = CountCache()
start, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(start, start + n):
    c.put(f"k{i}", i)
"""


def test_two_processes_writing_the_cache_lose_nothing(tmp_path):
    env = {**os.environ, "CLAUDE_COST_CACHE": str(tmp_path / "c.sqlite3")}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(s), "300"], env=env, stderr=subprocess.PIPE) for s in (0, 200)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    from claude_cost.counting.cache import CountCache

    cache = CountCache(tmp_path / "c.sqlite3")
    assert cache.info()[0] == 500  # 0..499, the overlap 200..299 written by both
    assert cache.get("k250") == 250 and cache.get("k499") == 499


# ---------------------------------------------------------------- diff


def test_diff_hand_worked(cli, standin, tmp_path):
    base, new = write_json(tmp_path, req(1000), "a.json"), write_json(tmp_path, req(1500), "b.json")
    doc = cli.json("diff", base, new, "--count", "api", "--output-tokens", "0")
    # 1,007 -> 1,507 tokens at $3: 0.003021 -> 0.004521, +0.0015, +49.7%
    assert doc["total"] == {"item": "total", "before_usd": "0.003021", "after_usd": "0.004521", "change_usd": "0.0015", "change_pct": "49.7"}
    assert (doc["prompt_tokens_before"], doc["prompt_tokens_after"]) == (1007, 1507)
    cli("diff", base, new, "--count", "api", "--output-tokens", "0", "--max-increase", "50%", "--json", code=0)
    r = cli("diff", base, new, "--count", "api", "--output-tokens", "0", "--max-increase", "40%", code=1)
    assert "rises by 49.7%" in r.stderr
    cli("diff", base, new, "--count", "api", "--output-tokens", "0", "--max-increase", "0.002", code=0)
    md = cli("diff", base, new, "--count", "api", "--output-tokens", "0", "--format", "markdown").stdout
    assert md.startswith("### Claude request cost: $0.003021 → $0.004521 (+$0.0015, 49.7%)")


def test_diff_against_a_git_revision(cli, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    p = write_json(repo, req(1000), "prompt.json")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    write_json(repo, req(2000), "prompt.json")
    doc = cli.json("diff", p, "--rev", "HEAD", "--count", "offline", "--output-tokens", "0")
    assert doc["base"] == f"{p}@HEAD" and doc["prompt_tokens_after"] > doc["prompt_tokens_before"]
    assert "nope" in cli("diff", p, "--rev", "nope", code=2).stderr


# ---------------------------------------------------------------- check


def write_config(tmp_path, text, name="claude-cost.toml"):
    (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path / name


def test_check_passes_and_fails(cli, tmp_path, monkeypatch):
    d = tmp_path / "prompts"
    d.mkdir()
    write_json(d, req(1000), "a.json")
    write_json(d, req(3000), "b.json")
    cfg = write_config(tmp_path, """
        count = "offline"
        offline-method = "fitted"  # an estimate with a range: the gate's high end is tested below
        output-tokens = 0

        [[budget]]
        name = "prompts"
        files = "prompts/*.json"
        per-request = 0.05
        total = 0.10
    """)
    monkeypatch.chdir(tmp_path)
    doc = json.loads(cli("check", "--json").stdout)
    assert doc["ok"] and doc["budgets"][0]["requests"] == 2
    cfg.write_text(cfg.read_text().replace("per-request = 0.05", "per-request = 0.005"))
    r = cli("check", code=1)
    assert r.stderr.startswith("over budget: prompts: prompts/b.json $") and "a.json" not in r.stderr
    # gate on the point estimate instead of the range's high end: a budget between the two passes
    doc = json.loads(cli("check", "--json", code=1).stdout)
    b = cli.json("estimate", "prompts/b.json", "--count", "offline", "--offline-method", "fitted", "--output-tokens", "0")
    between = (Decimal(b["total_usd"]) + Decimal(b["total_usd_high"])) / 2
    assert doc["budgets"][0]["max_request"] == "prompts/b.json" and not doc["ok"]
    cfg.write_text(cfg.read_text().replace("per-request = 0.005", f"per-request = {between}"))
    cli("check", code=1)
    cfg.write_text('budget-on = "point"\n' + cfg.read_text())
    cli("check", code=0)


def test_check_reads_pyproject(cli, tmp_path):
    write_json(tmp_path, req(10), "p.json")
    cfg = write_config(tmp_path, """
        [project]
        name = "x"

        [tool.claude-cost]
        count = "offline"

        [[tool.claude-cost.budget]]
        files = ["p.json"]
        total = 1
    """, "pyproject.toml")
    assert json.loads(cli("check", "--config", cfg, "--json").stdout)["ok"]


def test_check_config_errors_name_file_and_key(cli, tmp_path):
    cfg = write_config(tmp_path, """
        [[budget]]
        files = "*.json"
        per-reqest = 1
    """)
    r = cli("check", "--config", cfg, code=2)
    assert f"{cfg}: budget[0]: per-reqest: unknown key" in r.stderr and "per-request" in r.stderr
    cfg = write_config(tmp_path, '[[budget]]\nfiles = "*.json"\ntotal = -1\n')
    assert "total: must be an amount in USD >= 0" in cli("check", "--config", cfg, code=2).stderr
    cfg = write_config(tmp_path, 'count = "sometimes"\n[[budget]]\nfiles = "*.json"\ntotal = 1\n')
    assert "count: must be one of api, offline, auto" in cli("check", "--config", cfg, code=2).stderr


def test_check_without_config(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "no claude-cost.toml" in cli("check", code=2).stderr


def test_examples_are_checkable(cli):
    root = Path(__file__).resolve().parent.parent
    doc = json.loads(cli("estimate", root / "examples" / "batch-requests.jsonl", "--count", "offline", "--json").stdout)
    assert len(doc["requests"]) >= 3 and all(r["scenario"]["batch"] for r in doc["requests"])
    check = json.loads(cli("check", "--config", root / "examples" / "claude-cost.toml", "--json").stdout)
    assert check["ok"] and [b["requests"] for b in check["budgets"]] == [2, 4]


def test_a_damaged_count_cache_is_set_aside_never_a_bug(cli, standin, tmp_path, monkeypatch):
    """A cache file that is not a database (cut by a full disk, overwritten) was exit 4 for
    every API estimate and for `cache info`. It only ever held counts: it is moved aside, a new
    one is started, and the counts are the API's; a cache path that cannot be a file is exit 2."""
    path = tmp_path / "c.sqlite3"
    monkeypatch.setenv("CLAUDE_COST_CACHE", str(path))
    path.write_bytes(b"not a database" * 100)
    batch = batch_file(tmp_path, [req(10), req(20)])
    first = cli.json("estimate", batch, "--count", "api")
    assert len(standin.requests) == 2 and first["errors"] == []
    assert len(list(tmp_path.glob("c.sqlite3.damaged-*"))) == 1
    assert cli.json("estimate", batch, "--count", "api")["total_usd"] == first["total_usd"]
    assert len(standin.requests) == 2  # the new cache served the second run
    # A later run is a new process: the runs above must hold no connection to the file any more.
    # (One not yet collected would share its WAL index with the next connection in this process,
    # and the overwritten file would still read through the old write-ahead log: a flake in a
    # whole-suite run, never in a real one.)
    import gc

    gc.collect()
    for journal in tmp_path.glob("c.sqlite3-*"):  # (SQLite would rebuild the file from its write-ahead log)
        journal.unlink()
    path.write_bytes(b"overwritten " * 500)
    r = cli("cache", "info")
    assert "was not a readable count cache: moved aside" in r.stderr and "0 counts" in r.stdout
    monkeypatch.setenv("CLAUDE_COST_CACHE", str(tmp_path))  # a folder
    r = cli("cache", "info", code=2)
    assert r.stderr.startswith("error: the count cache cannot be used") and "internal error" not in r.stderr
