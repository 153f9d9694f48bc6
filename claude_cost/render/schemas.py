"""JSON Schemas (draft 2020-12) of every `--json` document, beside the renderers that write them
(formats.py). `claude-cost schema NAME` prints one; docs/reference/schemas/ keeps them as files
(docs/generate.py), and the test suite validates every `--json` document it produces against its
schema, so a field added to a renderer without its schema fails the tests. Objects are closed
(`additionalProperties: false`) wherever their keys are known.

Money, rates and percentages are exact decimal strings ("0.525", "-3.2"), never floats.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMAS", "schema", "names", "for_command"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEC = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}  # an exact decimal, as formats.dec writes it
DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
INT = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
TOKEN_CLASSES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")


def null(s: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [s, {"type": "null"}]}


def arr(s: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": s}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, *, closed: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {**required, **(optional or {})}, "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out


def counts(keys: tuple[str, ...], value: dict[str, Any]) -> dict[str, Any]:
    return obj({k: value for k in keys})


MAP_OF_COUNTS = {"type": "object", "additionalProperties": COUNT}
PRICE_TABLE = null(obj({"source": STR, "as_of": DATE}))
SCENARIO = obj({"batch": BOOL, "inference_geo": null({"enum": ["us", "global"]}), "speed": {"enum": ["standard", "fast"]},
                "platform": {"enum": ["api", "bedrock", "vertex", "foundry"]}, "endpoint": {"enum": ["global", "regional"]}})  # fmt: skip
BASIS = obj({"kind": {"enum": ["given", "history", "pooled", "max_tokens", "none"]}, "stat": null(STR), "calls": COUNT, "model": null(STR)},
            {"from": null(STR), "to": null(STR), "capped_at_max_tokens": null(COUNT), "tokens_low": COUNT, "tokens_high": COUNT})  # fmt: skip
LINE = obj({"item": {"enum": [*TOKEN_CLASSES, "web_searches", "code_execution", "session"]}, "label": STR, "tokens": null(COUNT),
            "quantity": DEC, "unit": {"enum": ["MTok", "1K searches", "hour"]}, "rate_usd": DEC, "usd": DEC})  # fmt: skip
PERIODS = ("hour", "day", "week", "month", "year")

_ESTIMATE_FIELDS = {
    "schema_version": {"const": 1}, "model": STR, "model_name": STR, "token_source": {"enum": ["api", "offline", "manual"]},
    "count_method": {"enum": ["count_tokens", "ctok", "fitted", "manual", "converted"]}, "method": STR, "price_date": DATE,
    "scenario": SCENARIO, "requests": COUNT, "prompt_tokens": COUNT, "output_tokens": COUNT, "output_tokens_upper_bound": BOOL,
    "output_basis": BASIS, "price_table": PRICE_TABLE, "lines": arr(LINE), "total_usd": DEC, "applied": arr(STR), "notes": arr(STR),
    "not_countable": arr(STR),
}  # fmt: skip
_ESTIMATE_OPTIONAL = {
    "prompt_tokens_low": COUNT, "prompt_tokens_high": COUNT, "total_usd_low": DEC, "total_usd_high": DEC,
    "output_band": obj({"calls": COUNT, "output_tokens_p5": COUNT, "output_tokens_p95": COUNT, "total_usd_p5": DEC, "total_usd_p95": DEC}),
    "per": {"enum": list(PERIODS[:4])}, "projection_usd": {"type": "object", "propertyNames": {"enum": list(PERIODS)}, "additionalProperties": DEC},
    "projection_usd_high": {"type": "object", "propertyNames": {"enum": list(PERIODS)}, "additionalProperties": DEC},
}  # fmt: skip
ESTIMATE = obj(_ESTIMATE_FIELDS, _ESTIMATE_OPTIONAL)
ERRORS = arr(obj({"location": STR, "error": STR}))
WHAT_IF = obj({"change": STR, "total_usd": DEC, "saving_usd": DEC, "saving_pct": null(DEC)},
              {"notes": arr(STR), "total_usd_low": DEC, "total_usd_high": DEC, "saving_usd_low": DEC, "saving_usd_high": DEC,
               "saving_pct_low": null(DEC), "saving_pct_high": null(DEC)})  # fmt: skip
COMPARE_ROW = {"anyOf": [
    obj({"model": STR, "model_name": STR, "priced": {"const": False}, "reason": STR}),
    obj({"model": STR, "model_name": STR, "priced": {"const": True}, "token_source": STR, "count_method": STR, "method": STR,
         "prompt_tokens": COUNT, "prompt_tokens_low": COUNT, "prompt_tokens_high": COUNT, "output_tokens": COUNT, "output_basis": BASIS,
         "costs_usd": counts(("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "other"), DEC), "total_usd": DEC,
         "total_usd_low": DEC, "total_usd_high": DEC, "diff_usd": null(DEC), "diff_pct": null(DEC), "notes": arr(STR)}),
]}  # fmt: skip
USAGE_GROUP = {"type": "object", "required": ["requests", "tokens", "web_searches", "costs_usd", "total_usd"], "properties": {
    "requests": COUNT, "tokens": counts(TOKEN_CLASSES, COUNT), "web_searches": COUNT,
    "costs_usd": counts(("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_searches"), DEC), "total_usd": DEC,
    "logged_cost_usd": null(DEC),
    **{f: STR for f in ("model", "day", "hour", "month", "session", "project", "service", "file")}},
    "additionalProperties": False}  # fmt: skip
DIFF_ROW = obj({"item": STR, "before_usd": DEC, "after_usd": DEC, "change_usd": DEC, "change_pct": null(DEC)})
STATUS_FIELDS = {
    "schema_version": {"const": 1}, "scope": STR, "window": {"enum": ["day", "week", "month", "total"]},
    "window_start": {"anyOf": [DATE, {"const": "total"}]}, "limit_usd": null(DEC), "spent_usd": DEC, "reserved_usd": DEC,
    "remaining_usd": null(DEC), "calls": COUNT, "refused": COUNT, "released": COUNT, "stale_reservations": COUNT,
    "burn_usd_per_hour": null(DEC), "projected_usd": null(DEC),
}  # fmt: skip
BACKTEST_ROW = obj({"model": STR, "train_calls": COUNT, "test_calls": COUNT, "p50": null(COUNT), "p90": null(COUNT),
                    "p90_covered": null({"type": "number"}), "p50_cost_error_median": null({"type": "number"})})  # fmt: skip
PRICE_CHANGE = obj({"model": STR, "field": STR, "period": STR, "old": {}, "new": {}})

#: name -> (title, the command that writes it, schema body)
_BODIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "estimate": ("One request's estimate", "claude-cost estimate PAYLOAD --json (or manual counts)", ESTIMATE),
    "estimate-many": ("Many requests' estimates", "claude-cost estimate FILES|GLOBS|DIR|BATCH.jsonl --json", obj(
        {"schema_version": {"const": 1}, "requests": arr(obj({"location": STR, **_ESTIMATE_FIELDS}, _ESTIMATE_OPTIONAL)), "errors": ERRORS,
         "total_usd": DEC}, {"total_usd_high": DEC})),
    "compare": ("The same request on several models", "claude-cost compare --json", obj(
        {"schema_version": {"const": 1}, "baseline": STR, "price_date": null(DATE), "price_table": PRICE_TABLE, "rows": arr(COMPARE_ROW),
         "what_if": arr(WHAT_IF)})),
    "usage": ("What recorded traffic cost", "claude-cost usage FILES --json", obj(
        {"schema_version": {"const": 1}, "group_by": arr(STR), "groups": arr(USAGE_GROUP), "requests": COUNT, "total_usd": DEC,
         "not_billed": MAP_OF_COUNTS, "unpriced_count": COUNT, "unpriced_tokens": COUNT,
         "unpriced": arr(obj({"location": STR, "reason": STR, "tokens": COUNT})), "skipped": MAP_OF_COUNTS, "skipped_claude": COUNT,
         "notes": arr(STR), "price_table": PRICE_TABLE}, {"logged_cost_usd": null(DEC), "what_if": arr(WHAT_IF)})),
    "history": ("Output tokens per call, per model", "claude-cost history FILES --json", obj(
        {"schema_version": {"const": 1}, "models": arr(obj({"model": STR, "calls": COUNT,
            "output_tokens": {"type": "object", "additionalProperties": {"type": "number"}}, "stopped_at_max_tokens": null({"type": "number"}),
            "stop_reason_recorded": COUNT, "from": null(STR), "to": null(STR), "exact": BOOL})), "from": null(STR), "to": null(STR),
         "sources": arr(STR), "unread_count": COUNT, "unread": arr(obj({"location": STR, "reason": STR})), "not_billed": COUNT,
         "skipped": MAP_OF_COUNTS})),
    "history-backtest": ("A backtest of output predictions", "claude-cost history FILES --backtest --json", obj(
        {"schema_version": {"const": 1}, "split_at": null(STR), "untimed": COUNT, "models": arr(BACKTEST_ROW), "all": null(BACKTEST_ROW)})),
    "diff": ("One request before and after", "claude-cost diff BEFORE AFTER --json", obj(
        {"schema_version": {"const": 1}, "base": STR, "new": STR, "model": STR, "prompt_tokens_before": COUNT, "prompt_tokens_after": COUNT,
         "token_source": STR, "lines": arr(DIFF_ROW), "total": DIFF_ROW})),
    "diff-rev": ("The repository's payloads at a revision and now", "claude-cost diff --rev REF --json", obj(
        {"schema_version": {"const": 1}, "rev": STR, "files": arr(obj({"path": STR, "status": STR, "model": null(STR), "before_usd": DEC,
            "after_usd": DEC, "change_usd": DEC, "change_pct": null(DEC), "error": null(STR)})), "unchanged": COUNT,
         "total": obj({"before_usd": DEC, "after_usd": DEC, "change_usd": DEC, "change_pct": null(DEC)})})),
    "check": ("Every budget of a check config", "claude-cost check --json", obj(
        {"schema_version": {"const": 1}, "ok": BOOL, "budgets": arr(obj({"name": STR, "requests": COUNT, "total_usd": DEC,
            "total_usd_high": null(DEC), "max_request_usd": null(DEC), "max_request": null(STR), "budget_total_usd": null(DEC),
            "budget_per_request_usd": null(DEC), "ok": BOOL, "broken": arr(STR), "errors": ERRORS}))})),
    "prices": ("The price table as on a date", "claude-cost prices [MODEL] --json", obj(
        {"schema_version": {"const": 1}, "as_of": DATE, "date": DATE, "models": {"type": "object", "additionalProperties": obj(
            {"name": STR, **{c: DEC for c in TOKEN_CLASSES}, "batch_input": DEC, "batch_output": DEC, "context_window": null(COUNT),
             "retired": null(DATE)})}})),
    "prices-update": ("What an update would change, and why", "claude-cost prices update --json", obj(
        {"schema_version": {"const": 1}, "from": obj({"source": STR, "as_of": DATE}), "to": obj({"source": STR, "as_of": DATE}),
         "would_change": BOOL, "added": arr(STR), "removed": arr(STR), "retired": arr(obj({"model": STR, "on": DATE})),
         "changes": arr(PRICE_CHANGE)},
        {"merge": obj({"lists": {"type": "object", "additionalProperties": STR},
            "changed": arr(obj({"model": STR, "field": STR, "old": DEC, "new": DEC, "reason": STR})),
            "added": arr(obj({"model": STR, "rates": {"type": "object", "additionalProperties": DEC}, "stated_by": arr(STR),
                              "by_general_rules": arr(STR), "reason": STR})),
            "held": arr(obj({"kind": {"enum": ["conflict", "disagree", "refused", "dated", "old-id"]}, "model": STR, "field": null(STR),
                             "ours": {}, "theirs": {"type": "object"}, "reason": STR})),
            "notes": arr(STR)})})),
    "prices-audit": ("Our table held against a published list", "claude-cost prices audit --against NAME --json", obj(
        {"schema_version": {"const": 1}, "against": STR, "source": null(STR), "compared": COUNT, "agree": COUNT,
         "differences": arr(obj({"model": STR, "field": STR, "period": STR, "ours": {}, "theirs": {}}, {"their_model": STR})),
         "missing_here": arr({"type": "object", "required": ["id", "current"]}), "missing_there": arr(STR),
         "not_expressed_there": MAP_OF_COUNTS, "notes": arr(STR)})),
    "prices-info": ("The price table in use", "claude-cost prices info --json", obj(
        {"schema_version": {"const": 1}, "source": STR, "path": STR, "as_of": DATE, "age_days": INT, "sha256": STR, "fetched": null(STR),
         "previous": null(obj({"source": STR, "as_of": STR, "path": STR, "sha256": STR})), "overlay": null(STR)})),
    "report": ("Our pricing of the Admin usage report beside the bill", "claude-cost report --json", obj(
        {"schema_version": {"const": 1}, "rows": arr(obj({"day": DATE, "model": STR, "ours_usd": DEC, "reported_usd": null(DEC),
            "diff_usd": null(DEC), "diff_pct": null(DEC)})), "ours_total_usd": DEC, "reported_total_usd": DEC, "diff_usd": DEC,
         "notes": arr(STR), "unpriced": {}})),
    "budget-status": ("A budget's current window", "claude-cost budget status --json", obj(STATUS_FIELDS)),
    "budget-check": ("Whether a request fits what remains of a budget", "claude-cost budget check PAYLOAD --json", obj(
        {**STATUS_FIELDS, "request_usd": DEC, "fits": BOOL, "count_method": STR})),
}  # fmt: skip


def schema(name: str) -> dict[str, Any]:
    """One document's schema, whole (with $schema, $id, title)."""
    title, command, body = _BODIES[name]
    return {"$schema": DRAFT, "$id": f"https://claude-cost.invalid/schemas/{name}.json", "title": f"{title} ({command})", **body}


def names() -> list[str]:
    return list(_BODIES)


SCHEMAS = _BODIES  # name -> (title, command, body)


def for_command(args: list[str], doc: Any) -> str | None:
    """The schema a command's --json document answers to (tests validate every one), or None."""
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return None
    cmd, sub = words[0], words[1] if len(words) > 1 else None
    if cmd == "estimate":
        return "estimate-many" if isinstance(doc, dict) and isinstance(doc.get("requests"), list) else "estimate"
    if cmd == "history":
        return "history-backtest" if "--backtest" in args else "history"
    if cmd == "diff":  # `diff --rev REF FILE` with one file keeps the one-request layout
        return "diff-rev" if isinstance(doc, dict) and "files" in doc else "diff"
    if cmd == "prices":
        return {"update": "prices-update", "audit": "prices-audit", "info": "prices-info"}.get(sub or "", "prices")
    if cmd == "budget":
        return {"status": "budget-status", "check": "budget-check"}.get(sub or "")
    return cmd if cmd in _BODIES else None
