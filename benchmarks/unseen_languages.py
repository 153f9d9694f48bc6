"""The fitted offline estimate on languages it has never seen (issue 33), and the ranges that
hold for them.

Every long text (running text, LONG_TEXT characters and more) of the machine's corpus
(benchmarks/corpus.py: translated manual pages and catalogs, ~120 languages) is estimated by
weights fitted without it:

- **language held out**: the text's whole language is left out of the fit, its short catalog
  strings too;
- **family held out**: its whole language family is (FAMILY below: Romance, Slavic, Bantu,
  Austronesian, Indo-Aryan, …); for a language whose family has no other member here, that is
  its language alone.

For each, per script group and per family: the median absolute error of the point, and the share
of texts whose low–high range holds ctok's count, where the range a held-out unit is given is
made from the other units' residuals only (so it too has never seen the language or family).

--write refits the running-text part of claude_cost/data/offline.json as measured here: the
`CLASS:long` weights on every long text, the `CLASS:long` ranges from the family-held-out
residuals of every unit (the 2.5th–97.5th percentile of real/estimate, per class), and the
`novelty` widening (see counting/offline.py): a text whose letter pairs the corpus rarely or never
has is flagged low-confidence and its range widened by the factor measured here on the held-out
texts that were that novel.

Run: python benchmarks/unseen_languages.py [--write]   (needs ctok as the teacher, and numpy)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402

from claude_cost.counting import offline  # noqa: E402

#: ISO 639 language → family (genetic; creoles, constructed languages and isolates are their own).
FAMILY = {
    **dict.fromkeys("an ast ca es fr frp fur gl it lad oc pt ro sc wa mo".split(), "Romance"),
    **dict.fromkeys("af da de en fo fy is li lb nb nds nl nn no sv yi bar ang".split(), "Germanic"),
    **dict.fromkeys("br cy ga gd gv kw".split(), "Celtic"),
    **dict.fromkeys("be bg bs cs csb hr mk pl ru sk sl sr uk rue".split(), "Slavic"),
    **dict.fromkeys("lt lv".split(), "Baltic"),
    **dict.fromkeys("et fi hu kv mhr se".split(), "Uralic"),
    **dict.fromkeys("az ba crh cv kk ky tk tr tt ug uz".split(), "Turkic"),
    **dict.fromkeys("as bn dv gu hi kok mai mr ne or pa sd si ur".split(), "Indo-Aryan"),
    **dict.fromkeys("kn ml ta te".split(), "Dravidian"),
    **dict.fromkeys("ckb fa kmr ku os ps tg".split(), "Iranian"),
    **dict.fromkeys("am ar gez he mt ti tig".split(), "Semitic"),
    **dict.fromkeys("ha".split(), "Chadic"),
    **dict.fromkeys("kab tzm".split(), "Berber"),
    **dict.fromkeys("byn so wal".split(), "Cushitic"),
    **dict.fromkeys("ak ee ff ig kg ki lg nso rw sw ve wo xh yo zu".split(), "Niger-Congo"),
    **dict.fromkeys("ch fil id mg mi ms na tl haw".split(), "Austronesian"),
    **dict.fromkeys("bo dz my zh".split(), "Sino-Tibetan"),
    **dict.fromkeys("km vi".split(), "Austroasiatic"),
    **dict.fromkeys("lo th".split(), "Tai-Kadai"),
    **dict.fromkeys("eo ia ie io".split(), "Constructed"),
    "el": "Greek", "hy": "Armenian", "sq": "Albanian", "ka": "Kartvelian", "eu": "Basque", "ja": "Japonic", "ko": "Koreanic",
    "mn": "Mongolic", "ab": "Northwest Caucasian", "ce": "Northeast Caucasian", "nv": "Na-Dene", "qu": "Quechuan",
}  # fmt: skip
FAMILIES = ("v3", "v4.7", "v5")
#: In the running-text fit a language of n texts has each weigh LANGUAGE_WEIGHT / n (at most 4x).
LANGUAGE_WEIGHT = 30
CLASSES = [c for c in offline.CLASSES]


def family_of(lang: str) -> str:
    return FAMILY.get(lang, f"({lang})")


# ---------------------------------------------------------------- data


def prepare(short: list[tuple[str, str | None]], long: list[tuple[str, str, str, str]], split: dict[tuple[str, str], str]) -> dict:
    """The long texts (language, document, split, group, class, features, spelling keys) and the
    short rows the weights are fitted on (language or None, class, features, keys), with ctok's
    counts per tokenizer family."""
    truth_long = corpus.teacher_counts([t for _, _, _, t in long])
    truth_short = corpus.teacher_counts([t for t, _ in short])
    data: dict[str, list[dict]] = {"long": [], "short": []}
    for group, lang, doc, text in long:
        f = offline.features(text)
        data["long"].append({"lang": lang, "doc": doc, "split": split[(lang, doc)], "group": group, "cls": offline.content_class(text, f),
                             "f": f, "text": text, "keys": offline.spelling_keys(text), "y": {fam: truth_long[fam][text] for fam in FAMILIES}})  # fmt: skip
    for text, lang in short:
        f = offline.features(text)
        data["short"].append({"lang": lang, "cls": offline.content_class(text, f), "f": f, "keys": offline.spelling_keys(text), "text": text,
                              "long": len(text) >= offline.LONG_TEXT,
                              "y": {fam: truth_short[fam][text] for fam in FAMILIES}})  # fmt: skip
    return data


def load() -> dict:
    """What `offline_accuracy.py --fit` fits on: the short corpus's "fit" rows without the
    languages and documents the long-text test holds out, and the long texts (all splits)."""
    long = corpus.all_long()
    split = corpus.hold_out(long)
    rows, _ = corpus.corpus_rows(held_out_long=True)
    short = [(t, corpus.LANGUAGE_OF.get(t)) for _, t in rows if corpus.split(t) == "fit"]
    return prepare(short, long, split)


# ---------------------------------------------------------------- the fit, in numpy, with units left out


def wls(g: np.ndarray, h: np.ndarray, prior: np.ndarray | None, ridge: float) -> np.ndarray:
    """Non-negative weighted least squares from the normal equations, shrunk to `prior`: a weight that
    comes out negative is pinned at 0 and the rest refitted."""
    n = len(h)
    active = list(range(n))
    while True:
        idx = np.array(active)
        a = g[np.ix_(idx, idx)] + np.eye(len(idx)) * (ridge if prior is not None else 1e-9)
        b = h[idx] + (ridge * prior[idx] if prior is not None else 0.0)
        try:
            sol = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            sol = np.linalg.lstsq(a, b, rcond=None)[0]
        if (sol >= 0).all():
            out = np.zeros(n)
            out[idx] = sol
            return np.round(out, 4)
        active.remove(active[int(np.argmin(sol))])


class Grams:
    """Normal equations per (class, language) for the short rows and per long text, summed on
    demand without the units held out."""

    def __init__(self, data: dict, fam: str) -> None:
        n = len(offline.FEATURES)
        self.n = n
        self.short: dict[str, dict[str | None, list]] = {c: {} for c in CLASSES}  # cls -> lang -> [G, H, W, count]
        for r in data["short"]:
            y = r["y"][fam]
            if y <= 0:
                continue
            f = np.array(r["f"])
            w = 1.0 / y**2
            acc = self.short[r["cls"]].setdefault(r["lang"], [np.zeros((n, n)), np.zeros(n), 0.0, 0])
            acc[0] += w * np.outer(f, f)
            acc[1] += w * f * y
            acc[2] += w
            acc[3] += 1
        self.long = []
        # running text: the long texts of the fit's languages, and the short corpus's rows that are as
        # long (source files, mostly: code's running-text weights come from them)
        running = [r for r in [*data["long"], *(r for r in data["short"] if r["long"])] if r.get("split") != "test" and r["y"][fam] > 0]
        texts_of: dict[str | None, int] = {}
        for r in running:
            texts_of[r["lang"]] = texts_of.get(r["lang"], 0) + 1
        for r in running:
            y = r["y"][fam]
            f = np.array(r["f"])
            # each language weighs about the same (a language of 3 texts as much as one of 30): the
            # weights of a class are not just those of its best-provided languages
            w = 1.0 / y**2 * (LANGUAGE_WEIGHT / max(texts_of[r["lang"]], LANGUAGE_WEIGHT / 4) if r["lang"] else 1.0)
            self.long.append((r["lang"], r["cls"], w * np.outer(f, f), w * f * y, w))

    def fit(self, without: set[str], ridge_class: float = 0.02, ridge_long: float = 0.02) -> dict[str, np.ndarray]:
        n = self.n
        per_class = {}
        for cls, by_lang in self.short.items():
            parts = [v for lang, v in by_lang.items() if lang not in without]
            g = sum((p[0] for p in parts), np.zeros((n, n)))
            h = sum((p[1] for p in parts), np.zeros(n))
            per_class[cls] = (g, h, sum(p[2] for p in parts), sum(p[3] for p in parts))
        g_all, h_all = np.zeros((n, n)), np.zeros(n)
        for cls, (g, h, _, count) in per_class.items():
            k = 1.0 / max(count, 1)
            g_all += k * g
            h_all += k * h
        base = wls(g_all, h_all, None, 0.0)
        weights = {}
        for cls, (g, h, tw, count) in per_class.items():
            weights[cls] = base if count < 20 else wls(g, h, base, ridge_class * tw)
        for cls in CLASSES:
            rows = [(g, h, w) for lang, c, g, h, w in self.long if c == cls and lang not in without]
            if len(rows) >= 20:
                g = sum(r[0] for r in rows)
                h = sum(r[1] for r in rows)
                weights[f"{cls}:long"] = wls(g, h, weights[cls], ridge_long * sum(r[2] for r in rows))
        return weights


def point(weights: dict[str, np.ndarray], r: dict) -> float:
    w = weights.get(f"{r['cls']}:long", weights[r["cls"]])
    return max(1.0, float(np.dot(w, r["f"])))


# ---------------------------------------------------------------- novelty


class Spelling:
    """How often each spelling key (offline.spelling_keys) occurs per language in the corpus, so
    a text's novelty can be measured against a corpus without its unit."""

    def __init__(self, data: dict) -> None:
        from collections import Counter

        self.by_lang: dict[str | None, Counter] = {}
        for r in data["short"] + [r for r in data["long"] if r["split"] != "test"]:
            self.by_lang.setdefault(r["lang"], Counter()).update(r["keys"])
        self.total: Counter = Counter()
        for c in self.by_lang.values():
            self.total.update(c)

    def novelty(self, keys: list[str], without: set[str], at_least: int) -> float:
        if not keys:
            return 0.0
        out = [c for lang, c in self.by_lang.items() if lang in without]
        rare = 0
        for k in keys:
            n = self.total[k] - sum(c[k] for c in out)
            rare += n < at_least
        return rare / len(keys)


