"""Offline input-token estimates for a count_tokens-shaped body: no network, standard library only.

Text is split into pre-token chunks (letter runs, digit runs, punctuation, whitespace, CJK,
other scripts); a per-family linear model over chunk features, fitted on recorded count_tokens
results (shared/data/token-calibration; see benchmarks/offline_accuracy.py --fit), gives the
point estimate, and per-content-class bands measured on held-out data give the range. Structure is added
from documented constants: the message frame, the tool-use system prompt (from prices.toml),
tool definitions, images by the 28-pixel patch rule, PDFs as a per-page range.

Every figure is an estimate with a low–high range; nothing here claims to be exact.
See shared/reference/offline-token-estimation.md for the sources of each constant.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claude_cost.core.errors import PayloadError
from claude_cost.core.models import Count

__all__ = ["METHOD", "FAMILIES", "FEATURES", "Estimate", "features", "estimate_text", "estimate_body", "image_size", "image_tokens"]

METHOD = "offline estimate (chunk model fitted on recorded counts + documented overheads)"
FAMILIES = ("v3", "v4.7", "v5")

# Per-request frame of a single user message (offline-token-estimation.md §4): "a" costs 8 on
# the v3 family, 12 on Opus 4.7, 7 on Opus 4.8 and later.
FRAME = {"v3": 7, "v4.7": 11, "v5": 6}
# Extra user/assistant turns: no published figure; a range (§6.3 of the same notes).
TURN = (3, 5, 8)

# Unicode ranges of the scripts the fitted model tells apart (issue 14: the cost of a character
# depends on how much of its script the vocabulary holds: Devanagari is cheaper than Oriya).
_SCRIPTS = (
    ("latin1", "\u00c0-\u00ff"),  # the accents of Western European languages
    ("latin_ext", "\u0100-\u024f"),  # Central European, Turkish, Baltic, Yoruba…
    ("latin_add", "\u1e00-\u1eff"),  # Vietnamese and other stacked accents
    ("combining", "\u0300-\u036f"),  # combining diacritics
    ("cyrillic", "\u0400-\u045f"),  # Russian, Ukrainian, Bulgarian, Serbian…
    ("cyrillic_ext", "\u0460-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"),  # Abkhaz, Tatar, Tajik, Church Slavonic…
    ("greek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("armenian", "\u0530-\u058f"),
    ("hebrew", "\u0590-\u05ff\ufb1d-\ufb4f"),
    ("arabic", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc"),
    ("syriac_thaana_nko", "\u0700-\u07ff"),
    ("devanagari", "\u0900-\u097f\ua8e0-\ua8ff"),
    ("bengali", "\u0980-\u09ff"),
    ("gurmukhi", "\u0a00-\u0a7f"),
    ("gujarati", "\u0a80-\u0aff"),
    ("oriya", "\u0b00-\u0b7f"),
    ("tamil", "\u0b80-\u0bff"),
    ("telugu", "\u0c00-\u0c7f"),
    ("kannada", "\u0c80-\u0cff"),
    ("malayalam", "\u0d00-\u0d7f"),
    ("sinhala", "\u0d80-\u0dff"),
    ("thai", "\u0e00-\u0e7f"),
    ("lao", "\u0e80-\u0eff"),
    ("tibetan", "\u0f00-\u0fff"),
    ("myanmar", "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"),
    ("georgian", "\u10a0-\u10ff\u2d00-\u2d2f"),
    ("hangul", "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"),
    ("ethiopic", "\u1200-\u139f\u2d80-\u2ddf"),
    ("cherokee", "\u13a0-\u13ff"),
    ("canadian", "\u1400-\u167f"),
    ("runic_ogham", "\u1680-\u16ff"),
    ("khmer", "\u1780-\u17ff\u19e0-\u19ff"),
    ("mongolian", "\u1800-\u18af"),
    ("tai", "\u1950-\u19df\u1a00-\u1aaf\uaa80-\uaadf"),
    ("kana", "\u3040-\u30ff"),
)

# Chunk features of a text; their per-family costs (and the error bands) are fitted by
# `benchmarks/offline_accuracy.py --fit` and shipped in data/offline.json.
FEATURES = (
    "words",  # runs of ASCII letters
    "word_chars_over_4",  # letters beyond the 4th of each run
    "word_chars_over_8",  # letters beyond the 8th of each run
    "inner_caps",  # camelCase humps: an upper-case letter after a lower-case one
    "digit_runs",
    "digits",
    "puncts",
    "punct_runs",
    "spaces",  # single spaces
    "space_runs",  # runs of 2+ spaces/tabs not after a newline
    "newlines",
    "indent",  # spaces/tabs after a newline
    "cjk",
    "other",  # other non-ASCII characters
    "word_chars_over_2",
    "word_chars_over_6",
    "word_chars_over_12",
    "uppers",  # upper-case letters
    "short_words",  # runs of 1-2 letters
    # issue 14: characters per script (each costs differently in the vocabulary), emoji, symbols
    *(f"script_{name}" for name, _ in _SCRIPTS),
    "emoji",  # pictographs
    "emoji_parts",  # ZWJ, variation selectors, skin tones, regional indicators, keycaps, tags
    "symbols",  # arrows, math, box drawing, dingbats, currency…
    "gen_punct",  # typographic punctuation and spaces (— “ ” … « » ©, no-break space)
    "script_words",  # runs of non-ASCII word characters (word count outside ASCII)
    "script_chars_over_3",  # characters beyond the 3rd of each such run
    "script_chars_over_8",  # characters beyond the 8th of each such run
    "fullwidth",  # fullwidth and halfwidth forms (CJK text)
    "utf8_extra",  # UTF-8 bytes beyond one per character (scripts with few vocabulary entries split to bytes)
    "en_stopwords",  # common English words (tells English prose from other Latin-script languages)
)
_TOKEN = re.compile(
    r"(?P<word>[A-Za-z]+)|(?P<digit>[0-9]+)|(?P<nl>\n[ \t]*)|(?P<space>[ \t]+)"
    r"|(?P<cjk>[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef])"
    r"|(?P<punct>[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+)|(?P<other>[^\x00-\x7f])|(?P<ctrl>[\x00-\x1f\x7f]+)"
)
# The script, emoji and symbol features, in FEATURES order from the first script; "other" then
# counts the non-ASCII characters none of them (nor CJK) took. Hangul and kana are also in "cjk":
# their features correct its cost.
_GROUP_CHARS = (
    *(chars for _, chars in _SCRIPTS),
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff",
    "\u200d\ufe00-\ufe0f\u20e3\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f",
    "\u2070-\u2bff\u2e00-\u2e7f\U0001d400-\U0001d7ff",
    "\u00a0-\u00bf\u2000-\u200c\u200e-\u206f\u3000-\u303f",
)
_GROUPS: list[re.Pattern[str]] = []  # compiled on first non-ASCII text (~40 patterns, ~10 ms)
_IN_CJK = {len(_SCRIPTS) - 1, [n for n, _ in _SCRIPTS].index("hangul")}  # counted by "cjk" already: not "taken" twice
_FIRST_GROUP = 19
_SCRIPT_WORD = re.compile(r"[^\x00-\x7f\s\u00a0-\u00bf\u2000-\u2bff\u3000-\u303f\U0001f000-\U0001faff]+")
_FULLWIDTH = re.compile("[\uff00-\uffef]")
_STOPWORDS = frozenset(
    "the and of to in is for that with on as are this be by it from or an at not you your can will was have has which "
    "we they their there if but all when more one would what about into than other also been only its these such".split()
)
_INNER_CAP = re.compile(r"[a-z][A-Z]")
_CODE_SYMBOLS = re.compile(r"[{}()\[\];=<>]")
_UPPER = re.compile(r"[A-Z]")


def _load_model() -> dict[str, Any]:
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parent.parent / "data" / "offline.json").read_text(encoding="utf-8"))


_MODEL: dict[str, Any] | None = None


def _model() -> dict[str, Any]:
    global _MODEL
    if _MODEL is None:
        _MODEL = _load_model()
    return _MODEL


def features(text: str) -> list[float]:
    """The chunk features of `text`, in FEATURES order."""
    f = [0.0] * len(FEATURES)
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        g = m.group()
        n = len(g)
        if kind == "word":
            f[0] += 1
            if n <= 5 and g.lower() in _STOPWORDS:
                f[_STOP] += 1
            f[1] += max(0, n - 4)
            f[2] += max(0, n - 8)
            f[14] += max(0, n - 2)
            f[15] += max(0, n - 6)
            f[16] += max(0, n - 12)
            f[18] += n <= 2
        elif kind == "digit":
            f[4] += 1
            f[5] += n
        elif kind == "punct":
            f[6] += n
            f[7] += 1
        elif kind == "space":
            if n == 1:
                f[8] += 1
            else:
                f[9] += 1
        elif kind == "nl":
            f[10] += 1
            f[11] += n - 1
        elif kind == "cjk":
            f[12] += n
        elif kind == "other":
            f[13] += n
        else:
            f[6] += n
            f[7] += 1
    f[3] = float(len(_INNER_CAP.findall(text)))
    f[17] = float(len(_UPPER.findall(text)))
    if not text.isascii():
        taken = 0
        if not _GROUPS:
            _GROUPS.extend(re.compile(f"[{chars}]") for chars in _GROUP_CHARS)
        for i, group in enumerate(_GROUPS):
            n = len(group.findall(text))
            f[_FIRST_GROUP + i] = n
            taken += 0 if i in _IN_CJK else n
        f[13] = max(0.0, f[13] - taken)  # "other": non-ASCII characters no group (nor CJK) took
        runs = [len(r) for r in _SCRIPT_WORD.findall(text)]
        k = _FIRST_GROUP + len(_GROUP_CHARS)
        f[k] = len(runs)
        f[k + 1] = sum(n - 3 for n in runs if n > 3)
        f[k + 2] = sum(n - 8 for n in runs if n > 8)
        f[k + 3] = len(_FULLWIDTH.findall(text))
        f[k + 4] = len(text.encode("utf-8", "surrogatepass")) - len(text)
    return f


# Letters inside words, with the marks (accents, Indic vowel signs, Hebrew points, …) that ride on them.
_LETTER_RUN = re.compile(
    "(?:[^\\W\\d_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u0eb1-\u0ebc\u0ec8-\u0ecd\u0f18-\u0fbc\u102b-\u103e\u1712-\u1734"
    "\u17b4-\u17d3\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
)
_IDEOGRAPHIC = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def spelling_keys(text: str) -> list[str]:
    """What a language's spelling is made of: the pairs of letters inside its words (a space
    marks a word's start and end), lower-cased. Ideographs, kana and Hangul syllables are left
    out: thousands of them each, a corpus meets most rarely, and the CJK class costs them by kind,
    not by spelling. The fitted model's familiarity with a text is the share of keys it has seen."""
    keys: list[str] = []
    for run in _LETTER_RUN.findall(text.lower()):
        if _IDEOGRAPHIC.search(run):
            run = _IDEOGRAPHIC.sub("", run)
            if not run:
                continue
        word = f" {run} "
        keys += [word[i : i + 2] for i in range(len(word) - 1)]
    return keys


