"""The offline methods per script group, with ctok as the teacher: how far the fitted estimate
is from ctok's count, and how often ctok's count is inside the fitted range.

Run: python benchmarks/multilingual.py [--per-group N]
The corpus is built on this machine: the translated strings of the gettext catalogs the system
packages ship (/usr/share/locale/*/LC_MESSAGES/*.mo, grouped by their dominant Unicode script;
the English source strings too), emoji and ZWJ sequences and symbols generated from
`unicodedata`. Needs ctok (README). Goals (issue 14): fitted median absolute error <= 10% and
range coverage >= 90% in every group.
"""

from __future__ import annotations

import argparse
import gettext
import random
import statistics
import sys
import unicodedata
from pathlib import Path

GROUPS = {
    "English": ("ENGLISH",), "Latin (other)": ("LATIN",), "Cyrillic": ("CYRILLIC",), "Greek": ("GREEK",),
    "Arabic/Hebrew": ("ARABIC", "HEBREW", "SYRIAC", "THAANA"),
    "Indic": ("DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA"),
    "Southeast Asian": ("THAI", "LAO", "KHMER", "MYANMAR", "TAI"), "CJK": ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"),
    "Other scripts": ("ETHIOPIC", "ARMENIAN", "GEORGIAN", "TIBETAN", "MONGOLIAN", "CHEROKEE", "CANADIAN"),
}  # fmt: skip


def script_of(text: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            word = unicodedata.name(ch, "?").split(" ")[0]
            counts[word] = counts.get(word, 0) + 1
    if not counts:
        return None
    top = max(counts, key=counts.get)  # type: ignore[arg-type]
    for group, names in GROUPS.items():
        if top in names and group != "English":
            return group
    return None


def corpus(per_group: int, rng: random.Random) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {g: [] for g in GROUPS}
    english: list[str] = []
    for mo in sorted(Path("/usr/share/locale").glob("*/LC_MESSAGES/*.mo")):
        try:
            with open(mo, "rb") as fh:
                catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        except Exception:
            continue
        strings = [v for k, v in catalog.items() if isinstance(k, str) and k and isinstance(v, str) and len(v) > 3]
        english += [k for k in catalog if isinstance(k, str) and len(k) > 3]
        if not strings:
            continue
        rng.shuffle(strings)
        chunk = " ".join(strings[:40])[: rng.randint(80, 1200)]
        group = script_of(chunk)
        if group:
            texts[group].append(chunk)
    rng.shuffle(english)
    texts["English"] = [" ".join(english[i : i + 30])[:800] for i in range(0, min(len(english), 30 * per_group), 30)]
    emoji = [chr(c) for c in range(0x1F300, 0x1FAFF) if unicodedata.category(chr(c)) == "So"]
    zwj = ["👩\u200d💻", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "🧑🏽\u200d🚀"]
    texts["Emoji"] = [" ".join(rng.choice(emoji + zwj) + (" great" if rng.random() < 0.3 else "") for _ in range(rng.randint(5, 60)))
                      for _ in range(per_group)]  # fmt: skip
    symbols = [chr(c) for c in range(0x2000, 0x2BFF) if unicodedata.category(chr(c)) in ("Sm", "So")]
    texts["Symbols"] = ["".join(rng.choice(symbols) + rng.choice(["", " ", "x", "1"]) for _ in range(rng.randint(10, 200))) for _ in range(per_group)]
    return {g: v[:per_group] for g, v in texts.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-group", type=int, default=80)
    args = parser.parse_args()
    try:
        import ctok
    except ImportError:
        sys.exit("needs ctok: pip install --ignore-requires-python ctok==1.3.0")
    from claude_cost.counting.offline import CTOK_FRAME, estimate_text

    rng = random.Random(5)
    data = corpus(args.per_group, rng)
    print(f"{'group':<16} {'n':>4}  " + "  ".join(f"{f'{fam} med err':>12} {'in range':>8}" for fam in ("v3", "v4.7")))
    for group, texts in data.items():
        cells = []
        for fam, ver in (("v3", "3.0"), ("v4.7", "4.7")):
            errs, inside = [], 0
            for t in texts:
                truth = ctok.token_count(t, ver) - CTOK_FRAME[ver]
                est = estimate_text(t, fam)
                errs.append(abs(est.tokens - truth) / max(truth, 1))
                inside += est.low <= truth <= est.high
            cells.append(f"{statistics.median(errs):>12.1%} {inside / len(texts):>8.0%}")
        print(f"{group:<16} {len(texts):>4}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
