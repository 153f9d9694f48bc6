"""Payload reading and validation: one clear line and exit 2 for every kind of bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import EXAMPLES

from claude_cost.core.errors import PayloadError
from claude_cost.sources import payload as pl


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{"model": "x"', "invalid JSON at line 1, column 14"),
        ("[1, 2]", "expected a JSON object"),
        ("", "empty input"),
        ('{"model": "claude-opus-4-7"}', "no 'messages'"),
        ('{"custom_id": "a", "params": {}}', "no 'messages'"),
        ('{"messages": [{"role": "user", "content": "x"}]}', "no 'model'"),
        ('{"model": "m", "messages": []}', "messages: must hold at least one message"),
        ('{"model": "m", "messages": ["hi"]}', "messages[0]: expected an object with 'role' and 'content', got a string"),
        ('{"model": "m", "messages": [{"role": "system", "content": "x"}]}', "messages[0].role: must be 'user' or 'assistant'"),
        ('{"model": "m", "messages": [{"role": "user", "content": 5}]}', "messages[0].content: expected a string or a list of content blocks, got the number 5"),
        ('{"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]}', "messages[0].content[0].type: expected a string naming the block type, got null"),
        ('{"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]}', "messages[0].content[0].text: expected a string, got null"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "system": 3}', "system: expected a string or a list of text blocks, got the number 3"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{}]}', "tools[0].name: expected a string (the tool's name), got null"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": "lots"}', "max_tokens: expected a whole number >= 0, got a string"),
        # found by mutating examples/agent-tool-turn.json (issue: crashes instead of errors)
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": 1e30}', "tool_choice: expected an object like {\"type\": \"auto\"}, got the number 1e+30"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": null}', "tools: expected a list of tool definitions, got null"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1e30}', "max_tokens: expected a whole number >= 0, got the number 1e+30"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 100000000000}', "max_tokens: 100,000,000,000 is larger than any model's context window"),
        ('{"model": "m", "messages": [{"role": "user", "content": "x"}], "thinking": {"type": "on"}}', "thinking.type: must be one of enabled, disabled, adaptive"),
        ('{"model": "m", "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": 3}]}]}', "messages[0].content[0].tool_use_id: expected a string, got the number 3"),
    ],
)
def test_bad_payloads_exit_2_with_location(cli, text, expected):
    r = cli("estimate", "-", "--count", "offline", input=text, code=2)
    assert expected in r.stderr
    assert r.stderr.startswith("error: stdin: ") and "Traceback" not in r.stderr and r.stdout == ""


def test_unreadable_files(cli, tmp_path):
    assert "no such file" in cli("estimate", tmp_path / "missing.json", code=2).stderr
    assert "no .json or .jsonl files in this directory" in cli("estimate", tmp_path, code=2).stderr
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert "not UTF-8" in cli("estimate", binary, code=2).stderr


def test_bad_cache_control(cli, tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": [{"type": "text", "text": "x", '
                   '"cache_control": {"type": "ephemeral", "ttl": "2h"}}]}]}')  # fmt: skip
    assert 'ttl: must be "5m" or "1h"' in cli("estimate", bad, "--count", "offline", code=2).stderr


def test_countable_strips_what_count_tokens_rejects():
    request = {
        "model": "m", "max_tokens": 5, "temperature": 0.2, "stream": True, "metadata": {}, "stop_sequences": ["x"],
        "service_tier": "auto", "inference_geo": "us", "container": "c", "mcp_servers": [{"name": "a"}],
        "tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}, {"name": "f", "input_schema": {}}],
        "messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "file", "file_id": "f1"}}]},
                     {"role": "assistant", "content": "ok"}, {"role": "user", "content": "go"}],
    }  # fmt: skip
    c = pl.countable(request, "claude-opus-4-7")
    assert set(c.body) == {"model", "messages", "tools"}
    assert [t["name"] for t in c.body["tools"]] == ["f"]
    assert len(c.body["messages"]) == 2  # the message holding only a file document is dropped
    assert len(c.left_out) == 3


def test_cut_after_positions():
    body = {"model": "m", "tools": [{"name": "a"}, {"name": "b"}], "tool_choice": {"type": "any"},
            "system": [{"type": "text", "text": "s1"}, {"type": "text", "text": "s2"}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "u1"}, {"type": "text", "text": "u2"}]},
                         {"role": "assistant", "content": "a"}]}  # fmt: skip
    cut, placeholder = pl.cut_after(body, (0, 0))
    assert cut["tools"] == [{"name": "a"}] and "system" not in cut and placeholder
    cut, placeholder = pl.cut_after(body, (1, 0))
    assert len(cut["tools"]) == 2 and cut["system"] == [{"type": "text", "text": "s1"}] and placeholder
    cut, placeholder = pl.cut_after(body, (2, 0, 0))
    assert cut["messages"] == [{"role": "user", "content": [{"type": "text", "text": "u1"}]}] and not placeholder


def test_breakpoint_rules():
    cc = {"type": "ephemeral"}
    body = {"model": "m", "cache_control": {"type": "ephemeral", "ttl": "1h"},
            "system": [{"type": "text", "text": "s", "cache_control": cc}],
            "messages": [{"role": "user", "content": "x"}]}  # fmt: skip
    with pytest.raises(PayloadError, match="differs"):
        pl.breakpoints(body)
    body["cache_control"] = cc
    bps = pl.breakpoints(body)
    assert [bp.where for bp in bps] == ["system[0]", "messages[0] (automatic)"]


def test_offline_path_never_imports_the_sdk():
    code = (
        "import sys\n"
        "from claude_cost.cli import main\n"
        f"sys.argv=['claude-cost','estimate',{str(EXAMPLES / 'agent-tool-turn.json')!r},'--count','offline','--json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "assert 'anthropic' not in sys.modules, 'SDK imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