#: Content classes: each has its own fitted costs and its own measured range.
CLASSES = ("english", "code", "latin", "cyrillic", "greek", "arabic_hebrew", "indic", "southeast_asian", "cjk", "other_script",
           "emoji", "symbols")  # fmt: skip
_SCRIPT_INDEX = {name: _FIRST_GROUP + i for i, (name, _) in enumerate(_SCRIPTS)}
_CLASS_SCRIPTS = {
    "latin": ("latin1", "latin_ext", "latin_add", "combining"), "cyrillic": ("cyrillic", "cyrillic_ext"), "greek": ("greek",),
    "arabic_hebrew": ("hebrew", "arabic", "syriac_thaana_nko"),
    "indic": ("devanagari", "bengali", "gurmukhi", "gujarati", "oriya", "tamil", "telugu", "kannada", "malayalam", "sinhala"),
    "southeast_asian": ("thai", "lao", "myanmar", "khmer", "tai"),
    "other_script": ("armenian", "tibetan", "georgian", "ethiopic", "cherokee", "canadian", "runic_ogham", "mongolian"),
}  # fmt: skip
_EMOJI, _EMOJI_PARTS, _SYMBOLS = (_FIRST_GROUP + len(_SCRIPTS) + i for i in range(3))
_STOP = len(FEATURES) - 1


