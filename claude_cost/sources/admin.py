"""The Usage & Cost Admin API (fact sheet §10): fetch usage and cost reports, price the usage
with our table, and set both side by side per day and model.

SDK 2.10 does not expose these endpoints, so they are called over plain HTTPS with the
documented headers (`x-api-key` with an Admin key, `anthropic-version: 2023-06-01`). The key is
read from ANTHROPIC_ADMIN_KEY and never appears in any message.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ApiError, ClaudeCostError, InputError, redact
from claude_cost.core.models import PriceTable, Scenario, Usage
from claude_cost.core.prices import resolve

__all__ = ["ADMIN_KEY_ENV", "ReportRow", "Report", "fetch_pages", "build_report"]

ADMIN_KEY_ENV = "ANTHROPIC_ADMIN_KEY"
API_VERSION = "2023-06-01"
HUNDRED = Decimal(100)


def _base_url() -> str:
    return (os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com").rstrip("/")


def fetch_pages(path: str, params: list[tuple[str, str]], *, timeout: float = 60.0, beta: str | None = None) -> list[dict[str, Any]]:
    """GET every page of an Admin report (following has_more / next_page)."""
    key = os.environ.get(ADMIN_KEY_ENV)
    if not key:
        raise ApiError(f"no Admin API key: set {ADMIN_KEY_ENV}", hint="an sk-ant-admin01-… key from the Console's admin keys")
    pages: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        query = params + ([("page", page)] if page else [])
        url = f"{_base_url()}{path}?{urllib.parse.urlencode(query)}"
        headers = {"x-api-key": key, "anthropic-version": API_VERSION, "accept": "application/json"}
        if beta:
            headers["anthropic-beta"] = beta
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                doc = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, path) from None
        except urllib.error.URLError as exc:
            raise ApiError(f"cannot connect to the Anthropic API at {redact(_base_url())}: {redact(str(exc.reason))}",
                           hint="check the network and ANTHROPIC_BASE_URL") from None  # fmt: skip
        except TimeoutError:
            raise ApiError(f"{path} timed out after {timeout:g}s") from None
        except ValueError:
            raise ApiError(f"{path} returned a body that is not JSON") from None
        pages.append(doc)
        if not doc.get("has_more") or not doc.get("next_page"):
            return pages
        page = str(doc["next_page"])


def _http_error(exc: urllib.error.HTTPError, path: str) -> ApiError:
    try:
        body = json.loads(exc.read() or b"{}")
        err = body.get("error", {}) if isinstance(body, dict) else {}
        kind, message = err.get("type"), err.get("message")
    except ValueError:
        kind, message = None, None
    text = f"{path} failed: {exc.code}{f' {kind}' if kind else ''}: {redact(str(message or exc.reason))}"
    hints = {401: f"check {ADMIN_KEY_ENV} (an Admin key, sk-ant-admin01-…)", 403: "the key needs Admin access to usage and cost reports",
             429: "rate limited: retry after " + str(exc.headers.get("retry-after", "a moment")) + "s"}  # fmt: skip
    return ApiError(text, hint=hints.get(exc.code))


@dataclass
class ReportRow:
    day: date
    model: str
    ours: Decimal = Decimal(0)
    reported: Decimal | None = None
    requests_note: str = ""

    @property
    def diff(self) -> Decimal | None:
        return None if self.reported is None else self.ours - self.reported

    @property
    def diff_pct(self) -> Decimal | None:
        """The difference as % of what was billed (None when nothing, or $0, was billed)."""
        return self.diff / self.reported * 100 if self.diff is not None and self.reported else None

    @property
    def far_off(self) -> bool:
        """Ours and the bill differ by more than 1% of the bill."""
        return self.diff is not None and bool(self.reported) and abs(self.diff) > self.reported / 100  # type: ignore[operator]


@dataclass
class Report:
    rows: list[ReportRow]
    ours_total: Decimal
    reported_total: Decimal
    notes: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)

    @property
    def diff_total(self) -> Decimal:
        return self.ours_total - self.reported_total


def _day_of(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _n(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def build_report(table: PriceTable, start: date, end: date, *, timeout: float = 60.0) -> Report:
    """Usage priced with our table next to the billed cost, per day and model, for [start, end]."""
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")
    window = [("starting_at", f"{start.isoformat()}T00:00:00Z"), ("ending_at", f"{(end + timedelta(days=1)).isoformat()}T00:00:00Z"),
              ("bucket_width", "1d")]  # fmt: skip
    usage_pages = fetch_pages(
        "/v1/organizations/usage_report/messages",
        window + [("group_by[]", g) for g in ("model", "service_tier", "inference_geo", "speed", "context_window")] + [("limit", "31")],
        timeout=timeout,
        beta="fast-mode-2026-02-01",  # grouping by speed needs it (fact sheet §10)
    )
    cost_pages = fetch_pages("/v1/organizations/cost_report", window + [("group_by[]", "description"), ("limit", "31")], timeout=timeout)

    rows: dict[tuple[date, str], ReportRow] = {}
    notes: list[str] = []
    unpriced: list[str] = []
    for page in usage_pages:
        for bucket in page.get("data", []):
            day = _day_of(bucket.get("starting_at"))
            if day is None:
                continue
            for r in bucket.get("results", []):
                name = r.get("model")
                try:
                    model = resolve(table, str(name)).model
                except ClaudeCostError as exc:
                    unpriced.append(f"{day} {name}: {exc.message}")
                    continue
                cache = r.get("cache_creation") or {}
                tools = r.get("server_tool_use") or {}
                usage = Usage(
                    input=_n(r.get("uncached_input_tokens")),
                    cache_write_5m=_n(cache.get("ephemeral_5m_input_tokens")),
                    cache_write_1h=_n(cache.get("ephemeral_1h_input_tokens")),
                    cache_read=_n(r.get("cache_read_input_tokens")),
                    output=_n(r.get("output_tokens")),
                    web_searches=_n(tools.get("web_search_requests")),
                )
                # a bucket sums many requests: the tier comes from its context_window group
                long = r.get("context_window") == "200k-1M"
                scenario = Scenario(
                    day=day,
                    batch=r.get("service_tier") == "batch",
                    geo="us" if r.get("inference_geo") == "us" and model.us_residency else None,
                    speed="fast" if r.get("speed") == "fast" else "standard",
                )
                try:
                    b = pricing.price(usage, model, scenario, table.fees, tier_prompt_tokens=200_001 if long else 0)
                except ClaudeCostError as exc:
                    unpriced.append(f"{day} {model.id}: {exc.message}")
                    continue
                if any(t.threshold != 200_000 for t in model.long_context if t.active(day)):
                    note = f"{model.id}: the report does not say which requests were above its long-context threshold; priced at base rates"
                    if note not in notes:
                        notes.append(note)
                row = rows.setdefault((day, model.id), ReportRow(day, model.id))
                row.ours += b.total
    reported_total = Decimal(0)
    for page in cost_pages:
        for bucket in page.get("data", []):
            day = _day_of(bucket.get("starting_at"))
            if day is None:
                continue
            for r in bucket.get("results", []):
                try:
                    usd = Decimal(str(r.get("amount", "0"))) / HUNDRED  # amounts are cents, as decimal strings
                except ArithmeticError:
                    continue
                name = r.get("model")
                model_id = name or f"({r.get('cost_type') or 'other'})"
                if name:
                    try:
                        model_id = resolve(table, str(name)).model.id
                    except ClaudeCostError:
                        pass
                row = rows.setdefault((day, model_id), ReportRow(day, model_id))
                row.reported = (row.reported or Decimal(0)) + usd
                reported_total += usd
    ordered = sorted(rows.values(), key=lambda r: (r.day, r.model))
    return Report(ordered, sum((r.ours for r in ordered), Decimal(0)), reported_total, notes, unpriced)
