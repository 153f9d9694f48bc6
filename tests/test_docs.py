"""The reference pages are generated from the program (docs/generate.py): a test fails when a
committed page differs from what the program prints now (issue 34: docs that stay true)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_the_reference_pages_are_what_the_program_prints(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "generate.py"), "--check"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_every_command_is_in_the_reference():
    from claude_cost.cli import COMMANDS

    page = (ROOT / "docs" / "reference" / "cli.md").read_text()
    for name in COMMANDS:
        assert f"## claude-cost {name}\n" in page
    for sub in ("prices update", "prices audit", "budget status", "budget set", "budget check", "cache info"):
        assert f"### claude-cost {sub}\n" in page


def test_claude_cost_today_fixes_the_day_and_a_bad_one_is_named(cli, monkeypatch):
    """$CLAUDE_COST_TODAY is the day prices are looked up for without --at (the docs' transcripts use it)."""
    monkeypatch.setenv("CLAUDE_COST_TODAY", "2026-02-01")
    doc = json.loads(cli("estimate", "--model", "sonnet-4.6", "--input-tokens", "1000", "--json").stdout)
    assert doc["price_date"] == "2026-02-01"
    monkeypatch.setenv("CLAUDE_COST_TODAY", "someday")
    r = cli("estimate", "--model", "sonnet-4.6", "--input-tokens", "1000", code=2)
    assert "CLAUDE_COST_TODAY" in r.stderr and "Traceback" not in r.stderr
