"""The HTML spend report (issue 23) for 1,000,000 usage records: how long `usage --format html`
takes, the page's size, and how long headless Chromium takes to open and draw it (from the
navigation's start until every chart is drawn), the page opened from a file with every network
request refused.

Run: python benchmarks/html_report.py [--records N]   (needs the html and test extras, and Chromium)
Goal: the page opens and draws in under 2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rich_records import write_rich  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "usage.jsonl"
        write_rich(log, args.records)
        page_path = Path(tmp) / "report.html"
        t = time.perf_counter()
        subprocess.run([exe, "usage", str(log), "--format", "html", "-o", str(page_path)], check=True, capture_output=True)
        made = time.perf_counter() - t
        print(f"{args.records:,} records ({log.stat().st_size / 1e6:.0f} MB): page made in {made:.1f} s, {page_path.stat().st_size / 1e6:.2f} MB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            times = []
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                t = time.perf_counter()
                page.goto(page_path.as_uri())
                page.wait_for_selector("body[data-drawn]", timeout=30_000)
                times.append(time.perf_counter() - t)
                drawn = float(page.get_attribute("body", "data-drawn") or 0) / 1000
                page.close()
            browser.close()
        print(f"open and draw: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
              f"the page's own clock at the last chart: {drawn:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
