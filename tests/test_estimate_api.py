"""estimate from payloads, counted by the real SDK over real HTTP against the stand-in server."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
import standin as si
from conftest import EXAMPLES, words, write_json


def test_counts_come_from_the_api_and_payload_is_cut_down(cli, standin):
    doc = cli.json("estimate", EXAMPLES / "agent-tool-turn.json", "--count", "api", "--output-tokens", "400")
    body = json.loads((EXAMPLES / "agent-tool-turn.json").read_text())
    sent = standin.requests[0]
    assert set(sent) <= si.ACCEPTED and "max_tokens" not in sent and "metadata" not in sent
    # the tool breakpoint is counted as a prefix too; the full body is the first request
    assert doc["token_source"] == "api"
    expected_total = si.count({k: v for k, v in body.items() if k in si.ACCEPTED})
    assert doc["prompt_tokens"] == expected_total
    assert doc["output_tokens"] == 400 and doc["output_tokens_upper_bound"] is False


def test_auto_uses_api_when_a_key_exists_and_says_so(cli, standin):
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--json")
    assert json.loads(r.stdout)["token_source"] == "api"
    assert "count_tokens API" in r.stderr
    assert standin.requests


def test_auto_without_key_is_offline_and_says_so(cli):
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--json")
    doc = json.loads(r.stdout)
    assert doc["token_source"] == "offline"
    assert doc["prompt_tokens_low"] <= doc["prompt_tokens"] <= doc["prompt_tokens_high"]
    assert D(doc["total_usd_low"]) <= D(doc["total_usd"]) <= D(doc["total_usd_high"])
    assert "offline" in r.stderr


def test_server_tools_are_left_out_and_reported(cli, standin):
    doc = cli.json("estimate", EXAMPLES / "web-search.json", "--count", "api")
    assert "tools" not in standin.requests[0]
    assert doc["not_countable"] == ["server tool web_search (web_search_20250305)"]
    # web search fees bounded by max_uses 5: $0.05
    assert {line["item"]: line["usd"] for line in doc["lines"]}["web_searches"] == "0.05"
    assert any("max_uses" in n for n in doc["notes"])


def test_url_sources_are_left_out(cli, standin, tmp_path):
    payload = write_json(tmp_path, {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "https://example.invalid/a.png"}},
        {"type": "text", "text": words(12)}]}]})  # fmt: skip
    doc = cli.json("estimate", payload, "--count", "api")
    assert doc["prompt_tokens"] == 7 + 12
    assert "url source" in doc["not_countable"][0]


def test_model_flag_overrides_payload(cli, standin):
    doc = cli.json("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--model", "opus-4.7")
    assert doc["model"] == "claude-opus-4-7"
    assert standin.requests[0]["model"] == "claude-opus-4-7"


def test_stdin_payload(cli, standin):
    text = (EXAMPLES / "multi-turn-chat.json").read_text()
    doc = cli.json("estimate", "-", "--count", "api", input=text)
    assert doc["token_source"] == "api"


def test_payload_geo_and_speed_are_read(cli, standin, tmp_path):
    payload = write_json(tmp_path, {"model": "claude-opus-5", "max_tokens": 1000, "inference_geo": "us", "speed": "fast",
                                    "messages": [{"role": "user", "content": words(93)}]})  # fmt: skip
    doc = cli.json("estimate", payload, "--count", "api")
    # 6 + ceil(93*1.35)=126 -> 132 tokens at $10 * 1.1; 1000 output at $50 * 1.1
    assert doc["prompt_tokens"] == 132
    assert doc["total_usd"] == str(D(132) * D("11") / 1_000_000 + D(1000) * D("55") / 1_000_000)
    assert "inference_geo" not in standin.requests[0]


# ---------------------------------------------------------------- caching, hand-worked


def mixed_ttl_payload():
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 100,
        "system": [{"type": "text", "text": words(5000), "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": words(2000), "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": words(40)}]}],
    }  # fmt: skip


def items(doc):
    return {line["item"]: (line["tokens"], line["usd"]) for line in doc["lines"]}


def test_cold_cache_mixed_ttls(cli, standin, tmp_path):
    # total 7 + 5000 + 2000 + 40 = 7047; prefix at system 5007 (1h), at messages[0] 7007 (5m)
    doc = cli.json("estimate", write_json(tmp_path, mixed_ttl_payload()), "--count", "api", "--output-tokens", "100")
    assert doc["prompt_tokens"] == 7047
    assert items(doc) == {
        "input": (40, "0.00012"),
        "cache_write_5m": (2000, "0.0075"),
        "cache_write_1h": (5007, "0.030042"),
        "output": (100, "0.0015"),
    }
    assert doc["total_usd"] == "0.039162"


def test_warm_cache_reads_up_to_last_breakpoint(cli, standin, tmp_path):
    doc = cli.json("estimate", write_json(tmp_path, mixed_ttl_payload()), "--count", "api", "--output-tokens", "100", "--cache", "warm")
    assert items(doc) == {"input": (40, "0.00012"), "cache_read": (7007, "0.0021021"), "output": (100, "0.0015")}


def test_cache_off(cli, standin, tmp_path):
    doc = cli.json("estimate", write_json(tmp_path, mixed_ttl_payload()), "--count", "api", "--output-tokens", "0", "--cache", "off")
    assert items(doc) == {"input": (7047, "0.021141"), "output": (0, "0")}


def test_repeat_is_one_cold_and_n_minus_one_warm(cli, standin, tmp_path):
    doc = cli.json("estimate", write_json(tmp_path, mixed_ttl_payload()), "--count", "api", "--output-tokens", "100", "--repeat", "3")
    # cold 0.039162 + 2 x warm (0.0021021 + 0.00012 + 0.0015)
    assert doc["total_usd"] == "0.0466062"
    assert doc["requests"] == 3
    assert items(doc)["cache_read"] == (14014, "0.0042042")


def test_tools_and_system_breakpoints_with_a_prefix_below_minimum(cli, standin, tmp_path):
    tool = {"name": "t", "description": "d", "input_schema": {"type": "object"}}
    payload = {
        "model": "claude-sonnet-4-6",
        "tools": [tool, {**tool, "name": "u", "cache_control": {"type": "ephemeral"}}],
        "system": [{"type": "text", "text": words(3000), "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": words(100)}],
    }
    doc = cli.json("estimate", write_json(tmp_path, payload), "--count", "api", "--output-tokens", "0")
    # tools prefix 7 + 300 + 60 = 367 < 1,024: not cached; system prefix 3,367 written (5m)
    assert items(doc) == {"input": (100, "0.0003"), "cache_write_5m": (3367, "0.01262625"), "output": (0, "0")}
    assert any("tools[1]" in n and "below" in n for n in doc["notes"])


def test_prefix_below_minimum_is_uncached_input(cli, standin, tmp_path):
    payload = {"model": "claude-haiku-4-5", "system": [{"type": "text", "text": words(3000), "cache_control": {"type": "ephemeral"}}],
               "messages": [{"role": "user", "content": words(20)}]}  # fmt: skip
    doc = cli.json("estimate", write_json(tmp_path, payload), "--count", "api", "--output-tokens", "0")
    assert items(doc) == {"input": (3027, "0.003027"), "output": (0, "0")}
    assert any("4,096" in n for n in doc["notes"])


def test_automatic_caching_breakpoint_on_last_block(cli, standin, tmp_path):
    payload = {"model": "claude-sonnet-4-6", "cache_control": {"type": "ephemeral"}, "messages": [
        {"role": "user", "content": words(1500)}, {"role": "assistant", "content": words(500)},
        {"role": "user", "content": words(30)}]}  # fmt: skip
    doc = cli.json("estimate", write_json(tmp_path, payload), "--count", "api", "--output-tokens", "0")
    # 7 + 2 x 3 + 2030 = 2043, all written at 5m: 2043 x 3.75
    assert items(doc) == {"input": (0, "0"), "cache_write_5m": (2043, "0.00766125"), "output": (0, "0")}
    assert "cache_control" in standin.requests[0]  # count_tokens accepts it


def test_more_than_four_breakpoints_is_an_error(cli, standin, tmp_path):
    cc = {"type": "ephemeral"}
    payload = {"model": "claude-sonnet-4-6", "system": [{"type": "text", "text": "s", "cache_control": cc}] * 5,
               "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
    r = cli("estimate", write_json(tmp_path, payload), "--count", "api", code=2)
    assert "5 cache breakpoints; the API allows at most 4" in r.stderr


def test_one_hour_after_five_minutes_is_an_error(cli, tmp_path):
    payload = mixed_ttl_payload()
    payload["system"][0]["cache_control"] = {"type": "ephemeral"}
    payload["messages"][0]["content"][0]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    r = cli("estimate", write_json(tmp_path, payload), "--count", "offline", code=2)
    assert "1h cache entry after a 5m entry" in r.stderr


# ---------------------------------------------------------------- API errors: exit 3


def _fail(server, status, kind, message, headers=None):
    server.fail = (status, kind, message, headers or {})


@pytest.mark.parametrize(
    "status,kind,message,expected",
    [
        (400, "invalid_request_error", "messages.0.content: text blocks must be non-empty", "text blocks must be non-empty"),
        (403, "permission_error", "Your API key does not have permission", "403 permission_error"),
        (413, "request_too_large", "Request exceeds the maximum allowed number of bytes", "413 request_too_large"),
        (500, "api_error", "Internal server error", "500 api_error"),
        (529, "overloaded_error", "Overloaded", "529 overloaded_error"),
    ],
)
def test_api_errors_exit_3_with_message(cli, standin, status, kind, message, expected):
    _fail(standin, status, kind, message)
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--max-retries", "0", "--debug", code=3)
    assert expected in r.stderr and r.stdout == ""
    assert si.KEY not in r.stderr + r.stdout


def test_401_bad_key(cli, standin, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key-987654321")
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--debug", code=3)
    assert "401 authentication_error" in r.stderr and "ANTHROPIC_API_KEY" in r.stderr
    assert "sk-ant-wrong-key-987654321" not in r.stderr + r.stdout


def test_404_unknown_model_says_so(cli, standin):
    # opus-4.1 is priced but the stand-in does not serve it
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--model", "opus-4.1", code=3)
    assert "does not know model 'claude-opus-4-1'" in r.stderr


def test_429_after_retries_mentions_retry_after(cli, standin):
    _fail(standin, 429, "rate_limit_error", "rate limited", {"retry-after": "7", "retry-after-ms": "20"})
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--max-retries", "1", code=3)
    assert "429" in r.stderr and "retry after 7s" in r.stderr


def test_transient_error_is_retried_by_the_sdk(cli, standin):
    _fail(standin, 529, "overloaded_error", "Overloaded", {"retry-after-ms": "10"})
    standin.fail_times = 1
    doc = cli.json("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--max-retries", "2")
    assert doc["token_source"] == "api"


def test_timeout(cli, standin):
    standin.delay = 1.5
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--timeout", "0.3", "--max-retries", "0", code=3)
    assert "timed out after 0.3s" in r.stderr


def test_connection_refused(cli, standin, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", "--max-retries", "0", code=3)
    assert "cannot connect" in r.stderr


def test_api_mode_without_credentials_fails_clearly(cli):
    r = cli("estimate", EXAMPLES / "multi-turn-chat.json", "--count", "api", code=3)
    assert "error:" in r.stderr and "Traceback" not in r.stderr
