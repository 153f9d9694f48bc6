"""The reference pages are generated from the program (docs/generate.py): a test fails when a
committed page differs from what the program prints now (issue 34: docs that stay true)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal

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


def test_the_site_builds_offline_with_warnings_as_errors(tmp_path):
    """Sphinx + MyST: a broken link, a heading a link names that is not there, a page left out of
    every toctree or a bad directive is a warning, and -W makes it fail the build."""
    out = tmp_path / "html"
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(out)],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    pages = {p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts}
    assert len(pages) >= 25
    for page in pages:
        assert (out / page).with_suffix(".html").exists(), page
    sections = ("getting-started", "guides/ci", "guides/budgets", "guides/mcp", "concepts/billing", "concepts/counting", "reference/cli", "benchmarks")
    assert all((out / f"{s}.html").exists() for s in sections)
    # nothing is fetched when a page is read: no script, style or image from elsewhere
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), html


def test_the_site_build_fails_on_a_broken_link(tmp_path):
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("_build"))
    (docs / "benchmarks.md").write_text((docs / "benchmarks.md").read_text() + "\nSee [the guide](guides/no-such-page.md).\n")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(docs), str(tmp_path / "html")],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode != 0 and "no-such-page" in r.stderr


def test_the_worked_examples_total_what_was_worked_by_hand():
    """concepts/billing.md: each example's hand-worked figure (**$X**) is the total the program
    printed in the transcript under it."""
    page = (ROOT / "docs" / "concepts" / "billing.md").read_text()
    examples = page.split("## Worked examples", 1)[1].split("\n### ")[1:]
    assert len(examples) >= 6
    for example in examples:
        by_hand = re.findall(r"\*\*\$([\d,.]+)\*\*", example.split("```console", 1)[0])[0]
        total = re.search(r"│ Total\s+│.*?\$([\d,.]+) │", example).group(1)
        assert Decimal(total.replace(",", "")) == Decimal(by_hand.replace(",", "")), example[:80]


def test_a_transcript_that_changed_is_found(tmp_path, monkeypatch):
    """docs/generate.py --check fails when a console block's output is not what the program prints."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    from claude_cost.cli import build

    text = "```console\n$ claude-cost estimate --model haiku-4.5 --input-tokens 3700 --repeat 10000 -q\n36.99\n```\n"
    made = generate.with_transcripts(text, build(), tmp_path)
    assert made != text and "\n37\n" in made
    assert generate.with_transcripts(made, build(), tmp_path) == made
    bad = "```console\n$ claude-cost estimate --model haiku-9 --input-tokens 1\n```\n"
    assert "[exit 2]" in generate.with_transcripts(bad, build(), tmp_path)
