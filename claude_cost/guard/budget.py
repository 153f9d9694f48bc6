"""Budgets that hold in production: reserve a request's upper bound in a ledger before it is sent,
settle it at the response's actual cost, release it on an error.

The bound is priced by the same core as `estimate` (the input counted exactly offline where the
model's tokenizer is known, else by `count_tokens` through the wrapped client; `cache_control`
prefixes at the write rate; web searches at their fee × `max_uses`; output at `max_tokens`, or a
percentile of recorded calls as a stated soft cap). The actual cost is priced exactly as
`claude-cost usage` prices a response (engines/python.summarize). The ledger (sources/ledger)
does the atomic step. Never prints: what a user should hear goes to the `claude_cost.budget`
logger (stderr when logging is not configured).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claude_cost.core.errors import EXIT_OVER_BUDGET, ClaudeCostError, InputError
from claude_cost.guard.bound import SDK_ONLY, UnboundedRequest
from claude_cost.sources.ledger import MAX_LIMIT_PICO, PICO, Ledger, LedgerError, Refused, open_ledger

__all__ = ["Budget", "BudgetExceeded", "BudgetError", "UnboundedRequest", "SDK_ONLY", "LedgerError", "Status", "Check", "WINDOWS", "window_start", "usd",
           "ledger_status", "set_limit", "check_request"]

log = logging.getLogger("claude_cost.budget")

WINDOWS = ("day", "week", "month", "total")
RETRY_S = 30  # fail-open: seconds before an unreachable ledger is tried again
RESERVES = ("max_tokens", "p50", "p90", "p95", "p99")


class BudgetError(InputError, ValueError):
    """A budget set up wrongly (a negative or non-numeric limit, an unknown window, …)."""


class BudgetExceeded(ClaudeCostError):
    """The request was not sent: its upper bound does not fit what remains of the budget, or it is
    over the per-request limit. Amounts are Decimal USD."""

    exit_code = EXIT_OVER_BUDGET

    def __init__(self, *, scope: str, limit_usd: Decimal, spent_usd: Decimal, reserved_usd: Decimal, request_usd: Decimal,
                 per_request: bool = False, window: str = "", window_start: str = "") -> None:  # fmt: skip
        self.scope, self.limit_usd, self.spent_usd = scope, limit_usd, spent_usd
        self.reserved_usd, self.request_usd, self.per_request = reserved_usd, request_usd, per_request
        self.window, self.window_start = window, window_start
        if per_request:
            text = (f"budget {scope!r}: this request may cost up to ${usd(request_usd)}, over the per-request limit of "
                    f"${usd(limit_usd)}; it was not sent")  # fmt: skip
        else:
            left = max(limit_usd - spent_usd - reserved_usd, Decimal(0))
            text = (f"budget {scope!r} ({window} from {window_start}): this request may cost up to ${usd(request_usd)}, but only "
                    f"${usd(left)} of ${usd(limit_usd)} remains (spent ${usd(spent_usd)}, reserved ${usd(reserved_usd)}); it was not sent")  # fmt: skip
        super().__init__(text)


def usd(value: Decimal) -> str:
    """Exact USD as a plain decimal string (no exponent, no trailing zeros past the cents)."""
    text = format(value.normalize(), "f") if value else "0"
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(2, "0")
        return f"{whole}.{frac}"
    return f"{text}.00"


def _money(value: Any, name: str, *, allow_none: bool = True) -> Decimal | None:
    """A USD amount as Decimal: Decimal, int or a string ('5', '$5.00'); never a float."""
    if value is None:
        if allow_none:
            return None
        raise BudgetError(f"{name} is required")
    if isinstance(value, bool) or isinstance(value, float):
        raise BudgetError(f"{name} must be a Decimal or a string such as '5.00', not a {type(value).__name__} (floats are not exact)")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip().lstrip("$").replace(",", ""))
        except InvalidOperation:
            raise BudgetError(f"{name} {value!r} is not an amount in USD") from None
    else:
        raise BudgetError(f"{name} must be a Decimal or a string, not {type(value).__name__}")
    if not d.is_finite() or d < 0:
        raise BudgetError(f"{name} must be an amount of at least 0 USD, not {value!r}")
    if d * PICO > MAX_LIMIT_PICO:
        raise BudgetError(f"{name} {value!r} is over the 1,000,000 USD a ledger window can hold")
    return d


def _pico_up(amount: Decimal) -> int:
    """USD → whole picodollars, rounded up (a reservation never holds less than the bound)."""
    return int((amount * PICO).to_integral_value(rounding=ROUND_CEILING))


def _usd(pico: int) -> Decimal:
    return Decimal(pico) / PICO


def window_start(window: str, now: datetime) -> str:
    """The calendar window (UTC) `now` falls in, as its first day: day, ISO week (from Monday),
    month; `total` has one window."""
    day = now.astimezone(timezone.utc).date()
    if window == "day":
        return day.isoformat()
    if window == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if window == "month":
        return day.replace(day=1).isoformat()
    return "total"


def window_end(window: str, start: str) -> datetime | None:
    if window == "total":
        return None
    first = date.fromisoformat(start)
    if window == "day":
        end = first + timedelta(days=1)
    elif window == "week":
        end = first + timedelta(days=7)
    else:
        end = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime(end.year, end.month, end.day, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Status:
    """A scope's window: what `claude-cost budget status` shows (USD as Decimal)."""

    scope: str
    window: str
    window_start: str
    limit_usd: Decimal | None
    spent_usd: Decimal
    reserved_usd: Decimal
    remaining_usd: Decimal | None
    calls: int
    refused: int
    released: int
    stale_reservations: int
    burn_usd_per_hour: Decimal | None  # settled spend per hour since the window's first call
    projected_usd: Decimal | None  # spent + the burn rate to the window's end (None for `total`)

    def json(self) -> dict[str, Any]:
        def s(x: Decimal | None) -> str | None:
            return None if x is None else format(x, "f")

        return {"schema_version": 1, "scope": self.scope, "window": self.window, "window_start": self.window_start,
                "limit_usd": s(self.limit_usd), "spent_usd": s(self.spent_usd), "reserved_usd": s(self.reserved_usd),
                "remaining_usd": s(self.remaining_usd), "calls": self.calls, "refused": self.refused, "released": self.released,
                "stale_reservations": self.stale_reservations, "burn_usd_per_hour": s(self.burn_usd_per_hour),
                "projected_usd": s(self.projected_usd)}  # fmt: skip


