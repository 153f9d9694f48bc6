"""Fuzzing (issue 12): every run on a hostile input ends in a result or a documented error —
never exit 4 (internal error), never a traceback. `benchmarks/fuzz.py` runs the same
properties for 10,000+ cases; here a short run keeps CI fast."""

from __future__ import annotations

import json
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


#: Values a user, a script or a typo can hand any option: empty, quotes and `;` (SQL names),
#: a path out of the folder (into one that does not exist: this runs as root in CI, and an
#: output option writes where it is told) and one too long for the file system, numbers out of every range,
#: bidirectional text, glob characters, dates that do not exist.
HOSTILE_VALUES = ["", ";", "'", "a;b", "../no-such-folder/x", "-1", "1e309", "nan", "inf", "x" * 5000, "é\u202e", "[", "*", "0",
                  "99999999999999999999", "p90", "2026-02-30", "model=", "=x", ",", "a,,b", "all"]  # fmt: skip


def test_every_option_takes_hostile_values_without_a_bug(tmp_path, monkeypatch):
    """Every option of every command, each hostile value: a result or a documented error, never
    exit 4. (Found so: `sql --view 'v;drop'` and `--table "'"` ended in exit 4, and so did any
    path option given a name too long for the file system.)"""
    from typer.core import TyperOption
    from typer.main import get_command
    from typer.testing import CliRunner

    from claude_cost.cli import COMMANDS, build

    monkeypatch.chdir(tmp_path)
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("CLAUDE_COST_PRICES_URL", raising=False)
    (tmp_path / "p.json").write_text(json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
    (tmp_path / "u.jsonl").write_text(json.dumps({"model": "claude-opus-4-7", "usage": {"input_tokens": 5, "output_tokens": 1}}) + "\n")
    given = {"estimate": ["p.json"], "compare": ["p.json"], "usage": ["u.jsonl"], "history": ["u.jsonl"], "report": ["u.jsonl"],
             "diff": ["p.json", "p.json"]}  # fmt: skip
    runner = CliRunner()
    runs = 0
    for name in COMMANDS:
        app = build(name)
        command = get_command(app).commands[name]  # type: ignore[attr-defined]
        subcommands = [([name, sub], c) for sub, c in command.commands.items()] if hasattr(command, "commands") else [([name, *given.get(name, [])], command)]
        for words, cmd in subcommands:
            for option in (p for p in cmd.params if isinstance(p, TyperOption) and not p.is_flag):
                for value in HOSTILE_VALUES:
                    result = runner.invoke(app, [*words, max(option.opts, key=len), value], catch_exceptions=False)
                    runs += 1
                    text = (result.stderr or "")[-500:]
                    assert result.exit_code in DOCUMENTED and result.exit_code != 4, (words, option.opts, value[:40], result.exit_code, text)
                    assert "Traceback" not in text, (words, option.opts, value[:40], text)
    assert runs > 1500  # every command's options were reached


#: Values for the files and names commands take as arguments (never `/` or `..`: a walk of the
#: whole disk is what was asked for, and slow).
HOSTILE_ARGUMENTS = ["", "-", "x" * 5000, "/proc/self/mem", "/proc/self/status", "/dev/null", ".", "*", "**/*.json", "[", "a b",
                     "é\u202e", "~", "$HOME", "nonexistent.jsonl", "nonexistent.json.gz"]  # fmt: skip


def test_every_command_takes_hostile_arguments_without_a_bug(tmp_path, monkeypatch):
    """Each command's arguments, once and twice over: a result or a documented error, never
    exit 4. (Found so: `usage - -` read a closed stdin; /proc/self/mem's EIO was a bug.)"""
    from typer.testing import CliRunner

    from claude_cost.cli import build

    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps({"model": "claude-opus-4-7", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
    (tmp_path / "u.jsonl").write_text(json.dumps({"model": "claude-opus-4-7", "usage": {"input_tokens": 5, "output_tokens": 1}}) + "\n")
    runner = CliRunner()
    for words in (["estimate"], ["compare"], ["usage"], ["history"], ["diff"], ["check"], ["prices"], ["prices", "audit"]):
        app = build(words[0])
        extra = ["--count", "offline"] if words[0] in ("estimate", "compare", "diff") else []
        for value in HOSTILE_ARGUMENTS:
            for args in ([*words, value, *extra], [*words, value, value, *extra]):
                result = runner.invoke(app, args, input="", catch_exceptions=False)
                text = (result.stderr or "")[-500:]
                assert result.exit_code in DOCUMENTED and "Traceback" not in text and "internal error" not in text, (args[:3], result.exit_code, text)