def content_class(text: str, f: list[float]) -> str:
    """The class of a text: the script group of at least 15% of its characters (CJK, Cyrillic,
    Indic, emoji, …); else Latin when 1% are accented Latin letters or when a longer ASCII prose
    has few common English words; else code or English."""
    n = max(len(text), 1)
    if not text.isascii():
        shares = [(sum(f[_SCRIPT_INDEX[s]] for s in scripts) + (f[13] if cls == "other_script" else 0), cls)
                  for cls, scripts in _CLASS_SCRIPTS.items() if cls != "latin"]  # fmt: skip
        shares += [(f[12], "cjk"), (f[_EMOJI] + f[_EMOJI_PARTS], "emoji"), (f[_SYMBOLS], "symbols")]
        top, name = max(shares)
        if top >= 0.15 * n:
            return name
        if sum(f[_SCRIPT_INDEX[s]] for s in _CLASS_SCRIPTS["latin"]) >= 0.01 * n:
            return "latin"
    if f[11] > 0.05 * n or (f[6] > 0.06 * n and (n < LONG_TEXT or len(_CODE_SYMBOLS.findall(text)) >= 0.015 * n)):
        # punctuation alone makes short text code; running text also needs code's own symbols
        # (translated messages are full of %s and --option but have few brackets or `=`)
        return "code"
    if f[0] >= 12 and f[_STOP] < 0.08 * f[0]:
        return "latin"
    return "english"


