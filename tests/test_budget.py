"""The budget guard (issue 30) with real parts: the real SDK over HTTP against the stand-in, which
bills every message with ctok's exact count of its text (the oracle) and an output of at most
max_tokens; ledgers on SQLite (threads, processes, a killed process) and on the test run's real
PostgreSQL. Expected money is worked out by hand from the pricing page: Haiku 4.5 is $1 input,
$5 output, $1.25 5-minute write, $2 1-hour write per MTok; web search $10 per 1,000."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anthropic
import ctok
import pytest

from claude_cost import Budget, BudgetExceeded
from claude_cost.guard.budget import BudgetError, UnboundedRequest
from claude_cost.sources.ledger import LedgerError
from standin import KEY

HAIKU = {"input": 10**6, "output": 5 * 10**6, "w5": 1_250_000, "w1": 2 * 10**6, "read": 100_000}  # picodollars per token


def text_of(body: dict) -> str:
    content = body["messages"][0]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def oracle_bill(seed: int = 7):
    """What the stand-in bills: input = ctok's exact count (a one-message request), output a
    random count from 1 to max_tokens."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def bill(body: dict) -> dict:
        with lock:
            out = rng.randint(1, body["max_tokens"])
        return {"input_tokens": ctok.token_count(text_of(body), "3.0"), "output_tokens": out}

    return bill


def pico(usage: dict) -> int:
    """A Haiku 4.5 usage in picodollars, by hand."""
    return usage["input_tokens"] * HAIKU["input"] + usage["output_tokens"] * HAIKU["output"]


def billed_pico(standin) -> int:
    return sum(pico(u) for _, u in standin.billed)


def client_for(standin, budget, *, retries: int = 0):
    return budget.wrap(anthropic.Anthropic(api_key=KEY, base_url=standin.url, max_retries=retries))


REQ = {"model": "claude-haiku-4-5", "max_tokens": 200, "messages": [{"role": "user", "content": "Say something short."}]}


# ------------------------------------------------------------------------------ set-up errors


@pytest.mark.parametrize("limit", ["-1", "abc", "nan", "Infinity", "2000000"])
def test_a_bad_limit_is_a_value_error(tmp_path, limit):
    with pytest.raises(ValueError):
        Budget(limit_usd=limit, ledger=tmp_path / "l.sqlite")


def test_a_float_limit_is_refused_money_is_exact(tmp_path):
    with pytest.raises(ValueError, match="floats are not exact"):
        Budget(limit_usd=5.0, ledger=tmp_path / "l.sqlite")  # type: ignore[arg-type]


def test_window_reserve_fail_and_ledger_are_checked(tmp_path):
    for kw in ({"window": "year"}, {"reserve": "p42"}, {"fail": "maybe"}, {"thresholds": ("1.5",)}, {"webhook": "ftp://x"}):
        with pytest.raises(BudgetError):
            Budget(limit_usd="1", ledger=tmp_path / "l.sqlite", **kw)
    with pytest.raises(BudgetError, match="needs a ledger"):
        Budget(limit_usd="1")
    with pytest.raises(BudgetError, match="no limit"):
        Budget(ledger=tmp_path / "l.sqlite", scope="unset")


# ------------------------------------------------------------------------------ the bound, by hand


def test_the_bound_is_exact_input_plus_max_tokens(tmp_path):
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    n = ctok.token_count("Say something short.", "3.0")
    assert b.bound(REQ) == Decimal(n) / 10**6 + Decimal(200 * 5) / 10**6


def test_a_cache_prefix_is_reserved_at_the_write_rate_and_searches_at_max_uses(tmp_path):
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    system = "You answer questions about invoices. " * 900
    req = {"model": "claude-haiku-4-5", "max_tokens": 100, "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
           "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
           "messages": [{"role": "user", "content": "What is due?"}]}  # fmt: skip
    bound, est, _ = b._bound(req)
    lines = {line.item: line for line in (est.high or est.breakdown).lines}  # the bound is the range's high end
    prefix = lines["cache_write_1h"].quantity
    assert prefix >= 4096  # Haiku 4.5's minimum cacheable prompt: the prefix is cached, at 2x
    assert lines["web_searches"].usd == Decimal("0.03")  # 3 × $10 / 1,000
    assert bound == (prefix * 2 + lines["input"].quantity * 1 + 100 * 5) / Decimal(10**6) + Decimal("0.03")


