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
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.sources.usage import Problem, Record, Skipped, _usage

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


def _cost(value: Any) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def transcript_records(files: list[str]) -> Iterator[Record | Problem | Skipped]:
    """The records of Claude Code transcripts, one per billed response across all `files`."""
    best: dict[tuple[str, str], tuple[int, str, Record]] = {}
    skipped = 0
    days: dict[str, date] = {}
    for path in files:
        project, file_session = _place(path)
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if '"usage"' not in line:  # user turns, tool results, summaries, snapshots: no parse needed
                    skipped += line.strip() != ""
                    continue
                try:
                    doc = json.loads(line)
                except ValueError as exc:
                    yield Problem(f"{path}:{n}", f"invalid JSON: {exc.args[0] if exc.args else exc}")
                    continue
                msg = doc.get("message") if isinstance(doc, dict) else None
                if (
                    not isinstance(msg, dict) or doc.get("type") != "assistant" or not isinstance(msg.get("usage"), dict)
                    or msg.get("model") == "<synthetic>" or doc.get("isApiErrorMessage")
                ):  # fmt: skip
                    skipped += 1
                    continue
                where = f"{path}:{n}"
                model = msg.get("model")
                if not isinstance(model, str):
                    yield Problem(where, "no model beside the usage")
                    continue
                try:
                    counts, assumed, geo, speed, batch = _usage(msg["usage"])
                except ValueError as exc:
                    yield Problem(where, str(exc))
                    continue
                when = doc.get("timestamp") if isinstance(doc.get("timestamp"), str) else None
                day = None
                if when and len(when) >= 10:
                    day = days.get(when[:10])
                    if day is None:
                        try:
                            day = days[when[:10]] = date.fromisoformat(when[:10])
                        except ValueError:
                            day = None
                session = doc.get("sessionId") if isinstance(doc.get("sessionId"), str) else file_session
                record = Record(model, day, counts, batch, geo, speed, where, assumed, when, session, project, None, _cost(doc.get("costUSD")))
                mid, rid = msg.get("id"), doc.get("requestId")
                key = (str(mid), str(rid) if isinstance(rid, str) else "") if isinstance(mid, str) else ("", where)
                rank = (counts[4], when or "")
                old = best.get(key)
                if old is None or rank > (old[0], old[1]):
                    best[key] = (rank[0], rank[1], record)
    if skipped:
        yield Skipped(skipped, "Claude Code lines that are not model responses")
    # a line without requestId is the same response as one with it (same message.id): one record
    with_request = {mid for mid, rid in best if rid and mid}
    for (mid, rid), (_, _, record) in best.items():
        if rid or not mid or mid not in with_request:
            yield record
