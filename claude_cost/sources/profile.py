"""History profiles: the recorded output counts of `claude-cost history -o FILE`, as a small
versioned JSON file meant to be committed next to prompts and read by CI (`--history FILE`).

    {"claude_cost_profile": 1, "created": "...", "from": "...", "to": "...", "sources": [...],
     "models": {"claude-sonnet-4-6": {"calls": 4310, "tokenizer": "v3", "from": "...", "to": "...",
        "stop_reason_recorded": 4300, "stopped_at_max_tokens": 12,
        "output_tokens": {"p10": 41, "p50": 300, ..., "mean": "352.11", "max": 4096},
        "histogram": {"exact": true, "values": [first, +delta, ...], "counts": [...]}}}}

`output_tokens` is for people and scripts (`jq`); estimates use `histogram` (distinct output
counts, delta-encoded, and how many calls had each: every statistic exact). Reading validates
the whole file; any fault is an InputError naming the file and what is wrong.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.core import clock
from claude_cost.core.errors import InputError
from claude_cost.core.history import Distribution, History, ModelHistory

__all__ = ["PROFILE_KEY", "PROFILE_VERSION", "profile_json", "load_profile", "is_profile"]

PROFILE_KEY = "claude_cost_profile"
PROFILE_VERSION = 1
#: Larger than any profile this writes (100,000 distinct counts for each of dozens of models).
MAX_BYTES = 64 * 1024 * 1024


def _stats(m: ModelHistory) -> dict[str, Any]:
    stats = m.output_stats()
    stats["mean"] = format(stats["mean"].quantize(Decimal("0.01")), "f")
    return stats


def profile_json(history: History) -> bytes:
    """The profile file of `history`."""
    models = {}
    for key, m in sorted(history.models.items()):
        dist = m.dist.reduced()
        deltas = [dist.values[0]] + [b - a for a, b in zip(dist.values, dist.values[1:])] if dist.values else []
        models[key] = {
            "calls": m.calls, "tokenizer": m.tokenizer, "from": m.first, "to": m.last,
            "stop_reason_recorded": m.stop_recorded, "stopped_at_max_tokens": m.stopped_at_max, "output_tokens": _stats(m),
            "histogram": {"exact": dist.exact, "values": deltas, "counts": dist.counts},
        }  # fmt: skip
    doc = {PROFILE_KEY: PROFILE_VERSION, "created": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
           "from": history.first, "to": history.last, "sources": history.sources, "models": models}  # fmt: skip
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def is_profile(path: str) -> bool:
    """Whether `path` is a JSON file that says it is a profile (the first bytes are enough)."""
    if not path.endswith(".json"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and f'"{PROFILE_KEY}"'.encode() in head


def _bad(path: str, what: str) -> InputError:
    return InputError(f"{path}: {what}", hint="make a profile with `claude-cost history LOGS -o FILE`")


def _ints(value: Any, path: str, loc: str, minimum: int) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value):
        raise _bad(path, f"corrupt profile: {loc} must be a list of whole numbers >= {minimum}")
    return value


def load_profile(path: str) -> History:
    """A profile file as a History; InputError (exit 2) naming the file and the fault."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise _bad(path, f"{size:,} bytes is not a profile (at most {MAX_BYTES:,})")
        doc = json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise _bad(path, "no such file") from None
    except OSError as exc:
        raise _bad(path, f"cannot read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(path, f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or PROFILE_KEY not in doc:
        raise _bad(path, "not a claude-cost history profile")
    version = doc[PROFILE_KEY]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(path, f"corrupt profile: {PROFILE_KEY} must be a version number, got {version!r}")
    if version > PROFILE_VERSION:
        raise InputError(f"{path}: written by a newer claude-cost (profile version {version}; this one reads {PROFILE_VERSION})",
                         hint="upgrade claude-cost, or make the profile again with this version")  # fmt: skip
    models_raw = doc.get("models")
    if not isinstance(models_raw, dict):
        raise _bad(path, "corrupt profile: models must be an object")
    sources = doc.get("sources") if isinstance(doc.get("sources"), list) else []
    models = {}
    for key, m in models_raw.items():
        loc = f"models.{key}"
        if not isinstance(m, dict) or not isinstance(m.get("histogram"), dict):
            raise _bad(path, f"corrupt profile: {loc}.histogram missing")
        h = m["histogram"]
        deltas = _ints(h.get("values"), path, f"{loc}.histogram.values", 0)
        counts = _ints(h.get("counts"), path, f"{loc}.histogram.counts", 1)
        if len(deltas) != len(counts) or not counts:
            raise _bad(path, f"corrupt profile: {loc}.histogram: {len(deltas)} values but {len(counts)} counts")
        if any(d == 0 for d in deltas[1:]):
            raise _bad(path, f"corrupt profile: {loc}.histogram.values must increase")
        values, at = [], 0
        for d in deltas:
            at += d
            values.append(at)
        calls = m.get("calls")
        if calls != sum(counts):
            raise _bad(path, f"corrupt profile: {loc}.calls is {calls!r} but the histogram holds {sum(counts):,} calls")
        stop = [m.get(k, 0) for k in ("stop_reason_recorded", "stopped_at_max_tokens")]
        if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= calls for x in stop) or stop[1] > stop[0]:
            raise _bad(path, f"corrupt profile: {loc}: stop_reason counts out of range")
        text = lambda k: m.get(k) if isinstance(m.get(k), str) else None  # noqa: E731
        dist = Distribution(values, counts, exact=h.get("exact") is not False)
        models[key] = ModelHistory(key, dist, text("tokenizer"), stop[0], stop[1], text("from"), text("to"))
    return History(models, [str(s) for s in sources] or [path])
