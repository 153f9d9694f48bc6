"""Generators of hostile inputs for the fuzz tests (tests/test_fuzz.py) and benchmarks/fuzz.py:
payloads, price files, usage records and check configs mutated from the shipped examples —
wrong types at every level, missing keys, huge and negative numbers, non-UTF-8, deep nesting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PAYLOADS = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "prompts").glob("*.json"))]
PRICE_FILES = [(EXAMPLES / "my-prices.toml").read_text(), (ROOT / "claude_cost" / "prices.toml").read_text()]
CHECK_CONFIG = (EXAMPLES / "claude-cost.toml").read_text()

#: Exit codes a run may end with (README): a result, over budget, bad input, API failure.
DOCUMENTED = {0, 1, 2, 3}

weird_numbers = st.sampled_from([0, -1, -(10**30), 10**30, 2**63, 2**64 + 1, 1e30, -1e30, 1e-30, 0.5, 1e308, float("inf"), float("-inf"), float("nan")])
weird_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\ud800", "👩‍👩‍👧‍👦" * 20, "مرحبا بالعالم", "ሰላም ዓለም", "ສະບາຍດີ", "Ǆ\u0301\u0302" * 10, "a" * 5000, "null", "{}", "[]"]),
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), weird_numbers, weird_text)
json_value = st.recursive(json_leaf, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(weird_text, kids, max_size=4)), max_leaves=12)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def _nest(depth: int) -> Any:
    doc: Any = "x"
    for _ in range(depth):
        doc = [{"type": "tool_result", "tool_use_id": "t", "content": doc}] if depth % 2 else {"a": doc}
    return doc


@st.composite
def payload_texts(draw: Any) -> bytes:
    """A shipped example with one to three fields replaced, deleted or nested deep; sometimes
    not UTF-8 or not JSON at all."""
    doc = json.loads(json.dumps(draw(st.sampled_from(PAYLOADS))))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        choice = draw(st.integers(0, 9))
        if choice == 0 and path:
            doc = _set(doc, path, None, delete=True)
        elif choice == 1:
            doc = _set(doc, path, _nest(draw(st.integers(10, 400))), delete=False)
        else:
            doc = _set(doc, path, draw(json_value), delete=False)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    data = text.encode("utf-8", "surrogatepass")
    tail = draw(st.integers(0, 12))
    if tail == 0:
        data = data[: draw(st.integers(0, len(data)))]  # truncated
    elif tail == 1:
        data = data.replace(b'"', b"\xff\xfe", 1)  # not UTF-8
    return data


TOML_VALUES = ["-1", "1e999", "nan", "inf", '"x"', "[]", "{}", "true", "99999999999999999999999999", '""', "0", "2026-13-45", "1.5", '"claude-opus-4-7"', "[1, 2]", "= =", "\"\\ud800\""]


@st.composite
def toml_texts(draw: Any, sources: list[str]) -> str:
    """A TOML file with values replaced, lines dropped or duplicated, keys renamed."""
    lines = draw(st.sampled_from(sources)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        n = draw(st.integers(0, len(lines) - 1))
        op = draw(st.integers(0, 4))
        line = lines[n]
        if op <= 1 and "=" in line:
            key = line.split("=", 1)[0]
            lines[n] = f"{key}= {draw(st.sampled_from(TOML_VALUES))}"
        elif op == 2:
            del lines[n]
        elif op == 3:
            lines.insert(n, line)
        else:
            lines[n] = draw(weird_text).replace("\n", " ") + " = 1"
    return "\n".join(lines) + "\n"


USAGE_KEYS = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation",
              "server_tool_use", "service_tier", "speed", "inference_geo"]  # fmt: skip
MODELS = ["claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-5-5", "gpt-4o", "", "claude-sonnet-4-5-20250929"]


@st.composite
def usage_lines(draw: Any) -> bytes:
    """JSONL usage records: a response-shaped object whose usage fields are anything."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        usage = {k: draw(st.one_of(st.integers(0, 10**7), json_value)) for k in draw(st.lists(st.sampled_from(USAGE_KEYS), max_size=6))}
        rec: Any = {"model": draw(st.one_of(st.sampled_from(MODELS), json_value)), "usage": usage}
        shape = draw(st.integers(0, 5))
        if shape == 1:
            rec = {"type": "message", "message": rec, "timestamp": draw(st.one_of(st.just("2026-03-01T00:00:00Z"), json_value))}
        elif shape == 2:
            rec = {"custom_id": "x", "result": {"type": draw(st.sampled_from(["succeeded", "errored", "weird", None])), "message": rec}}
        elif shape == 3:
            rec = draw(json_value)
        out.append(json.dumps(rec, allow_nan=True).encode("utf-8", "surrogatepass"))
    data = b"\n".join(out)
    if draw(st.integers(0, 10)) == 0:
        data += b"\n\xff\xfe{broken"
    return data
