"""Our tokenizer engine (counting/tokenizer.py) returns ctok's count exactly (issue 24).

Held equal to ``ctok.token_count`` on the world's text: every recorded count_tokens result, a
multilingual corpus built from this machine (translation catalogs in ~200 locales, source code
and documentation), generated emoji, flag, keycap and skin-tone sequences, every control
character, whitespace runs, very long single words, literal marker codepoints, text that is not
in NFC, and hypothesis-generated strings. Any mismatch fails, naming the text.

The hypothesis sample is small in CI; ``CLAUDE_COST_FUZZ_EXAMPLES=100000 pytest
tests/test_tokenizer.py -k generated`` runs a hundred thousand.
"""

from __future__ import annotations

import gzip
import json
import os
import marshal
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
ctok = pytest.importorskip("ctok", reason="ctok is the reference (installed by .ci/run and the README quick start)")
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402

from claude_cost.counting import tokenizer as engine  # noqa: E402
from claude_cost.counting import vocabulary  # noqa: E402

CALIBRATION = ROOT.parent / "shared" / "data" / "token-calibration"
#: 3.0 = the v3 family; 4.7; 4.8 (and 5.0, the same tables) = the frame without ⟨bow⟩.
VERSIONS = ("3.0", "4.7", "4.8")
FUZZ_EXAMPLES = int(os.environ.get("CLAUDE_COST_FUZZ_EXAMPLES", "600"))


def disagreements(texts, versions=VERSIONS):
    """(version, ctok's count, ours, text) for every text the two count differently."""
    out = []
    for text in texts:
        for version in versions:
            theirs, ours = ctok.token_count(text, version), engine.token_count(text, version)
            if theirs != ours:
                out.append((version, theirs, ours, text[:300]))
    return out


def assert_agree(texts, versions=VERSIONS):
    bad = disagreements(texts, versions)
    assert not bad, f"{len(bad)} texts counted differently from ctok, e.g. {bad[:3]!r}"


# ---------------------------------------------------------------- recorded counts


def test_every_recorded_count_is_reproduced():
    """All 1,763 recorded count_tokens results, on the three recorded families (ctok itself is
    exact on every one: test_ctok.py; 5.0 prices trailing whitespace free, as CtokText does)."""
    if not CALIBRATION.is_dir():
        pytest.skip(f"{CALIBRATION} is not beside this checkout")
    checked = 0
    for name, key in (("multipl_e", "lang"), ("rosetta", "id")):
        rows = [json.loads(line) for line in gzip.open(CALIBRATION / f"{name}.jsonl.gz", "rt")]
        counts = json.loads((CALIBRATION / f"{name}_counts.json").read_text())
        for family, version in (("v3", "3.0"), ("v4.7", "4.7"), ("v5", "5.0")):
            wrong = []
            for row in rows:
                truth = counts[family]["counts"].get(str(row[key]))
                if truth is None:
                    continue
                text = row["text"].rstrip(" \t\n\r\x0b\x0c") if version == "5.0" else row["text"]
                checked += 1
                if engine.token_count(text, version) != truth:
                    wrong.append(row[key])
            assert not wrong, (name, family, wrong[:10])
    assert checked > 5000


def test_equal_to_ctok_on_a_sample_of_the_recorded_texts():
    if not CALIBRATION.is_dir():
        pytest.skip(f"{CALIBRATION} is not beside this checkout")
    rows = [json.loads(line) for line in gzip.open(CALIBRATION / "rosetta.jsonl.gz", "rt")]
    assert_agree([r["text"] for r in rows[::23]])


# ---------------------------------------------------------------- this machine's text


@pytest.fixture(scope="module")
def machine_corpus():
    rng = random.Random(2412)
    rows = corpus.catalogs(rng, 1, stride=9) + corpus.code(rng, 60) + corpus.generated(rng, 2) + corpus.emoji_and_symbols(rng, 20)
    if len({g for g, _ in rows}) < 6:
        pytest.skip("this machine has too few translation catalogs and source files for a corpus")
    by_group: dict[str, list[str]] = {}
    for group, text in rows:
        if len(by_group.setdefault(group, [])) < 25:
            by_group[group].append(text)
    return by_group


def test_equal_to_ctok_in_every_script_group(machine_corpus):
    texts = [t for ts in machine_corpus.values() for t in ts]
    assert len(texts) > 150
    assert_agree(texts)


def test_equal_to_ctok_on_long_prose_in_many_languages():
    """Paragraphs of 2 KB and more, joined from a catalog's own translated strings."""
    rng = random.Random(7)
    texts = []
    for group, text in corpus.catalogs(rng, 1, stride=17):
        if len(text) >= 800 and group != "English":
            texts.append(text)
    if len(texts) < 5:
        pytest.skip("too few translation catalogs on this machine")
    assert_agree(texts[:30])


