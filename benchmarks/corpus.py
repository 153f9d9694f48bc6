"""A multilingual corpus built from what this machine has, to fit and test the offline estimator
with ctok as the teacher (issue 14). Nothing is downloaded and the recorded calibration sets
are not used (they are kept for testing).

Sources, each text labelled with its script group:
- the translated strings of the gettext catalogs the system packages ship
  (/usr/share/locale/*/LC_MESSAGES/*.mo, ~200 locales), grouped by their dominant Unicode script;
  English from the catalogs' source strings and the English `en*` catalogs;
- source code and markup on the machine (Python, JavaScript, Perl, C/C++, PHP, shell, Tcl, SQL,
  HTML, XML, CSS, JSON, YAML, CMake, Go, Fortran, Emacs Lisp…) in random line-aligned slices, and
  Markdown / reStructuredText documentation as English prose;
- text generated per script from `unicodedata`: words of letters (and marks) of one script,
  for scripts the catalogs lack or have little of;
- emoji (with ZWJ sequences, skin tones, flags, keycaps) and symbols, alone and in sentences.

`split(text)` puts each text in "fit", "band" or "test" by a hash: the weights are fitted on the
first, the ranges measured on the second, and the third is held out for the goals and the tests.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

GROUPS = ("English", "Latin (other)", "Cyrillic", "Greek", "Arabic/Hebrew", "Indic", "Southeast Asian", "CJK", "Other scripts",
          "Emoji", "Symbols", "Code")  # fmt: skip
_SCRIPT_GROUP = {
    "LATIN": "Latin (other)", "CYRILLIC": "Cyrillic", "GREEK": "Greek",
    **dict.fromkeys(("ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO"), "Arabic/Hebrew"),
    **dict.fromkeys(("DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA"), "Indic"),
    **dict.fromkeys(("THAI", "LAO", "KHMER", "MYANMAR", "TAI", "BALINESE", "JAVANESE"), "Southeast Asian"),
    **dict.fromkeys(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"), "CJK"),
}  # fmt: skip
# Scripts written from generated words (block start, end, group)
GENERATED = [
    (0x0700, 0x074F, "Arabic/Hebrew"), (0x0780, 0x07B1, "Arabic/Hebrew"), (0x0D80, 0x0DFF, "Indic"), (0x1A20, 0x1AAD, "Southeast Asian"),
    (0x1000, 0x109F, "Southeast Asian"), (0x1200, 0x137F, "Other scripts"), (0x0530, 0x058F, "Other scripts"), (0x10A0, 0x10FF, "Other scripts"),
    (0x0F00, 0x0FFF, "Other scripts"), (0x1800, 0x18AF, "Other scripts"), (0x13A0, 0x13FF, "Other scripts"), (0x1400, 0x167F, "Other scripts"),
    (0x1780, 0x17FF, "Southeast Asian"), (0x0E80, 0x0EFF, "Southeast Asian"),
]  # fmt: skip
# Only scripts the catalogs have little or none of: random words of every letter of a block are
# far from real text (rare letters fall to bytes), and would blur the ranges of scripts that have
# real text here (Latin, Cyrillic, Greek, Hangul, Thai, Devanagari, Tamil).
CODE_SUFFIXES = (".py", ".js", ".pm", ".pl", ".c", ".h", ".hpp", ".cpp", ".php", ".sh", ".tcl", ".css", ".html", ".xml", ".json", ".yaml",
                 ".yml", ".cmake", ".sql", ".m4", ".awk", ".f90", ".go", ".el")  # fmt: skip
DOC_SUFFIXES = (".md", ".rst")  # English prose with light markup
CODE_ROOTS = ("/usr/lib/python3.11", "/usr/lib/python3", "/usr/share", "/usr/include", "/usr/lib/node_modules", "/usr/local/lib", "/opt")


def script_group(text: str) -> str | None:
    """The group of the script most of the letters of `text` are in (None: none)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            word = unicodedata.name(ch, "?").split(" ")[0]
            counts[word] = counts.get(word, 0) + 1
    if not counts:
        return None
    return _SCRIPT_GROUP.get(max(counts, key=counts.get), "Other scripts")  # type: ignore[arg-type]