@dataclass(frozen=True)
class Estimate:
    """A token estimate: point value and range; `low_confidence` when some of the text is spelled
    unlike anything the fitted model learned from (its range is then widened)."""

    tokens: int
    low: int
    high: int
    low_confidence: bool = False

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.tokens + other.tokens, self.low + other.low, self.high + other.high,
                        self.low_confidence or other.low_confidence)  # fmt: skip


ZERO = Estimate(0, 0, 0)


#: From this many characters a text is running text: it has weights and a range of its own,
#: fitted on long texts (issue 24: short catalog strings taught the model other habits).
LONG_TEXT = 1500


def estimate_text(text: str, family: str | None) -> Estimate:
    """Estimate the content tokens of a text for a tokenizer family (None: union of families)."""
    if not text:
        return ZERO
    if family not in FAMILIES:
        ests = [estimate_text(text, f) for f in FAMILIES]
        return Estimate(round(sum(e.tokens for e in ests) / len(ests)), min(e.low for e in ests), max(e.high for e in ests),
                        any(e.low_confidence for e in ests))  # fmt: skip
    model = _model()
    f = features(text)
    cls = content_class(text, f)
    weights = model["weights"][family]
    long = len(text) >= LONG_TEXT
    point = max(1.0, sum(w * x for w, x in zip(weights.get(f"{cls}:long", weights[cls]) if long else weights[cls], f)))
    bands = model["bands"][family]
    size = "long" if long else "short" if point < 50 else ""
    lo, hi = bands.get(f"{cls}:{size}", bands[cls])
    # Text unlike what the fit learned from (issue 33) is said to be, and gets the range measured on
    # such texts with whole language families held out of the fit (benchmarks/unseen_languages.py):
    spelling = model["spelling"]
    high = 0
    unseen = f[13] + sum(f[i] for i in spelling["unsupported"]) >= spelling["unseen_share"] * len(text)
    low = math.floor(point * lo)
    if unseen:  # a script the fit has no data for: from fewer tokens a character than any language measured to one a UTF-8 byte
        low = min(low, math.floor(spelling["floor_per_char"] * len("".join(text.split()))))
        high = len(text.encode("utf-8", "surrogatepass"))
    unfamiliar = unseen or (cls not in ("code", "emoji", "symbols") and (novelty(text) or 0.0) >= spelling["unfamiliar"])
    if unfamiliar and not unseen:  # its spelling is unlike the corpus's, in scripts the fit knows
        wide = bands["unfamiliar:long" if long else "unfamiliar"]
        lo, hi = min(lo, wide[0]), max(hi, wide[1])
    # bands are ratios real/estimate (e.g. 0.9 and 1.12); +1 absorbs the boundary token
    return Estimate(round(point), max(0, low), max(math.ceil(point * hi) + 1, high), unfamiliar)