def test_what_cannot_be_bounded_is_refused_never_reserved_at_zero(tmp_path, standin):
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    client = client_for(standin, b)
    with pytest.raises(UnboundedRequest, match="max_uses"):
        client.messages.create(**{**REQ, "tools": [{"type": "web_search_20250305", "name": "web_search"}]})
    url_image = {"type": "image", "source": {"type": "url", "url": "https://example.invalid/a.png"}}
    with pytest.raises(UnboundedRequest, match="base64"):
        client.messages.create(**{**REQ, "messages": [{"role": "user", "content": [url_image, {"type": "text", "text": "what is it?"}]}]})
    from claude_cost.core.errors import UnknownModelError

    with pytest.raises(UnknownModelError, match="did you mean|Did you mean"):
        client.messages.create(**{**REQ, "model": "claude-haiku-4-55"})
    assert standin.requests == []  # nothing was sent
    assert b.status().reserved_usd == 0 and b.status().spent_usd == 0


# ------------------------------------------------------------------------------ settling


def test_create_settles_at_the_response_usage_priced_as_usage_prices_it(tmp_path, standin):
    standin.message_usages = [{"input_tokens": 1000, "output_tokens": 120, "cache_read_input_tokens": 4000,
                               "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 2000},
                               "cache_creation_input_tokens": 2000}]  # fmt: skip
    ledger = tmp_path / "l.sqlite"
    b = Budget(limit_usd="1", ledger=ledger)
    client_for(standin, b).messages.create(**REQ)
    expected = Decimal(1000 * 1 + 120 * 5 + 4000 * Decimal("0.1") + 2000 * 2) / 10**6
    st = b.status()
    assert st.spent_usd == expected == Decimal("0.006")
    assert st.reserved_usd == 0 and st.calls == 1
    # the ledger is a usage source: `usage` prices its calls to the same total
    from typer.testing import CliRunner

    from claude_cost.cli import app

    out = CliRunner().invoke(app, ["usage", str(ledger), "--json"])
    assert out.exit_code == 0, out.output
    assert Decimal(json.loads(out.stdout)["total_usd"]) == expected


def test_streams_settle_at_what_the_events_reported(tmp_path, standin):
    standin.message_bill = oracle_bill()
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    client = client_for(standin, b)
    for event in client.messages.create(stream=True, **REQ):
        pass
    with client.messages.stream(**REQ) as stream:
        assert stream.get_final_text() == "The answer."
    st = b.status()
    assert st.reserved_usd == 0
    assert st.spent_usd * 10**12 == billed_pico(standin) and st.calls == 2
    with client.messages.stream(**REQ) as stream:  # left unread after a 200: the API bills it, so its bound is kept
        pass
    after = b.status()
    assert after.calls == 3 and after.reserved_usd == 0
    assert after.spent_usd - st.spent_usd == b.bound(REQ) >= Decimal(pico(standin.billed[-1][1])) / 10**12


def test_a_stream_cut_after_output_began_settles_at_the_events_never_at_zero(tmp_path, standin):
    standin.message_bill = lambda body: {"input_tokens": 50, "output_tokens": 180}
    standin.cut_after = 3  # message_start, content_block_start, one delta: then the connection drops
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    with pytest.raises(Exception):
        for event in client_for(standin, b).messages.create(stream=True, **REQ):
            pass
    st = b.status()
    assert st.reserved_usd == 0 and st.calls == 1
    assert st.spent_usd == Decimal(50 * 1 + 1 * 5) / 10**6  # message_start's usage: 50 in, 1 out


