"""Telemetry as instrumentations write it (issue 26): the real OpenLLMetry and OpenInference
instrumentations of the real SDK against the stand-in Messages API, exported by the real
OpenTelemetry SDK; the older attribute names, Logfire, Langfuse and Claude Code's own events
as fixtures built from their sources (cited per fixture); gzip, console exports, mixed files
and broken records. Every expected price is worked out by hand from the pricing page
(Sonnet 4.6: $3 input, $15 output, $3.75 5-minute write, $6 1-hour write, $0.30 cache read)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SONNET = "claude-sonnet-4-6"


def attr(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # OTLP JSON writes int64 as a string
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def span(attrs, sid="s1", start="1795600000000000000"):
    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": sid, "name": "chat", "kind": 3,
            "startTimeUnixNano": start, "endTimeUnixNano": start, "attributes": [attr(k, v) for k, v in attrs.items()]}  # fmt: skip


def traces(service, spans, scope="instrumentation"):
    return {"resourceSpans": [{"resource": {"attributes": [attr("service.name", service)]},
                               "scopeSpans": [{"scope": {"name": scope}, "spans": spans}]}]}  # fmt: skip


def logs(service, records):
    return {"resourceLogs": [{"resource": {"attributes": [attr("service.name", service)]},
                              "scopeLogs": [{"scope": {"name": "com.anthropic.claude_code.events"}, "logRecords": records}]}]}  # fmt: skip


def write_lines(path, docs):
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def total(doc):
    return Decimal(doc["total_usd"])


# ---------------------------------------------------------------- the real instrumentations

# Three calls with cache reads, 5-minute and 1-hour writes, as the stand-in answers them.
USAGES = [
    {"input_tokens": 1200, "output_tokens": 300, "cache_read_input_tokens": 40000, "cache_creation_input_tokens": 0,
     "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}},
    {"input_tokens": 800, "output_tokens": 450, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 6000,
     "cache_creation": {"ephemeral_5m_input_tokens": 6000, "ephemeral_1h_input_tokens": 0}},
    {"input_tokens": 50, "output_tokens": 120, "cache_read_input_tokens": 9000, "cache_creation_input_tokens": 3000,
     "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000}},
]  # fmt: skip
# Priced from the usage objects themselves (per million):
#   1,200 x 3 + 40,000 x 0.30 + 300 x 15                                  = 20,100
#   800 x 3 + 6,000 x 3.75 + 450 x 15                                     = 31,650
#   50 x 3 + 1,000 x 3.75 + 2,000 x 6 + 9,000 x 0.30 + 120 x 15           = 20,400
DIRECT = Decimal("0.07215")
# Spans carry no 5m/1h split: the third call's 2,000 1-hour writes are billed as 5-minute
# writes, 2,000 x (6 - 3.75) = 4,500 per million less.
SPANS = DIRECT - Decimal("0.0045")
# OpenLLMetry 0.62.4 adds message_start's output count (1) to message_delta's cumulative one in
# streams (streaming.py, _process_response_item), so each of the two streamed calls' spans says
# one output token more than the API billed: 2 x 15 per million.
OPENLLMETRY_STREAM_EXTRA = Decimal("0.00003")


@pytest.mark.parametrize("which", ["openllmetry", "openinference"])
def test_real_instrumentations_price_as_the_usage_itself(which, cli, standin, tmp_path):
    from standin import KEY

    direct = write_lines(tmp_path / "responses.jsonl", [{"model": SONNET, "usage": u} for u in USAGES])
    assert total(cli.json("usage", direct)) == DIRECT

    standin.message_usages = [dict(u) for u in USAGES]
    run = subprocess.run([sys.executable, str(HERE / "otel_capture.py"), which, standin.url, KEY, SONNET, str(tmp_path)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert len(standin.requests) == 3 and standin.requests[1]["stream"] is True
    want = SPANS + (OPENLLMETRY_STREAM_EXTRA if which == "openllmetry" else 0)
    for name in ("otlp.jsonl", "otlp.jsonl.gz", "console.json"):
        r = cli("usage", tmp_path / name, "--json", "--group-by", "service,model")
        doc = json.loads(r.stdout)
        assert total(doc) == want, name
        assert doc["requests"] == 3 and doc["unpriced_count"] == 0 and doc["skipped"] == {}, name
        (group,) = doc["groups"]
        assert group["service"] == f"svc-{which}" and group["model"] == SONNET
        out = 870 + (2 if which == "openllmetry" else 0)
        assert group["tokens"] == {"input": 2050, "cache_write_5m": 9000, "cache_write_1h": 0, "cache_read": 49000, "output": out}, name
        assert any("2 record(s) had cache writes without the 5m/1h split" in n for n in doc["notes"]), name
        assert r.stderr == ""


# ---------------------------------------------------------------- conventions, from their sources


def test_openllmetry_2025_names_capital_a_and_underscore_cache(cli, tmp_path):
    # opentelemetry-instrumentation-anthropic 0.49.0-0.52.0 (__init__.py _set_token_usage):
    # gen_ai.system "Anthropic", gen_ai.usage.input_tokens = input + cache read + cache creation,
    # gen_ai.usage.cache_read_input_tokens / cache_creation_input_tokens (semconv-ai 0.4.15)
    path = write_lines(tmp_path / "t.jsonl", [traces("app", [span({
        "gen_ai.system": "Anthropic", "gen_ai.request.model": SONNET, "gen_ai.response.model": SONNET,
        "gen_ai.usage.input_tokens": 11000, "gen_ai.usage.output_tokens": 500,
        "gen_ai.usage.cache_read_input_tokens": 8000, "gen_ai.usage.cache_creation_input_tokens": 2000})])])  # fmt: skip
    doc = cli.json("usage", path)
    # 1,000 x 3 + 2,000 x 3.75 + 8,000 x 0.30 + 500 x 15 = 20,400 per million
    assert total(doc) == Decimal("0.0204") and doc["skipped"] == {}
    assert doc["groups"][0]["tokens"]["input"] == 1000


def test_openllmetry_prompt_and_completion_tokens(cli, tmp_path):
    # 0.38.7-0.47.0: gen_ai.usage.prompt_tokens (inclusive) / completion_tokens (semconv-ai 0.4.2-0.4.13)
    path = write_lines(tmp_path / "t.jsonl", [traces("app", [span({
        "gen_ai.system": "Anthropic", "gen_ai.request.model": "claude-3-5-haiku-20241022", "gen_ai.response.model": "claude-haiku-4-5-20251001",
        "gen_ai.usage.prompt_tokens": 3000, "gen_ai.usage.completion_tokens": 100, "gen_ai.usage.cache_read_input_tokens": 2000})])])  # fmt: skip
    doc = cli.json("usage", path)
    # the response model wins: Haiku 4.5, $1 / $5, read $0.10: 1,000 x 1 + 2,000 x 0.10 + 100 x 5 = 1,700
    assert doc["groups"][0]["model"] == "claude-haiku-4-5" and total(doc) == Decimal("0.0017")


def test_openinference_on_bedrock_regional_and_vertex(cli, tmp_path):
    # openinference-instrumentation-anthropic 3.1.0: llm.token_count.prompt includes the cache;
    # llm.provider "aws" for Bedrock clients, "google" for Vertex (_wrappers.py)
    path = write_lines(tmp_path / "t.jsonl", [traces("app", [
        span({"llm.provider": "aws", "llm.system": "anthropic", "llm.model_name": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
              "llm.token_count.prompt": 10000, "llm.token_count.completion": 1000,
              "llm.token_count.prompt_details.cache_read": 5000}, sid="b1"),
        span({"llm.provider": "google", "llm.system": "anthropic", "llm.model_name": "claude-sonnet-4-5@20250929",
              "llm.token_count.prompt": 10000, "llm.token_count.completion": 1000}, sid="v1"),
    ])])  # fmt: skip
    doc = cli.json("usage", path, "--group-by", "model")
    # Sonnet 4.5 ($3 / $15, read $0.30). Bedrock us. (regional) +10%: (5,000 x 3 + 5,000 x 0.30
    # + 1,000 x 15) x 1.1 = 34,650; Vertex (no region in the id: global) 10,000 x 3 + 1,000 x 15 = 45,000
    assert total(doc) == Decimal("0.07965")
    assert doc["groups"][0]["tokens"] == {"input": 15000, "cache_write_5m": 0, "cache_write_1h": 0, "cache_read": 5000, "output": 2000}


def test_genai_provider_aws_bedrock_with_a_plain_id(cli, tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [traces("app", [span({
        "gen_ai.provider.name": "aws.bedrock", "gen_ai.request.model": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100})])])  # fmt: skip
    # anthropic. without a regional prefix: the global endpoint, no premium: 1,000 x 3 + 100 x 15
    assert total(cli.json("usage", path)) == Decimal("0.0045")


def test_logfire_raw_usage_keeps_the_one_hour_split(cli, tmp_path):
    # logfire-sdk 5.4.0 (llm_providers/anthropic.py, usage.py): gen_ai.usage.input_tokens is
    # inclusive, and gen_ai.usage.raw is the API's usage object as JSON: read as the API's
    raw = {"input_tokens": 50, "output_tokens": 120, "cache_read_input_tokens": 9000, "cache_creation_input_tokens": 3000,
           "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000}, "service_tier": "standard"}  # fmt: skip
    v5 = span({"gen_ai.system": "anthropic", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET,
               "gen_ai.response.model": SONNET, "gen_ai.usage.input_tokens": 12050, "gen_ai.usage.output_tokens": 120,
               "gen_ai.usage.cache_read.input_tokens": 9000, "gen_ai.usage.cache_creation.input_tokens": 3000,
               "gen_ai.usage.raw": json.dumps(raw), "operation.cost": 0.0204}, sid="lf5")  # fmt: skip
    # logfire 3.16-4.0 (anthropic.py on_response): request_data / response_data as JSON text
    v4 = span({"request_data": json.dumps({"model": SONNET, "max_tokens": 100, "messages": []}),
               "response_data": json.dumps({"message": {"role": "assistant", "content": "hi"}, "usage": raw}),
               "logfire.msg_template": "Message with {request_data[model]!r}"}, sid="lf4")  # fmt: skip
    doc = cli.json("usage", write_lines(tmp_path / "t.jsonl", [traces("logfire-app", [v5, v4], scope="logfire")]))
    # each: 50 x 3 + 1,000 x 3.75 + 2,000 x 6 + 9,000 x 0.30 + 120 x 15 = 20,400 per million
    assert total(doc) == Decimal("0.0408") and doc["notes"] == []
    assert doc["groups"][0]["tokens"]["cache_write_1h"] == 4000


def test_langfuse_usage_details_are_additive(cli, tmp_path):
    # langfuse 5.2.0 (_client/attributes.py, langchain/CallbackHandler.py _parse_usage_model):
    # usage_details keys add up: input excludes the cache; output excludes the reasoning tokens
    details = {"input": 500, "output": 200, "output_reasoning": 100, "cache_read_input_tokens": 4000,
               "cache_creation_ephemeral_5m_input_tokens": 0, "cache_creation_ephemeral_1h_input_tokens": 1000, "total": 5800}  # fmt: skip
    path = write_lines(tmp_path / "t.jsonl", [traces("lf", [span({
        "langfuse.observation.type": "generation", "langfuse.observation.model.name": SONNET,
        "langfuse.observation.usage_details": json.dumps(details)})])])  # fmt: skip
    # 500 x 3 + 1,000 x 6 + 4,000 x 0.30 + 300 x 15 = 13,200 per million
    assert total(cli.json("usage", path)) == Decimal("0.0132")


def claude_code_event(model, inp, out, read, create, cost, session, when="1795600000000000000", speed="normal"):
    """A `claude_code.api_request` log record as Claude Code's OTLP log exporter sends it: the
    attribute list of the monitoring docs (https://code.claude.com/docs/en/monitoring-usage),
    every value a string."""
    values = {"event.name": "api_request", "event.timestamp": "2026-11-25T09:46:40.000Z", "session.id": session, "model": model,
              "input_tokens": str(inp), "output_tokens": str(out), "cache_read_tokens": str(read),
              "cache_creation_tokens": str(create), "cost_usd": cost, "duration_ms": "2400", "speed": speed}  # fmt: skip
    return {"timeUnixNano": when, "observedTimeUnixNano": when, "body": {"stringValue": "claude_code.api_request"},
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]}  # fmt: skip


def test_claude_code_events_and_metrics_not_added_twice(cli, tmp_path):
    metrics = {"resourceMetrics": [{"resource": {"attributes": [attr("service.name", "claude-code")]}, "scopeMetrics": [{"metrics": [
        {"name": "claude_code.token.usage", "sum": {"dataPoints": [{"asDouble": 4000, "attributes": [attr("type", "input")]}]}},
        {"name": "claude_code.cost.usage", "sum": {"dataPoints": [{"asDouble": 0.05}]}}]}]}]}  # fmt: skip
    path = write_lines(tmp_path / "claude-code-otel.jsonl", [
        logs("claude-code", [claude_code_event(SONNET, 2000, 500, 30000, 4000, "0.0315", "sess-1"),
                             claude_code_event("claude-opus-4-7", 100, 50, 0, 0, "0.00175", "sess-2")]),
        metrics,
    ])  # fmt: skip
    r = cli("usage", path, "--json", "--group-by", "session", "--show-logged-cost")
    doc = json.loads(r.stdout)
    # sess-1 (Sonnet 4.6): 2,000 x 3 + 4,000 x 3.75 (no split: 5m) + 30,000 x 0.30 + 500 x 15 = 37,500
    # sess-2 (Opus 4.7, $5 / $25): 100 x 5 + 50 x 25 = 1,750
    got = {g["session"]: (Decimal(g["total_usd"]), Decimal(g["logged_cost_usd"])) for g in doc["groups"]}
    assert got == {"sess-1": (Decimal("0.0375"), Decimal("0.0315")), "sess-2": (Decimal("0.00175"), Decimal("0.00175"))}
    assert doc["groups"][0]["day"] if "day" in doc["groups"][0] else True
    assert doc["skipped"] == {"Claude Code metrics, not added (its api_request events count the same calls)": 2}
    assert "skipped Claude Code metrics, not added (its api_request events count the same calls): 2" in r.stderr
    assert cli.json("usage", path, "--group-by", "day")["groups"][0]["day"] == "2026-11-25"


def test_traces_and_logs_mixed_in_one_file_with_other_providers(cli, tmp_path):
    path = write_lines(tmp_path / "mixed.jsonl", [
        traces("api", [span({"gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET,
                             "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100}, sid="a"),
                       span({"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5", "gen_ai.usage.input_tokens": 99}, sid="b"),
                       span({"gen_ai.system": "openai", "gen_ai.request.model": "claude-sonnet-4-6",  # an OpenAI-compatible proxy
                             "gen_ai.usage.prompt_tokens": 77}, sid="c"),
                       span({"http.route": "/health"}, sid="d")]),
        logs("claude-code", [claude_code_event(SONNET, 1000, 100, 0, 0, "0.0045", "s")]),
    ])  # fmt: skip
    r = cli("usage", path, "--json")
    doc = json.loads(r.stdout)
    assert total(doc) == Decimal("0.009") and doc["requests"] == 2  # 2 x (1,000 x 3 + 100 x 15)
    assert doc["skipped"] == {"spans of other providers (openai)": 2} and doc["skipped_claude"] == 1
    assert "skipped spans of other providers (openai): 2" in r.stderr
    assert "1 skipped record(s) of another provider name a Claude model" in r.stderr
    r = cli("usage", path, "--strict", code=5)
    assert "name a Claude model" in r.stderr


# ---------------------------------------------------------------- broken files and values


def test_wrong_types_are_located_problems_never_silent(cli, tmp_path):
    base = {"gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET, "gen_ai.usage.output_tokens": 10}
    path = write_lines(tmp_path / "bad.jsonl", [traces("api", [
        span({**base, "gen_ai.usage.input_tokens": "1000"}, sid="str"),  # a string where an int belongs
        span({**base, "gen_ai.usage.input_tokens": -5}, sid="neg"),
        span({**base, "gen_ai.usage.input_tokens": 12.5}, sid="frac"),
        span({**base, "gen_ai.usage.input_tokens": 1000.0}, sid="whole"),  # JavaScript exporters write doubles: accepted
        span({"gen_ai.provider.name": "anthropic", "gen_ai.usage.input_tokens": 5}, sid="nomodel"),
    ])])  # fmt: skip
    with open(path, "a") as fh:
        fh.write('{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "cut", "attri\n')  # a line cut short
        fh.write('{"not": "telemetry"}\n')
    r = cli("usage", path, "--json")
    doc = json.loads(r.stdout)
    assert total(doc) == Decimal("0.00315")  # the 1000.0 span only: 1,000 x 3 + 10 x 15
    reasons = {u["location"].rsplit(" ", 1)[-1] if "span" in u["location"] else u["location"]: u["reason"] for u in doc["unpriced"]}
    assert "must be a whole number >= 0, got '1000'" in reasons["str"]
    assert "got -5" in reasons["neg"] and "got 12.5" in reasons["frac"] and "no model" in reasons["nomodel"]
    assert doc["unpriced_count"] == 6
    assert any(k.endswith("bad.jsonl:2") and "invalid JSON" in v for k, v in reasons.items())
    assert any(k.endswith("bad.jsonl:3") and "no usage object" in v for k, v in reasons.items())
    assert "6 record(s) could not be priced" in r.stderr
    cli("usage", path, "--strict", code=5)


def test_gzip_cut_short_keeps_what_was_read(cli, tmp_path):
    line = json.dumps(traces("api", [span({"gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET,
                                           "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100})]))  # fmt: skip
    data = gzip.compress((line + "\n").encode() * 2000)
    (tmp_path / "whole.jsonl.gz").write_bytes(data)
    assert total(cli.json("usage", tmp_path / "whole.jsonl.gz")) == Decimal("9")  # 2,000 x 0.0045
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    r = cli("usage", tmp_path / "cut.jsonl.gz", "--json")
    doc = json.loads(r.stdout)
    assert 0 < doc["requests"] < 2000 and doc["unpriced_count"] == 1
    assert "compressed data is cut or damaged" in doc["unpriced"][-1]["reason"]
    # a folder gives its .jsonl.gz files too; stdin may be gzip
    assert cli.json("usage", tmp_path)["requests"] > 2000
    got = cli.bytes_in(["usage", "-", "--json"], data)
    assert got.exit_code == 0 and total(json.loads(got.stdout)) == Decimal("9")


def test_console_exports_one_after_another_and_a_cut_last_one(cli, tmp_path):
    one = {"name": "anthropic.chat", "context": {"trace_id": "0x1", "span_id": "0x2", "trace_state": "[]"}, "kind": "SpanKind.CLIENT",
           "parent_id": None, "start_time": "2026-11-25T09:46:40.000000Z", "end_time": "2026-11-25T09:46:41.000000Z",
           "status": {"status_code": "UNSET"},
           "attributes": {"gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET,
                          "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100},
           "events": [], "links": [], "resource": {"attributes": {"service.name": "svc"}, "schema_url": ""}}  # fmt: skip
    text = "".join(json.dumps(one, indent=4) + "\n" for _ in range(3))
    (tmp_path / "console.json").write_text(text)
    doc = cli.json("usage", tmp_path / "console.json", "--group-by", "day,service")
    assert total(doc) == Decimal("0.0135") and doc["groups"][0]["day"] == "2026-11-25" and doc["groups"][0]["service"] == "svc"
    (tmp_path / "cut.json").write_text(text + json.dumps(one, indent=4)[:200])
    doc = cli.json("usage", tmp_path / "cut.json")
    assert total(doc) == Decimal("0.0135") and doc["unpriced_count"] == 1
    assert doc["unpriced"][0]["location"].endswith(f"cut.json:{3 * text.count(chr(10)) // 3 + 1}")
    # a file that is not JSON at all is still an error for the whole file
    (tmp_path / "junk.json").write_text("{ this is not json")
    r = cli("usage", tmp_path / "junk.json", code=2)
    assert "invalid JSON" in r.stderr


def test_engines_agree_on_telemetry_and_bedrock_ids(cli, tmp_path):
    """OTLP files go to the Python engine whole; Bedrock regional ids in plain logs are priced in
    SQL at the regional rate (+10%), as Python prices them."""
    logs_path = write_lines(tmp_path / "app.jsonl", [
        {"model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "usage": {"input_tokens": 1000, "output_tokens": 100}},
        {"model": "anthropic.claude-sonnet-4-5-20250929-v1:0", "usage": {"input_tokens": 1000, "output_tokens": 100}},
        {"model": "claude-sonnet-4-5@20250929", "usage": {"input_tokens": 1000, "output_tokens": 100, "speed": "fast"}},
    ])  # fmt: skip
    write_lines(tmp_path / "otel.jsonl", [logs("claude-code", [claude_code_event(SONNET, 1000, 100, 0, 0, "0.0045", "s")])])
    docs = {e: cli.json("usage", tmp_path, "--engine", e) for e in ("python", "duckdb")}
    for doc in docs.values():  # DuckDB locates unpriced records by file, Python by line
        doc["unpriced"] = [{**u, "location": u["location"].split(".jsonl")[0]} for u in doc["unpriced"]]
    assert docs["python"] == docs["duckdb"]
    # Bedrock regional 4,500 x 1.1 = 4,950; global 4,500; Claude Code event 4,500; fast mode on
    # Google Cloud is refused (not available there): unpriced, said
    assert total(docs["python"]) == Decimal("0.01395") and docs["python"]["unpriced_count"] == 1
    assert "fast mode is not available on vertex" in docs["python"]["unpriced"][0]["reason"]
