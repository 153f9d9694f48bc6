"""Exact offline token counts, fast: ctok's count (`ctok.token_count`), computed another way.

ctok reconstructs Claude's tokenizer in two stages — text becomes a *marked stream* (words
bracketed by ⟨bow⟩/⟨eow⟩ markers, case written as ⟨shift⟩/⟨caps⟩, punctuation and digits marked
where they border a space), and the stream is tiled with the fewest vocabulary pieces — and runs
both over the whole text in pure Python, character by character. This engine gets the same
number another way: real text repeats itself and both stages are local, so it cuts the text
into chunks whose counts add up and works each distinct chunk out once, with its character
tables precomputed from ctok (counting/vocabulary.py) and its inner loops in the regex engine.

**Where the text is cut.** After every run of whitespace that a character opening a word (a
letter, by ctok's own classification) follows. Two facts make the chunks independent:

1. *The stream.* Every rule that writes a marker looks at most one run to the right (does a
   single space follow? does a letter follow?) and two runs to the left (the contraction rule).
   The run right of the cut is a word, and a word's markers never depend on whitespace before it
   (its ⟨bow⟩ is dropped only after an apostrophe or a stray mark). The chunk left of the cut
   ends in that whitespace and sees a word after it, so it is worked out with a stand-in word
   there, whose ⟨bow⟩a⟨eow⟩ is then cut off again; the seam rule (⟨eow⟩ + one space + ⟨bow⟩
   loses the space) comes out the same way.
2. *The tiling.* The right chunk's stream opens with a case marker or ⟨bow⟩. In ctok's
   vocabulary no piece has a case marker anywhere but first, nor ⟨bow⟩ after anything but a
   case marker (checked when the vocabulary is derived: ``Vocabulary.chunkable``), so no piece
   spans the cut and the minimum tiling of the whole is the sum of the chunks' minima. Inside a
   chunk the stream is tiled in segments that end at an ⟨eow⟩ (no piece goes on past one), and
   a long segment is cut again between two characters that are never neighbours in a piece.

**The stream of a chunk** is written by ctok's rules (ctok.normalize), restated here over runs
found by one regular expression of ctok's character classes: words take ⟨bow⟩/⟨eow⟩ and case
markers; punctuation, bordering digits and punctuation-like hard characters take markers where
they border a single space; a stray combining mark opens a word of its own; the message start
and a content-final newline run are the frame's. Where a text needs more than these tables hold
— a character outside them, Thai SARA AM written in two parts, a lone surrogate, text that is
not in NFC — ctok's own normaliser is used for it (imported only then).

tests/test_tokenizer.py holds this engine equal to ``ctok.token_count``: the recorded counts, a
multilingual corpus, this machine's source code and documentation, emoji sequences, control
characters, whitespace runs, long words and generated strings. ``count_method`` stays "ctok".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from types import SimpleNamespace

from claude_cost.counting import vocabulary
from claude_cost.counting.vocabulary import Vocabulary

__all__ = ["Tokenizer", "tokenizer", "token_count"]

#: A segment up to this long is tiled whole; a longer one is first cut between neighbours that
#: no piece holds together.
_SHORT = 24
#: A part longer than this (a run of one character, a long unbroken string) is tiled walking
#: back from each position only while the text is still a piece's suffix (set made on first use).
_LONG = 256
#: After this many minimum tilings (a long text — around a megabyte — in a script the vocabulary holds in short
#: pieces, or source code) the tiling walks back only while the text is a piece's suffix: that
#: set costs ~12 ms to load (v3) and then saves more than it cost.
_MANY = 6000
#: Distinct chunks kept per vocabulary (each a few hundred bytes) before the memo starts again.
_MEMO_LIMIT = 500_000
#: The stand-in word after a chunk's last space (a lowercase ASCII letter: no case marker).
_STAND_IN = "a"
#: Run kinds, in the order of the run pattern's groups.
_STRAY, _WORD, _DIGIT, _SPACE, _PUNCT, _HARD_LETTER, _HARD_PUNCT, _HARD_NUMBER = range(1, 9)
_HARD = (_HARD_LETTER, _HARD_PUNCT, _HARD_NUMBER)
_SURROGATE = re.compile("[\ud800-\udfff]")
#: ctok's case exceptions (its mark_case): ẞ keeps a word literal; İ is literal in a lowered body.
_SHARP_S, _DOTTED_I = "\u1e9e", "\u0130"


def _group(body: str, more: str = "") -> str:
    """One run pattern group: a class and what may follow (a group that never matches if the
    class is empty, so the group numbers stay put)."""
    return f"([{body}]{more})" if body else "((?!))"


class _Patterns:
    """The regular expressions over one repertoire: ASCII (small, compiled at once) or all of
    Unicode (compiled on the first non-ASCII text; ~20 ms)."""

    def __init__(self, vocab: Vocabulary, ascii_only: bool) -> None:
        c = vocab.ascii_classes if ascii_only else vocab.classes
        letter = c["hard_letter"] + ("" if ascii_only else "\U00010000-\U0010ffff")
        selectors = "".join(ch for ch in vocab.selectors if not ascii_only or ch.isascii())
        word = c["word"] + c["stray"]
        self.runs = re.compile(
            _group(c["stray"], "+") + "|" + _group(word, "+") + "|" + _group(c["digit"], "+") + "|" + _group(c["space"], "+") + "|"
            + _group(c["punct"], "+") + "|" + _group(letter, "+") + "|" + _group(c["hard_punct"], f"[{c['hard_punct']}{selectors}]*") + "|"
            + _group(c["hard_number"], f"[{c['hard_number']}{selectors}]*")
        )  # fmt: skip
        spaces = re.escape("".join(ch for ch in vocab.spaces if not ascii_only or ch.isascii()))
        start = c["word"] if ascii_only else vocab.word_start
        self.cut = re.compile(f"(?<=[{spaces}])(?=[{start}])") if vocab.chunkable else None
        # The commonest chunk: a word, perhaps punctuation, and the whitespace before a word.
        self.simple = re.compile(f"([{start}][{word}]*)([{c['punct']}]*)([{spaces}]+)")


_TEXTS_LIMIT = 4096  # whole texts remembered per version (their counts; the texts are the callers' own strings)


class Tokenizer:
    """ctok's token count for one version, by chunks (see the module notes)."""

    def __init__(self, version: str) -> None:
        v = self.vocab = vocabulary.load(version)
        self.version = version
        self._bow, self._eow, self._shift, self._caps = v.markers
        self._stand_in = self._bow + _STAND_IN + self._eow
        self._markers = frozenset(v.markers)
        self._seam = re.compile(f"(?<=.){self._eow} (?=[{self._shift}{self._caps}]*{self._bow})")
        self._ascii = _Patterns(v, ascii_only=True)
        self._full: _Patterns | None = None
        self._nfc: re.Pattern[str] | None = None
        self._ascii_table = str.maketrans(v.ascii_map)
        self._escape_table = str.maketrans(v.escapes)
        # Chunks counted before, shared by versions that normalise and tile alike (4.7, 4.8 and
        # 5.0 differ only in the frame, which only the first chunk sees).
        self._memo = _MEMOS.setdefault((v.pieces_sha, v.fold_quotes, v.allcaps_min), {})
        self._segments = _SEGMENTS.setdefault(v.pieces_sha, {})
        self._units: dict[str, int] = {}
        self._tails: dict[int, int] = {}
        self._tilings = 0  # minimum tilings worked out so far (see _MANY)
        # Whole texts counted before: a system prompt or tool set sent again and again (an agent
        # loop, a guarded client, a batch) is counted once. Bounded like the chunk memo.
        self._texts: dict[str, int] = {}

    # ------------------------------------------------------------------ the count

    def count(self, text: str) -> int:
        """``ctok.token_count(text, version)``: tokens of `text` as one user message, frame included."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        known = self._texts.get(text)
        if known is not None:
            return known
        if len(self._texts) >= _TEXTS_LIMIT:
            self._texts.clear()
        n = self._texts[text] = self._count(text)
        return n

    def _count(self, text: str) -> int:
        norm = self._normalize(text)
        if not norm.isascii():
            norm = norm.translate(self._escape_table)  # literal marker codepoints get stand-ins
        pats = self._ascii if norm.isascii() else self._patterns()
        head_space = text.startswith(" ")
        tail = self._frame_tail(len(norm) - len(norm.rstrip("\n")))
        chunks = pats.cut.split(norm) if pats.cut is not None else [norm]
        last = len(chunks) - 1
        if last == 0:
            return self.vocab.overhead + self._tile(self._stream(norm, pats, True, False, head_space)) + tail
        total = self._tile(self._stream(chunks[0], pats, True, True, head_space))
        total += self._tile(self._stream(chunks[last], pats, False, False, False))
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:  # a long batch of distinct texts: start again rather than grow
            memo.clear()
            self._segments.clear()
        middle = chunks[1:last]
        hits = list(map(memo.get, middle))
        if None in hits:
            for i, hit in enumerate(hits):
                if hit is None:
                    chunk = middle[i]
                    hit = memo.get(chunk)
                    if hit is None:
                        hit = memo[chunk] = self._tile(self._stream(chunk, pats, False, True, False))
                    hits[i] = hit
        return self.vocab.overhead + total + sum(hits) + tail  # type: ignore[arg-type]

    def _patterns(self) -> _Patterns:
        if self._full is None:
            self._full = _Patterns(self.vocab, ascii_only=False)
        return self._full

    # ------------------------------------------------------------------ normalisation

    def _normalize(self, text: str) -> str:
        """ctok's ``nfc``: NFC first, then controls and private use stripped, spaces and (v3)
        curly quotes folded, character by character (the derived tables). Text holding a lone
        surrogate or Thai SARA AM (whose composition ctok does between those steps) goes to
        ctok's own function."""
        if text.isascii():
            return text.translate(self._ascii_table)
        v = self.vocab
        if v.nfc_context in text or _SURROGATE.search(text):
            from ctok.normalize import nfc

            return nfc(text, fold_quotes=v.fold_quotes)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if self._nfc is None:
            ranges = "".join(f"{re.escape(lo)}-{re.escape(hi)}" for lo, hi, _ in v.nfc_ranges)
            self._nfc = re.compile("[" + "".join(map(re.escape, v.nfc_changes)) + ranges + "]")
        return self._nfc.sub(self._nfc_one, text)

    def _nfc_one(self, match: re.Match[str]) -> str:
        ch = match.group()
        hit = self.vocab.nfc_changes.get(ch)
        if hit is not None:
            return hit
        return next(rep for lo, hi, rep in self.vocab.nfc_ranges if lo <= ch <= hi)

    def _stream(self, chunk: str, pats: _Patterns, first: bool, followed: bool, head_space: bool) -> str:
        """The marked stream of one chunk: `first` holds the message start, `followed` means a
        word follows the chunk's final whitespace."""
        if followed and not first:
            simple = pats.simple.fullmatch(chunk)
            if simple is not None:
                # punctuation takes ⟨eow⟩ before a single space (one not followed by another);
                # a lone space between ⟨eow⟩ and the next word's ⟨bow⟩ is the seam, not written
                word, punct, space = simple.groups()
                if punct and space[0] == " " and space[1:2] != " ":
                    punct += self._eow
                return self._word(word) + punct + ("" if space == " " else space)
        v = self.vocab
        bow, eow = self._bow, self._eow
        s = chunk if followed else chunk.rstrip("\n")  # a content-final newline run is the frame's
        if first and v.frame_bow and head_space and s[:1] == " " and s[1:2] != " ":
            s = s[1:]  # the frame's ⟨bow⟩ is that space
        runs = [(m.lastindex, m.group()) for m in pats.runs.finditer(s)]
        if sum(len(body) for _, body in runs) != len(s):  # pragma: no cover - a character no class holds
            return self._ctok_stream(chunk, first, followed, head_space)
        if followed:
            runs.append((_WORD, _STAND_IN))
        if not runs:
            return bow if v.frame_bow else ""
        n = len(runs)
        sel = v.selectors

        def space_left(i: int) -> bool:  # the message start counts (the frame ends in ⟨bow⟩)
            if i == 0:
                return v.frame_bow
            kind, body = runs[i - 1]
            return kind == _SPACE and body[-1] == " "

        def space_right(i: int) -> bool:  # only a single space: a run of two kills the marker
            if i + 1 >= n:
                return False
            kind, body = runs[i + 1]
            return kind == _SPACE and body[0] == " " and body[:2] != "  "

        edges = v.edges

        def hard_bow(kind: int, body: str) -> bool:  # a punctuation-like or selector edge
            return kind == _HARD_PUNCT or body[0] in (sel if kind in _HARD else edges)

        def hard_eow(kind: int, body: str) -> bool:
            return kind == _HARD_PUNCT or body[-1] in (sel if kind in _HARD else edges)

        def digit_run(kind: int, body: str) -> bool:  # one category of digits or numbers throughout
            if kind == _DIGIT:
                return True
            if kind == _HARD_NUMBER:
                nd = v.number_nd
                return all(c in nd for c in body) or not any(c in nd or c in sel for c in body)
            return False  # a hard letter run of astral digits never borders: the same as not one

        def digit_edge(kind: int, body: str, c: str) -> bool:  # non-ASCII BMP digits border
            return digit_run(kind, body) and (kind == _HARD_NUMBER or not c.isascii())

        def opens_word(i: int) -> bool:
            return runs[i][1] == "'" and i + 1 < n and runs[i + 1][0] in (_WORD, _STRAY)

        out: list[str] = []
        for i, (kind, body) in enumerate(runs):
            if kind == _WORD:
                if i and runs[i - 1][0] == _STRAY:  # the stray mark opened this word
                    out.append(body + eow)
                    continue
                # An apostrophe run of its own before a contraction suffix (as written) is the
                # word's opening boundary, unless what stands before the apostrophe writes a
                # boundary marker of its own.
                glued = body in v.contractions and i > 0 and runs[i - 1] == (_PUNCT, "'")
                if glued and i >= 2:
                    k2, b2 = runs[i - 2]
                    glued = not (k2 == _PUNCT or hard_eow(k2, b2) or digit_edge(k2, b2, b2[-1]))
                out.append(self._word(body, glued))
            elif kind == _STRAY:
                out.append(bow + body + ("" if i + 1 < n and runs[i + 1][0] == _WORD else eow))
            elif kind == _PUNCT or hard_bow(kind, body) or hard_eow(kind, body):
                takes_bow = space_left(i) and not opens_word(i) and (kind == _PUNCT or hard_bow(kind, body))
                takes_eow = space_right(i) and (kind == _PUNCT or hard_eow(kind, body))
                out.append((bow if takes_bow else "") + body + (eow if takes_eow else ""))
            elif kind in (_DIGIT, _HARD_NUMBER) and digit_run(kind, body):
                out.append(
                    (bow if digit_edge(kind, body, body[0]) and space_left(i) else "") + body
                    + (eow if digit_edge(kind, body, body[-1]) and space_right(i) else "")
                )  # fmt: skip
            else:
                out.append(body)  # whitespace, ASCII digits, hard letters: no markers
        if first:
            kind, body = runs[0]
            head_quote = opens_word(0)
            own_bow = not head_quote and (
                kind in (_WORD, _PUNCT, _STRAY) or hard_bow(kind, body) or digit_edge(kind, body, body[0])
                or (kind == _SPACE and body[0] == " ")
            )  # fmt: skip
            if not own_bow and v.frame_bow:
                out[0] = (" " if head_quote else bow) + out[0]
        stream = self._seam.sub(eow, "".join(out))
        return stream[: -len(self._stand_in)] if followed else stream

    def _ctok_stream(self, chunk: str, first: bool, followed: bool, head_space: bool) -> str:
        """ctok's own stream of a chunk (with the stand-in word when one follows)."""
        from ctok.normalize import stream_norm

        v = self.vocab
        model = SimpleNamespace(fold_quotes=v.fold_quotes, allcaps_min=v.allcaps_min, frame_bow=v.frame_bow)
        s = stream_norm(chunk + _STAND_IN if followed else chunk, model, raw_head_space=head_space and first)
        return s[: -len(self._stand_in)] if followed else s

    def _word(self, body: str, glued: bool = False) -> str:
        """A word as the stream writes it: case markers (ctok's mark_case), then ⟨bow⟩ (unless
        `glued` to an apostrophe), the (lowered) word and ⟨eow⟩."""
        pre, body = self._case(body)
        return pre + body + self._eow if glued else pre + self._bow + body + self._eow

    def _case(self, span: str) -> tuple[str, str]:
        """(case marker, body): ⟨caps⟩ + lowercase for an all-capital word of at least
        `allcaps_min` characters (v3) with no letter that cannot be lowered; ⟨shift⟩ +
        lowercase for a capital followed by no other capital; else the word as it is."""
        v = self.vocab
        caps_min = v.allcaps_min
        if span.isascii():
            if caps_min is not None and len(span) >= caps_min and span.isupper():
                return self._caps, span.lower()
            if span[0].isupper() and (len(span) == 1 or span[1:].islower()):
                return self._shift, span.lower()
            return "", span
        upper, lowered = v.upper, v.lowered
        if _SHARP_S in span:
            return "", span
        if _DOTTED_I in span:
            head, tail = span[0], span[1:]
            if head in upper and head != _DOTTED_I and not any(c in upper for c in tail if c != _DOTTED_I):
                return self._shift, lowered.get(head, head) + "".join(c if c == _DOTTED_I else lowered.get(c, c) for c in tail)
            return "", span
        if caps_min is not None and len(span) >= caps_min:
            cased = [c for c in span if c in upper or c in v.lower]
            if cased and all(c in upper for c in cased) and not any(c in v.caps_blockers for c in span):
                return self._caps, "".join(lowered.get(c, c) for c in span).replace("ς", "σ")
        if lowered.get(span[0], span[0]) == span[0]:
            return "", span
        if span[0] in upper and not any(c in upper for c in span[1:]):
            return self._shift, "".join(lowered.get(c, c) for c in span)
        return "", span

    # ------------------------------------------------------------------ tiling

    def _tile(self, s: str) -> int:
        """The fewest tokens that tile the stream `s`: pieces cost 1; a character no piece
        covers costs its byte-floor price. No piece goes on past an ⟨eow⟩, so the stream is
        tiled in segments that end at one, each worked out once."""
        segments = self._segments
        eow = self._eow
        parts = s.split(eow) if self.vocab.eow_closes else [s]
        last = len(parts) - 1
        total = 0
        for i, part in enumerate(parts):
            seg = part + eow if i < last else part
            if seg:
                hit = segments.get(seg)
                if hit is None:
                    hit = segments[seg] = self._tile_segment(seg)
                total += hit
        return total

    def _tile_segment(self, s: str) -> int:
        """One segment: a piece by itself, two pieces, or cut where two neighbouring characters
        are never neighbours inside a piece and each part tiled by the minimum-cost recurrence."""
        pieces = self.vocab.pieces
        if s in pieces:
            return 1
        if len(s) <= _SHORT:
            # A tiling of cost 2 is two parts of cost 1 each: a piece, or one character priced 1.
            for k in range(1, len(s)):
                a, b = s[:k], s[k:]
                if (a in pieces or (k == 1 and self._unit_cost(a) == 1)) and (b in pieces or (len(b) == 1 and self._unit_cost(b) == 1)):
                    return 2
            return self._min_tiling(s)
        pairs, known = self.vocab.pairs, self._segments
        cuts = [i for i in range(1, len(s)) if s[i - 1 : i + 1] not in pairs]
        total = 0
        for start, end in zip([0, *cuts], [*cuts, len(s)]):
            part = s[start:end]
            hit = known.get(part)
            if hit is None:
                hit = known[part] = self._min_tiling(part)  # a part's cost is its own minimum tiling
            total += hit
        return total

    def _min_tiling(self, s: str) -> int:
        """The minimum-cost tiling of `s` (ctok's recurrence): every piece ending at a position
        is tried, and the one-character edge costs 1 if it is a piece, else its unit price."""
        n = len(s)
        pieces = self.vocab.pieces
        if n == 1:
            return 1 if s in pieces else self._unit_cost(s)
        best = [0] * (n + 1)
        self._tilings += 1
        suffixes = self.vocab.suffixes if n > _LONG or self._tilings > _MANY else None
        reach_to = self.vocab.reach_to
        for end in range(1, n + 1):
            ch = s[end - 1]
            b = best[end - 1] + (1 if ch in pieces else self._unit_cost(ch))
            # no piece longer than reach_to[ch] ends in ch (none at all: the one-character edge)
            for start in range(end - 2, max(end - reach_to.get(ch, 1), 0) - 1, -1):
                if suffixes is None:
                    if best[start] + 1 < b and s[start:end] in pieces:
                        b = best[start] + 1
                    continue
                sub = s[start:end]
                if best[start] + 1 < b and sub in pieces:
                    b = best[start] + 1
                if sub not in suffixes:
                    break  # no longer piece ends here
            best[end] = b
        return best[n]

    def _unit_cost(self, ch: str) -> int:
        """What one character costs where no piece covers it: a marker 1; else 1 if it is a
        single-codepoint piece, else the fewest byte-floor tokens over its UTF-8 bytes."""
        cost = self._units.get(ch)
        if cost is None:
            v = self.vocab
            if ch in self._markers:
                cost = 1
            else:
                c = v.unescapes.get(ch, ch)
                cost = 1 if c in v.unit_chars else _byte_floor(c.encode(), v.byte_tokens)
            self._units[ch] = cost
        return cost

    def _frame_tail(self, n: int) -> int:
        """A content-final run of `n` newlines: the frame's ⏎⏎ follows it, and the run plus the
        frame's newlines are tiled together, less the frame's own token."""
        if n == 0:
            return 0
        hit = self._tails.get(n)
        if hit is None:
            run = "\n" * (n + 2)
            pieces, reach = self.vocab.pieces, self.vocab.max_len
            best = [0] * (len(run) + 1)
            for end in range(1, len(run) + 1):  # any single character costs 1 here
                b = best[end - 1] + 1
                for start in range(max(end - reach, 0), end - 1):
                    if best[start] + 1 < b and run[start:end] in pieces:
                        b = best[start] + 1
                best[end] = b
            hit = self._tails[n] = best[-1] - 1
        return hit


