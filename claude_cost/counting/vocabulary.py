"""The tables the tokenizer engine (counting/tokenizer.py) reads, derived once from the installed
ctok and kept on disk.

ctok is the reference and the source of the vocabulary: everything here is read out of its
installed package by asking ctok itself — the tiling vocabulary, the byte-floor tokens, the
family's measured scalars, and, for every character, the class ctok's normaliser gives it
(word, stray mark, digit, space, punctuation, or one of the three kinds of "hard" character),
its case and what normalisation does to it. Deriving takes about a second (ctok parses its
vocabulary and builds a trie; every BMP character is classified); loading the derived file takes
a few milliseconds.

The file is keyed by what it was derived from — ctok's installed files (size and modification
time), this Python's Unicode version, and FORMAT — so a new ctok or Python derives it again. A
cache folder that cannot be written only costs the derivation on every run; a damaged or
foreign file is derived again.
"""

from __future__ import annotations

import os
import sys
import unicodedata
import zlib
from functools import cached_property
from pathlib import Path

from claude_cost.core import cachefile

__all__ = ["Vocabulary", "load", "cache_dir", "derive", "CLASSES"]

#: Bump when what is derived, or how, changes: older files are then derived again.
FORMAT = 6
CACHE_ENV = "CLAUDE_COST_TOKENIZER_CACHE"
_SEP = "\x00"  # joins pieces in the file; no piece contains it (checked when deriving)

#: The character classes of the normaliser, as the tokenizer's run pattern numbers them:
#: a stray mark (a combining mark no letter carries), a word character, a digit, whitespace,
#: punctuation, and the "hard" characters (ideographs, emoji, other symbols) of letter,
#: punctuation and number kind. Variation selectors ride the hard run they follow.
CLASSES = ("stray", "word", "digit", "space", "punct", "hard_letter", "hard_punct", "hard_number")


