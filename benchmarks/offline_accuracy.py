"""Accuracy of the offline estimator against real recorded count_tokens results.

Run: python benchmarks/offline_accuracy.py [--data DIR] [--fit]

For each tokenizer family (v3: Claude 3 … Opus 4.6 / Sonnet 4.6 / Haiku 4.5; v4.7: Opus 4.7;
v5: Opus 4.8 and later) and each data set it prints the median and p90 absolute % error of the
point estimate, the share of real counts inside the printed low–high range, and the median
range width. The calibration set (shared/data/token-calibration, recorded by the ctok project)
is code; the "published" rows check prose, other scripts and JSON against the characters-per-token
figures in shared/reference/offline-token-estimation.md §3.2 (published ratios, not recorded
counts: a coarse check, not a calibration).

--fit refits the chunk-class costs by least squares on a deterministic half of the Rosetta set
(ids whose hash is even) and prints them; the other half and MultiPL-E stay held out.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claude_cost.counting import offline  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "token-calibration"
MODEL = {"v3": "claude-opus-4-5", "v4.7": "claude-opus-4-7", "v5": "claude-opus-5"}


def load(data: Path, name: str, key: str) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    texts = {}
    with gzip.open(data / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts[row[key]] = row["text"]
    counts = json.loads((data / f"{name}_counts.json").read_text())
    return texts, {fam: v["counts"] for fam, v in counts.items()}


def held_out(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] % 2 == 1


def evaluate(rows: list[tuple[str, int]], family: str) -> dict[str, float]:
    errs, inside, widths = [], 0, []
    for text, real in rows:
        est = offline.estimate_body({"model": MODEL[family], "messages": [{"role": "user", "content": text}]}, family)
        errs.append(abs(est.tokens - real) / real * 100)
        inside += est.low <= real <= est.high
        widths.append((est.high - est.low) / max(est.tokens, 1) * 100)
    errs.sort()
    return {
        "n": len(rows),
        "median": statistics.median(errs),
        "p90": errs[int(0.9 * (len(errs) - 1))],
        "coverage": inside / len(rows) * 100,
        "width": statistics.median(widths),
    }


# Published characters-per-token (offline-token-estimation.md §3.2) → expected token ranges.
PUBLISHED = {
    # name: (text, {family: (chars_per_token_low, chars_per_token_high)})
    "English prose": (
        "The committee met on Tuesday to review the proposal for the new library. After a long discussion "
        "about the budget, the schedule and the design, the members agreed to ask the architect for a second "
        "draft that keeps the reading room but reduces the cost of the roof. The vote will take place next month.",
        {"v3": (4.0, 5.1), "v4.7": (3.3, 3.7), "v5": (3.3, 3.7)},
    ),
    "Chinese": (
        "委员会星期二开会审议新图书馆的提案。经过关于预算、进度和设计的长时间讨论，成员们同意请建筑师提交第二稿，保留阅览室，但降低屋顶的成本。投票将于下个月进行。",
        {"v3": (0.8, 1.0), "v4.7": (0.8, 1.0), "v5": (0.8, 1.0)},
    ),
    "Japanese": (
        "委員会は火曜日に新しい図書館の提案を検討するために集まりました。予算、日程、設計について長い議論の後、メンバーは閲覧室を残しつつ屋根の費用を減らす第二案を建築家に求めることに合意しました。",
        {"v3": (0.95, 1.15), "v4.7": (0.95, 1.15), "v5": (0.95, 1.15)},
    ),
}


def published_rows(family: str) -> list[tuple[str, int, int]]:
    out = []
    for name, (text, cpt) in PUBLISHED.items():
        lo, hi = cpt[family]
        out.append((name, round(len(text) / hi), round(len(text) / lo)))
    return out


# Fixed priors for what the code-only calibration set cannot teach (notes §3.2): CJK about 0.9
# characters per token on every family; other non-Latin scripts about 2.2 (Russian, Arabic,
# Hindi vary widely: hence the wide "script" band).
PRIORS = {"cjk": 1.1, "other": 0.45}
BAND_PRIORS = {"prose": [0.8, 1.25], "script": [0.6, 1.6]}
FRAME = {"v3": 7, "v4.7": 11, "v5": 6}


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                k = m[r][col] / m[col][col]
                m[r] = [x - k * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]


def fit_family(rows: list[tuple[str, int]], family: str) -> list[float]:
    """Weighted least squares (relative error) of content tokens on the chunk features, with
    non-negative weights (a feature whose weight comes out negative is dropped and the fit redone)."""
    names = offline.FEATURES
    fixed = {names.index(k): v for k, v in PRIORS.items()}
    data = []
    for text, real in rows:
        f = offline.features(text)
        y = real - FRAME[family] - sum(f[i] * v for i, v in fixed.items())
        data.append((f, y, 1.0 / max(real, 1) ** 2))
    active = [i for i in range(len(names)) if i not in fixed]
    while True:
        a = [[sum(w * f[i] * f[j] for f, _, w in data) + (1e-9 if i == j else 0) for j in active] for i in active]
        b = [sum(w * f[i] * y for f, y, w in data) for i in active]
        sol = dict(zip(active, _solve(a, b)))
        negative = [i for i, v in sol.items() if v < 0]
        if not negative:
            break
        active.remove(min(negative, key=lambda i: sol[i]))
    return [round(sol.get(i, fixed.get(i, 0.0)), 4) for i in range(len(names))]


def fit_bands(rows: list[tuple[str, int]], family: str) -> dict[str, list[float]]:
    """Ratios real/estimate at the 3rd and 97th percentiles, per content class, on the fit rows."""
    ratios: dict[str, list[float]] = {"code": [], "short": []}
    for text, real in rows:
        est = offline.estimate_text(text, family).tokens
        content = real - FRAME[family]
        if est <= 0 or content <= 0:
            continue
        cls = "short" if est < 50 else offline.content_class(text, offline.features(text))
        if cls in ratios:
            ratios[cls].append(content / est)
    bands = dict(BAND_PRIORS)
    for cls, vals in ratios.items():
        vals.sort()
        lo, hi = vals[int(0.03 * (len(vals) - 1))], vals[int(0.97 * (len(vals) - 1))]
        bands[cls] = [round(lo, 3), round(hi, 3)]
    return bands


def fit(rosetta: dict[str, str], counts: dict[str, dict[str, int]]) -> None:
    out_path = ROOT / "claude_cost" / "data" / "offline.json"
    model: dict[str, object] = {
        "source": "fitted by benchmarks/offline_accuracy.py --fit on the fit half of the Rosetta Code counts "
        "recorded by the ctok project (MIT); priors for CJK/other scripts and prose/script bands from "
        "shared/reference/offline-token-estimation.md section 3.2",
        "date": time.strftime("%Y-%m-%d"),
        "features": list(offline.FEATURES),
        "weights": {},
        "bands": {},
    }
    for family in ("v3", "v4.7", "v5"):
        rows = [(rosetta[k], c) for k, c in counts[family].items() if not held_out(k)]
        model["weights"][family] = fit_family(rows, family)  # type: ignore[index]
        out_path.write_text(json.dumps(model, indent=1) + "\n")
        offline._MODEL = None
        model["bands"][family] = {"code": [0.8, 1.2], "short": [0.6, 1.5], **BAND_PRIORS}  # type: ignore[index]
        out_path.write_text(json.dumps(model, indent=1) + "\n")
        offline._MODEL = None
        model["bands"][family] = fit_bands(rows, family)  # type: ignore[index]
        out_path.write_text(json.dumps(model, indent=1) + "\n")
        offline._MODEL = None
        print(family, dict(zip(offline.FEATURES, model["weights"][family])), model["bands"][family])  # type: ignore[index]
    print(f"wrote {out_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--fit", action="store_true", help="refit data/offline.json before measuring")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"calibration data not found at {args.data} (pass --data DIR)")
    rosetta, rosetta_counts = load(args.data, "rosetta", "id")
    multipl, multipl_counts = load(args.data, "multipl_e", "lang")
    if args.fit:
        fit(rosetta, rosetta_counts)

    print(f"{'family':6} {'set':22} {'n':>5} {'median%':>8} {'p90%':>7} {'in range%':>10} {'width%':>7}")
    for family in ("v3", "v4.7", "v5"):
        sets = {
            "rosetta (fit half)": [(rosetta[k], c) for k, c in rosetta_counts[family].items() if not held_out(k)],
            "rosetta (held out)": [(rosetta[k], c) for k, c in rosetta_counts[family].items() if held_out(k)],
            "multipl-e (held out)": [(multipl[k], c) for k, c in multipl_counts[family].items()],
            "short (<100 tokens)": [(rosetta[k], c) for k, c in rosetta_counts[family].items() if c < 100],
        }
        for name, rows in sets.items():
            r = evaluate(rows, family)
            print(f"{family:6} {name:22} {r['n']:5d} {r['median']:8.1f} {r['p90']:7.1f} {r['coverage']:10.1f} {r['width']:7.1f}")
        for name, lo, hi in published_rows(family):
            text = PUBLISHED[name][0]
            est = offline.estimate_text(text, family)
            overlap = est.low <= hi and est.high >= lo
            print(f"{family:6} {'published: ' + name:22}     1  point {est.tokens:4d}, range {est.low}–{est.high}; published {lo}–{hi}: {'overlaps' if overlap else 'MISSES'}")

    # speed: a 100 KB payload, after the first call
    text = "\n".join(rosetta[k] for k in list(rosetta)[:200])[:100_000]
    body = {"model": "claude-opus-4-7", "messages": [{"role": "user", "content": text}]}
    offline.estimate_body(body, "v4.7")
    t = time.perf_counter()
    for _ in range(5):
        offline.estimate_body(body, "v4.7")
    print(f"\nspeed: {len(text) / 1000:.0f} KB payload estimated in {(time.perf_counter() - t) / 5 * 1000:.1f} ms (after the first call)")


if __name__ == "__main__":
    main()
