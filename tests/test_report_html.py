"""The spend report (issue 23): `usage --what-if` worked out by hand, and the self-contained
HTML page opened in a real headless Chromium (the system's, driven by Playwright) with every
network request blocked: no request, no console error, charts drawn, the total as in the JSON,
hostile names shown as text, screenshots at 1280 and 390 px that are not blank."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import open_page


def write(path: Path, docs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def rec(model, inp, out, **usage):
    return {"type": "message", "model": model, "timestamp": "2026-11-20T10:00:00Z",
            "usage": {"input_tokens": inp, "output_tokens": out, **usage}}  # fmt: skip


# ---------------------------------------------------------------- what-if, by hand


def test_what_if_by_hand(cli, tmp_path):
    path = write(tmp_path / "calls.jsonl", [
        rec("claude-sonnet-4-6", 10_000, 1_000),  # 10,000 x $3 + 1,000 x $15 = $0.045
        rec("claude-sonnet-4-6", 10_000, 1_000, service_tier="batch"),  # half: $0.0225
        rec("claude-sonnet-4-6", 10_000, 1_000, inference_geo="us"),  # x1.1: $0.0495
        rec("claude-opus-5", 1_000, 100, speed="fast"),  # fast $10 / $50: 10,000 + 5,000 = $0.015
    ])  # fmt: skip
    doc = cli.json("usage", path, "--what-if")
    assert Decimal(doc["total_usd"]) == Decimal("0.132")
    got = {w["change"]: w for w in doc["what_if"]}
    batch = got["all on the Batch API (what was batched stays)"]
    # 0.0225 + 0.0225 (stays) + 0.045 x 0.5 x 1.1 + Opus 5 standard batched (1,000 x 5 + 100 x 25) / 2 / 1M
    assert (Decimal(batch["total_usd"]), Decimal(batch["saving_usd"]), batch["saving_pct"]) == (Decimal("0.0735"), Decimal("0.0585"), "44.3")
    assert "1 fast-mode request(s) batched at standard speed" in batch["notes"][0]
    assert Decimal(got["without US-only inference (inference_geo global)"]["total_usd"]) == Decimal("0.1275")
    assert Decimal(got["without fast mode"]["total_usd"]) == Decimal("0.1245")  # Opus 5 standard: $0.0075
    haiku = got["on Claude Haiku 5.5 (claude-haiku-5-5)"]
    # Haiku 5.5 ($0.10 / $0.50, v5 tokenizer). Sonnet 4.6 (v3) tokens x1.30 (x1.00–x1.47); Opus 5
    # (v5, the same tokenizer) as they are; its fast request at standard speed (no fast mode):
    # point 1,950 + 975 + 2,145 (us x1.1) + 150 = 5,220 per million
    assert Decimal(haiku["total_usd"]) == Decimal("0.00522")
    # low: 1,500 + 750 + 1,650 + 150; high: 2,205 + 1,102.5 + 2,425.5 + 150
    assert (Decimal(haiku["total_usd_low"]), Decimal(haiku["total_usd_high"])) == (Decimal("0.00405"), Decimal("0.005883"))
    assert Decimal(haiku["saving_usd_high"]) == Decimal("0.132") - Decimal("0.00405")
    assert any("fast-mode request(s) at standard speed" in n for n in haiku["notes"])
    assert [Decimal(w["total_usd"]) for w in doc["what_if"]] == sorted(Decimal(w["total_usd"]) for w in doc["what_if"])
    md = cli("usage", path, "--what-if", "--format", "markdown").stdout
    assert "**What if**" in md and "all on the Batch API (what was batched stays): $0.0735, saves $0.0585 (44.3%)" in md
    assert "What if" in cli("usage", path, "--what-if").stdout
    r = cli("usage", path, "--what-if", "--engine", "duckdb", code=2)
    assert "--what-if" in r.stderr


# ---------------------------------------------------------------- the page in a real browser


HOSTILE_MODEL = "<script>window.__pwned = 1</script>claude-evil"
HOSTILE_SESSION = "'><img src=x onerror='window.__pwned=2'>\u202egnp.exe"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A Claude Code projects folder whose names are hostile, beside plain logs; and its report."""
    from typer.testing import CliRunner

    from claude_cost.cli import app

    root = tmp_path_factory.mktemp("hostile")
    project = root / "projects" / "-home-<b>bold<b>-x"
    long_name = "n" * 600
    lines = []
    for i, model in enumerate(["claude-sonnet-4-6", "claude-opus-4-7", HOSTILE_MODEL, "claude-haiku-4-5"] * 3):
        lines.append({"type": "assistant", "sessionId": HOSTILE_SESSION if i % 2 else long_name, "requestId": f"req_{i}",
                      "timestamp": f"2026-11-{10 + i:02d}T10:00:00.000Z", "uuid": f"u{i}",
                      "message": {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": model, "content": [],
                                  "usage": {"input_tokens": 100 + i, "cache_read_input_tokens": 5000 * i, "output_tokens": 50 * (i + 1)}}})  # fmt: skip
    write(project / "s1.jsonl", lines)
    write(root / "odd 'quoted\" <file>.jsonl", [rec("claude-sonnet-4-6", 2000, 300), rec("claude-sonnet-4-6", 100, 10, service_tier="batch")])
    runner = CliRunner()
    env = {"NO_COLOR": "1", "XDG_CACHE_HOME": str(root / "cache")}
    page_path = root / "report.html"
    r = runner.invoke(app, ["usage", str(root / "projects"), str(root / "odd 'quoted\" <file>.jsonl"), "--format", "html", "-o", str(page_path)], env=env)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(runner.invoke(app, ["usage", str(root / "projects"), str(root / "odd 'quoted\" <file>.jsonl"), "--json"], env=env).stdout)
    return page_path, doc