@dataclass
class Hold:
    """One reservation in flight: settled or released exactly once."""

    budget: Budget
    call_id: int | None  # None: fail-open, nothing was reserved
    amount: int  # picodollars held
    model: str
    batch: bool
    geo: str | None
    speed: str
    bound_usage: dict[str, Any]  # the bound as a usage object: what an unread stream is settled at
    done: bool = False

    def settle(self, usage: dict[str, Any] | None, *, model: str | None = None, request_id: str | None = None,
               message_id: str | None = None, stop_reason: str | None = None) -> None:  # fmt: skip
        """The call's actual cost replaces the reservation (usage None: nothing was reported, released)."""
        if self.done:
            return
        self.done = True
        if usage is None:
            self.budget._release(self)
        else:
            self.budget._settle(self, usage, model or self.model, request_id, message_id, stop_reason)

    def settle_unread(self, request_id: str | None = None) -> None:
        """A stream the API answered (200) but that was closed before any usage was read: the API
        bills it all the same, so it is settled at its bound, never at $0."""
        if not self.done:
            self.budget._say("unread", f"budget {self.budget.scope!r}: a stream was closed before its usage was read; "
                                       "it is settled at its reservation (an upper bound)")  # fmt: skip
            self.settle(self.bound_usage, request_id=request_id, stop_reason="unread")

    def release(self) -> None:
        if not self.done:
            self.done = True
            self.budget._release(self)