#: Below this many spelling keys a text is too short to tell whether its spelling is familiar.
MIN_KEYS = 40
#: At most this many keys are looked up (evenly spread): enough for a share.
MAX_KEYS = 4000
_SPELLING: tuple[bytes, int] | None = None


def novelty(text: str) -> float | None:
    """The share of the text's spelling keys (spelling_keys) that the fitting corpus has fewer than
    `spelling.at_least` of: 0 for text written like what the fit learned from, towards 1 for a
    language or script it never saw. None when the text has too few keys to tell. The corpus's
    keys are kept as a bit map of their CRC-32s (data/offline.json `spelling`)."""
    global _SPELLING
    if len(text) > 16 * 2000:  # a long text: eight stretches spread over it tell its spelling as well
        step = len(text) // 8
        text = " ".join(text[k * step : k * step + 2000] for k in range(8))
    keys = spelling_keys(text)
    if len(keys) < MIN_KEYS:
        return None
    if _SPELLING is None:
        table = _model()["spelling"]
        _SPELLING = (zlib.decompress(base64.b64decode(table["map"])), (1 << table["bits"]) - 1)
    bits, mask = _SPELLING
    sample = keys[:: max(1, len(keys) // MAX_KEYS)]
    unseen = 0
    for key in sample:
        h = spelling_bit(key, mask)
        unseen += not (bits[h >> 3] >> (h & 7)) & 1
    return unseen / len(sample)


def spelling_bit(key: str, mask: int) -> int:
    """The bit of the spelling map that stands for `key` (benchmarks/unseen_languages.py sets them)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) & mask


# ---------------------------------------------------------------- images


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG, JPEG, GIF or WebP header; PayloadError when unreadable."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 25:
        chunk = data[12:16]
        if chunk == b"VP8 " and len(data) >= 30:
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L":
            b = data[21:25]
            w = 1 + (((b[1] & 0x3F) << 8) | b[0])
            h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
            return w, h
        if chunk == b"VP8X" and len(data) >= 30:
            w = 1 + int.from_bytes(data[24:27], "little")
            h = 1 + int.from_bytes(data[27:30], "little")
            return w, h
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    raise PayloadError("image data is not a PNG, JPEG, GIF or WebP image (or its header is damaged)")


def _patches(w: int, h: int) -> int:
    return math.ceil(w / 28) * math.ceil(h / 28)


def image_tokens(width: int, height: int, high_res: bool) -> int:
    """Visual tokens of an image: ⌈w/28⌉·⌈h/28⌉ after an aspect-preserving downscale.

    Limits (fact sheet §12): Claude Opus 4.7 and later 2576 px long edge / 4,784 tokens; other
    models 1568 px / 1,568 tokens. The long edge is reduced one pixel at a time (short edge
    rounded) until the patch count fits; this reproduces the docs' examples (1920x1080 → 1,560
    standard / 2,691 high-res; 3840x2160 → 4,784 high-res; 1075x1520 → 924x1307).
    """
    if width <= 0 or height <= 0:
        return 0
    max_edge, max_tokens = (2576, 4784) if high_res else (1568, 1568)
    long_edge, short_edge = max(width, height), min(width, height)
    target = min(long_edge, max_edge)
    while target > 1:
        short = max(1, round(short_edge * target / long_edge))
        if _patches(target, short) <= max_tokens:
            return _patches(target, short)
        target -= 1
    return 1


def _b64(data: Any, loc: str) -> bytes:
    if not isinstance(data, str):
        raise PayloadError(f"{loc}: base64 'data' must be a string")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{loc}: 'data' is not valid base64", hint="encode the file with base64 (no data: URL prefix)") from None


def _pdf_pages(data: bytes) -> int:
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data, re.S)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data, re.S)]
    return max([pages, *counts, 1])


def _block(block: dict[str, Any], family: str | None, loc: str, tx: TextFn) -> Estimate:
    kind = block.get("type")
    high_res = family in ("v4.7", "v5")
    if kind == "text":
        return tx(block.get("text", ""))
    if kind == "image":
        source = block.get("source", {})
        if source.get("type") == "base64":
            w, h = image_size(_b64(source.get("data"), f"{loc}.source"))
            n = image_tokens(w, h, high_res)
            # Per-image wrapper tokens are unverified (notes §4): a few tokens of range.
            return Estimate(n, n, n + 10)
        return ZERO
    if kind == "document":
        source = block.get("source", {})
        if source.get("type") == "base64" and source.get("media_type", "application/pdf") == "application/pdf":
            pages = _pdf_pages(_b64(source.get("data"), f"{loc}.source"))
            cap = 4784 if high_res else 1568
            # Docs: 1,500–3,000 text tokens per page plus the page's image; measured single pages
            # 2,115–2,347 in total (notes §4).
            return Estimate(pages * 2300, pages * 1500, pages * (3000 + cap))
        if source.get("type") == "text":
            return tx(source.get("data", ""))
        if source.get("type") == "content" and isinstance(source.get("content"), list):
            return _content(source["content"], family, f"{loc}.source.content", tx)
        return ZERO
    if kind == "tool_result":
        content = block.get("content", "")
        return Estimate(3, 2, 6) + _content(content, family, f"{loc}.content", tx)
    if kind in ("thinking", "redacted_thinking"):
        return tx(block.get("thinking", block.get("data", "")))
    # tool_use and other structured blocks: their JSON, as text
    payload = {k: v for k, v in block.items() if k not in ("cache_control", "type")}
    return Estimate(3, 2, 6) + tx(json.dumps(payload, ensure_ascii=False))


def _content(content: Any, family: str | None, loc: str, tx: TextFn) -> Estimate:
    if isinstance(content, str):
        return tx(content)
    total = ZERO
    if isinstance(content, list):
        for i, block in enumerate(content):
            if isinstance(block, dict):
                total = total + _block(block, family, f"{loc}[{i}]", tx)
    return total


# Fixed overheads of special client tools (fact sheet §8): bash 244 (4.6 and earlier) or 325
# (4.7 and later); text editor 700; computer use ~735 per definition plus its prompt.
def _special_tool(kind: str, family: str | None) -> Estimate | None:
    if kind.startswith("bash_"):
        n = 244 if family == "v3" else 325
        return Estimate(n, 244, 325)
    if kind.startswith("text_editor_"):
        return Estimate(700, 650, 750)
    if kind.startswith("computer_toolset"):
        return Estimate(4500, 4000, 4700)
    if kind.startswith("browser_toolset"):
        return Estimate(6600, 6000, 7000)
    if kind.startswith("computer_"):
        return Estimate(735 + 480, 735 + 466, 735 + 499)
    if kind.startswith("memory_"):
        return None
    return None


def estimate_body(
    body: dict[str, Any],
    family: str | None,
    tool_prompt: tuple[int | None, int | None] = (None, None),
    tx: TextFn | None = None,
) -> Estimate:
    """Estimate count_tokens for a body: frame, system, messages, tools and their system prompt.
    Text is counted by `tx` (default: the fitted model of `family`)."""
    if tx is None:
        tx = fitted_text(family)
    families = [family] if family in FRAME else list(FAMILIES)
    frames = [FRAME[f] for f in families]
    total = Estimate(round(sum(frames) / len(frames)), min(frames), max(frames))
    system = body.get("system")
    if system:
        total = total + _content(system, family, "system", tx)
    messages = body.get("messages", [])
    for i, msg in enumerate(messages):
        total = total + _content(msg.get("content", ""), family, f"messages[{i}].content", tx)
    if len(messages) > 1:
        extra = len(messages) - 1
        total = total + Estimate(TURN[1] * extra, TURN[0] * extra, TURN[2] * extra)
    tools = body.get("tools") or []
    if tools:
        choice = (body.get("tool_choice") or {}).get("type", "auto")
        auto, any_ = tool_prompt
        prompt = any_ if choice in ("any", "tool") else auto
        if choice != "none" or prompt:
            if prompt is None:
                # No published figure for this model: the documented range across models (§8).
                total = total + Estimate(500, 264, 804)
            else:
                total = total + Estimate(prompt, prompt, prompt)
        for tool in tools:
            kind = str(tool.get("type", "custom"))
            special = _special_tool(kind, family)
            if special is not None:
                total = total + special
                continue
            text = json.dumps({k: v for k, v in tool.items() if k not in ("cache_control", "type")}, ensure_ascii=False)
            est = tx(text)
            # Definitions render more compactly than raw JSON: 0.55–1.0 of its tokens (notes §6.3).
            total = total + Estimate(round(est.tokens * 0.75), math.floor(est.low * 0.55), est.high)
    return total


TextFn = Callable[[str], Estimate]


def fitted_text(family: str | None) -> TextFn:
    """Text counted by the fitted chunk model of `family` (a range from its measured bands)."""
    return lambda text: estimate_text(text, family)


#: The single-user-message frame ctok includes in its counts, per ctok version (ctok 1.3.0:
#: "a" counts 8 / 12 / 7 / 7).
CTOK_FRAME = {"3.0": 7, "4.7": 11, "4.8": 6, "5.0": 6}
CTOK_PIN = "ctok==1.3.0"
CTOK_INSTALL = f"pip install --ignore-requires-python {CTOK_PIN}"


def ctok_available() -> bool:
    """Whether ctok is installed (found, not imported: importing it costs ~30 ms). A module
    already imported (or marked missing with None) answers at once; the search of the import
    path (~0.2 ms) is made once per process."""
    import sys

    if "ctok" in sys.modules:
        return sys.modules["ctok"] is not None
    return _ctok_found()


@functools.cache
def _ctok_found() -> bool:
    from importlib.util import find_spec

    try:
        return find_spec("ctok") is not None
    except (ImportError, ValueError):
        return False


class CtokText:
    """Text counted as ctok, the reconstructed tokenizer, counts it: exact on every recorded
    count we have (shared/data/token-calibration). The counts are ctok's, computed by our
    tokenizer engine (counting/tokenizer.py, held equal to ctok.token_count by
    tests/test_tokenizer.py), several times faster. A part of a larger body gets ±1 for the
    token its first character may share with what comes before."""

    def __init__(self, version: str) -> None:
        from claude_cost.counting.tokenizer import tokenizer  # lazy: only offline counting loads it

        self.version = version
        self.frame = CTOK_FRAME[version]
        self._count = tokenizer(version).count

    def content(self, text: str) -> int:
        """Tokens of `text` as the whole of one user message, less the frame."""
        if not text:
            return 0
        return max(self._count(text) - self.frame, 0)

    def __call__(self, text: str) -> Estimate:
        n = self.content(text)
        return Estimate(n, max(n - 1, 0), n + 1) if n else ZERO

    def whole(self, text: str) -> int:
        """count_tokens of a request that is one user message of `text`, frame included. On the
        "5.0" vocabulary trailing ASCII whitespace is free (Opus 5; ctok leaves this out, the
        recorded counts show it: 1,741 of 1,741 exact with it, 1,725 without)."""
        if self.version == "5.0":
            text = text.rstrip(" \t\n\r\x0b\x0c")
        return self._count(text)


def _single_text(body: dict[str, Any]) -> str | None:
    """The text of a body that is exactly one user message of text (no system, no tools)."""
    if body.get("system") or body.get("tools") or len(body.get("messages", [])) != 1:
        return None
    msg = body["messages"][0]
    if msg.get("role") != "user":
        return None
    content = msg.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list) and len(content) == 1 and isinstance(content[0], dict) and content[0].get("type") == "text":
        text = content[0].get("text")
        return text if isinstance(text, str) else None
    return None


class OfflineCounter:
    """Offline counting: no network, a point estimate and a low–high range. `method` ctok
    counts text exactly with the reconstructed tokenizer; fitted uses the chunk model."""

    source = "offline"

    def __init__(self, family: str | None, tool_prompt: tuple[int | None, int | None] = (None, None),
                 *, method: str = "fitted", ctok_version: str | None = None) -> None:  # fmt: skip
        self.family = family
        self.tool_prompt = tool_prompt
        self._ctok = CtokText(ctok_version) if method == "ctok" and ctok_version else None
        self.count_method = "ctok" if self._ctok is not None else "fitted"
        if self._ctok is not None:
            self.method = f"offline: ctok {ctok_version} (reconstructed tokenizer) + documented overheads"
        else:
            self.method = f"offline: fitted estimate, tokenizer {family or 'unknown: union of families'}"

    def count(self, body: dict[str, Any]) -> Count:
        if self._ctok is not None:
            text = _single_text(body)
            if text is not None:  # one user message of text: what ctok reproduces exactly
                n = self._ctok.whole(text)
                return Count(n, n, n, exact=False)
            est = estimate_body(body, self.family, self.tool_prompt, self._ctok)
        else:
            est = estimate_body(body, self.family, self.tool_prompt)
        return Count(est.tokens, est.low, est.high, exact=False, low_confidence=est.low_confidence)


def offline_counter(model: Any, method: str = "auto") -> OfflineCounter:
    """The offline counter for a priced model: `auto` = ctok when it is installed and knows the
    model's tokenizer, else fitted; `ctok` without ctok (or for a model it does not know) is an
    error naming the fix, never a silent fallback."""
    from claude_cost.core.errors import InputError

    if method not in ("auto", "ctok", "fitted"):
        raise InputError(f"--offline-method must be auto, ctok or fitted, not {method!r}")
    prompt = (model.tool_prompt_auto, model.tool_prompt_any)
    if method == "fitted":
        return OfflineCounter(model.tokenizer, prompt)
    if not ctok_available():
        if method == "ctok":
            raise InputError("--offline-method ctok: ctok is not installed", hint=CTOK_INSTALL)
        return OfflineCounter(model.tokenizer, prompt)
    if model.ctok is None:
        if method == "ctok":
            raise InputError(f"--offline-method ctok: ctok does not know {model.id}'s tokenizer", hint="use --offline-method fitted")
        return OfflineCounter(model.tokenizer, prompt)
    return OfflineCounter(model.tokenizer, prompt, method="ctok", ctok_version=model.ctok)