def split(text: str) -> str:
    h = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[0]
    return "fit" if h < 128 else ("band" if h < 192 else "test")


def _chunks(strings: list[str], rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        rng.shuffle(strings)
        out.append(" ".join(strings[:60])[: rng.choice([rng.randint(20, 120), rng.randint(120, 800), rng.randint(800, 2500)])].strip())
    return [t for t in out if t]


def read_catalog(mo: Path) -> dict:
    """A compiled gettext catalog's messages (empty if it cannot be read)."""
    try:
        with open(mo, "rb") as fh:
            return gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    except Exception:
        return {}


def language(locale: str) -> str:
    """The language of a locale or man page folder: pt_BR, pt_PT and pt are one; sr@latin is sr."""
    return locale.split("@")[0].split("_")[0].split(".")[0]


def catalogs(rng: random.Random, per_catalog: int, stride: int = 1, skip: frozenset[str] = frozenset(),
             skip_docs: frozenset[tuple[str, str]] = frozenset()) -> list[tuple[str, str]]:  # fmt: skip
    """Chunks of translated catalog strings (and English source strings), leaving out the
    languages in `skip` and the (language, "catalog:NAME.mo") documents in `skip_docs`."""
    texts: list[tuple[str, str]] = []
    english: list[str] = []
    for mo in sorted(Path("/usr/share/locale").glob("*/LC_MESSAGES/*.mo"))[::stride]:
        lang = language(mo.parts[-3])
        locale = mo.parts[-3]
        if language(locale) in skip or (language(locale), f"catalog:{mo.name}") in skip_docs:
            continue
        catalog = read_catalog(mo)
        pairs = [(k, v) for k, v in catalog.items() if isinstance(k, str) and k and isinstance(v, str) and len(v) > 3]
        english += [k for k, _ in pairs[:50]]
        translated = [v for k, v in pairs if v != k]
        if len(translated) < 5:
            continue
        if locale.startswith("en"):
            chunks = _chunks(translated, rng, 1)
            texts += [("English", t) for t in chunks]
            LANGUAGE_OF.update((t.strip(), "en") for t in chunks)
            continue
        for chunk in _chunks(translated, rng, per_catalog):
            group = script_group(chunk)
            if group:
                texts.append((group, chunk))
                LANGUAGE_OF[chunk.strip()] = lang
    chunks = _chunks(english, rng, 700)
    texts += [("English", t) for t in chunks]
    LANGUAGE_OF.update((t.strip(), "en") for t in chunks)
    return texts


#: The language of each catalog chunk made so far (stripped text → language): a fit that holds a
#: language (or a family) out leaves out its short strings too.
LANGUAGE_OF: dict[str, str] = {}


def code(rng: random.Random, n: int) -> list[tuple[str, str]]:
    files: list[Path] = []
    for root in CODE_ROOTS:
        if Path(root).is_dir():
            files += [p for p in Path(root).rglob("*") if p.suffix in (*CODE_SUFFIXES, *DOC_SUFFIXES) and p.is_file() and p.stat().st_size > 300]
    files.sort()
    by_kind: dict[str, list[Path]] = {}
    for f in files:
        by_kind.setdefault(f.suffix, []).append(f)
    out = []
    kinds = sorted(by_kind)
    for i in range(n):
        pool = by_kind[kinds[i % len(kinds)]]
        try:
            lines = pool[rng.randrange(len(pool))].read_text(encoding="utf-8").splitlines(keepends=True)
        except (UnicodeDecodeError, OSError):
            continue
        start = rng.randrange(max(1, len(lines) - 5))
        text = "".join(lines[start : start + rng.choice([3, 10, 40, 90])]).rstrip()
        if text.strip():
            out.append(("English" if kinds[i % len(kinds)] in DOC_SUFFIXES else "Code", text[:6000]))
    return out


def generated(rng: random.Random, per_script: int) -> list[tuple[str, str]]:
    out = []
    for lo, hi, group in GENERATED:
        letters = [chr(c) for c in range(lo, hi + 1) if unicodedata.category(chr(c)) in ("Lo", "Ll", "Lu")]
        marks = [chr(c) for c in range(lo, hi + 1) if unicodedata.category(chr(c)) in ("Mn", "Mc")]
        for _ in range(per_script):
            words = []
            for _ in range(rng.randint(3, 120)):
                w = "".join(rng.choice(letters) + (rng.choice(marks) if marks and rng.random() < 0.3 else "") for _ in range(rng.randint(1, 8)))
                words.append(w)
            out.append((group, " ".join(words) + rng.choice(["", ".", "!", "?"])))
    return out


def emoji_and_symbols(rng: random.Random, n: int) -> list[tuple[str, str]]:
    pictographs = [chr(c) for c in range(0x1F300, 0x1FAFF) if unicodedata.category(chr(c)) == "So"]
    tones = [chr(c) for c in range(0x1F3FB, 0x1F400)]
    zwj = ["👩\u200d💻", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "🧑🏽\u200d🚀", "❤\ufe0f\u200d🔥", "🐻\u200d❄\ufe0f"]
    flags = ["🇫🇷", "🇯🇵", "🇧🇷", "🇳🇬", "🇺🇦", "🇮🇳"]
    keycaps = ["1\ufe0f\u20e3", "#\ufe0f\u20e3"]
    words = ["great", "thanks", "merci", "любовь", "今日", "ok", "so fun", "party time", "¡vamos!"]

    def one_emoji() -> str:
        r = rng.random()
        if r < 0.55:
            return rng.choice(pictographs)
        if r < 0.7:
            return rng.choice(pictographs) + rng.choice(tones)
        if r < 0.85:
            return rng.choice(zwj)
        return rng.choice(flags + keycaps)

    symbols = [chr(c) for c in range(0x2000, 0x2BFF) if unicodedata.category(chr(c)) in ("Sm", "So", "Sc", "Pd", "Po")]
    out = []
    for _ in range(n):
        parts = [one_emoji() + (" " + rng.choice(words) if rng.random() < 0.25 else "") for _ in range(rng.randint(2, 80))]
        out.append(("Emoji", rng.choice([" ", "", " "]).join(parts)))
        sym = "".join(rng.choice(symbols) + rng.choice(["", "", " ", "x", "1", " = "]) for _ in range(rng.randint(5, 250)))
        out.append(("Symbols", sym))
    return out


def sample(seed: int, per_group: int = 20) -> list[tuple[str, str]]:
    """A small corpus built the same way (every 7th catalog), quick enough for a test, keeping only
    texts of the held-out "test" split: none of them can have been fitted on."""
    rng = random.Random(seed)
    rows = catalogs(rng, 2, stride=7) + code(rng, 80) + generated(rng, 4) + emoji_and_symbols(rng, 60)
    by_group: dict[str, list[str]] = {}
    for group, text in rows:
        text = text.strip()
        if text and split(text) == "test" and len(by_group.setdefault(group, [])) < per_group:
            by_group[group].append(text)
    return [(g, t) for g in GROUPS for t in by_group.get(g, [])]


def build(seed: int = 14, per_catalog: int = 3, code_texts: int = 2000, per_script: int = 25, emoji: int = 400,
          per_group: int = 900, skip: frozenset[str] = frozenset(), skip_docs: frozenset[tuple[str, str]] = frozenset(),
          ) -> list[tuple[str, str]]:  # fmt: skip
    """(group, text) pairs, at most `per_group` per group; deterministic for a seed on a given
    machine. The catalogs of the languages in `skip`, and the catalogs in `skip_docs`, are left out."""
    rng = random.Random(seed)
    rows = (catalogs(rng, per_catalog, skip=skip, skip_docs=skip_docs) + code(rng, code_texts) + generated(rng, per_script)
            + emoji_and_symbols(rng, emoji))  # fmt: skip
    seen: set[str] = set()
    by_group: dict[str, list[str]] = {}
    for group, text in rows:
        text = text.strip()
        if text and text not in seen:
            seen.add(text)
            by_group.setdefault(group, []).append(text)
    out = []
    for group in GROUPS:
        texts = by_group.get(group, [])
        if len(texts) > per_group:
            texts = rng.sample(texts, per_group)
        out += [(group, t) for t in texts]
    return out


# ---------------------------------------------------------------- long running text (issue 24)
#
# Paragraphs of 2 KB and more, in every script the machine has: the translated manual pages in
# /usr/share/man/<lang> (real running text; troff markup stripped below) and, for the scripts no
# manual page is written in, a catalog's translated strings joined in their order into
# paragraphs. Each text keeps its language and its document (manual page or catalog), so whole
# languages can be held out.

_NAMED = {"em": "—", "en": "–", "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘", "cq": "’", "ss": "ß", "bu": "•", "co": "©",
          "rg": "®", "hy": "-", "mi": "-", "ti": "~", "ha": "^", "lh": "", "rh": "", "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›",
          "<=": "≤", ">=": "≥", "->": "→", "<-": "←", "mu": "×", "de": "°"}  # fmt: skip
_ACCENT = {":": "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", ",": "\u0327", "o": "\u030a", "v": "\u030c"}
_ESCAPE = re.compile(r"\\(?:\((..)|\[([^\]]*)\]|f(?:\[[^\]]*\]|\(..|.)|s[-+]?\d+|\*(?:\(..|\[[^\]]*\]|.)|[nw](?:\(..|\[[^\]]*\]|'[^']*'|.)|(.))")
_TEXT_MACROS = {"SH", "SS", "B", "I", "BI", "BR", "IB", "IR", "RB", "RI", "SM", "SB"}
_BREAK_MACROS = {"PP", "P", "LP", "sp", "TP", "IP", "HP", "SH", "SS", "RS", "RE", "nf", "fi", "TH", "br", "Sh", "Pp"}


def _named(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    if len(name) == 2 and name[0] in _ACCENT:
        return unicodedata.normalize("NFC", name[1] + _ACCENT[name[0]])
    return ""


def troff_text(source: str) -> list[str]:
    """The paragraphs of a manual page's running text (markup dropped, escapes resolved)."""
    paragraphs: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in source.splitlines():
        if line.startswith((".\\\"", "'\\\"", '.\\"', "'\\\"")) or line in (".", "'"):
            continue
        if line.startswith((".", "'")):
            macro, _, args = line[1:].strip().partition(" ")
            if macro in _BREAK_MACROS:
                close()
            if macro in _TEXT_MACROS and args:
                current.append(args.replace('"', ""))
            continue
        if not line.strip():
            close()
            continue
        current.append(line)
    close()

    def resolve(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return _named(m.group(1) or m.group(2))
        other = m.group(3)
        return {"-": "-", "e": "\\", " ": " ", "~": " ", "0": " "}.get(other or "", "")

    return [re.sub(r"\s+", " ", _ESCAPE.sub(resolve, p)).strip() for p in paragraphs]


def _english_share(text: str) -> float:
    words = re.findall(r"[A-Za-z]+", text)
    return sum(w.lower() in _EN_STOP for w in words) / max(len(re.findall(r"\w+", text)), 1)


_EN_STOP = frozenset("the and of to in is for that with on as are this be by it from or an at not you your can will".split())


def _join(paragraphs: list[str], low: int = 2000, high: int = 6000) -> list[str]:
    """Consecutive paragraphs joined into texts of `low` to about `high` characters."""
    out, current, size = [], [], 0
    for p in paragraphs:
        current.append(p)
        size += len(p) + 2
        if size >= low:
            out.append("\n\n".join(current)[:high])
            current, size = [], 0
    return out


def long_prose(per_language: int = 30, english: int = 120) -> list[tuple[str, str, str, str]]:
    """(group, language, document, text): running text of 2 KB and more, at most
    `per_language` texts a language (`english` of English), from manual pages and translation
    catalogs."""
    import gzip

    rows: list[tuple[str, str, str, str]] = []
    taken: dict[str, int] = {}

    def add(lang: str, doc: str, texts: list[str]) -> None:
        for text in texts:
            if taken.get(lang, 0) >= (english if lang == "en" else per_language):
                return
            group = "English" if lang == "en" else script_group(text)
            if group is None or (lang != "en" and group in ("Latin (other)",) and _english_share(text) > 0.06):
                continue  # an untranslated paragraph in a translated page
            taken[lang] = taken.get(lang, 0) + 1
            rows.append((group, lang, doc, text))

    man = Path("/usr/share/man")
    folders = sorted(p for p in man.iterdir() if p.is_dir() and not p.name.startswith("man")) if man.is_dir() else []
    for folder in [man, *folders]:
        lang = "en" if folder == man else language(folder.name)
        pages = sorted(folder.glob("man*/*.gz"))
        for page in pages[:: max(1, len(pages) // (160 if lang == "en" else 40))]:
            try:
                source = gzip.decompress(page.read_bytes()).decode("utf-8")
            except (OSError, UnicodeDecodeError, EOFError):
                continue
            paragraphs = [p for p in troff_text(source) if len(p) > 80 and (lang == "en" or _english_share(p) < 0.06)]
            add(lang, f"man:{page.name}", _join(paragraphs))
    for mo in sorted(Path("/usr/share/locale").glob("*/LC_MESSAGES/*.mo")):
        lang = language(mo.parts[-3])
        if lang == "en" or taken.get(lang, 0) >= per_language:
            continue
        catalog = read_catalog(mo)
        strings = [v.strip() for k, v in catalog.items() if isinstance(k, str) and k and isinstance(v, str) and v != k and len(v) > 30]
        add(lang, f"catalog:{mo.name}", _join(strings))
    return rows


def small_catalog_prose(have: set[str], per_language: int = 10) -> list[tuple[str, str, str, str]]:
    """(group, language, document, text) for the languages `long_prose` found no 2 KB of: every
    translated string of 10 characters and more of all their catalogs, joined in order into texts
    of 1,500 to 4,000 characters (running text from LONG_TEXT on). Small catalogs are where the
    languages the fit knows least live: Yoruba, Hausa, Swahili, Hawaiian, Wolof, Zulu, …"""
    by_lang: dict[str, list[str]] = {}
    for mo in sorted(Path("/usr/share/locale").glob("*/LC_MESSAGES/*.mo")):
        lang = language(mo.parts[-3])
        if lang in have or lang == "en" or mo.parts[-3].startswith("en"):
            continue
        catalog = read_catalog(mo)
        by_lang.setdefault(lang, []).extend(v.strip() for k, v in catalog.items()
                                             if isinstance(k, str) and k and isinstance(v, str) and v != k and len(v.strip()) >= 10)  # fmt: skip
    rows = []
    for lang, strings in sorted(by_lang.items()):
        seen, kept = set(), []
        for s in strings:
            if s not in seen and _english_share(s) < 0.06:
                seen.add(s)
                kept.append(s)
        for text in _join(kept, 1500, 4000)[:per_language]:
            group = script_group(text)
            if group is not None:
                rows.append((group, lang, "catalogs", text))
    return rows


def all_long(min_chars: int = 1500) -> list[tuple[str, str, str, str]]:
    """(group, language, document, text): the long-text corpus: manual pages and catalogs of 2 KB
    and more, and the small catalogs' languages joined (small_catalog_prose); every text at least
    `min_chars` long (the estimator's LONG_TEXT: running text)."""
    long = long_prose()
    long += small_catalog_prose({lang for _, lang, _, _ in long})
    return [r for r in long if len(r[3]) >= min_chars]


def _script(text: str) -> str:
    """The Unicode script most letters of `text` are in (the first word of their names)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "?").split(" ")[0]
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.get) if counts else "?"  # type: ignore[arg-type]


def hold_out(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], str]:
    """(language, document) → "fit", "band" or "test". Whole languages are held out: of the
    languages written in one script, about a quarter are "test" and a quarter "band" (at least
    one "test" once a script has two). A script only one language writes here (Greek, Georgian,
    Thai, Tamil, …) has nothing else to learn it from, so it holds out whole documents instead;
    so does English, a content class of its own."""
    scripts: dict[str, set[str]] = {}
    script_of: dict[str, str] = {}
    for _, lang, _, text in rows:
        if lang not in script_of:
            # English is a content class of its own: like a lone script, it holds out documents
            script_of[lang] = "english" if lang == "en" else _script(text)
        scripts.setdefault(script_of[lang], set()).add(lang)
    out: dict[tuple[str, str], str] = {}
    rank = {lang: hashlib.sha256(lang.encode()).digest() for lang in script_of}
    for script, langs in scripts.items():
        ordered = sorted(langs, key=rank.__getitem__)
        n = len(ordered)
        if n == 1:
            for _, lang, doc, _ in rows:
                if lang == ordered[0]:
                    h = hashlib.sha256(doc.encode()).digest()[0]
                    out[(lang, doc)] = "fit" if h < 128 else ("band" if h < 192 else "test")
            continue
        test = set(ordered[: max(1, n // 4)])
        band = set(ordered[len(test) : len(test) + n // 4])
        for _, lang, doc, _ in rows:
            if lang in langs:
                out[(lang, doc)] = "test" if lang in test else ("band" if lang in band else "fit")
    return out


def held_out_sources(rows: list[tuple[str, str, str, str]], split: dict[tuple[str, str], str]) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The languages held out whole, and the documents held out of the other languages: what a
    fit must not see at all (its short catalog strings included)."""
    langs: dict[str, set[str]] = {}
    for _, lang, doc, _ in rows:
        langs.setdefault(lang, set()).add(split[(lang, doc)])
    whole = frozenset(lang for lang, splits in langs.items() if splits == {"test"})
    docs = frozenset((lang, doc) for (lang, doc), sp in split.items() if sp == "test" and lang not in whole)
    return whole, docs


# ---------------------------------------------------------------- the teacher's counts
#
# ctok is the teacher: what the fit (offline_accuracy.py --fit) and the held-out measures
# (unseen_languages.py) compare with. Kept here, beside the corpus, so both read them from one place.

CTOK_VERSION = {"v3": "3.0", "v4.7": "4.7", "v5": "5.0"}
CACHE = Path.home() / ".cache" / "claude-cost-bench" / "corpus-counts.json"

def teacher_counts(texts: list[str]) -> dict[str, dict[str, int]]:
    """ctok's content tokens (frame removed) per family for each text — counted by our engine,
    which returns ctok's count exactly (tests/test_tokenizer.py); cached on disk by text hash."""
    from claude_cost.counting import offline
    from claude_cost.counting.tokenizer import token_count

    cache: dict[str, dict[str, int]] = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    out: dict[str, dict[str, int]] = {fam: {} for fam in CTOK_VERSION}
    todo = []
    for text in texts:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        for fam, ver in CTOK_VERSION.items():
            if key in cache and fam in cache[key]:
                out[fam][text] = cache[key][fam]
            else:
                todo.append((text, ver, fam, key))
    if todo:
        print(f"counting {len(todo):,} texts as ctok counts them …", file=sys.stderr)
        counts = [token_count(t, v) for t, v, _, _ in todo]
        for (text, ver, fam, key), n in zip(todo, counts):
            content = n - offline.CTOK_FRAME[ver]
            out[fam][text] = content
            cache.setdefault(key, {})[fam] = content
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(cache))
    return out


def corpus_rows(held_out_long: bool = False) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    """The short corpus; with `held_out_long`, without the catalogs of the languages and
    documents the long-text test holds out."""
    if held_out_long:
        long = all_long()
        langs, docs = held_out_sources(long, hold_out(long))
        rows = build(skip=langs, skip_docs=docs)
    else:
        rows = build()
    return rows, teacher_counts([t for _, t in rows])