@pytest.mark.parametrize("status,kind", [(400, "invalid_request_error"), (500, "api_error"), (529, "overloaded_error")])
def test_an_api_error_releases_the_reservation(tmp_path, standin, status, kind):
    standin.message_fail = (status, kind, "scripted")
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")
    with pytest.raises(anthropic.APIStatusError):
        client_for(standin, b).messages.create(**REQ)
    st = b.status()
    assert (st.spent_usd, st.reserved_usd, st.released, st.calls) == (0, 0, 1, 0)


def test_per_request_limit_and_count_tokens_pass_through(tmp_path, standin):
    b = Budget(limit_usd="1", per_request_usd="0.0005", ledger=tmp_path / "l.sqlite")
    client = client_for(standin, b)
    with pytest.raises(BudgetExceeded, match="per-request limit") as info:
        client.messages.create(**REQ)  # 200 × $5/MTok = $0.001 of output alone
    assert info.value.limit_usd == Decimal("0.0005") and info.value.request_usd > Decimal("0.001")
    assert client.messages.count_tokens(model="claude-haiku-4-5", messages=REQ["messages"]).input_tokens > 0
    assert [r for r in standin.requests if "max_tokens" in r] == []  # no message was sent


def test_count_api_counts_through_the_wrapped_client(tmp_path, standin):
    from standin import count

    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite", count="api")
    client_for(standin, b).messages.create(**REQ)
    counted = [r for r in standin.requests if "max_tokens" not in r]
    assert len(counted) == 1  # one count_tokens call, then the message
    st = b.status()
    assert st.calls == 1 and st.spent_usd == Decimal(10 * 1 + 5 * 5) / 10**6
    assert b.bound(REQ, lambda body: count(body)) == Decimal(count({"model": "claude-haiku-4-5", "messages": REQ["messages"]}) + 200 * 5) / 10**6


def test_a_percentile_reserve_uses_recorded_output(tmp_path, standin):
    ledger = tmp_path / "l.sqlite"
    standin.message_usages = [{"input_tokens": 10, "output_tokens": n} for n in range(1, 101)]
    spender = client_for(standin, Budget(limit_usd="1", ledger=ledger))
    for _ in range(100):
        spender.messages.create(**{**REQ, "max_tokens": 4000})
    soft = Budget(limit_usd="1", ledger=ledger, reserve="p99")  # history: the ledger's own 100 calls
    n = ctok.token_count("Say something short.", "3.0")
    assert soft.bound({**REQ, "max_tokens": 4000}) == Decimal(n + 99 * 5) / 10**6  # p99 of 1..100 is 99 (nearest rank)


# ------------------------------------------------------------------------------ concurrency


def _hammer(client, threads: int, calls: int) -> tuple[int, int]:
    sent = refused = 0
    lock = threading.Lock()

    def work(t: int) -> None:
        nonlocal sent, refused
        for i in range(calls):
            try:
                client.messages.create(**{**REQ, "messages": [{"role": "user", "content": f"thread {t} call {i}: say something"}]})
                with lock:
                    sent += 1
            except BudgetExceeded:
                with lock:
                    refused += 1

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    return sent, refused


def _holds(standin, budget, limit: str, sent: int, refused: int, attempts: int) -> None:
    """What the API billed never exceeded the limit; the ledger's spent is exactly what it billed."""
    st = budget.status()
    assert sent + refused == attempts
    assert len(standin.billed) == sent > 0 and refused > 0
    assert billed_pico(standin) <= Decimal(limit) * 10**12
    assert st.spent_usd * 10**12 == billed_pico(standin)
    assert st.reserved_usd == 0 and st.calls == sent and st.refused == refused


def test_fifty_threads_never_overspend_on_sqlite(tmp_path, standin):
    standin.message_bill = oracle_bill()
    b = Budget(limit_usd="0.05", window="day", ledger=tmp_path / "l.sqlite")
    sent, refused = _hammer(client_for(standin, b), 50, 20)
    _holds(standin, b, "0.05", sent, refused, 1000)


