"""A process that spends through a guarded client (tests/test_budget.py: several processes on one
ledger, and a process killed mid-request). argv: ledger base_url limit threads calls [die]."""

from __future__ import annotations

import json
import sys
import threading

import anthropic

from claude_cost import Budget, BudgetExceeded

from standin import KEY  # noqa: E402  (tests/ is on sys.path: the worker is started from there)


def main() -> None:
    ledger, url, limit, threads, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    budget = Budget(limit_usd=limit, window="day", ledger=ledger)
    client = budget.wrap(anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0))
    counts = {"sent": 0, "refused": 0}
    lock = threading.Lock()

    def work(t: int) -> None:
        for i in range(calls):
            try:
                client.messages.create(model="claude-haiku-4-5", max_tokens=200,
                                       messages=[{"role": "user", "content": f"process {t} call {i}: say something"}])  # fmt: skip
                key = "sent"
            except BudgetExceeded:
                key = "refused"
            with lock:
                counts[key] += 1

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
