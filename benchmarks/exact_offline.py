"""Exact offline counts, whole process, side by side with raw ctok (issue 24).

Run: python benchmarks/exact_offline.py [--runs N] [--kinds english,code,...] [--no-big]

Texts are built from this machine, 100 KB (UTF-8) each: English (the licence texts in
/usr/share/common-licenses, then package copyright files), code (the Python standard library),
CJK (the Chinese and Japanese translation catalogs), other scripts (Russian, Arabic and Hindi
catalogs) and emoji (pictographs, skin tones, ZWJ families, flags, keycaps, with a few words).
Each becomes a one-message payload in a temporary folder.

For each kind it times, in turns, `claude-cost estimate PAYLOAD --count offline --json` and a
Python process that imports ctok and calls `ctok.token_count` on the same text (the floor a
user of ctok pays), and prints the medians, the ratio, each process's peak memory (its own
rusage), and whether the two counts agree. Then 1 MB of English and of CJK, and `compare` over
the three tokenizer families (v3, v4.7, v4.8) against one process making the three ctok calls.
The first run of claude-cost derives its tables from ctok (about a second, once per ctok
install) and is not counted.

Goals: 100 KB ≤ 0.2x raw ctok; 1 MB ≤ 1.5 s; peak memory ≤ 2x ctok's; compare of three
families ≤ 0.5x three ctok calls.
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAW_ONE = "import json, sys, ctok; t = json.load(open(sys.argv[1]))['messages'][0]['content']; print(ctok.token_count(t, sys.argv[2]))"
RAW_THREE = ("import json, sys, ctok; t = json.load(open(sys.argv[1]))['messages'][0]['content']; "
             "print(*[ctok.token_count(t, v) for v in ('3.0', '4.7', '4.8')])")  # fmt: skip


def _fill(parts: list[str], size: int) -> str:
    out, n = [], 0
    for p in parts:
        out.append(p)
        n += len(p.encode())
        if n >= size:
            break
    return "\n\n".join(out).encode()[:size].decode("utf-8", "ignore")


def _catalog(langs: tuple[str, ...]) -> list[str]:
    out = []
    for lang in langs:
        for mo in sorted(Path("/usr/share/locale").glob(f"{lang}/LC_MESSAGES/*.mo")):
            try:
                with open(mo, "rb") as fh:
                    catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
            except Exception:
                continue
            out += [v for v in catalog.values() if isinstance(v, str) and len(v) > 20]
    return out


def _read_all(paths: list[Path]) -> list[str]:
    out = []
    for p in paths:
        try:
            out.append(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def texts(size: int) -> dict[str, str]:
    english = _read_all(sorted(p for p in Path("/usr/share/common-licenses").glob("*") if p.is_file()))
    english += _read_all(sorted(Path("/usr/share/doc").glob("*/copyright")))
    code = _read_all(sorted(Path(sys.base_prefix, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}").glob("*.py")))
    rng = random.Random(24)
    pictographs = [chr(c) for c in range(0x1F300, 0x1FAFF) if chr(c).isprintable()]
    extras = ["👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "🇯🇵", "1\ufe0f\u20e3", "❤\ufe0f", "🏳\ufe0f\u200d🌈", "🧑🏿\u200d🚀"]
    words = "great thanks so fun party time ok merci".split()
    emoji = " ".join(rng.choice(extras) if rng.random() < 0.2 else rng.choice(pictographs) if rng.random() < 0.7 else rng.choice(words)
                     for _ in range(size))  # fmt: skip
    kinds = {
        "english": _fill(english, size),
        "code": _fill(code, size),
        "cjk": _fill(_catalog(("zh_CN", "ja", "zh_TW")), size),
        "other scripts": _fill([x for trio in zip(_catalog(("ru",)), _catalog(("ar",)), _catalog(("hi",))) for x in trio], size),
        "emoji": _fill([emoji], size),
    }
    return {k: v for k, v in kinds.items() if len(v.encode()) >= size * 0.9}


def make_payloads(folder: Path, size: int, suffix: str) -> None:
    """Write one payload per kind (in a process of its own: see `run`)."""
    for kind, text in texts(size).items():
        body = {"model": "claude-sonnet-4-6", "max_tokens": 1000, "messages": [{"role": "user", "content": text}]}
        (folder / f"{kind.replace(' ', '_')}{suffix}.json").write_text(json.dumps(body))


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MiB) and stdout of one run. A child's peak counts what it
    shares with this process until it starts the command, so this process keeps no texts."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out


def pair(ours: list[str], theirs: list[str], runs: int, env: dict[str, str]) -> dict:
    run(ours, env)  # derive the tables once; warm the file cache
    run(theirs, env)
    a, b, ma, mb = [], [], [], []
    out_a = out_b = ""
    for _ in range(runs):
        wall, mem, out_a = run(ours, env)
        a.append(wall)
        ma.append(mem)
        wall, mem, out_b = run(theirs, env)
        b.append(wall)
        mb.append(mem)
    ratios = [x / y for x, y in zip(a, b)]
    return {"ours": statistics.median(a), "ctok": statistics.median(b), "ratio": statistics.median(ratios),
            "mem_ours": max(ma), "mem_ctok": max(mb), "out_ours": out_a, "out_ctok": out_b}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kinds", default="english,code,cjk,other scripts,emoji")
    parser.add_argument("--no-big", action="store_true", help="skip the 1 MB texts")
    parser.add_argument("--make-payloads", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_payloads:
        make_payloads(Path(args.make_payloads), 100_000, "")
        if not args.no_big:
            make_payloads(Path(args.make_payloads), 1_000_000, "-1mb")
        return
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or shutil.which("claude-cost")
    if exe is None:
        sys.exit("claude-cost is not installed in this environment (pip install .)")
    try:
        import ctok  # noqa: F401
    except ImportError:
        sys.exit("ctok is not installed (README: pip install --ignore-requires-python ctok==1.3.0)")
    env = dict(os.environ)
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run writes the byte code a pip install would have
    folder = Path(tempfile.mkdtemp(prefix="claude-cost-bench-"))
    try:
        subprocess.run([sys.executable, __file__, "--make-payloads", str(folder)] + (["--no-big"] if args.no_big else []), check=True)
        print(f"{'100 KB':<16} {'claude-cost':>12} {'raw ctok':>9} {'ratio':>6} {'goal':>6}  {'memory MiB (ours/ctok)':>24}  counts")
        for kind in args.kinds.split(","):
            path = folder / f"{kind.replace(' ', '_')}.json"
            if not path.exists():
                print(f"{kind:<16} (this machine has too little of it)")
                continue
            r = pair([exe, "estimate", str(path), "--count", "offline", "--json"], [sys.executable, "-c", RAW_ONE, str(path), "3.0"], args.runs, env)
            same = json.loads(r["out_ours"])["prompt_tokens"] == int(r["out_ctok"])
            print(f"{kind:<16} {r['ours'] * 1000:>10.0f}ms {r['ctok'] * 1000:>7.0f}ms {r['ratio']:>6.3f} {'0.2':>6}  "
                  f"{r['mem_ours']:>11.1f} / {r['mem_ctok']:<10.1f}  {'equal' if same else 'DIFFERENT'}")  # fmt: skip
        if not args.no_big:
            for kind in ("english", "cjk"):
                path = folder / f"{kind}-1mb.json"
                if not path.exists():
                    continue
                r = pair([exe, "estimate", str(path), "--count", "offline", "--json"], [sys.executable, "-c", RAW_ONE, str(path), "3.0"], max(2, args.runs // 2), env)
                same = json.loads(r["out_ours"])["prompt_tokens"] == int(r["out_ctok"])
                print(f"1 MB {kind:<11} {r['ours']:>10.2f}s {r['ctok']:>7.2f}s {r['ratio']:>6.3f} {'1.5 s':>6}  "
                      f"{r['mem_ours']:>11.1f} / {r['mem_ctok']:<10.1f}  {'equal' if same else 'DIFFERENT'}")  # fmt: skip
        for kind in ("english", "code", "cjk"):
            path = folder / f"{kind}.json"
            if not path.exists():
                continue
            r = pair([exe, "compare", str(path), "--models", "sonnet-4.6,opus-4.7,opus-4.8", "--count", "offline", "--json"],
                     [sys.executable, "-c", RAW_THREE, str(path)], args.runs, env)  # fmt: skip
            rows = {row["model"]: row["prompt_tokens"] for row in json.loads(r["out_ours"])["rows"]}
            same = [rows["claude-sonnet-4-6"], rows["claude-opus-4-7"], rows["claude-opus-4-8"]] == [int(x) for x in r["out_ctok"].split()]
            print(f"compare×3 {kind:<6} {r['ours'] * 1000:>10.0f}ms {r['ctok'] * 1000:>7.0f}ms {r['ratio']:>6.3f} {'0.5':>6}  "
                  f"{r['mem_ours']:>11.1f} / {r['mem_ctok']:<10.1f}  {'equal' if same else 'DIFFERENT'}")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