#: The features that count a script's characters (CJK, then each script group).
SCRIPT_FEATURES = [12, *range(offline._FIRST_GROUP, offline._FIRST_GROUP + len(offline._SCRIPTS))]


class Support:
    """How many characters of each script the corpus has per language, so the scripts a fit had
    (almost) no text of can be found with a unit left out."""

    def __init__(self, data: dict) -> None:
        self.by_lang: dict[str | None, np.ndarray] = {}
        for r in data["short"] + [r for r in data["long"] if r["split"] != "test"]:
            v = np.array([r["f"][i] for i in SCRIPT_FEATURES])
            self.by_lang[r["lang"]] = self.by_lang.get(r["lang"], 0) + v
        self.total = sum(self.by_lang.values())

    def unsupported(self, without: set[str]) -> list[int]:
        left = self.total - sum((v for lang, v in self.by_lang.items() if lang in without), np.zeros(len(SCRIPT_FEATURES)))
        return [i for i, n in zip(SCRIPT_FEATURES, left) if n < SUPPORT]


# ---------------------------------------------------------------- ranges from held-out residuals

#: A key the corpus has fewer than this many of is unfamiliar; a text with at least UNFAMILIAR of
#: its keys unfamiliar is flagged low-confidence and given the wide range.
AT_LEAST = 3
UNFAMILIAR = 0.10
BITS = 20
#: A script the fit has fewer characters of than this has no weights worth the name: text with
#: UNSEEN_SHARE of its characters in such scripts (or in none the model knows) is "unseen script".
SUPPORT = 5000
UNSEEN_SHARE = 0.05
#: The least half-width of a running-text range.
MIN_HALF_WIDTH = 0.05
#: The ranges' quantiles of held-out real/estimate (each language weighing the same).
QUANTILE = 0.01
#: Fewer tokens per non-space character than any text of the corpus has (English prose: 0.23):
#: the low end for a script the fit has no data for.
FLOOR_PER_CHAR = 0.2