def test_the_page_draws_offline_and_shows_the_json_total(browser, hostile_report):
    path, doc = hostile_report
    page, requests, errors = open_page(browser, path)
    page.wait_for_selector("body[data-drawn]", timeout=15000)
    assert requests == [path.resolve().as_uri()] and errors == []
    assert page.get_attribute("#total", "data-total-usd") == doc["total_usd"]
    assert page.text_content("#total-exact") == "$" + doc["total_usd"]
    for chart in ("chart-spend", "chart-classes", "chart-cache"):
        bars = page.evaluate(f"document.querySelectorAll('#{chart} .main-svg .point path, #{chart} .main-svg .points path').length")
        assert bars > 0, chart
    # one stacked series per priced model, one bar per day with priced traffic: the transcript's 9
    # (every fourth response is the unpriced hostile model) and the plain log's 2026-11-20
    assert page.evaluate("document.getElementById('chart-spend').data.length") == 3
    assert page.evaluate("document.getElementById('chart-spend').data[0].x.length") == 10
    png = page.screenshot(full_page=True)
    assert len(png) > 40_000
    page.close()


def test_hostile_names_are_text_and_run_nothing(browser, hostile_report):
    path, _ = hostile_report
    page, _, errors = open_page(browser, path, width=390, scheme="dark")
    page.wait_for_selector("body[data-drawn]", timeout=15000)
    assert page.evaluate("window.__pwned") is None and errors == []
    text = page.text_content("main")
    assert HOSTILE_MODEL in text  # listed as not priced, as text
    assert "window.__pwned=2" in text and "-home-<b>bold<b>-x" in text and "odd 'quoted\" <file>.jsonl" in text
    assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    assert page.evaluate("[...document.querySelectorAll('main b')].filter(b => b.textContent.includes('bold')).length") == 0
    # a very long name wraps instead of widening the page past a phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert len(page.screenshot(full_page=True)) > 40_000
    page.close()


def test_an_all_unpriced_input_says_so(cli, browser, tmp_path):
    path = write(tmp_path / "unknown.jsonl", [rec("claude-nonexistent-9", 10, 10)])
    out = tmp_path / "page.html"
    cli("usage", path, "--format", "html", "-o", out)
    page, requests, errors = open_page(browser, out)
    page.wait_for_load_state("load")
    assert errors == [] and len(requests) == 1
    assert "Nothing priced" in page.text_content("main") and "claude-nonexistent-9" in page.text_content("main")
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 0
    assert out.stat().st_size < 50_000  # no chart library when there is nothing to draw
    page.close()