class Vocabulary:
    """One ctok version's tiling vocabulary and scalars, and the character tables (the tables
    only non-ASCII text needs are made on first use)."""

    def __init__(self, doc: dict) -> None:
        self.version: str = doc["version"]
        self.family: str = doc["family"]
        self.pieces = frozenset(doc["pieces"].split(_SEP))  # every cost-1 piece, markers included
        self.max_len: int = doc["max_len"]  # the longest piece, in codepoints
        # The longest piece that ends in each character: a tiling that reaches a character looks
        # back no further (an ideograph ends no piece but itself; v3's longest piece is 128).
        self.reach_to: dict[str, int] = doc["reach_to"]
        self.overhead: int = doc["overhead"]  # the single-user-message frame in every count
        self.fold_quotes: bool = doc["fold_quotes"]
        self.allcaps_min: int | None = doc["allcaps_min"]
        self.frame_bow: bool = doc["frame_bow"]
        bow, eow, shift, caps = doc["markers"]  # ⟨bow⟩ ⟨eow⟩ ⟨shift⟩ ⟨caps⟩ as written in the stream
        self.markers: tuple[str, str, str, str] = (bow, eow, shift, caps)
        self.escapes: dict[str, str] = doc["escapes"]  # literal marker codepoint → its stand-in
        self.unescapes = {v: k for k, v in self.escapes.items()}
        self.contractions = frozenset(doc["contractions"])  # suffixes an apostrophe binds to the word before
        self.chunkable: bool = doc["chunkable"]  # case markers only open a piece; ⟨bow⟩ only follows them
        self.eow_closes: bool = doc["eow_closes"]  # ⟨eow⟩ only ever ends a piece
        self.pairs = frozenset(doc["pairs"])  # every two neighbouring characters inside some piece
        self.pieces_sha: str = doc["pieces_sha"]  # versions sharing it (and the rules) share counts
        self.ascii_map: dict[str, str] = doc["ascii_map"]  # normalisation of each ASCII character it changes
        chars = self._chars = doc["chars"]
        self.ascii_classes: dict[str, str] = chars["ascii_classes"]  # class name → regex class body, ASCII members
        self.spaces: str = chars["spaces"]  # the whitespace characters left after normalisation
        self.selectors = frozenset(chars["selectors"])
        # Word, digit and space characters that ctok's border test (a selector, punctuation,
        # symbol, format or unassigned character) still takes as a punctuation-like edge.
        self.edges = frozenset(chars["edges"])
        self._doc = doc
        for key in _LAZY:  # a document missing a table is not whole: derive it again
            if key not in chars:
                raise KeyError(key)

    @cached_property
    def byte_tokens(self) -> frozenset[str]:
        """The byte floor's multi-byte tokens, as hex."""
        return frozenset(self._doc["byte_tokens"])

    @cached_property
    def unit_chars(self) -> frozenset[str]:
        """Single codepoints that are pieces of their own."""
        return frozenset(self._doc["unit_chars"])

    @cached_property
    def classes(self) -> dict[str, str]:
        """Class name → regex class body, every BMP member."""
        return self._chars["classes"]

    @cached_property
    def word_start(self) -> str:
        """Regex class body: the characters that open a word."""
        return self._chars["word_start"]

    @cached_property
    def number_nd(self) -> frozenset[str]:
        """Hard numbers of category Nd (the rest are No)."""
        return frozenset(self._chars["number_nd"])

    @cached_property
    def upper(self) -> frozenset[str]:
        return frozenset(self._chars["upper"])

    @cached_property
    def lower(self) -> frozenset[str]:
        return frozenset(self._chars["lower"])

    @cached_property
    def lowered(self) -> dict[str, str]:
        """A word character's lower case, where it differs."""
        return self._chars["lowered"]

    @cached_property
    def caps_blockers(self) -> frozenset[str]:
        """Letters with no lowered form: a word holding one takes no ⟨caps⟩."""
        return frozenset(self._chars["caps_blockers"])

    @cached_property
    def nfc_changes(self) -> dict[str, str]:
        """One character's normalisation beyond NFC (controls and private use go, spaces and
        v3's curly quotes fold), character by character."""
        return self._chars["nfc_changes"]

    @cached_property
    def nfc_ranges(self) -> list[list[str]]:
        """[first, last, replacement]: long runs of characters normalised alike."""
        return self._chars["nfc_ranges"]

    @cached_property
    def nfc_context(self) -> str:
        """Characters whose normalisation depends on their neighbours."""
        return self._chars["nfc_context"]

    @cached_property
    def suffixes(self) -> frozenset[str]:
        """Every proper suffix (two or more codepoints) of a piece: a tiling that walks back from
        a position stops where the text stops being one. Read from its own derived file on first
        use (~6 ms; making it takes ~45 ms), by long texts only."""
        path = self.suffix_path
        joined = cachefile.read(path) if path is not None else None
        if isinstance(joined, str):
            return frozenset(joined.split(_SEP))
        made = frozenset(p[i:] for p in self.pieces for i in range(1, len(p) - 1))
        if path is not None:
            cachefile.write(path, _SEP.join(sorted(made)))
        return made

    suffix_path: Path | None = None


_LAZY = ("classes", "word_start", "number_nd", "upper", "lower", "lowered", "caps_blockers", "nfc_changes", "nfc_ranges", "nfc_context")


def cache_dir() -> Path:
    """$CLAUDE_COST_TOKENIZER_CACHE, else $XDG_CACHE_HOME/claude-cost/tokenizer, else ~/.cache/…"""
    from claude_cost.core.cachefile import cache_home

    explicit = os.environ.get(CACHE_ENV)
    return Path(explicit) if explicit else cache_home() / "tokenizer"


def _ctok_stamp() -> str | None:
    """What the derived file depends on, without importing ctok: its installed files' sizes and
    times, this Python's Unicode version and FORMAT. None when ctok is not installed."""
    from importlib.util import find_spec

    try:
        spec = find_spec("ctok")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    parts = [f"format {FORMAT}", f"python {sys.version_info[:2]}", f"unicode {unicodedata.unidata_version}", str(root)]
    for folder in (root, root / "data"):
        try:
            with os.scandir(folder) as entries:
                files = sorted((e.name, e.stat()) for e in entries if e.name.endswith((".py", ".json")))
        except OSError:
            return None
        parts += [f"{name} {st.st_size} {st.st_mtime_ns}" for name, st in files]
    return f"{zlib.crc32(chr(10).join(parts).encode()):08x}"


_LOADED: dict[str, Vocabulary] = {}