def tier(r: dict, novelty: float, unsupported: list[int]) -> int:
    """1: familiar; 2: spelled unlike the corpus, in scripts it knows; 3: a script it has no data for."""
    if r["f"][13] + sum(r["f"][i] for i in unsupported) >= UNSEEN_SHARE * len(r["text"]):
        return 3
    if novelty >= UNFAMILIAR and r["cls"] not in ("code", "emoji", "symbols"):
        return 2
    return 1


def quantile(vals: list[float], q: float) -> float:
    vals = sorted(vals)
    return vals[min(len(vals) - 1, max(0, int(round(q * (len(vals) - 1)))))]


def units_of(rows: list[dict], unit_of) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for r in rows:
        units.setdefault(unit_of(r["lang"]), set()).add(r["lang"])
    return units


def held_out(data: dict, fam: str, grams: Grams, spelling: Spelling, unit_of, rows: list[dict]) -> tuple[list[float], list[int]]:
    """real / estimate and tier of each of `rows`, by weights fitted (and keys and scripts
    counted) without the row's unit."""
    support = Support(data)
    ratios, tiers = [0.0] * len(rows), [1] * len(rows)
    for unit, langs in units_of(rows, unit_of).items():
        weights = grams.fit(langs)
        unsupported = support.unsupported(langs)
        for i, r in enumerate(rows):
            if r["lang"] in langs:
                ratios[i] = r["y"][fam] / point(weights, r)
                tiers[i] = tier(r, spelling.novelty(r["keys"], langs, AT_LEAST), unsupported)
    return ratios, tiers


