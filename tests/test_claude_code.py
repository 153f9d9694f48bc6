"""Claude Code transcripts and OpenTelemetry spans (issue 15): one record per billed response
however the log repeats it, non-response lines neither records nor problems, strict mode, time
filters and groupings, OTLP cache figures taken out of input_tokens.

Prices by hand, USD per million tokens (pricing page): Sonnet 4.6 $3 in, $15 out, 5m write
$3.75, read $0.30; Opus 4.7 $5 / $25; Haiku 4.5 $1 / $5."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

UUID = iter(range(10**6))


def line(kind, session, ts, **extra):
    return {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/dev/app", "sessionId": session,
            "version": "2.0.14", "gitBranch": "main", "type": kind, "uuid": f"u-{next(UUID)}", "timestamp": ts, **extra}  # fmt: skip


def response(session, ts, mid, model, usage, request_id=None, block="text", **extra):
    msg = {"id": mid, "type": "message", "role": "assistant", "model": model,
           "content": [{"type": block, "text": "…"}], "stop_reason": None, "stop_sequence": None,
           "usage": {"input_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0,
                     "service_tier": "standard", **usage}}  # fmt: skip
    if "cache_creation_input_tokens" in usage:
        msg["usage"]["cache_creation"] = {"ephemeral_5m_input_tokens": usage["cache_creation_input_tokens"], "ephemeral_1h_input_tokens": 0}
    doc = line("assistant", session, ts, message=msg, **extra)
    if request_id:
        doc["requestId"] = request_id
    return doc


def user(session, ts, content="fix the tests"):
    return line("user", session, ts, message={"role": "user", "content": content})


def write(path, docs):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))


S1, S2, S9 = "5b0c-s1", "7e1d-s2", "9f9f-s9"
R1 = dict(mid="msg_01R1", model="claude-sonnet-4-6", request_id="req_R1")
R1_PARTIAL = {"input_tokens": 10, "cache_creation_input_tokens": 2000, "output_tokens": 1}
R1_FINAL = {**R1_PARTIAL, "output_tokens": 300}
R2 = dict(mid="msg_01R2", model="claude-sonnet-4-6", request_id="req_R2")
R2_USAGE = {"input_tokens": 5, "cache_read_input_tokens": 2000, "output_tokens": 100}


@pytest.fixture
def projects(tmp_path):
    return build_projects(tmp_path / "claude" / "projects")


def build_projects(root):
    """A projects folder with every case the issue lists (also written to examples/claude-code)."""
    a = root / "-home-dev-app"
    write(a / f"{S1}.jsonl", [
        {"type": "summary", "summary": "Fixing the flaky test", "leafUuid": "u-x"},
        user(S1, "2026-11-20T10:00:00.000Z"),
        # R1: one line per content block, the usage repeated; streamed: partial output first
        response(S1, "2026-11-20T10:00:05.000Z", usage=R1_PARTIAL, block="thinking", **R1),
        response(S1, "2026-11-20T10:00:06.000Z", usage=R1_PARTIAL, block="text", **R1),
        response(S1, "2026-11-20T10:00:09.000Z", usage=R1_FINAL, block="tool_use", **R1),
        user(S1, "2026-11-20T10:00:10.000Z", [{"type": "tool_result", "tool_use_id": "t1", "content": '{"usage": "see docs"}'}]),
        response(S1, "2026-11-20T10:05:00.000Z", usage=R2_USAGE, costUSD=0.0021, **R2),
        # not responses: a synthetic message, an API error line, a system line, a snapshot
        response(S1, "2026-11-20T10:06:00.000Z", "msg_syn", "<synthetic>", {"input_tokens": 0, "output_tokens": 0}),
        response(S1, "2026-11-20T10:07:00.000Z", "msg_err", "<synthetic>", {}, isApiErrorMessage=True),
        line("system", S1, "2026-11-20T10:08:00.000Z", content="Claude Code was updated", level="info"),
        {"type": "file-history-snapshot", "messageId": "u-y", "snapshot": {"trackedFileBackups": {}}, "isSnapshotUpdate": False},
    ])  # fmt: skip
    # a sub-agent of session 1: attributed to its parent session
    write(a / S1 / "subagents" / "agent-a1.jsonl", [
        response(S1, "2026-11-20T10:30:00.000Z", "msg_01R5", "claude-haiku-4-5", {"input_tokens": 100, "output_tokens": 50},
                 request_id="req_R5", isSidechain=True, agentId="a1"),
    ])  # fmt: skip
    # session 2 resumes session 1: its earlier responses copied in, then new ones
    write(a / f"{S2}.jsonl", [
        {"type": "summary", "summary": "Fixing the flaky test", "leafUuid": "u-z"},
        response(S2, "2026-11-20T10:00:09.000Z", usage=R1_FINAL, block="tool_use", **R1),
        response(S2, "2026-11-20T10:05:00.000Z", usage=R2_USAGE, **R2),
        # R3 has no requestId: deduplicated by message.id alone
        response(S2, "2026-11-20T11:10:00.000Z", "msg_01R3", "claude-opus-4-7", {"input_tokens": 1000, "output_tokens": 200}),
        response(S2, "2026-11-20T11:10:01.000Z", "msg_01R3", "claude-opus-4-7", {"input_tokens": 1000, "output_tokens": 200}),
        # R4 written once without its requestId, once with it: one response
        response(S2, "2026-11-20T11:20:00.000Z", "msg_01R4", "claude-opus-4-7", {"input_tokens": 100, "output_tokens": 10}),
        response(S2, "2026-11-20T11:20:00.500Z", "msg_01R4", "claude-opus-4-7", {"input_tokens": 100, "output_tokens": 10}, request_id="req_R4"),
    ])  # fmt: skip
    write(root / "-home-dev-site" / f"{S9}.jsonl", [
        user(S9, "2026-11-21T09:00:00.000Z"),
        response(S9, "2026-11-21T09:00:04.000Z", "msg_01R9", "claude-sonnet-4-6", {"input_tokens": 1000}, request_id="req_R9"),
    ])  # fmt: skip
    return root


# R1: 10 x $3 + 2,000 x $3.75 + 300 x $15 = $0.01203       R2: 5 x $3 + 2,000 x $0.30 + 100 x $15 = $0.002115
# R3: 1,000 x $5 + 200 x $25 = $0.01                      R4: 100 x $5 + 10 x $25 = $0.00075
# R5: 100 x $1 + 50 x $5 = $0.00035                       R9: 1,000 x $3 = $0.003
R = {"R1": Decimal("0.01203"), "R2": Decimal("0.002115"), "R3": Decimal("0.01"), "R4": Decimal("0.00075"),
     "R5": Decimal("0.00035"), "R9": Decimal("0.003")}  # fmt: skip


def test_every_billed_response_counted_once_with_its_final_usage(cli, projects):
    doc = cli.json("usage", "--claude-code", projects)
    assert doc["requests"] == 6
    assert Decimal(doc["total_usd"]) == sum(R.values())  # $0.028245
    assert doc["unpriced_count"] == 0 and doc["unpriced"] == []
    sonnet = next(g for g in doc["groups"] if g["model"] == "claude-sonnet-4-6")
    assert sonnet["tokens"]["output"] == 300 + 100  # R1's final figure, not its partial one nor 3 x 300
    assert sonnet["tokens"]["cache_write_5m"] == 2000


def test_sessions_projects_and_sidechains(cli, projects):
    sessions = {g["session"]: Decimal(g["total_usd"]) for g in cli.json("usage", "--claude-code", projects, "--group-by", "session")["groups"]}
    assert sessions == {S1: R["R1"] + R["R2"] + R["R5"], S2: R["R3"] + R["R4"], S9: R["R9"]}
    by_project = {g["project"]: Decimal(g["total_usd"]) for g in cli.json("usage", "--claude-code", projects, "--group-by", "project")["groups"]}
    assert by_project == {"-home-dev-app": sum(R.values()) - R["R9"], "-home-dev-site": R["R9"]}


def test_one_session_file_and_one_project_folder(cli, projects):
    one = cli.json("usage", "--claude-code", projects / "-home-dev-app" / f"{S1}.jsonl")
    assert Decimal(one["total_usd"]) == R["R1"] + R["R2"]
    # a transcript given as a plain file is recognised without the flag
    assert Decimal(cli.json("usage", projects / "-home-dev-app" / f"{S2}.jsonl")["total_usd"]) == R["R1"] + R["R2"] + R["R3"] + R["R4"]
    folder = cli.json("usage", "--claude-code", projects / "-home-dev-app")
    assert Decimal(folder["total_usd"]) == sum(R.values()) - R["R9"]


def test_default_folders_from_claude_config_dir(cli, projects, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{projects.parent},{projects.parent}/missing")
    assert Decimal(cli.json("usage", "--claude-code")["total_usd"]) == sum(R.values())
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(projects.parent / "nowhere"))
    assert "no Claude Code projects folder found" in cli("usage", "--claude-code", code=2).stderr


def test_non_responses_are_not_problems_and_verbose_counts_them(cli, projects):
    r = cli("usage", "--claude-code", projects, "--verbose")
    assert "could not be priced" not in r.stdout + r.stderr
    # S1: summary, 2 users, synthetic, api error, system, snapshot = 7; S2: summary; S9: user
    assert "skipped Claude Code lines that are not model responses: 9" in r.stderr
    assert "skipped" not in cli("usage", "--claude-code", projects).stderr


def test_hours_days_months_and_time_filters(cli, projects):
    hours = {g["hour"]: Decimal(g["total_usd"]) for g in cli.json("usage", "--claude-code", projects, "--group-by", "hour")["groups"]}
    assert hours == {"2026-11-20T10:00": R["R1"] + R["R2"] + R["R5"], "2026-11-20T11:00": R["R3"] + R["R4"], "2026-11-21T09:00": R["R9"]}
    months = cli.json("usage", "--claude-code", projects, "--group-by", "month,model")["groups"]
    assert {(g["month"], g["model"]) for g in months} == {("2026-11", m) for m in ("claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5")}
    assert Decimal(cli.json("usage", "--claude-code", projects, "--since", "2026-11-21")["total_usd"]) == R["R9"]
    assert Decimal(cli.json("usage", "--claude-code", projects, "--until", "2026-11-20")["total_usd"]) == sum(R.values()) - R["R9"]
    window = cli.json("usage", "--claude-code", projects, "--since", "2026-11-20T11:00:00Z", "--until", "2026-11-20T12:00:00+00:00")
    assert Decimal(window["total_usd"]) == R["R3"] + R["R4"]
    assert "is not a date or an ISO time" in cli("usage", "--claude-code", projects, "--since", "yesterday", code=2).stderr


def test_logged_cost_is_shown_never_used(cli, projects):
    doc = cli.json("usage", "--claude-code", projects, "--show-logged-cost")
    assert doc["logged_cost_usd"] == "0.0021"
    assert Decimal(doc["total_usd"]) == sum(R.values())
    table = cli("usage", "--claude-code", projects, "--show-logged-cost").stdout
    assert "Logged cost" in table


def test_day_chart_in_the_table_only(cli, projects):
    table = cli("usage", "--claude-code", projects, "--group-by", "day").stdout
    rows = [r for r in table.splitlines() if r.strip().startswith("2026-11-")]
    assert len(rows) == 2 and all("█" in r for r in rows)
    # the bigger day has the longer bar
    assert rows[0].count("█") > rows[1].count("█")
    for fmt in ("markdown", "csv", "json"):
        assert "█" not in cli("usage", "--claude-code", projects, "--group-by", "day", "--format", fmt).stdout


def test_strict_exits_5_on_unpriced_records_and_says_their_tokens(cli, projects):
    write(projects / "-home-dev-app" / "odd.jsonl", [
        response("odd", "2026-11-20T12:00:00.000Z", "msg_x", "claude-unknown-9", {"input_tokens": 700, "output_tokens": 50}, request_id="r"),
    ])  # fmt: skip
    r = cli("usage", "--claude-code", projects, "--json")
    assert "1 record(s) could not be priced, 750 tokens" in r.stderr
    assert json.loads(r.stdout)["unpriced_tokens"] == 750
    r = cli("usage", "--claude-code", projects, "--strict", code=5)
    assert "could not be priced" in r.stderr and "claude-unknown-9" in r.stderr
    cli("usage", "--claude-code", projects / "-home-dev-site", "--strict", code=0)


# ---------------------------------------------------------------- OpenTelemetry spans


def attr(key, value):
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # OTLP JSON writes int64 as a string
    return {"key": key, "value": {"stringValue": value}}


def span(attrs, start="1795600000000000000", sid="a1"):
    return {"traceId": "t", "spanId": sid, "name": "chat", "startTimeUnixNano": start, "endTimeUnixNano": start,
            "attributes": [attr(k, v) for k, v in attrs.items()]}  # fmt: skip


def export(service, spans):
    return {"resourceSpans": [{"resource": {"attributes": [attr("service.name", service)]},
                               "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.anthropic"}, "spans": spans}]}]}  # fmt: skip


def test_otlp_spans_cache_taken_out_of_input(cli, tmp_path):
    path = tmp_path / "traces.jsonl"
    write(path, [
        export("api", [
            # input 5,000 includes 3,000 read and 1,000 written: uncached 1,000
            span({"gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-6", "gen_ai.response.model": "claude-sonnet-4-6",
                  "gen_ai.usage.input_tokens": 5000, "gen_ai.usage.output_tokens": 200,
                  "gen_ai.usage.cache_read.input_tokens": 3000, "gen_ai.usage.cache_creation.input_tokens": 1000}),
            span({"http.route": "/health"}, sid="a2"),  # not a GenAI span
            span({"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10}, sid="a3"),
        ]),
        export("worker", [
            span({"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-opus-4-7",
                  "gen_ai.usage.input_tokens": 2000, "gen_ai.usage.output_tokens": 100}, sid="b1"),
            span({"gen_ai.request.model": "claude-opus-4-7", "gen_ai.usage.input_tokens": 10,
                  "gen_ai.usage.cache_read.input_tokens": 50}, sid="b2"),
        ]),
    ])  # fmt: skip
    doc = cli.json("usage", path, "--group-by", "service,model")
    # api: 1,000 x $3 + 1,000 x $3.75 + 3,000 x $0.30 + 200 x $15 = $0.01065
    # worker: 2,000 x $5 + 100 x $25 = $0.0125, and b2, whose 50 cache reads exceed its input of
    # 10 (so its writer did not include them), read as exclusive: 10 x $5 + 50 x $0.50 = $0.000075
    totals = {(g["service"], g["model"]): Decimal(g["total_usd"]) for g in doc["groups"]}
    assert totals == {("api", "claude-sonnet-4-6"): Decimal("0.01065"), ("worker", "claude-opus-4-7"): Decimal("0.012575")}
    api = next(g for g in doc["groups"] if g["service"] == "api")
    assert api["tokens"] == {"input": 1000, "cache_write_5m": 1000, "cache_write_1h": 0, "cache_read": 3000, "output": 200}
    assert doc["unpriced_count"] == 0
    assert any("1 telemetry record(s) had more cache tokens than the input count" in n for n in doc["notes"])
    assert doc["skipped"] == {"spans of other providers (openai)": 1}
    # the span's start time dates it: 1,795,600,000 s after the epoch = 2026-11-25 09:46 UTC
    assert cli.json("usage", path, "--group-by", "day")["groups"][0]["day"] == "2026-11-25"


def test_two_processes_read_what_one_reads(projects, monkeypatch):
    """A big folder is read by two processes (issue 15's speed); the records must be those one
    reader gives, in the same order: repeats across the halves, a bad repeat of a response held
    from earlier files (passed over, as one reader does), a bad line that is a new response
    (reported), and responses whose best line is in the second half."""
    import json as jsonlib
    import random

    from claude_cost.sources import claude_code

    rng = random.Random(15)
    root = projects
    extra = root / "-home-dev-big"
    lines = []
    for i in range(400):
        mid = f"msg_big{i % 150}"
        usage = {"input_tokens": 100 + i % 7, "output_tokens": rng.choice([5, 50, 500]), "cache_read_input_tokens": 10}
        lines.append(response(S9, f"2026-11-2{i % 3}T10:{i % 60:02d}:00.000Z", mid, "claude-sonnet-4-6", usage, request_id=f"req_{i % 150}"))
    only_a = response(S9, "2026-11-20T10:00:00.000Z", "msg_only_a", "claude-sonnet-4-6", {"input_tokens": 9, "output_tokens": 99}, request_id="req_a")
    write(extra / "a.jsonl", [*lines[:200], only_a])
    write(extra / "b.jsonl", lines[200:])
    bad_repeat = response(S9, "2026-11-19T00:00:00.000Z", "msg_only_a", "claude-sonnet-4-6", {"input_tokens": "x", "output_tokens": 1}, request_id="req_a")
    bad_new = response(S9, "2026-11-19T00:00:00.000Z", "msg_new", "claude-sonnet-4-6", {"input_tokens": "x", "output_tokens": 1}, request_id="req_new")
    (extra / "c.jsonl").write_text(jsonlib.dumps(bad_repeat) + "\n" + jsonlib.dumps(bad_new) + "\n")
    files = claude_code.transcript_files([str(root)])

    def run():
        return [(type(r).__name__, getattr(r, "model", None), getattr(r, "counts", None), getattr(r, "location", None),
                 getattr(r, "session", None), getattr(r, "project", None), getattr(r, "reason", None), getattr(r, "count", None))
                for r in claude_code.transcript_records(files)]  # fmt: skip

    one = run()
    monkeypatch.setattr(claude_code, "PARALLEL_BYTES", 0)
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)  # the suite's stand-in server thread is idle here
    halves = claude_code._halves(files)
    assert halves is not None and files[halves[1][0]] <= str(extra / "b.jsonl")  # a.jsonl in the first half, c.jsonl in the second
    two = run()
    assert one == two
    problems = [r for r in one if r[0] == "Problem"]
    assert len(problems) == 1 and "msg_new" not in problems[0][3] and "c.jsonl:2" in problems[0][3]