def load(version: str) -> Vocabulary:
    """The vocabulary of a ctok version ("3.0", "4.7", "4.8", "5.0"): from memory, from the
    derived file, or derived now (and written for next time). ImportError without ctok."""
    hit = _LOADED.get(version)
    if hit is not None:
        return hit
    stamp = _ctok_stamp()
    if stamp is None:
        raise ImportError("ctok is not installed")
    path = cache_dir() / f"ctok-{version}-{stamp}.marshal"
    vocab = _from_doc(_read(path))
    if vocab is None:
        doc = derive(version)
        cachefile.write(path, doc)
        vocab = Vocabulary(doc)
    vocab.suffix_path = path.with_suffix(".suffixes")
    _LOADED[version] = vocab
    return vocab


def _read(path: Path) -> dict | None:
    """The derived document at `path`; None if it is missing, damaged or of another FORMAT."""
    doc = cachefile.read(path)
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def _from_doc(doc: dict | None) -> Vocabulary | None:
    """The vocabulary in a derived document; None if there is none or it is not whole."""
    if doc is None:
        return None
    try:
        return Vocabulary(doc)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def _char_class(chars: list[str]) -> str:
    """A regex class body for a sorted list of characters, as ranges."""
    import re

    out: list[str] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        lo, hi = re.escape(chars[i]), re.escape(chars[j])
        out.append(lo if i == j else (f"{lo}{hi}" if j == i + 1 else f"{lo}-{hi}"))
        i = j + 1
    return "".join(out)


def _ranges(changes: dict[str, str]) -> tuple[dict[str, str], list[list[str]]]:
    """Runs of 16 or more consecutive characters with the same replacement as ranges; the rest
    one by one."""
    singles: dict[str, str] = {}
    ranges: list[list[str]] = []
    chars = sorted(changes)
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1 and changes[chars[j + 1]] == changes[chars[i]]:
            j += 1
        if j - i >= 15:
            ranges.append([chars[i], chars[j], changes[chars[i]]])
        else:
            singles.update((c, changes[c]) for c in chars[i : j + 1])
        i = j + 1
    return singles, ranges


def _characters(fold_quotes: bool) -> dict:
    """Every BMP character's class, case and normalisation, as ctok's normaliser reads them."""
    from ctok.constants import DIGIT, PUNCT, SPACE, WORDY
    from ctok.normalize import _NEW_CASED, _hard_kind, _is_lower, _is_selector, _is_upper, _lower, _marks_like_punct, _stray_mark, classify, nfc

    members: dict[str, list[str]] = {name: [] for name in CLASSES}
    selectors, number_nd, upper, lower, blockers = [], [], [], [], []
    lowered: dict[str, str] = {}
    spaces, changes, edges = [], {}, []
    plain = {DIGIT: "digit", SPACE: "space", PUNCT: "punct"}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        cls = classify(c)
        if cls == WORDY:
            members["stray" if _stray_mark(c) else "word"].append(c)
            if _is_upper(c):
                upper.append(c)
            if _is_lower(c):
                lower.append(c)
            if _lower(c) != c:
                lowered[c] = _lower(c)
            if (c in _NEW_CASED or unicodedata.category(c)[0] in ("L", "M")) and not _is_lower(c) and (not _is_upper(c) or _lower(c) == c):
                blockers.append(c)
        elif cls in plain:
            members[plain[cls]].append(c)
        else:  # a hard character: its kind decides its sub-run; a selector rides any
            kind = "letter" if _is_selector(c) else _hard_kind(c)
            members[f"hard_{kind}"].append(c)
            if _is_selector(c):
                selectors.append(c)
            if kind == "number" and unicodedata.category(c) == "Nd":
                number_nd.append(c)
        if cls in (WORDY, DIGIT, SPACE) and (_is_selector(c) or _marks_like_punct(c)):
            edges.append(c)  # a word character that still counts as a punctuation-like edge
        norm = nfc(c, fold_quotes=fold_quotes)
        if norm != c and unicodedata.normalize("NFC", c) == c:
            changes[c] = norm
        if cls == SPACE and norm == c:
            spaces.append(c)
    # Every astral character is a hard letter to ctok's normaliser (checked on a sample here;
    # the tokenizer's pattern gives the whole astral range that class).
    for cp in range(0x10000, 0x110000, 61):
        c = chr(cp)
        if classify(c) in (WORDY, DIGIT, SPACE, PUNCT) or _is_selector(c) or _hard_kind(c) != "letter":
            raise RuntimeError(f"ctok classifies astral U+{cp:04X} other than as a hard letter: the tokenizer's tables need updating")
    # A selector starting a hard run opens a letter-kind sub-run (ctok asks its kind).
    if any(_hard_kind(c) != "letter" for c in selectors):
        raise RuntimeError("a variation selector is not of letter kind")
    singles, ranges = _ranges(changes)
    return {
        "classes": {name: _char_class(chars) for name, chars in members.items()},
        "ascii_classes": {name: _char_class([c for c in chars if c.isascii()]) for name, chars in members.items()},
        "word_start": _char_class(members["word"]),
        "spaces": "".join(spaces),
        "selectors": "".join(selectors),
        "edges": "".join(edges),
        "number_nd": "".join(number_nd),
        "upper": "".join(upper),
        "lower": "".join(lower),
        "lowered": lowered,
        "caps_blockers": "".join(blockers),
        "nfc_changes": singles,
        "nfc_ranges": ranges,
        # Thai SARA AM is composed from two characters; a surrogate becomes U+FFFD (both are
        # left to ctok's own normaliser).
        "nfc_context": "\u0e4d",
    }