def weighted_quantile(pairs: list[tuple[float, float]], q: float) -> float:
    """The q-quantile of values with weights."""
    pairs = sorted(pairs)
    total = sum(w for _, w in pairs)
    run = 0.0
    for value, w in pairs:
        run += w
        if run >= q * total:
            return value
    return pairs[-1][0]


def make_bands(rows: list[dict], ratios: list[float], tiers: list[int], skip=lambda r: False) -> dict[str, list[float]]:
    """Ranges from held-out residuals: the 2.5th-97.5th percentile of real/estimate, each language
    weighing the same (a language's texts share its bias; the next language may be a small one):
    per class over the familiar texts; "unfamiliar:long" over those spelled unlike the
    corpus. A script the fit had no data for gets no band: its range runs from FLOOR_PER_CHAR tokens
    a character to one token a UTF-8 byte (the most there can be)."""
    familiar: dict[str, list[tuple[float, str]]] = {}
    by_tier: dict[int, list[tuple[float, str]]] = {2: [], 3: []}
    for r, ratio, t in zip(rows, ratios, tiers):
        if skip(r):
            continue
        (familiar.setdefault(r["cls"], []) if t == 1 else by_tier[t]).append((ratio, r["lang"]))
    pooled = [x for v in familiar.values() for x in v]

    def band(vals: list[tuple[float, str]]) -> list[float]:
        per_language: dict[str, int] = {}
        for _, lang in vals:
            per_language[lang] = per_language.get(lang, 0) + 1
        pairs = [(ratio, 1.0 / per_language[lang]) for ratio, lang in vals]
        lo, hi = weighted_quantile(pairs, QUANTILE), weighted_quantile(pairs, 1 - QUANTILE)
        # never narrower than ±MIN_HALF_WIDTH: a class whose held-out texts come from one or two
        # families (CJK: three languages) has a measured spread that says little about the next one
        return [round(min(lo, 1.0 - MIN_HALF_WIDTH) - 0.005, 3), round(max(hi, 1.0 + MIN_HALF_WIDTH) + 0.005, 3)]

    out = {f"{cls}:long": band(familiar[cls] if len(familiar.get(cls, [])) >= 15 else pooled) for cls in CLASSES}
    out["unfamiliar:long"] = band(by_tier[2] if len(by_tier[2]) >= 15 else pooled)
    return out


