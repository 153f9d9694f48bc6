"""The MCP server (issue 31), driven by the `mcp` SDK's own stdio client as an agent's client
would: the tools listed with their input schemas, each tool called and its structured output
held equal to the CLI's --json on the same input, hostile and oversized inputs answered as tool
errors (the server keeps serving), and paths outside --root refused (links and .. included)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytest.importorskip("mcp")

from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402


@pytest.fixture
def root(tmp_path):
    """A folder the server may read: a payload, a usage log, a ledger; and a secret beside it."""
    base = tmp_path / "work"
    (base / "logs").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "long-system-prompt.json", base / "payload.json")
    shutil.copy(ROOT / "examples" / "usage" / "app.log.jsonl", base / "logs" / "app.log.jsonl")
    shutil.copy(ROOT / "examples" / "usage" / "budget.sqlite", base / "budget.sqlite")
    (tmp_path / "secret.jsonl").write_text(json.dumps({"model": "claude-opus-4-7", "usage": {"input_tokens": 9, "output_tokens": 9}}) + "\n")
    os.symlink(tmp_path / "secret.jsonl", base / "logs" / "link.jsonl")  # a link out of the root
    return base


def session(root: Path, calls):
    """Start `claude-cost mcp --root ROOT`, run `calls(session)` and return what it returns."""

    async def main():
        params = StdioServerParameters(command=sys.executable, args=["-m", "claude_cost", "mcp", "--root", str(root)], cwd=str(root),
                                       env={k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"})  # fmt: skip
        with open(os.devnull, "w") as quiet:
            async with stdio_client(params, errlog=quiet) as (read, write):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    return await calls(s)

    return asyncio.run(main())


def call(root: Path, name: str, args: dict):
    async def go(s):
        return await s.call_tool(name, args)

    return session(root, go)


def test_the_tools_and_their_schemas(root):
    async def go(s):
        return (await s.list_tools()).tools

    tools = {t.name: t for t in session(root, go)}
    assert set(tools) == {"estimate", "compare", "usage", "prices", "budget_status"}
    est = tools["estimate"].input_schema
    assert est["type"] == "object" and {"payload", "model", "input_tokens", "output_tokens", "count"} <= set(est["properties"])
    assert tools["usage"].input_schema["required"] == ["paths"]
    assert all(t.description for t in tools.values())


def test_each_tool_answers_what_the_cli_prints(root, cli, monkeypatch):
    monkeypatch.chdir(root)

    async def go(s):
        out = {}
        out["estimate"] = await s.call_tool("estimate", {"payload": json.loads((root / "payload.json").read_text()), "count": "offline",
                                                         "output_tokens": 400})  # fmt: skip
        out["manual"] = await s.call_tool("estimate", {"model": "haiku-4.5", "input_tokens": 3700, "repeat": 10000})
        out["compare"] = await s.call_tool("compare", {"payload": json.loads((root / "payload.json").read_text()), "count": "offline",
                                                       "models": ["opus-4.7", "sonnet-4.6"]})  # fmt: skip
        out["usage"] = await s.call_tool("usage", {"paths": ["logs/app.log.jsonl"], "group_by": "model,day"})
        out["prices"] = await s.call_tool("prices", {"model": "opus-4.7", "at": "2026-11-01"})
        out["budget"] = await s.call_tool("budget_status", {"ledger": "budget.sqlite", "scope": "support-bot"})
        return out

    got = session(root, go)
    assert not any(r.is_error for r in got.values()), {k: r.content for k, r in got.items() if r.is_error}
    assert got["estimate"].structured_content == cli.json("estimate", "payload.json", "--count", "offline", "--output-tokens", "400", "--json")
    assert got["manual"].structured_content["total_usd"] == "37"  # the pricing page's 10,000 tickets of 3,700 tokens on Haiku 4.5
    assert got["compare"].structured_content == cli.json("compare", "payload.json", "--count", "offline", "--models", "opus-4.7,sonnet-4.6", "--json")
    assert got["usage"].structured_content == cli.json("usage", "logs/app.log.jsonl", "--group-by", "model,day", "--engine", "python", "--json")
    assert got["prices"].structured_content == cli.json("prices", "opus-4.7", "--at", "2026-11-01", "--json")
    expected = cli.json("budget", "status", "--ledger", "budget.sqlite", "--scope", "support-bot", "--json")
    assert {k: v for k, v in got["budget"].structured_content.items() if k not in ("burn_usd_per_hour", "projected_usd")} == \
        {k: v for k, v in expected.items() if k not in ("burn_usd_per_hour", "projected_usd")}  # fmt: skip


def test_paths_outside_the_roots_are_refused(root, tmp_path):
    async def go(s):
        results = []
        for paths in (["/etc/passwd"], ["../secret.jsonl"], [str(tmp_path / "secret.jsonl")], ["logs/link.jsonl"], ["logs"],
                      ["../*.jsonl"], ["-"], ["logs/\x00x"]):  # fmt: skip
            results.append((paths, await s.call_tool("usage", {"paths": paths})))
        results.append(("ledger", await s.call_tool("budget_status", {"ledger": "../secret.jsonl"})))
        results.append(("url", await s.call_tool("budget_status", {"ledger": "postgresql://x@10.0.0.1/db"})))
        results.append(("history", await s.call_tool("estimate", {"model": "opus-4.7", "input_tokens": 5, "output_tokens": "p90",
                                                                  "history_paths": ["/etc"]})))  # fmt: skip
        return results

    for what, r in session(root, go):
        assert r.is_error, what
        text = r.content[0].text
        assert "outside the folders" in text or "not a file path" in text or "only when the server was started" in text, (what, text)
        assert "Traceback" not in text


def test_hostile_and_oversized_inputs_are_tool_errors_and_the_server_goes_on(root):
    deep: dict = {"type": "text", "text": "x"}
    for _ in range(50):  # deep enough for our limit; the SDK itself drops JSON-RPC messages nested ~100 deep
        deep = {"type": "tool_result", "tool_use_id": "t", "content": [deep]}

    async def go(s):
        results = []
        for args in ({"payload": "not an object"}, {"payload": {"model": "claude-opus-4-7"}}, {"payload": {"model": "nope", "max_tokens": 5,
                     "messages": [{"role": "user", "content": "hi"}]}}, {"model": "opus-4.7", "input_tokens": -5},
                     {"model": "opus-4.7", "input_tokens": 10**15}, {"payload": {"model": "claude-opus-4-7", "max_tokens": 5,
                     "messages": [{"role": "user", "content": [deep]}]}}, {"model": "\u202e\x1b[31mopus", "input_tokens": 1},
                     {"payload": {"model": "claude-opus-4-7", "max_tokens": 5, "messages": [{"role": "user", "content": "x" * (33 * 1024 * 1024)}]}},
                     {"model": "opus-4.7", "input_tokens": 1, "output_tokens": "p99"}):  # fmt: skip
            results.append(await s.call_tool("estimate", args))
        results.append(await s.call_tool("usage", {"paths": ["logs"], "group_by": "bogus"}))
        results.append(await s.call_tool("usage", {"paths": [f"f{i}" for i in range(5000)]}))
        results.append(await s.call_tool("prices", {"at": "yesterday"}))
        after = await s.call_tool("estimate", {"model": "opus-4.7", "input_tokens": 1_000_000})
        return results, after

    results, after = session(root, go)
    for r in results:
        assert r.is_error and "internal error" not in r.content[0].text and "Traceback" not in r.content[0].text, r.content
    assert not after.is_error and after.structured_content["total_usd"] == "5"  # still serving: 1M × $5/MTok


def test_no_tool_writes_a_file(root):
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    async def go(s):
        await s.call_tool("usage", {"paths": ["budget.sqlite", "logs"]})
        await s.call_tool("budget_status", {"ledger": "budget.sqlite", "scope": "support-bot"})
        await s.call_tool("budget_status", {"ledger": "new.sqlite"})  # a ledger that does not exist is not made
        await s.call_tool("estimate", {"payload": json.loads((root / "payload.json").read_text())})

    session(root, go)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.endswith(("-shm", "-wal"))}
    assert after == before  # SQLite's own -shm / -wal companions of a WAL database aside


def test_mcp_without_the_sdk_is_an_install_hint(tmp_path):
    import subprocess

    script = "import sys\nsys.modules['mcp'] = None\nfrom claude_cost.cli import main\nsys.argv = ['claude-cost', 'mcp']\nmain()\n"
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "pip install 'claude-cost[mcp]'" in r.stderr and "Traceback" not in r.stderr