def test_output_file_errors_and_atomic_replace(cli, tmp_path):
    path = write(tmp_path / "calls.jsonl", [rec("claude-sonnet-4-6", 10, 10)])
    r = cli("usage", path, "--format", "html", "-o", tmp_path / "no-such-dir" / "page.html", code=2)
    assert "no-such-dir" in r.stderr and "does not exist" in r.stderr and "Traceback" not in r.stderr
    existing = tmp_path / "page.html"
    existing.write_text("my old report")
    cli("usage", tmp_path / "missing.jsonl", "--format", "html", "-o", existing, code=2)
    assert existing.read_text() == "my old report"  # a failed run leaves it as it was
    cli("usage", path, "--format", "html", "-o", existing)
    assert existing.read_text().startswith("<!DOCTYPE html>") and not list(tmp_path.glob(".page.html.*"))
    r = cli("estimate", "--model", "sonnet-4.6", "--input-tokens", "1", "--format", "html", code=2)
    assert "--format html is for `usage` and `report`" in r.stderr



def test_an_output_file_keeps_its_link_and_its_permissions(cli, tmp_path):
    """-o onto a symbolic link writes the file it points to (the link stays a link); a report
    kept private (0600) stays private after it is rewritten; a folder where no file can be
    made is named as such, not as missing."""
    import os

    path = write(tmp_path / "calls.jsonl", [rec("claude-sonnet-4-6", 10, 10)])
    real = tmp_path / "shared" / "page.html"
    real.parent.mkdir()
    real.write_text("old")
    os.chmod(real, 0o600)
    link = tmp_path / "page.html"
    link.symlink_to(real)
    cli("usage", path, "--format", "html", "-o", link)
    assert link.is_symlink() and real.read_text().startswith("<!DOCTYPE html>")
    assert real.stat().st_mode & 0o777 == 0o600
    assert not list(real.parent.glob(".page.html.*")) and not list(tmp_path.glob(".page.html.*"))
    if os.path.isdir("/proc"):
        r = cli("usage", path, "--format", "html", "-o", "/proc/page.html", code=2)
        assert "cannot write in /proc" in r.stderr and "does not exist" not in r.stderr


def test_the_headline_is_to_the_cent_and_56_day_labels_are_whole(browser, tmp_path, cli):
    """Issue 33: the headline showed `$6,058.550468`, and a 56-day chart cut its labels to `2026-1`."""
    from datetime import date, timedelta

    lines = []
    for i in range(56 * 3):
        day = date(2026, 9, 1) + timedelta(days=i // 3)
        lines.append({"timestamp": f"{day.isoformat()}T10:00:00Z", "model": "claude-opus-4-7",
                      "usage": {"input_tokens": 1_000_001 + i, "output_tokens": 20_000 + 7 * i}})  # fmt: skip
    log = tmp_path / "56.jsonl"
    write(log, lines)
    page_path = tmp_path / "56.html"
    cli("usage", str(log), "--format", "html", "-o", str(page_path))
    total = Decimal(cli.json("usage", str(log), "--json")["total_usd"])
    page, _requests, errors = open_page(browser, page_path)
    page.wait_for_selector("body[data-drawn]", timeout=15000)
    assert errors == []
    cents = total.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert page.text_content("#total") == f"${cents:,}" and total != cents  # to the cent, exact beside it
    ticks = page.evaluate("""Array.from(document.querySelectorAll('#chart-spend .xtick text')).map(t => {
        const b = t.getBoundingClientRect(), box = document.getElementById('chart-spend').getBoundingClientRect();
        return [t.textContent, b.bottom <= box.bottom + 1 && b.left >= box.left - 1]; })""")
    assert len(ticks) >= 5
    assert all(re.fullmatch(r"2026-\d\d-\d\d", text) and inside for text, inside in ticks), ticks
