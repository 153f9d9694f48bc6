"""Threshold alerts as a JSON POST to a webhook: sent from a background thread (a call is never
delayed by more than putting the event on a queue), retried a bounded number of times, and made
of the event alone — no header or field carries the API key."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.request
from typing import Any

__all__ = ["Poster"]

log = logging.getLogger("claude_cost.budget")
TRIES = 4
TIMEOUT_S = 5


class Poster:
    def __init__(self, url: str) -> None:
        self.url = url
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._run, name="claude-cost-webhook", daemon=True)
        self._thread.start()

    def post(self, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            log.warning("budget webhook: 1,000 alerts are waiting; this one was dropped")

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is not None:
                    self._send(event)
            finally:
                self._queue.task_done()

    def _send(self, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode()
        for attempt in range(TRIES):
            request = urllib.request.Request(self.url, data=data, method="POST",
                                             headers={"content-type": "application/json", "user-agent": "claude-cost"})  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 (an http(s) URL, checked by Budget)
                    if answer.status < 300:
                        return
            except Exception as exc:  # a refused connection, a timeout, a 5xx: tried again, then said
                last = exc
            else:
                last = None
            if attempt + 1 < TRIES:
                time.sleep(0.2 * 2**attempt)
        log.warning("budget webhook %s: the alert could not be delivered after %d tries (%s)", self.url, TRIES, last)

    def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for queued alerts to be sent."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.01)