def _workers(ledger: str, url: str, limit: str, processes: int, threads: int, calls: int) -> tuple[int, int]:
    """(sent, refused) of `processes` budget_worker.py processes spending through one ledger."""
    here = Path(__file__).parent
    procs = [subprocess.Popen([sys.executable, str(here / "budget_worker.py"), ledger, url, limit, str(threads), str(calls)],
                              cwd=here, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(processes)]  # fmt: skip
    results = []
    for p in procs:
        out, errs = p.communicate(timeout=240)
        assert p.returncode == 0, errs[-2000:]
        results.append(json.loads(out))
    return sum(r["sent"] for r in results), sum(r["refused"] for r in results)


def test_four_processes_never_overspend_on_one_sqlite_ledger(tmp_path, standin):
    standin.message_bill = oracle_bill()
    ledger = tmp_path / "l.sqlite"
    Budget(limit_usd="0.05", window="day", ledger=ledger)  # the ledger exists before the race
    sent, refused = _workers(str(ledger), standin.url, "0.05", 4, 8, 25)
    _holds(standin, Budget(limit_usd="0.05", window="day", ledger=ledger), "0.05", sent, refused, 800)


def test_postgresql_ledger_never_overspends(postgres_url, standin):
    standin.message_bill = oracle_bill()
    b = Budget(limit_usd="0.03", window="day", ledger=postgres_url, scope=f"threads-{os.getpid()}-{time.time_ns()}")
    sent, refused = _hammer(client_for(standin, b), 20, 20)
    _holds(standin, b, "0.03", sent, refused, 400)


def test_postgresql_ledger_with_processes(postgres_url, standin):
    standin.message_bill = oracle_bill(11)
    b = Budget(limit_usd="0.05", window="day", ledger=postgres_url, scope="default")
    b._need_ledger()._run(lambda conn: conn.execute("DELETE FROM windows WHERE scope = 'default'"))  # a clean scope
    sent, refused = _workers(postgres_url, standin.url, "0.05", 3, 5, 20)
    _holds(standin, b, "0.05", sent, refused, 300)


# ------------------------------------------------------------------------------ a dead process, the TTL


def test_a_killed_process_leaves_a_reservation_that_expires(tmp_path, standin):
    ledger = tmp_path / "l.sqlite"
    b = Budget(limit_usd="1", window="day", ledger=ledger)
    standin.delay = 30  # the answer never comes before the kill
    here = Path(__file__).parent
    p = subprocess.Popen([sys.executable, str(here / "budget_worker.py"), str(ledger), standin.url, "1", "1", "1"], cwd=here,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 60
    while not standin.arrived and time.time() < deadline:
        time.sleep(0.05)
    assert standin.arrived, "the worker never sent its request"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    held = b.status()
    assert held.reserved_usd == b.bound({**REQ, "messages": [{"role": "user", "content": "process 0 call 0: say something"}]})
    assert held.stale_reservations == 0
    later = Budget(limit_usd="1", window="day", ledger=ledger, clock=lambda: time.time() + 601)
    st = later.status()
    assert (st.reserved_usd, st.stale_reservations, st.spent_usd) == (0, 1, 0)


# ------------------------------------------------------------------------------ alerts


class _Hook(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        _Hook.got.append((dict(self.headers), body.decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_thresholds_fire_once_each_and_the_webhook_never_sees_the_key(tmp_path, standin):
    _Hook.got = []
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    fired: list = []
    standin.message_bill = oracle_bill()
    b = Budget(limit_usd="0.02", window="day", ledger=tmp_path / "l.sqlite", on_threshold=fired.append,
               webhook=f"http://127.0.0.1:{hook.server_address[1]}/alerts")  # fmt: skip
    sent, refused = _hammer(client_for(standin, b), 10, 15)
    b.close()
    hook.shutdown()
    assert sorted(e["threshold"] for e in fired) == ["0.5", "0.8", "1.0"]  # each once, across 10 threads
    assert [e["reason"] for e in fired if e["threshold"] == "1.0"] == ["refused"]
    posted = sorted(json.loads(body)["threshold"] for _, body in _Hook.got)
    assert posted == ["0.5", "0.8", "1.0"]
    assert all(KEY not in body and KEY not in json.dumps(headers) for headers, body in _Hook.got)


def test_a_webhook_that_is_down_never_delays_a_call(tmp_path, standin):
    b = Budget(limit_usd="0.0001", ledger=tmp_path / "l.sqlite", webhook="http://127.0.0.1:9/nothing-listens", on_threshold=None)
    client = client_for(standin, b)
    start = time.perf_counter()
    with pytest.raises(BudgetExceeded):
        for _ in range(5):
            client.messages.create(**{**REQ, "max_tokens": 10})
    assert time.perf_counter() - start < 2  # the refused call's alert is queued, not sent inline


# ------------------------------------------------------------------------------ faults


def test_a_corrupt_ledger_is_never_overwritten_and_nothing_is_sent(tmp_path, standin):
    bad = tmp_path / "l.sqlite"
    bad.write_bytes(b"not a database at all\n" * 10)
    before = bad.read_bytes()
    with pytest.raises(LedgerError, match="not a claude-cost ledger"):
        Budget(limit_usd="1", ledger=bad)
    assert bad.read_bytes() == before
    damaged = tmp_path / "d.sqlite"
    Budget(limit_usd="1", ledger=damaged).close()  # the last connection closed: the WAL is checkpointed into the file
    data = bytearray(damaged.read_bytes())
    assert len(data) >= 8192
    data[100:8192] = b"\xff" * (8192 - 100)  # the schema page and the first table's
    damaged.write_bytes(bytes(data))
    with pytest.raises(LedgerError):
        b = Budget(limit_usd="1", ledger=damaged)
        client_for(standin, b).messages.create(**REQ)
    assert damaged.read_bytes() == bytes(data)
    assert standin.requests == []


def test_fail_open_sends_and_says_so_once(tmp_path, standin, caplog):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with caplog.at_level(logging.WARNING, logger="claude_cost.budget"):
        b = Budget(limit_usd="1", ledger=folder, fail="open")
        client = client_for(standin, b)
        client.messages.create(**REQ)
        client.messages.create(**REQ)
    assert len(standin.requests) == 2
    assert sum("unguarded" in r.message for r in caplog.records) == 1
    with pytest.raises(LedgerError, match="is a directory"):
        Budget(limit_usd="1", ledger=folder)  # closed (the default): raises, before anything is sent


def test_fail_open_on_an_unreachable_server_does_not_wait_on_every_call(standin, caplog):
    url = "postgresql://u@127.0.0.1:9/nowhere?connect_timeout=2"
    b = Budget(limit_usd="1", ledger=url, fail="open")
    client = client_for(standin, b)
    start = time.perf_counter()
    for _ in range(5):
        client.messages.create(**REQ)
    assert len(standin.requests) == 5 and time.perf_counter() - start < 2  # not tried again within 30 s


def test_an_unreachable_postgresql_fails_closed(standin):
    with pytest.raises(LedgerError, match="PostgreSQL") as info:
        Budget(limit_usd="1", ledger="postgresql://u:s3cret@127.0.0.1:9/nowhere")
    assert "s3cret" not in str(info.value)


# ------------------------------------------------------------------------------ async


def test_the_async_client_is_guarded_alike(tmp_path, standin):
    import asyncio

    standin.message_bill = oracle_bill()
    b = Budget(limit_usd="1", ledger=tmp_path / "l.sqlite")

    async def run() -> None:
        client = b.wrap(anthropic.AsyncAnthropic(api_key=KEY, base_url=standin.url, max_retries=0))
        await client.messages.create(**REQ)
        stream = await client.messages.create(stream=True, **REQ)
        async for _ in stream:
            pass
        async with client.messages.stream(**REQ) as s:
            await s.get_final_message()
        standin.message_fail = (500, "api_error", "scripted")
        with pytest.raises(anthropic.APIStatusError):
            await client.messages.create(**REQ)

    asyncio.run(run())
    st = b.status()
    assert (st.calls, st.released, st.reserved_usd) == (3, 1, 0)
    assert st.spent_usd * 10**12 == billed_pico(standin)


# ------------------------------------------------------------------------------ the CLI


def test_budget_set_status_and_check(cli, tmp_path, standin):
    ledger = str(tmp_path / "l.sqlite")
    assert "$0.05 per day" in cli("budget", "set", "--ledger", ledger, "--scope", "app", "--limit-usd", "0.05", "--window", "day").stdout
    b = Budget(ledger=ledger, scope="app")  # no limit given: the kept one, and its window
    assert (b.limit, b.window) == (None, "day")
    standin.message_usages = [{"input_tokens": 2000, "output_tokens": 1000}]
    client_for(standin, b).messages.create(**REQ)
    doc = cli.json("budget", "status", "--ledger", ledger, "--scope", "app", "--json")
    assert {k: doc[k] for k in ("limit_usd", "spent_usd", "reserved_usd", "remaining_usd", "calls", "refused")} == {
        "limit_usd": "0.05", "spent_usd": "0.007", "reserved_usd": "0", "remaining_usd": "0.043", "calls": 1, "refused": 0}  # 2000×$1 + 1000×$5 per MTok
    assert doc["window"] == "day" and Decimal(doc["projected_usd"]) >= Decimal("0.007")
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({**REQ, "max_tokens": 100}))
    ok = cli("budget", "check", str(payload), "--ledger", ledger, "--scope", "app")
    assert "fits" in ok.stdout
    payload.write_text(json.dumps({**REQ, "max_tokens": 9000}))  # 9,000 × $5/MTok = $0.045 > $0.043
    over = cli.json("budget", "check", str(payload), "--ledger", ledger, "--scope", "app", "--json", code=1)
    assert over["fits"] is False and Decimal(over["request_usd"]) > Decimal("0.045")


@pytest.mark.parametrize("args,message", [
    (["set", "--ledger", "L", "--limit-usd", "-1"], "at least 0"),
    (["set", "--ledger", "L", "--limit-usd", "lots"], "not an amount"),
    (["set", "--ledger", "L", "--limit-usd", "1", "--window", "year"], "day, week, month, total"),
    (["status", "--ledger", "ftp://x/y"], "not supported"),
    (["check", "P", "--ledger", "L"], "no limit"),
])  # fmt: skip
def test_budget_cli_errors_are_one_line_exit_2(cli, tmp_path, args, message):
    args = [str(tmp_path / "l.sqlite") if a == "L" else a for a in args]
    if "P" in args:
        (tmp_path / "p.json").write_text(json.dumps(REQ))
        args = [str(tmp_path / "p.json") if a == "P" else a for a in args]
    r = cli("budget", *args, code=2)
    assert message in r.stderr and "Traceback" not in r.stderr


def test_a_postgresql_ledger_is_a_usage_source(cli, postgres_url, standin):
    scope = f"usage-{time.time_ns()}"
    standin.message_usages = [{"input_tokens": 3000, "output_tokens": 100}, {"input_tokens": 1000, "output_tokens": 300}]
    client = client_for(standin, Budget(limit_usd="1", ledger=postgres_url, scope=scope))
    client.messages.create(**REQ)
    client.messages.create(**REQ)
    doc = cli.json("usage", postgres_url, "--group-by", "service", "--json")
    mine = [g for g in doc["groups"] if g["service"] == scope]
    assert mine and Decimal(mine[0]["total_usd"]) == Decimal(3000 + 500 + 1000 + 1500) / 10**6


def test_the_example_ledger_prices_as_worked_out_by_hand(cli):
    # Haiku 4.5: 1,200 in + 3,000 5m writes + 350 out = $0.0067; 900 in + 3,000 reads + 410 out = $0.00325.
    # Sonnet 4.6: 5,000 × $3 + 1,200 × $15 per MTok + 2 searches × $0.01 = $0.053. Opus 4.7: 20,000 × $5 + 4,000 × $25 = $0.20.
    from conftest import ROOT

    doc = cli.json("usage", str(ROOT / "examples" / "usage" / "budget.sqlite"), "--group-by", "service", "--json")
    assert {g["service"]: g["total_usd"] for g in doc["groups"]} == {"nightly": "0.2", "support-bot": "0.06295"}
    assert doc["total_usd"] == "0.26295"