def cv_bands(data: dict, fam: str) -> dict[str, list[float]]:
    """The running-text ranges offline.json ships: from every training text's residual when its
    whole language family was held out of the fit."""
    grams, spelling = Grams(data, fam), Spelling(data)
    train = [r for r in data["long"] if r["split"] != "test"]
    ratios, tiers = held_out(data, fam, grams, spelling, family_of, train)
    return make_bands(train, ratios, tiers)


def spelling_map(data: dict) -> dict:
    """The keys the training corpus has at least AT_LEAST of, as a bit map of their CRC-32s."""
    import base64
    import zlib

    spelling = Spelling(data)
    bits = bytearray(1 << (BITS - 3))
    mask = (1 << BITS) - 1
    for key, n in spelling.total.items():
        if n >= AT_LEAST:
            h = offline.spelling_bit(key, mask)
            bits[h >> 3] |= 1 << (h & 7)
    unsupported = Support(data).unsupported(set())
    return {"bits": BITS, "at_least": AT_LEAST, "unfamiliar": UNFAMILIAR, "unseen_share": UNSEEN_SHARE, "unsupported": unsupported,
            "floor_per_char": FLOOR_PER_CHAR,
            "map": base64.b64encode(zlib.compress(bytes(bits), 9)).decode()}  # fmt: skip


# ---------------------------------------------------------------- evaluation


def table(rows: list[dict], ratios: list[float], inside: list[bool], flagged: list[bool], title: str, out: dict) -> None:
    print(f"\n{title}")
    print(f"{'':<22} {'texts':>5} {'langs':>5} {'median err':>10} {'p90 err':>8} {'in range':>8} {'flagged':>8} {'width':>6}")
    for key in ("group", "family"):
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            groups.setdefault(r["group"] if key == "group" else family_of(r["lang"]), []).append(i)
        for k in sorted(groups, key=lambda k: (-len(groups[k]), k)):
            idx = groups[k]
            errs = sorted(abs(1 / ratios[i] - 1) for i in idx)
            row = {"texts": len(idx), "langs": len({rows[i]["lang"] for i in idx}), "median": statistics.median(errs),
                   "p90": errs[int(0.9 * (len(errs) - 1))], "coverage": sum(inside[i] for i in idx) / len(idx),
                   "flagged": sum(flagged[i] for i in idx) / len(idx)}  # fmt: skip
            out[f"{key}:{k}"] = row
            if key == "group" or len(idx) >= 10:
                print(f"{k:<22} {row['texts']:>5} {row['langs']:>5} {row['median']:>10.1%} {row['p90']:>8.1%} {row['coverage']:>8.0%} {row['flagged']:>8.0%}")
        print("-" * 80)
    errs = [abs(1 / x - 1) for x in ratios]
    familiar = [e for e, fl in zip(errs, flagged) if not fl]
    out["all"] = {"texts": len(rows), "median": statistics.median(errs), "coverage": sum(inside) / len(rows), "flagged": sum(flagged) / len(rows),
                  "median_familiar": statistics.median(familiar) if familiar else None}  # fmt: skip
    print(f"{'all':<22} {len(rows):>5} {len({r['lang'] for r in rows}):>5} {statistics.median(errs):>10.1%} {'':>8} {sum(inside) / len(rows):>8.0%} "
          f"{sum(flagged) / len(rows):>8.0%}   (median error of the texts not flagged: {out['all']['median_familiar'] or 0:.1%})")  # fmt: skip