def test_equal_to_ctok_on_this_machines_documentation():
    docs = [p for p in sorted(Path("/usr/share/doc").glob("*/README*")) if p.is_file() and p.suffix in ("", ".md", ".txt")]
    docs += sorted(Path("/usr/share/common-licenses").glob("*"))[:6]
    texts = []
    for path in docs[:: max(1, len(docs) // 25)]:
        try:
            texts.append(path.read_text(encoding="utf-8")[:6000])
        except (OSError, UnicodeDecodeError):
            continue
    if len(texts) < 5:
        pytest.skip("no documentation on this machine")
    assert_agree(texts, ("3.0", "4.8"))


# ---------------------------------------------------------------- the hard cases


def test_emoji_sequences():
    people = ["👩", "👨", "🧑", "👧", "👦"]
    tones = [chr(c) for c in range(0x1F3FB, 0x1F400)]
    zwj = [p + t + "\u200d" + q for p in people for t in tones[:2] for q in ("💻", "🚀", "🔬", "🎤")]
    families = ["👨\u200d👩\u200d👧\u200d👦", "👩\u200d👩\u200d👦", "🏳\ufe0f\u200d🌈", "🏴\u200d☠\ufe0f", "❤\ufe0f\u200d🔥", "🐻\u200d❄\ufe0f"]
    flags = [chr(0x1F1E6 + a) + chr(0x1F1E6 + b) for a, b in ((5, 17), (9, 15), (1, 17), (20, 0), (3, 4), (6, 1))]
    keycaps = [k + "\ufe0f\u20e3" for k in "0123456789#*"] + [k + "\u20e3" for k in "123"]
    tags = ["🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]
    singles = [chr(c) for c in range(0x1F300, 0x1FAFF, 37)] + ["☺", "☺\ufe0f", "✌🏽", "⚖️", "✔", "✔\ufe0e"]
    every = zwj + families + flags + keycaps + tags + singles
    texts = every + ["".join(every), " ".join(every), "Great job! " + " ".join(every[::3]) + " Thanks!!"]
    texts += [f"{a}{b}" for a, b in zip(every, every[1:])] + [f"x{e}y {e}. ({e})" for e in every[::2]]
    assert_agree(texts)


def test_control_characters_and_literal_markers():
    controls = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
    markers = [chr(c) for c in range(0xFDD0, 0xFDD5)] + ["\ue000", "\ue004", "\uf8ff", "\U000f0000"]
    texts = [f"a{c}b" for c in controls + markers] + [f"{c}word {c}" for c in controls + markers]
    texts += ["".join(controls), "".join(markers), "x\x00y", "\x00", "\r\n\r\n", "line\r\nline\r\n"]
    texts += ["\ufdd0bow\ufdd1 \ufdd3Shift", "it\ufdd1's", "⟨bow⟩the⟨eow⟩"]
    assert_agree(texts)


def test_whitespace_runs():
    texts = []
    for ch in (" ", "\t", "\n", "\u3000", "\u00a0", "\u2028", " \n", "\n ", " \t"):
        for n in (1, 2, 3, 5, 8, 13, 27, 28, 29, 30, 41, 64, 70):
            run = ch * n
            texts += [run, f"a{run}b", f"{run}a", f"a{run}", f"Hi,{run}there.{run}"]
    assert_agree(texts)


def test_very_long_single_words():
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    texts = ["a" * 3000, "A" * 2000, "ab" * 1500, "".join(rng.choice(letters) for _ in range(4000)), "9" * 2500, "=" * 2000, "-" * 700 + "\n",
             "".join(rng.choice(letters + letters.upper() + "0123456789+/") for _ in range(8000)) + "==",  # base64
             "語" * 1500, "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(3000)), "д" * 1200, "Ж" * 900,
             "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 20,
             "supercalifragilisticexpialidocious " * 200, "🙂" * 800, "\u0301" * 300, "a\u0301" * 500]  # fmt: skip
    assert_agree(texts)


def test_case_contractions_and_unnormalised_text():
    texts = ["it's", "It's", "IT'S", "'S", "x 'S.clear() -> None", "'hello", "a 'b", "rock'n'roll", "don't won't can't shan't",
             "O'Neil's", "'tis", "dogs' bones", "((('x", "\"'s", "1's 2'S", "文's", "Ⓐ've", "\ua7cb‘s", "İstanbul İZMİR iİ",
             "Straße STRASSE ẞIG", "ΟΔΟΣ Οδός ΣΟΦΊΑ", "ǅemal ǄEMAL ǆ", "ϴ ϴϴϴϴ Θϴ", "ℳℂ ℳx", "ⅫⅪ ⅻ Ⓐⓑ",
             "café\u0301 cafe\u0301", "e\u0301\u0301", "\u0e01\u0e4d\u0e32", "ก\u0e33", "\ud800x", "x\udfff y", "ｆｕｌｌ ｗｉｄｔｈ",
             "“quoted” ‘single’ „low”", "GaN WiFi QQ ABCD ABC NASA iPhone McDonald"]  # fmt: skip
    assert_agree(texts)


def test_the_frame_head_and_tail():
    texts = ["", " ", "  ", "a", " a", "  a", "\na", "\ta", "a\n", "a\n\n", "a" + "\n" * 30, " 'a", "'a", "' a", "1", " 1", "٣",
             " ٣", "文", " 文", "(", " (", "\u0301", " \u0301x", "\n" * 45, " \n"]  # fmt: skip
    assert_agree(texts, ("3.0", "4.7", "4.8", "5.0"))


# ---------------------------------------------------------------- generated strings

_SPECIAL = (list("  \n\t'\".,;:!?()-_/\\=+*#@$%&[]{}<>|~`^0123456789") + ["\x00", "\x01", "\r", "\x7f", "\x85", "\u00a0", "\u3000", "\u2028",
            "\u200b", "\u200d", "\ufe0f", "\u0301", "\u2018", "\u2019", "\u201c", "\u201d", "\u201e", "\ufdd0", "\ufdd1", "\ufdd3", "\ue000",
            "é", "É", "ß", "ẞ", "İ", "ı", "Σ", "ς", "ϴ", "ℳ", "Ⅻ", "Ⓐ", "日", "。", "？", "（", "）", "한", "🙂", "🏽", "🇫", "٣", "½", "²",
            "ّ", "ܑ", "ก", "ำ", "\u0e4d", "ж", "Ж", "\ua7cb", "𝐀", "𐐨", "—", "…", "€", "々"])  # fmt: skip
_WORDS = ["the", "The", "THE", "it", "s", "t", "ll", "re", "ve", "d", "m", "don", "I", "HELLO", "World", "McDonald", "iPhone", "a", "GaN",
          "ABCD", "x", "über", "ÜBER", "слово", "СЛОВО", "日本語", "मेरा", "😀", "١٢٣"]  # fmt: skip
_pieces = st.one_of(st.sampled_from(_WORDS), st.sampled_from(_SPECIAL), st.characters(blacklist_categories=("Cs",)))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=FUZZ_EXAMPLES <= 600)
@given(parts=st.lists(_pieces, max_size=60), version=st.sampled_from(("3.0", "4.7", "4.8")))
def test_generated_strings(parts, version):
    text = "".join(parts)
    assert engine.token_count(text, version) == ctok.token_count(text, version), repr(text)


@settings(max_examples=max(FUZZ_EXAMPLES // 3, 50), deadline=None, derandomize=FUZZ_EXAMPLES <= 600)
@given(text=st.text(max_size=120), version=st.sampled_from(("3.0", "4.8")))
def test_generated_unicode(text, version):
    assert engine.token_count(text, version) == ctok.token_count(text, version), repr(text)


# ---------------------------------------------------------------- the engine's own paths


def test_a_text_counted_whole_or_in_chunks_is_the_same(monkeypatch):
    """The chunk cut is an optimisation: with it off (one chunk), and with every chunk's stream
    written by ctok's own normaliser, the counts are ctok's too."""
    texts = ["The cat's hat, the BIG dog — and 42 more things; really.\n\nNext  line\there.", "日本語の文章、そして English words. Привет МИР!"]
    fresh = engine.Tokenizer("3.0")
    fresh._ascii.cut = None
    fresh._patterns().cut = None
    assert [fresh.count(t) for t in texts] == [ctok.token_count(t, "3.0") for t in texts]
    via_ctok = engine.Tokenizer("4.7")
    monkeypatch.setattr(via_ctok, "_ascii", engine._Patterns(via_ctok.vocab, ascii_only=True))
    via_ctok._ascii.runs = re.compile("(?!)")  # no run matches: every chunk goes to ctok
    via_ctok._full = engine._Patterns(via_ctok.vocab, ascii_only=False)
    via_ctok._full.runs = via_ctok._ascii.runs
    via_ctok._ascii.simple = via_ctok._full.simple = re.compile("(?!)")
    engine._MEMOS.clear()
    assert [via_ctok.count(t) for t in texts] == [ctok.token_count(t, "4.7") for t in texts]
    engine._MEMOS.clear()


def test_not_a_string_is_a_type_error():
    with pytest.raises(TypeError):
        engine.token_count(b"bytes", "3.0")  # type: ignore[arg-type]


def test_the_derived_tables_are_kept_and_rederived_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_COST_TOKENIZER_CACHE", str(tmp_path))
    monkeypatch.setattr(vocabulary, "_LOADED", {})
    first = vocabulary.load("4.7")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].startswith("ctok-4.7-") and files[0].endswith(".marshal")
    path = tmp_path / files[0]
    for damage in (path.read_bytes()[:1000], b"", b"\x00garbage", json.dumps({"format": 1}).encode(), marshal.dumps({"format": 1})):
        path.write_bytes(damage)
        monkeypatch.setattr(vocabulary, "_LOADED", {})
        again = vocabulary.load("4.7")
        assert again.pieces == first.pieces and path.stat().st_size > 100_000  # derived and written again
    # a later process reads the derived file, and counting ASCII text never imports ctok
    code = ("import sys\nfrom claude_cost.counting.tokenizer import token_count\n"
            "print(token_count('Hello, world! It\\'s a TEST of 42 things.\\n', '4.7'), 'ctok' in sys.modules)")  # fmt: skip
    env = {**os.environ, "CLAUDE_COST_TOKENIZER_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()
    assert out == [str(ctok.token_count("Hello, world! It's a TEST of 42 things.\n", "4.7")), "False"]


def test_an_unwritable_cache_folder_only_costs_time(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    monkeypatch.setenv("CLAUDE_COST_TOKENIZER_CACHE", str(blocked / "tokenizer"))
    monkeypatch.setattr(vocabulary, "_LOADED", {})
    monkeypatch.setattr(engine, "_TOKENIZERS", {})
    assert engine.token_count("Counted anyway.", "3.0") == ctok.token_count("Counted anyway.", "3.0")


def test_the_derived_invariants_hold_for_ctoks_vocabularies():
    """What the chunk cut rests on, checked where the tables are derived (a ctok whose vocabulary
    broke them would be counted whole, still exactly)."""
    for version in ("3.0", "4.7"):
        v = vocabulary.load(version)
        assert v.chunkable and v.eow_closes
        bow, eow, shift, caps = v.markers
        assert all(eow not in p[:-1] for p in v.pieces)
        assert {c for c in v.spaces} == {" ", "\t", "\n", "\u3000"}
        assert unicodedata.unidata_version  # the tables are keyed by it


def test_the_cli_counts_with_the_engine_and_says_ctok(cli, tmp_path):
    text = "Zähle die Wörter, bitte. 🙂 " * 40 + "\n\n日本語も。"
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"model": "claude-opus-4-7", "messages": [{"role": "user", "content": text}]}))
    doc = cli.json("estimate", payload, "--count", "offline")
    assert doc["count_method"] == "ctok" and doc["prompt_tokens"] == ctok.token_count(text, "4.7")
    rows = cli.json("compare", payload, "--count", "offline", "--models", "opus-4.7,sonnet-4.6,opus-4.8")["rows"]
    assert {r["model"]: r["prompt_tokens"] for r in rows} == {
        "claude-opus-4-7": ctok.token_count(text, "4.7"), "claude-sonnet-4-6": ctok.token_count(text, "3.0"),
        "claude-opus-4-8": ctok.token_count(text, "4.8")}  # fmt: skip


def test_the_memo_starts_again_instead_of_growing(monkeypatch):
    monkeypatch.setattr(engine, "_MEMO_LIMIT", 50)
    tok = engine.Tokenizer("4.8")
    rng = random.Random(5)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(400)]
    for i in range(6):
        text = " ".join(words[i * 60 : i * 60 + 60]) + f" ({i})"
        assert tok.count(text) == ctok.token_count(text, "4.8")
        assert len(tok._memo) <= 50 + 60


def test_threads_that_count_at_once_derive_the_tables_once(tmp_path, monkeypatch):
    """50 threads of a guarded client counting their first requests at once each derived the
    tables (about a second each, under the GIL): 100 s. The first one derives; the others wait."""
    import threading

    from claude_cost.counting import tokenizer as tk
    from claude_cost.counting import vocabulary

    monkeypatch.setenv("CLAUDE_COST_TOKENIZER_CACHE", str(tmp_path / "fresh"))
    monkeypatch.setattr(tk, "_TOKENIZERS", {})
    monkeypatch.setattr(vocabulary, "_LOADED", {})
    calls = []
    real = vocabulary.derive
    monkeypatch.setattr(vocabulary, "derive", lambda version: calls.append(version) or real(version))
    counts: list[int] = []
    threads = [threading.Thread(target=lambda: counts.append(tk.tokenizer("3.0").count("Hello there, world."))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["3.0"] and len(set(counts)) == 1 and len(counts) == 20