class Budget:
    """A spending limit enforced before requests are sent. See `wrap`.

    limit_usd: the limit per window (Decimal or string); None: the limit `claude-cost budget set`
    kept in the ledger for the scope. window: day | week | month | total, calendar periods in UTC.
    ledger: an SQLite file path or a postgresql:// URL. per_request_usd: refuse any single request
    whose bound is over it. reserve: max_tokens (a hard bound) or p50/p90/p95/p99 of the model's
    recorded output (`history`: profiles or usage logs; default the ledger's own calls): a soft
    cap, said once. thresholds: fractions of the limit; each fires once per window and scope,
    calling `on_threshold(event)` and/or POSTing `event` as JSON to `webhook`. fail: closed (a
    ledger that cannot be used raises LedgerError and nothing is sent) or open (the request is sent
    and it is said once). count: auto | offline | api — how the input is counted.
    """

    def __init__(
        self, limit_usd: Decimal | str | int | None = None, window: str | None = None, ledger: str | Path | None = None, scope: str = "default",
        per_request_usd: Decimal | str | int | None = None, reserve: str = "max_tokens", history: Any = None,
        thresholds: Iterable[Decimal | str | int] = ("0.5", "0.8", "1.0"), on_threshold: Callable[[dict[str, Any]], Any] | None = None,
        webhook: str | None = None, fail: str = "closed", *, prices: str | Path | None = None, count: str = "auto",
        ttl_seconds: int = 600, clock: Callable[[], float] | None = None,
    ) -> None:  # fmt: skip
        self.limit = _money(limit_usd, "limit_usd")
        self.per_request = _money(per_request_usd, "per_request_usd")
        if window is not None and window not in WINDOWS:
            raise BudgetError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
        if reserve not in RESERVES:
            raise BudgetError(f"reserve must be one of {', '.join(RESERVES)}, not {reserve!r}")
        if fail not in ("closed", "open"):
            raise BudgetError(f"fail must be 'closed' or 'open', not {fail!r}")
        if count not in ("auto", "offline", "api"):
            raise BudgetError(f"count must be auto, offline or api, not {count!r}")
        if not isinstance(scope, str) or not scope or len(scope) > 200:
            raise BudgetError("scope must be a name of 1 to 200 characters")
        if not isinstance(ttl_seconds, int) or isinstance(ttl_seconds, bool) or ttl_seconds < 1:
            raise BudgetError("ttl_seconds must be a whole number of seconds, at least 1")
        if ledger is None:
            raise BudgetError("a Budget needs a ledger", hint="ledger='budget.sqlite' (one machine) or a postgresql:// URL")
        levels = []
        for t in thresholds:
            d = _money(t, "thresholds")
            if d is None or d <= 0 or d > 1:
                raise BudgetError(f"thresholds are fractions of the limit above 0 and at most 1, not {t!r}")
            levels.append(d)
        self.thresholds = tuple(sorted(set(levels)))  # Decimal equality: "1" and "1.0" are one threshold
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            raise BudgetError(f"webhook must be an http:// or https:// URL, not {webhook!r}")
        self.scope, self.reserve, self.fail, self.count = scope, reserve, fail, count
        self.on_threshold, self.webhook = on_threshold, webhook
        self.ttl_ms = ttl_seconds * 1000
        self._clock = clock or time.time
        self._said: set[str] = set()
        from claude_cost.core.prices import load_table

        self.table = load_table(Path(prices) if prices is not None else None)
        self.ledger_target = str(ledger)
        self._ledger: Ledger | None = None
        self._down_until = 0.0
        try:
            self._ledger = open_ledger(self.ledger_target)
            kept = self._ledger.kept_limit(scope) if self.limit is None or window is None else None
        except LedgerError:
            if fail == "closed":
                raise
            self._down_until = self._clock() + RETRY_S
            self._say("ledger", f"budget {scope!r}: the ledger cannot be used; fail='open': requests are sent unguarded")
            kept = None
        if self.limit is None and kept is None and self._ledger is not None:
            raise BudgetError(f"budget {scope!r} has no limit", hint="give limit_usd=, or keep one with `claude-cost budget set`")
        self.window = window or (kept[1] if kept else "month")
        self._history = history
        self._alerts: Any = None
        self._counters: dict[str, Any] = {}  # offline counters by model id, made once

    # ------------------------------------------------------------------ public

    def wrap(self, client: Any) -> Any:
        """A client that behaves as `client` (an anthropic.Anthropic or AsyncAnthropic), with
        `messages.create` (stream=True too), `messages.stream` and the same on `beta.messages`
        guarded by this budget; `count_tokens` and everything else pass through."""
        from claude_cost.guard.wrap import guarded

        return guarded(client, self)

    def bound(self, request: dict[str, Any], counter: Any = None) -> Decimal:
        """The most `request` can cost, in USD, priced by the estimate core (see the module)."""
        return self._bound(request, counter)[0]

    def status(self) -> Status:
        """The current window of this budget's scope."""
        ledger = self._need_ledger()
        now = self._clock()
        start = window_start(self.window, _utc(now))
        state = ledger.state(self.scope, self.window, start, None if self.limit is None else _pico_up(self.limit), int(now * 1000))
        return _status(state, self.window, now)

    # ------------------------------------------------------------------ reserve / settle

    def _need_ledger(self) -> Ledger:
        if self._ledger is None:
            # fail-open: a ledger that could not be reached is not tried again for RETRY_S, so an
            # unreachable server does not add its connect timeout to every call
            if self._clock() < self._down_until:
                raise LedgerError(f"{self.ledger_target}: unreachable; tried again after {RETRY_S} s")
            try:
                self._ledger = open_ledger(self.ledger_target)
            except LedgerError:
                self._down_until = self._clock() + RETRY_S
                raise
        return self._ledger

    def _say(self, key: str, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            log.warning(text)

    def _bound(self, request: dict[str, Any], counter: Any = None) -> tuple[Decimal, Any, Any]:
        """(bound in USD, the estimate, the resolved model) of one request."""
        from claude_cost.guard.bound import request_bound

        return request_bound(self, request, counter)

    def hold(self, request: dict[str, Any], counter: Any = None) -> Hold:
        """Reserve `request`'s bound, or raise BudgetExceeded / UnboundedRequest (nothing is sent)."""
        amount, est, model = self._bound(request, counter)
        scenario = est.scenario
        if self.per_request is not None and amount > self.per_request:
            self._refused_alert(amount)
            raise BudgetExceeded(scope=self.scope, limit_usd=self.per_request, spent_usd=Decimal(0), reserved_usd=Decimal(0),
                                 request_usd=amount, per_request=True)  # fmt: skip
        hold = Hold(self, None, _pico_up(amount), model.id, scenario.batch, scenario.geo, scenario.speed, _as_usage(est))
        now = self._clock()
        start = window_start(self.window, _utc(now))
        try:
            ledger = self._need_ledger()
            got = ledger.reserve(self.scope, self.window, start, None if self.limit is None else _pico_up(self.limit), _pico_up(amount),
                                 _iso(now), int(now * 1000), self.ttl_ms, model.id)  # fmt: skip
        except LedgerError as exc:
            if self.fail == "closed":
                raise
            self._say("ledger", f"budget {self.scope!r}: the ledger cannot be used ({exc.message}); fail='open': requests are sent unguarded")
            return hold
        if isinstance(got, Refused):
            if got.limit < 0:
                raise BudgetError(f"budget {self.scope!r} has no limit in the ledger", hint="claude-cost budget set --scope … --limit-usd …")
            self._refused_alert(amount, start, got)
            raise BudgetExceeded(scope=self.scope, limit_usd=_usd(got.limit), spent_usd=_usd(got.spent), reserved_usd=_usd(got.reserved),
                                 request_usd=amount, window=self.window, window_start=start)  # fmt: skip
        hold.call_id = got.id
        return hold

    def _settle(self, hold: Hold, usage: dict[str, Any], model: str, request_id: str | None, message_id: str | None, stop: str | None) -> None:
        if hold.call_id is None:
            return
        from claude_cost.guard.bound import actual_cost

        now = self._clock()
        try:
            cost, counts, model_id = actual_cost(self.table, usage, model, hold, _utc(now).date())
        except ClaudeCostError as exc:  # the response names a model or usage we cannot price: keep the hold as the cost
            self._say(f"unpriced:{exc.message}", f"budget {self.scope!r}: a response could not be priced ({exc.message}); "
                                                 "its reservation is kept as its cost")  # fmt: skip
            cost, counts, model_id = None, (0, 0, 0, 0, 0, 0), model
        try:
            spent = self._need_ledger().settle(hold.call_id, hold.amount if cost is None else _pico_up(cost), counts, model=model_id,
                                               batch=hold.batch, geo=hold.geo, speed=hold.speed, request_id=request_id,
                                               message_id=message_id, stop_reason=stop, now_iso=_iso(now))  # fmt: skip
        except LedgerError as exc:
            self._say("settle", f"budget {self.scope!r}: a call could not be settled ({exc.message}); its reservation expires after the TTL")
            return
        if spent is not None:
            self._check_thresholds(spent, now)

    def _release(self, hold: Hold) -> None:
        if hold.call_id is None:
            return
        try:
            self._need_ledger().release(hold.call_id, _iso(self._clock()))
        except LedgerError as exc:
            self._say("release", f"budget {self.scope!r}: a reservation could not be released ({exc.message}); it expires after the TTL")

    # ------------------------------------------------------------------ alerts

    def _limit_pico(self) -> int | None:
        if self.limit is not None:
            return _pico_up(self.limit)
        kept = self._need_ledger().kept_limit(self.scope)
        return kept[0] if kept else None

    def _check_thresholds(self, spent: int, now: float) -> None:
        if not self.thresholds or (self.on_threshold is None and self.webhook is None):
            return
        limit = self._limit_pico()
        if not limit:
            return
        start = window_start(self.window, _utc(now))
        for t in self.thresholds:
            if spent >= t * limit:
                self._fire(t, start, spent, limit, now, "spent")

    def _refused_alert(self, amount: Decimal, start: str | None = None, got: Refused | None = None) -> None:
        """A refusal is the budget reached for that request: the 1.0 threshold fires (once)."""
        if got is None or Decimal(1) not in self.thresholds or (self.on_threshold is None and self.webhook is None):
            return
        self._fire(Decimal(1), start or "", got.spent, got.limit, self._clock(), "refused")


    def _fire(self, threshold: Decimal, start: str, spent: int, limit: int, now: float, why: str) -> None:
        try:
            first = self._need_ledger().fire(self.scope, self.window, start, _fraction(threshold), _iso(now))
        except LedgerError:
            return
        if not first:
            return
        event = {"type": "claude_cost.budget.threshold", "scope": self.scope, "window": self.window, "window_start": start,
                 "threshold": _fraction(threshold), "reason": why, "limit_usd": format(_usd(limit), "f"),
                 "spent_usd": format(_usd(spent), "f"), "at": _iso(now)}  # fmt: skip
        if self.on_threshold is not None:
            try:
                self.on_threshold(event)
            except Exception as exc:  # the user's callback must not break their request
                self._say("callback", f"budget {self.scope!r}: on_threshold raised {type(exc).__name__}: {exc}")
        if self.webhook is not None:
            if self._alerts is None:
                from claude_cost.guard.alerts import Poster

                self._alerts = Poster(self.webhook)
            self._alerts.post(event)

    def close(self) -> None:
        """Wait (briefly) for queued webhook posts and close this thread's ledger connection."""
        if self._alerts is not None:
            self._alerts.drain(timeout=5)
        if self._ledger is not None:
            self._ledger.close()


def _as_usage(est: Any) -> dict[str, Any]:
    """The bound's usage (the high end of one call) as an API usage object."""
    q = {line.item: int(line.quantity) for line in (est.high or est.breakdown).lines}
    return {"input_tokens": q.get("input", 0), "output_tokens": q.get("output", 0), "cache_read_input_tokens": q.get("cache_read", 0),
            "cache_creation": {"ephemeral_5m_input_tokens": q.get("cache_write_5m", 0), "ephemeral_1h_input_tokens": q.get("cache_write_1h", 0)},
            "server_tool_use": {"web_search_requests": q.get("web_searches", 0)}}  # fmt: skip


def ledger_status(ledger: str, scope: str = "default", window: str | None = None, clock: Callable[[], float] = time.time,
                  read_only: bool = False) -> Status:  # fmt: skip
    """A scope's current window as the ledger holds it (the limit and window `budget set` kept;
    window: that, else month). `read_only`: nothing is created or swept (the MCP server)."""
    if window is not None and window not in WINDOWS:
        raise BudgetError(f"--window must be one of {', '.join(WINDOWS)}, not {window!r}")
    book = open_ledger(ledger, read_only=read_only)
    try:
        kept = book.kept_limit(scope)
        chosen = window or (kept[1] if kept else "month")
        now = clock()
        state = book.state(scope, chosen, window_start(chosen, _utc(now)), None, int(now * 1000))
        return _status(state, chosen, now)
    finally:
        book.close()


def set_limit(ledger: str, scope: str, limit_usd: Any, window: str) -> Decimal:
    """Keep `limit_usd` per `window` for `scope` in the ledger (used by a Budget that gives none)."""
    limit = _money(limit_usd, "--limit-usd", allow_none=False)
    if window not in WINDOWS:
        raise BudgetError(f"--window must be one of {', '.join(WINDOWS)}, not {window!r}")
    book = open_ledger(ledger)
    try:
        book.set_limit(scope, _pico_up(limit), window, _iso(time.time()))  # type: ignore[arg-type]
    finally:
        book.close()
    return limit  # type: ignore[return-value]


@dataclass(frozen=True)
class Check:
    """`budget check`: a request's bound against what remains."""

    status: Status
    request_usd: Decimal
    fits: bool
    method: str

    def json(self) -> dict[str, Any]:
        return {**self.status.json(), "request_usd": format(self.request_usd, "f"), "fits": self.fits, "count_method": self.method}


def check_request(ledger: str, request: dict[str, Any], scope: str = "default", window: str | None = None, prices: Path | None = None) -> Check:
    """Whether `request`'s upper bound (counted offline) fits what remains of the scope's budget."""
    status = ledger_status(ledger, scope, window)
    if status.limit_usd is None:
        raise BudgetError(f"budget {scope!r} has no limit in the ledger", hint="claude-cost budget set --ledger … --scope … --limit-usd …")
    budget = Budget(limit_usd=status.limit_usd, window=status.window, ledger=ledger, scope=scope, prices=prices, count="offline")
    try:
        amount, est, _model = budget._bound(request)
    finally:
        budget.close()
    assert status.remaining_usd is not None
    return Check(status, amount, amount <= status.remaining_usd, est.count_method)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def _iso(ts: float) -> str:
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _status(state: Any, window: str, now: float) -> Status:
    limit = _usd(state.limit) if state.limit is not None else None
    spent, reserved = _usd(state.spent), _usd(state.reserved)
    remaining = None if limit is None else max(limit - spent - reserved, Decimal(0))
    burn = projected = None
    if state.first_call and state.spent:
        first = datetime.fromisoformat(state.first_call.replace("Z", "+00:00"))
        hours = Decimal(max((_utc(now) - first) // timedelta(seconds=1), 60)) / 3600  # at least a minute: no burst reads as a rate
        burn = (spent / hours).quantize(Decimal("0.000001"))
        end = window_end(window, state.window_start)
        if end is not None:
            left = Decimal(max((end - _utc(now)) // timedelta(seconds=1), 0)) / 3600
            projected = (spent + spent / hours * left).quantize(Decimal("0.000001"))
    return Status(state.scope, window, state.window_start, limit, spent, reserved, remaining, state.calls, state.refused, state.released,
                  state.stale, burn, projected)  # fmt: skip


def _fraction(t: Decimal) -> str:
    """A threshold's one name: 0.5, 0.8, 1.0."""
    text = format(t.normalize(), "f")
    return text if "." in text else text + ".0"
