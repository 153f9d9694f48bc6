"""usage: actual cost of recorded traffic, hand-worked from the pricing page's rates."""

from __future__ import annotations

import json


def lines(tmp_path, rows, name="log.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def groups(doc):
    return {tuple(g[k] for k in doc["group_by"]): g for g in doc["groups"]}


def test_response_json_pretty_printed(cli, tmp_path):
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"id": "msg_1", "type": "message", "model": "claude-opus-4-7", "role": "assistant",
                                "content": [], "usage": {"input_tokens": 200000, "output_tokens": 20000}}, indent=2))  # fmt: skip
    doc = cli.json("usage", path)
    assert doc["total_usd"] == "1.5" and doc["requests"] == 1


def test_jsonl_usage_lines_with_default_model(cli, tmp_path):
    path = lines(tmp_path, [
        {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1000, "output_tokens": 100}},
        {"usage": {"input_tokens": 2000, "output_tokens": 0}},
        {"response": {"model": "claude-haiku-4-5", "usage": {"input_tokens": 1000, "output_tokens": 1000}}},
    ])  # fmt: skip
    doc = cli.json("usage", path, "--model", "sonnet-4.6")
    g = groups(doc)
    # sonnet: (1000 + 2000) x $3 + 100 x $15 = 0.009 + 0.0015; haiku: 0.001 + 0.005
    assert g[("claude-sonnet-4-6",)]["total_usd"] == "0.0105" and g[("claude-sonnet-4-6",)]["requests"] == 2
    assert g[("claude-haiku-4-5",)]["total_usd"] == "0.006"
    assert doc["total_usd"] == "0.0165"


