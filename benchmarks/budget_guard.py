"""The budget guard's cost, as ratios against the bare SDK, side by side in one run.

1. Per call: `client.messages.create` through the bare SDK vs through `Budget.wrap` (SQLite
   ledger), against the stand-in on 127.0.0.1 in a process of its own, answering at once (the
   floor: any real API latency only shrinks the ratio) and with 50 ms of latency. Calls alternate in blocks, so a
   slow moment of the machine falls on both. The request is a real-shaped one: a 2 KB system
   prompt with a cache breakpoint, two turns, a tool, max_tokens 1,024.
2. Reservations per second with 8 threads: the ledger's atomic step alone (reserve + settle),
   and a whole hold (the bound counted and priced, then reserved), on SQLite and PostgreSQL (a
   throwaway cluster, as the tests start one).

Run: python benchmarks/budget_guard.py [--calls N]
Goals (issue 30): per call <= 1.15x the bare SDK with SQLite; >= 2,000 reservations/s on SQLite with 8 threads.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import anthropic  # noqa: E402

from claude_cost import Budget  # noqa: E402
from standin import KEY  # noqa: E402

SYSTEM = ("You are the billing assistant of a small hosting company. Answer questions about invoices, plans, refunds and "
          "usage limits. Quote the customer's plan by name, cite the invoice number, and never promise a refund the policy "
          "does not allow. ") * 8  # fmt: skip
REQUEST = {
    "model": "claude-sonnet-4-6", "max_tokens": 1024,
    "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
    "tools": [{"name": "lookup_invoice", "description": "Find an invoice by number.",
               "input_schema": {"type": "object", "properties": {"number": {"type": "string"}}, "required": ["number"]}}],
    "messages": [{"role": "user", "content": "Why was I charged twice on invoice 4471? I am on the Team plan."},
                 {"role": "assistant", "content": "Let me look that invoice up."},
                 {"role": "user", "content": "Thanks. Also, can I move to monthly billing without losing my discount?"}],
}  # fmt: skip


SERVE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from standin import StandIn
with StandIn() as s:
    s.delay = float(sys.argv[2])
    print(s.url, flush=True)
    time.sleep(3600)
"""


@contextlib.contextmanager
def standin_process(delay: float):
    """The stand-in in a process of its own, as the API is never in the client's process (in one
    process the two would share a GIL, and each would slow the other)."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT / "tests"), str(delay)], stdout=subprocess.PIPE, text=True)
    try:
        yield proc.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        proc.kill()
        proc.wait()


def per_call(url: str, calls: int) -> tuple[float, float]:
    bare = anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0)
    ledger = Path(tempfile.mkdtemp()) / "bench.sqlite"
    guarded = Budget(limit_usd="1000000", window="month", ledger=ledger).wrap(anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0))
    for c in (bare, guarded):  # warm: connections, the tokenizer's tables, the price table
        for _ in range(20):
            c.messages.create(**REQUEST)
    times: dict[str, list[float]] = {"bare": [], "guarded": []}
    block = 25
    for _ in range(calls // block):
        for name, c in (("bare", bare), ("guarded", guarded)):
            t = time.perf_counter()
            for _ in range(block):
                c.messages.create(**REQUEST)
            times[name].append((time.perf_counter() - t) / block)
    return statistics.median(times["bare"]), statistics.median(times["guarded"])


def rate(fn, threads: int, seconds: float) -> float:
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(i: int) -> None:
        while time.perf_counter() < stop:
            fn()
            done[i] += 1

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    return sum(done) / (time.perf_counter() - start)


def reservations(ledger: str, threads: int = 8, seconds: float = 5) -> tuple[float, float]:
    budget = Budget(limit_usd="1000000", window="month", ledger=ledger, scope=f"bench-{time.time_ns()}")
    book = budget._need_ledger()
    from claude_cost.guard.budget import _iso, window_start, _utc

    usage = (100, 0, 0, 0, 50, 0)

    def step() -> None:  # the atomic step and its settle, as a guarded call makes them
        now = time.time()
        got = book.reserve(budget.scope, "month", window_start("month", _utc(now)), 10**18, 10**9, _iso(now), int(now * 1000), 600_000, "claude-sonnet-4-6")
        book.settle(got.id, 5 * 10**8, usage, model="claude-sonnet-4-6", batch=False, geo=None, speed="standard", request_id=None,
                    message_id=None, stop_reason="end_turn", now_iso=_iso(now))  # fmt: skip

    def hold() -> None:  # a whole guarded admission: bound (counted offline, priced), reserve, settle
        h = budget.hold(REQUEST)
        h.settle({"input_tokens": 100, "output_tokens": 50})

    return rate(step, threads, seconds), rate(hold, threads, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    for delay in (0.0, 0.05):
        with standin_process(delay) as url:
            bare, guarded = per_call(url, args.calls if delay == 0 else max(args.calls // 10, 50))
            print(f"per call, stand-in latency {delay * 1000:.0f} ms: bare SDK {bare * 1000:.2f} ms, guarded {guarded * 1000:.2f} ms, "
                  f"ratio {guarded / bare:.3f} (goal <= 1.15)")  # fmt: skip
    sqlite = str(Path(tempfile.mkdtemp()) / "rate.sqlite")
    step, hold = reservations(sqlite)
    print(f"SQLite, 8 threads: {step:,.0f} reservations/s (reserve + settle); {hold:,.0f} guarded admissions/s (bound + reserve + settle) (goal >= 2,000)")
    try:
        from pgserver import NoPostgres, cluster
    except ImportError:
        return
    try:
        with cluster() as (_psql, url):
            step, hold = reservations(url)
            print(f"PostgreSQL (local socket, fsync off), 8 threads: {step:,.0f} reservations/s; {hold:,.0f} guarded admissions/s")
    except NoPostgres as exc:
        print(f"PostgreSQL: not measured ({exc})")


if __name__ == "__main__":
    main()