def cross_validated(data: dict, fam: str, unit_of, title: str) -> dict:
    """Each training text estimated without its unit; its range from the other units' family-held-out
    residuals only (so the range has not seen the unit either)."""
    grams, spelling = Grams(data, fam), Spelling(data)
    rows = [r for r in data["long"] if r["split"] != "test"]
    ratios, tiers = held_out(data, fam, grams, spelling, unit_of, rows)
    family_ratios, family_tiers = (ratios, tiers) if unit_of is family_of else held_out(data, fam, grams, spelling, family_of, rows)
    inside = [False] * len(rows)
    for unit, langs in units_of(rows, unit_of).items():
        bands = make_bands(rows, family_ratios, family_tiers, skip=lambda r: r["lang"] in langs)
        for i, r in enumerate(rows):
            if r["lang"] in langs:
                lo, hi = bands[f"{r['cls']}:long"]
                if tiers[i] == 2:
                    wide = bands["unfamiliar:long"]
                    lo, hi = min(lo, wide[0]), max(hi, wide[1])
                est = r["y"][fam] / ratios[i]
                low, high = est * lo, est * hi
                if tiers[i] == 3:
                    low = min(low, FLOOR_PER_CHAR * len("".join(r["text"].split())))
                    high = max(high, len(r["text"].encode("utf-8")))
                inside[i] = low <= r["y"][fam] <= high
    out: dict = {}
    table(rows, ratios, inside, [t >= 2 for t in tiers], f"{fam}: {title}", out)
    out["tiers"] = {t: tiers.count(t) for t in (1, 2, 3)}
    return out


def shipped(data: dict, fam: str) -> dict:
    """The model in claude_cost/data/offline.json on the long texts of the languages (and, for a
    script one language writes, the documents) its fit held out: never seen by its weights, its
    ranges or its spelling map."""
    rows = [r for r in data["long"] if r["split"] == "test"]
    ratios, inside, flagged = [], [], []
    for r in rows:
        est = offline.estimate_text(r["text"], fam)
        ratios.append(r["y"][fam] / est.tokens)
        inside.append(est.low <= r["y"][fam] <= est.high)
        flagged.append(est.low_confidence)
    out: dict = {}
    table(rows, ratios, inside, flagged, f"{fam}: the shipped model on the languages its fit held out", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", default="v3,v4.7,v5")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    data = load()
    train = [r for r in data["long"] if r["split"] != "test"]
    print(f"{len(data['long'])} long texts in {len({r['lang'] for r in data['long']})} languages "
          f"({len(train)} in the fit's languages, {len(data['long']) - len(train)} held out); {len(data['short'])} short rows")  # fmt: skip
    figures = {}
    for fam in args.families.split(","):
        figures[fam] = {
            "language held out": cross_validated(data, fam, lambda lang: lang, "each language held out of the fit (its short strings too)"),
            "family held out": cross_validated(data, fam, family_of, "each language family held out of the fit"),
            "shipped, held-out languages": shipped(data, fam),
        }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