def _reach_to(pieces: list[str]) -> dict[str, int]:
    """Each character that ends a piece → the length of the longest piece ending in it."""
    out: dict[str, int] = {}
    for p in pieces:
        if len(p) > out.get(p[-1], 0):
            out[p[-1]] = len(p)
    return out


def derive(version: str) -> dict:
    """Read one version's tables out of the installed ctok (imports it; about a second)."""
    import hashlib

    from ctok import main as ctok_main
    from ctok.constants import BOW_G, CAPS_G, CONTRACTION_SUFFIXES, EOW_G, LITERAL_MARKER_ESCAPES, SHIFT_G
    from ctok.normalize import nfc

    family = ctok_main._family(version)
    model = ctok_main._model(family)
    pieces = sorted(model.vocab)
    if any(_SEP in p for p in pieces):
        raise RuntimeError("a ctok piece contains NUL: the vocabulary file format needs another separator")
    # The tokenizer adds up chunk by chunk only if no piece can span the point where a chunk
    # begins: that point is followed by a case marker or ⟨bow⟩ (and preceded by ⟨eow⟩ or whitespace),
    # so every case marker must open its piece, and ⟨bow⟩ may follow nothing but case markers.
    chunkable = all(
        all(ch not in (SHIFT_G, CAPS_G) for ch in p[1:]) and all(p[i - 1] in (SHIFT_G, CAPS_G) for i in range(1, len(p)) if p[i] == BOW_G)
        for p in pieces
    )
    ascii_map = {chr(cp): nfc(chr(cp), fold_quotes=model.fold_quotes) for cp in range(128)}
    return {
        "format": FORMAT,
        "version": version,
        "family": family,
        "pieces": _SEP.join(pieces),
        "max_len": max(len(p) for p in pieces),
        "reach_to": _reach_to(pieces),
        "byte_tokens": sorted(model.bytes.tokens),
        "unit_chars": sorted(model.unit_pieces),
        "overhead": model.message_overhead,
        "fold_quotes": bool(model.fold_quotes),
        "allcaps_min": model.allcaps_min,
        "frame_bow": bool(model.frame_bow),
        "markers": [BOW_G, EOW_G, SHIFT_G, CAPS_G],
        "escapes": dict(LITERAL_MARKER_ESCAPES),
        "contractions": sorted(CONTRACTION_SUFFIXES),
        "chunkable": chunkable,
        "eow_closes": all(EOW_G not in p[:-1] for p in pieces),
        "pairs": sorted({p[i - 1 : i + 1] for p in pieces for i in range(1, len(p))}),
        "pieces_sha": hashlib.sha256(_SEP.join(pieces).encode()).hexdigest()[:16],
        "ascii_map": {k: v for k, v in ascii_map.items() if k != v},
        "chars": _characters(bool(model.fold_quotes)),
    }
