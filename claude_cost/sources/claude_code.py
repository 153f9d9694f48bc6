"""Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`): one billed response
per record, however the log repeats it.

Claude Code writes one JSONL line per content block of a response (thinking, text, tool_use),
each repeating the response's `message.usage`; a streamed response may first be written with a
partial `output_tokens` and later with the final one; a resumed session copies earlier lines into
a new file; sub-agent transcripts (`isSidechain`, `subagents/` folders) belong to their parent
session. So:

- one billed response = one key: (`message.id`, `requestId`), or `message.id` alone when
  `requestId` is missing; keys are deduplicated across every file read;
- among a key's lines the final usage wins: the largest `output_tokens`, then the latest
  `timestamp` (never simply the first line);
- lines that are not model responses (user turns, tool results, summaries, system lines,
  file-history snapshots, `<synthetic>` messages, API-error lines) are skipped, not problems;
- `costUSD` written by some versions is kept only as `logged_cost`, never used to price.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.sources.records import Problem, Record, Skipped, parse_usage

__all__ = ["default_roots", "is_transcript", "transcript_files", "transcript_records"]


def default_roots(env: dict[str, str] | None = None) -> list[Path]:
    """Where Claude Code keeps its transcripts: each `$CLAUDE_CONFIG_DIR` (comma-separated)
    `/projects`, else `~/.config/claude/projects` and `~/.claude/projects` (those that exist)."""
    env = os.environ if env is None else env
    configured = [p.strip() for p in env.get("CLAUDE_CONFIG_DIR", "").split(",") if p.strip()]
    if configured:
        roots = [Path(p).expanduser() / "projects" for p in configured]
    else:
        home = Path(env.get("HOME") or Path.home())
        roots = [home / ".config" / "claude" / "projects", home / ".claude" / "projects"]
    found = [r for r in roots if r.is_dir()]
    if not found:
        raise InputError(
            "no Claude Code projects folder found (" + ", ".join(str(r) for r in roots) + ")",
            hint="pass the projects folder, a project folder or a session file, or set CLAUDE_CONFIG_DIR",
        )
    return found


def transcript_files(paths: Iterable[str | Path]) -> list[str]:
    """Every `*.jsonl` below the given folders (a projects folder, one project, one session),
    and the given files themselves, sorted."""
    out: list[str] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(str(f) for f in p.rglob("*.jsonl") if f.is_file())
        elif p.is_file():
            out.append(str(p))
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def is_transcript(path: str) -> bool:
    """Whether a .jsonl file looks like a Claude Code transcript (one of its first lines has a
    `sessionId` and a `type`; a resumed session starts with `summary` lines that have neither),
    so that `usage FILE` applies these rules without a flag."""
    if not path.endswith(".jsonl"):
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh):
                head = line[:4000]
                if '"sessionId"' in head and '"type"' in head:
                    return True
                if n >= 20 or (head.strip() and '"type"' not in head):
                    return False
    except OSError:
        return False
    return False


def _place(path: str) -> tuple[str, str]:
    """(project, session) a transcript file belongs to, from its path: the folder right under
    `projects/` (else the file's folder), and the session folder of a `subagents/` transcript
    (else the file name)."""
    p = Path(path)
    parts = p.parts
    session = p.stem
    if "subagents" in parts[:-1]:
        i = len(parts) - 1 - parts[::-1].index("subagents")
        session = parts[i - 1] if i >= 1 else session
    if "projects" in parts[:-1]:
        i = parts.index("projects")
        project = parts[i + 1] if i + 1 < len(parts) - 1 else p.parent.name
    else:
        project = p.parent.name if "subagents" not in parts[:-1] else Path(*parts[: parts.index("subagents") - 1]).name
    return project, session


def _cost(value: str | None) -> Decimal | None:
    """A logged costUSD (its JSON text) as a Decimal, or None."""
    if value is None:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


# The message object of a Claude Code response line starts with id, type, role and model, before
# its content: these four can be read from the line's text without parsing the content.
_MESSAGE_HEAD = re.compile(
    r'"message"\s*:\s*\{\s*"id"\s*:\s*"([^"\\]*)"\s*,\s*"type"\s*:\s*"message"\s*,\s*"role"\s*:\s*"assistant"\s*,\s*"model"\s*:\s*"([^"\\]*)"\s*,'
)
_STRING_AT = re.compile(r'\s*:\s*"([^"\\]*)"')
_OUTPUT_TOKENS = re.compile(r'"output_tokens"\s*:\s*(\d+)')
_LITERAL_AT = re.compile(r'\s*:\s*([^,}\s]+)')
_decode = json.JSONDecoder().raw_decode


def _field(line: str, key: str, last: bool, pattern: re.Pattern[str] = _STRING_AT) -> str | None:
    """A top-level key's value found by position: the first occurrence (keys before the message
    object) or the last one (keys after it), never one inside the content."""
    at = line.rfind(key) if last else line.find(key)
    if at < 0:
        return None
    m = pattern.match(line, at + len(key))
    return m.group(1) if m else None


def _fast(line: str) -> tuple[Any, ...] | None:
    """(message id, request id, timestamp, session, model, usage, api error, cost) of a response
    line read by position — or None when the line does not have the usual shape (then it is
    parsed in full). Claude Code writes the message before requestId, type, uuid and timestamp,
    and sessionId before the message; the message's usage is its last key."""
    m_at = line.find('"message"')
    head = _MESSAGE_HEAD.match(line, m_at) if m_at >= 0 else None
    if head is None:
        return None
    at = line.rfind('"usage"')
    brace = line.find("{", at)
    if at < head.end() or brace < 0:
        return None
    try:
        usage, _ = _decode(line, brace)
    except ValueError:
        return None
    if usage.__class__ is not dict:
        return None
    api_error = _field(line, '"isApiErrorMessage"', True, _LITERAL_AT) == "true"
    cost = _field(line, '"costUSD"', True, _LITERAL_AT)
    return (head.group(1), _field(line, '"requestId"', True), _field(line, '"timestamp"', True),
            _field(line, '"sessionId"', False), head.group(2), usage, api_error, cost)  # fmt: skip


