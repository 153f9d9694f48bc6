"""Values mutated inside valid lines of every usage source shape (issue 33): each value at each
JSON path of a real-shaped document — a response, a Batch result, an SSE stream, a Claude Code
transcript line, an OTLP span export, a console-exported span — replaced in turn by each of a
set of hostile values. Every reader, both engines and `history` must end in records, counted
problems or a one-line input error: never anything else (what the CLI would report as exit 4).
The Python and DuckDB engines must agree on what they price."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from claude_cost.core.errors import ClaudeCostError
from conftest import ROOT

HOSTILE = [7, -1, 1.5, "x", "", "1e3", None, True, [], [1, {"a": 2}], {}, {"type": "message_start"}, 10**30, "\u202e\x1b[31m"]


def _paths(doc, here=()):
    """Every path to a value (dict keys, list indexes), the document itself excluded."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*here, k)
            yield from _paths(v, (*here, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*here, i)
            yield from _paths(v, (*here, i))


def _set(doc, path, value):
    out = copy.deepcopy(doc)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def mutations(doc):
    for path in _paths(doc):
        for value in HOSTILE:
            yield _set(doc, path, value)


def _first_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])


def shapes() -> dict[str, list[str]]:
    """Each shape's mutated files' lines: JSONL (one document a line) or, for SSE, one stream a file."""
    usage = ROOT / "examples" / "usage"
    response = json.loads((usage / "response.json").read_text())
    batch = _first_json(usage / "batch_results.jsonl")
    transcript = next(json.loads(line) for line in (ROOT / "examples/claude-code/projects/-home-dev-app/5b0c-s1.jsonl").read_text().splitlines()
                      if '"usage"' in line)  # fmt: skip
    spans = _first_json(ROOT / "examples" / "telemetry" / "traces.jsonl")
    return {
        "response": [json.dumps(m) for m in mutations(response)],
        "batch": [json.dumps(m) for m in mutations(batch)],
        "claude_code": [json.dumps(m) for m in mutations(transcript)],
        "otlp": [json.dumps(m) for m in mutations(spans)],
    }


def _stream_events() -> list[dict]:
    text = (ROOT / "examples" / "usage" / "stream.sse").read_text()
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


def _run_python(table, path: Path):
    from claude_cost.engines.history import gather
    from claude_cost.engines.python import summarize
    from claude_cost.sources.usage import usage_records

    try:
        summary = summarize(table, usage_records([str(path)]), "model,day", date(2026, 11, 20))
        gather(table, usage_records([str(path)]), [str(path)])
    except ClaudeCostError:
        return None
    return summary


@pytest.mark.parametrize("shape", ["response", "batch", "claude_code", "otlp"])
def test_every_value_mutated_in_every_shape(table, tmp_path, shape):
    lines = shapes()[shape]
    assert len(lines) > 100
    path = tmp_path / ("mutated.jsonl" if shape != "claude_code" else "projects/-x/s.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _run_python(table, path)  # raises anything but an input error: the test fails with it
    if summary is None or shape in ("claude_code", "otlp"):
        return
    from claude_cost.engines.duckdb import summarize_files

    duck = summarize_files(table, [str(path)], "model,day", date(2026, 11, 20))
    assert duck.total == summary.total and duck.requests == summary.requests
    assert duck.problem_count == summary.problem_count


def test_every_value_mutated_in_a_stream(table, tmp_path):
    events = _stream_events()
    n = 0
    for i, event in enumerate(events):
        for mutated in mutations(event):
            stream = events[:i] + [mutated] + events[i + 1:]
            path = tmp_path / f"s{n}.sse"
            path.write_text("".join(f"event: {e.get('type', 'x') if isinstance(e, dict) else 'x'}\ndata: {json.dumps(e)}\n\n" for e in stream))
            n += 1
    assert n > 100
    _run_python(table, tmp_path)  # the folder: every stream file


def test_a_batch_result_whose_message_is_not_an_object_is_a_counted_problem(cli, tmp_path):
    path = tmp_path / "b.jsonl"
    good = {"custom_id": "ok", "result": {"type": "succeeded", "message": {"model": "claude-haiku-4-5", "usage": {"input_tokens": 1000, "output_tokens": 100}}}}
    path.write_text("\n".join(json.dumps(d) for d in (
        {"custom_id": "a", "result": {"type": "succeeded", "message": 7}},
        {"custom_id": "b", "result": {"type": "succeeded", "message": "x"}},
        good,
    )) + "\n")  # fmt: skip
    for engine in ("python", "duckdb"):
        r = cli("usage", str(path), "--engine", engine, "--json")
        doc = json.loads(r.stdout)
        assert Decimal(doc["total_usd"]) == Decimal("0.00075")  # 1,000 × $0.50 + 100 × $2.50 per MTok: Haiku 4.5 at batch rates
        assert doc["unpriced_count"] == 2, doc
    assert cli("history", str(path)).exit_code == 0


@pytest.mark.parametrize("column", ["model", "settled_at", "input_tokens", "cache_write_1h", "output_tokens", "web_searches", "batch", "geo", "speed", "scope"])
def test_hostile_values_in_a_ledger_row(cli, tmp_path, column):
    """A ledger edited by hand (SQLite takes any value in any column): the row is a counted problem."""
    import shutil
    import sqlite3

    ledger = tmp_path / "l.sqlite"
    shutil.copy(ROOT / "examples" / "usage" / "budget.sqlite", ledger)
    for i, value in enumerate(HOSTILE):
        if isinstance(value, (list, dict)):
            value = json.dumps(value)
        if value is None and column in ("model", "scope", "batch"):
            continue  # NOT NULL columns: the database itself refuses it
        with sqlite3.connect(ledger) as conn:
            conn.execute(f"UPDATE calls SET {column} = ? WHERE id = 1", (value if not isinstance(value, int) or abs(value) < 2**63 else str(value),))
        r = cli("usage", str(ledger), "--json", code=None)
        assert r.exit_code in (0, 2), (column, value, r.stderr)
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr
        if r.exit_code == 0:
            doc = json.loads(r.stdout)
            assert doc["requests"] + doc["unpriced_count"] == 4