def _byte_floor(bs: bytes, tokens: frozenset[str]) -> int:
    """The fewest tokens over the bytes `bs`: any single byte, or a multi-byte token."""
    n = len(bs)
    best = [0] + [n + 1] * n
    for end in range(1, n + 1):
        b = best[end - 1] + 1
        for start in range(end - 1):
            if best[start] + 1 < b and bs[start:end].hex() in tokens:
                b = best[start] + 1
        best[end] = b
    return best[n]


_MEMOS: dict[tuple, dict[str, int]] = {}
_SEGMENTS: dict[str, dict[str, int]] = {}
_TOKENIZERS: dict[str, Tokenizer] = {}


_MAKING = threading.Lock()


def tokenizer(version: str) -> Tokenizer:
    """The tokenizer of a ctok version, made once per process: threads that ask at once wait for
    the one making it (deriving the tables takes about a second; 50 threads of a guarded client
    each deriving them took 100 s)."""
    tok = _TOKENIZERS.get(version)
    if tok is None:
        with _MAKING:
            tok = _TOKENIZERS.get(version)
            if tok is None:
                tok = _TOKENIZERS[version] = Tokenizer(version)
    return tok


def token_count(text: str, version: str = "3.0") -> int:
    """``ctok.token_count(text, version)``, by this engine."""
    return tokenizer(version).count(text)