def _parsed(doc: Any) -> tuple[Any, ...] | None:
    """The same fields from a fully parsed line, or None when it is not a model response."""
    msg = doc.get("message") if doc.__class__ is dict else None
    if msg.__class__ is not dict or doc.get("type") != "assistant" or msg.get("usage").__class__ is not dict:
        return None
    rid, ts, session, cost = doc.get("requestId"), doc.get("timestamp"), doc.get("sessionId"), doc.get("costUSD")
    return (msg.get("id"), rid if rid.__class__ is str else None, ts if ts.__class__ is str else None,
            session if session.__class__ is str else None, msg.get("model"), msg["usage"], bool(doc.get("isApiErrorMessage")),
            None if cost is None else str(cost))  # fmt: skip


def transcript_records(files: list[str]) -> Iterator[Record | Problem | Skipped]:
    """The records of Claude Code transcripts, one per billed response across all `files`.

    Memory holds one small tuple per distinct response (the dedup keys), not per line."""
    # key -> (rank, model, counts, flags, file index, line, session, cost)
    best: dict[tuple[str, str], tuple[Any, ...]] = {}
    names: dict[str, str] = {}  # one string object per distinct model / session
    skipped = 0
    days: dict[str, date] = {}
    places = [_place(p) for p in files]
    loads = json.loads
    for fi, path in enumerate(files):
        file_session = places[fi][1]
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().split("\n")
        # Last line first: a response's final usage (largest output, latest time) is usually its
        # last line, so its earlier repeats are then passed over by the cheap check below.
        for n in range(len(lines), 0, -1):
            line = lines[n - 1]
            if '"usage"' not in line:  # user turns, tool results, summaries, snapshots: no parse needed
                skipped += line.strip() != ""
                continue
            m_at = line.find('"message"')
            head = _MESSAGE_HEAD.match(line, m_at) if m_at >= 0 else None
            if head is not None:
                out_m = _OUTPUT_TOKENS.search(line, line.rfind('"usage"'))
                if out_m is not None:
                    held = best.get((head.group(1), _field(line, '"requestId"', True) or ""))
                    if held is not None and held[0] >= (int(out_m.group(1)), _field(line, '"timestamp"', True) or ""):
                        continue  # a repeat of a response already held with an equal or later usage
            fields = _fast(line)
            if fields is None:
                try:
                    fields = _parsed(loads(line))
                except ValueError as exc:
                    yield Problem(f"{path}:{n}", f"invalid JSON: {exc.args[0] if exc.args else exc}")
                    continue
            if fields is None:
                skipped += 1
                continue
            mid, rid, when, session, model, usage, api_error, cost = fields
            if model == "<synthetic>" or api_error:
                skipped += 1
                continue
            key = (mid, rid or "") if mid.__class__ is str else ("", f"{path}:{n}")
            old = best.get(key)
            out = usage.get("output_tokens")
            if old is not None and out.__class__ is int and old[0] >= (out, when or ""):
                continue  # a repeat of a response already held with an equal or later usage
            if not isinstance(model, str):
                yield Problem(f"{path}:{n}", "no model beside the usage")
                continue
            try:
                counts, assumed, geo, speed, batch = parse_usage(usage)
            except ValueError as exc:
                yield Problem(f"{path}:{n}", str(exc))
                continue
            rank = (counts[4], when or "")
            if old is not None and old[0] >= rank:
                continue
            session = names.setdefault(session, session) if session is not None else file_session
            best[key] = (rank, names.setdefault(model, model), counts, (assumed, geo, speed, batch), fi, n, session, _cost(cost))
    if skipped:
        yield Skipped(skipped, "Claude Code lines that are not model responses")
    # a line without requestId is the same response as one with it (same message.id): one record
    with_request = {mid for mid, rid in best if rid and mid}
    for (mid, rid), (rank, model, counts, (assumed, geo, speed, batch), fi, n, session, cost) in best.items():
        if rid or not mid or mid not in with_request:
            when = rank[1] or None
            day = None
            if when and len(when) >= 10:
                day = days.get(when[:10])
                if day is None:
                    try:
                        day = days[when[:10]] = date.fromisoformat(when[:10])
                    except ValueError:
                        day = None
            yield Record(model, day, counts, batch, geo, speed, f"{files[fi]}:{n}", assumed, when, session, places[fi][0], None, cost)
