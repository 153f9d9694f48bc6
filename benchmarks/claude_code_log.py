"""Price a Claude Code projects folder of 1,000,000 transcript lines (about 40% of them repeated
response lines: one per content block, streamed partial then final, resumed-session copies).

Run: python benchmarks/claude_code_log.py [--lines N]
Goal: 1,000,000 lines in <= 5 s wall, memory growing only with the distinct responses (the
dedup keys), not with the lines: the run is repeated at N/10 lines to compare.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ["claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"]


def write_projects(root: Path, lines: int) -> tuple[int, int, int]:
    """Write transcripts until `lines` lines; returns (lines, response lines, distinct responses)."""
    rng = random.Random(11)
    written = responses = distinct = 0
    session_no = 0
    while written < lines:
        session_no += 1
        sid = f"s{session_no:06d}"
        project = root / f"-home-dev-repo{session_no % 40}"
        project.mkdir(parents=True, exist_ok=True)
        out: list[str] = []
        kept: list[str] = []
        for r in range(rng.randint(20, 120)):
            ts = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00.000Z"
            out.append(json.dumps({"type": "user", "sessionId": sid, "uuid": f"{sid}-u{r}", "timestamp": ts,
                                   "message": {"role": "user", "content": "please refactor the parser " * rng.randint(1, 8)}}))  # fmt: skip
            usage = {"input_tokens": rng.randint(1, 3000), "cache_creation_input_tokens": rng.choice([0, 0, 1500]),
                     "cache_read_input_tokens": rng.randint(0, 60_000), "output_tokens": rng.randint(1, 2000), "service_tier": "standard"}  # fmt: skip
            model = rng.choice(MODELS)
            blocks = rng.choice([1, 2, 2, 3, 3, 4])
            distinct += 1
            for b in range(blocks):
                u = dict(usage) if b == blocks - 1 else {**usage, "output_tokens": rng.randint(1, usage["output_tokens"])}
                doc = {"parentUuid": f"{sid}-u{r}", "isSidechain": False, "sessionId": sid, "type": "assistant", "uuid": f"{sid}-a{r}-{b}",
                       "timestamp": ts, "requestId": f"req_{sid}_{r}", "cwd": "/home/dev/repo", "version": "2.0.14",
                       "message": {"id": f"msg_{sid}_{r}", "type": "message", "role": "assistant", "model": model,
                                   "content": [{"type": "text", "text": "Here is the change. " * rng.randint(1, 6)}], "usage": u}}  # fmt: skip
                text = json.dumps(doc)
                out.append(text)
                responses += 1
                if b == blocks - 1:
                    kept.append(text)
        (project / f"{sid}.jsonl").write_text("\n".join(out) + "\n")
        written += len(out)
        if session_no % 3 == 0:  # a resumed session: earlier responses copied into a new file
            copies = kept[: len(kept) // 2]
            (project / f"{sid}-resumed.jsonl").write_text("\n".join(copies) + "\n")
            written += len(copies)
            responses += len(copies)
    return written, responses, distinct


def run(exe: str, folder: Path) -> tuple[float, float]:
    t = time.perf_counter()
    subprocess.run([exe, "usage", "--claude-code", str(folder), "--json", "--group-by", "project"], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.lines // 10, args.lines):
            folder = Path(tmp) / f"projects-{n}"
            lines, response_lines, distinct = write_projects(folder, n)
            dup = (response_lines - distinct) / lines
            wall, peak = run(exe, folder)
            print(f"{lines:>9,} lines ({response_lines:,} response lines, {distinct:,} distinct responses, {dup:.0%} of lines repeats): "
                  f"{wall:.2f} s, {lines / wall:,.0f} lines/s, peak RSS so far {peak:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