def test_sse_stream_deltas_are_cumulative_not_added(cli, tmp_path):
    events = [
        ("message_start", {"type": "message_start", "message": {"id": "m", "model": "claude-sonnet-4-6",
                           "usage": {"input_tokens": 1000, "cache_read_input_tokens": 0, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": None}, "usage": {"output_tokens": 50}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 120}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    path = tmp_path / "stream.sse"
    path.write_text("".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events))
    doc = cli.json("usage", path)
    # 1000 x $3 + 120 x $15 (not 1 + 50 + 120 = 171)
    assert doc["total_usd"] == "0.0048"
    assert doc["groups"][0]["tokens"]["output"] == 120
    assert doc["unpriced_count"] == 0  # content and ping events carry no usage: not problems


def test_sse_stream_cut_by_an_error_event_prices_what_was_used(cli, tmp_path):
    events = [
        {"type": "message_start", "message": {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1000, "output_tokens": 1}}},
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 40}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ]
    path = tmp_path / "cut.sse"
    path.write_text("".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events))
    doc = cli.json("usage", path)
    assert doc["total_usd"] == "0.0036"  # 1000 x $3 + 40 x $15
    assert doc["unpriced"] == [{"location": f"{path}:8", "reason": "the stream ended with overloaded_error: Overloaded", "tokens": 0}]


def test_batch_results_every_type(cli, tmp_path):
    ok = {"custom_id": "a", "result": {"type": "succeeded", "message": {"model": "claude-sonnet-4-6",
          "usage": {"input_tokens": 10000, "output_tokens": 2000, "service_tier": "batch"}}}}  # fmt: skip
    path = lines(tmp_path, [
        ok,
        {"custom_id": "b", "result": {"type": "errored", "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}}},
        {"custom_id": "c", "result": {"type": "canceled"}},
        {"custom_id": "d", "result": {"type": "expired"}},
        {"custom_id": "e", "result": {"type": "expired"}},
    ])  # fmt: skip
    doc = cli.json("usage", path)
    # batch: 10000 x $1.50 + 2000 x $7.50
    assert doc["total_usd"] == "0.03" and doc["requests"] == 1
    assert doc["not_billed"] == {"errored": 1, "canceled": 1, "expired": 2}


def test_residency_and_fast_mode_record(cli, tmp_path):
    path = lines(tmp_path, [{"model": "claude-opus-5", "timestamp": "2026-11-01T00:00:00Z",
                             "usage": {"input_tokens": 1000, "output_tokens": 1000, "speed": "fast", "inference_geo": "us"}}])  # fmt: skip
    doc = cli.json("usage", path)
    # fast $10 / $50, x1.1: 0.011 + 0.055
    assert doc["total_usd"] == "0.066"


def test_records_before_and_after_a_price_change(cli, tmp_path):
    rec = {"model": "claude-opus-4-6", "usage": {"input_tokens": 250000, "output_tokens": 0}}
    path = lines(tmp_path, [{**rec, "timestamp": "2026-03-12T23:59:00Z"}, {**rec, "timestamp": "2026-03-13T00:01:00Z"}])
    doc = cli.json("usage", path, "--group-by", "day")
    g = groups(doc)
    assert g[("2026-03-12",)]["total_usd"] == "2.5"  # above 200K before GA: $10
    assert g[("2026-03-13",)]["total_usd"] == "1.25"  # standard $5


def test_cache_fields_split_and_assumed(cli, tmp_path):
    path = lines(tmp_path, [
        {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 3000,
         "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000}, "cache_read_input_tokens": 10000}},
        {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 1000}},
    ])  # fmt: skip
    doc = cli.json("usage", path)
    costs = doc["groups"][0]["costs_usd"]
    # 5m: 2000 x 3.75 = 0.0075; 1h: 2000 x 6 = 0.012; read 10000 x 0.3 = 0.003
    assert (costs["cache_write_5m"], costs["cache_write_1h"], costs["cache_read"]) == ("0.0075", "0.012", "0.003")
    assert any("without the 5m/1h split" in n for n in doc["notes"])


def test_web_searches(cli, tmp_path):
    path = lines(tmp_path, [{"model": "claude-sonnet-4-6", "usage": {"input_tokens": 0, "output_tokens": 0, "server_tool_use": {"web_search_requests": 3}}}])
    assert cli.json("usage", path)["groups"][0]["costs_usd"]["web_searches"] == "0.03"


def test_tier_is_chosen_per_record_not_per_sum(cli, tmp_path):
    rec = {"model": "claude-haiku-5-5", "usage": {"input_tokens": 60000, "output_tokens": 0}}
    doc = cli.json("usage", lines(tmp_path, [rec, rec]))
    assert doc["total_usd"] == "0.012"  # 2 x 60,000 x $0.10, not x $0.50


def test_unpriceable_records_are_reported_with_location(cli, tmp_path):
    path = lines(tmp_path, [
        {"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1000, "output_tokens": 0}},
        {"model": "claude-opus-9", "usage": {"input_tokens": 1}},
        {"model": "claude-sonnet-4-6"},
        "this is not json",
        {"usage": {"input_tokens": 5}},
        {"model": "claude-sonnet-4-6", "usage": {"input_tokens": -4}},
    ])  # fmt: skip
    r = cli("usage", path, "--json")
    doc = json.loads(r.stdout)
    assert doc["total_usd"] == "0.003" and doc["unpriced_count"] == 5
    where = {p["location"].rsplit(":", 1)[1]: p["reason"] for p in doc["unpriced"]}
    assert "unknown model" in where["2"] and where["3"] == "no usage object" and "invalid JSON" in where["4"]
    assert "--model" in where["5"] and "must be a whole number" in where["6"]
    assert "5 record(s) could not be priced" in r.stderr


def test_csv_markdown_and_missing_file(cli, tmp_path):
    path = lines(tmp_path, [{"model": "claude-opus-4-7", "usage": {"input_tokens": 200000, "output_tokens": 20000}}])
    assert cli("usage", path, "--format", "csv").stdout.splitlines()[1].endswith(",1.5")
    assert "**Total: $1.50** over 1 requests" in cli("usage", path, "--format", "markdown").stdout
    assert "no such file" in cli("usage", tmp_path / "nope.jsonl", code=2).stderr
    assert "--group-by" in cli("usage", path, "--group-by", "week", code=2).stderr


def test_globs_and_directories(cli, tmp_path):
    d = tmp_path / "logs"
    (d / "2026").mkdir(parents=True)
    lines(d, [{"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1000, "output_tokens": 0}}], "a.jsonl")
    lines(d / "2026", [{"model": "claude-sonnet-4-6", "usage": {"input_tokens": 2000, "output_tokens": 0}}], "b.jsonl")
    (d / "notes.txt").write_text("not a log")
    # 1,000 and 2,000 input tokens at $3 per MTok
    assert cli.json("usage", str(d / "*.jsonl"))["total_usd"] == "0.003"
    assert cli.json("usage", d)["total_usd"] == "0.009"  # recursive, .txt skipped
    assert "no file matches" in cli("usage", str(d / "*.sse"), code=2).stderr
