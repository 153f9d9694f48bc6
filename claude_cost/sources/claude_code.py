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


def _fast(line: str, head: re.Match[str] | None = None, rid: str | None = None) -> tuple[Any, ...] | None:
    """(message id, request id, timestamp, session, model, usage, api error, cost) of a response
    line read by position — or None when the line does not have the usual shape (then it is
    parsed in full). Claude Code writes the message before requestId, type, uuid and timestamp,
    and sessionId before the message; the message's usage is its last key."""
    if head is None:
        m_at = line.find('"message"')
        head = _MESSAGE_HEAD.match(line, m_at) if m_at >= 0 else None
        if head is None:
            return None
        rid = _field(line, '"requestId"', True)
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
    k = line.rfind('"stop_reason"', head.end(), at)  # the message's own key: after its content, before its usage
    stop_m = _STRING_AT.match(line, k + 13) if k >= 0 else None
    return (head.group(1), rid, _field(line, '"timestamp"', True),
            _field(line, '"sessionId"', False), head.group(2), usage, api_error, cost, stop_m.group(1) if stop_m else None)  # fmt: skip


def _parsed(doc: Any) -> tuple[Any, ...] | None:
    """The same fields from a fully parsed line, or None when it is not a model response."""
    msg = doc.get("message") if doc.__class__ is dict else None
    if msg.__class__ is not dict or doc.get("type") != "assistant" or msg.get("usage").__class__ is not dict:
        return None
    rid, ts, session, cost, stop = doc.get("requestId"), doc.get("timestamp"), doc.get("sessionId"), doc.get("costUSD"), msg.get("stop_reason")
    return (msg.get("id"), rid if rid.__class__ is str else None, ts if ts.__class__ is str else None,
            session if session.__class__ is str else None, msg.get("model"), msg["usage"], bool(doc.get("isApiErrorMessage")),
            None if cost is None else str(cost), stop if stop.__class__ is str else None)  # fmt: skip


def _scan(files: list[str], first: int, count: int) -> tuple[dict[tuple[str, str], tuple[Any, ...]], list[Problem], int, dict[int, Any]]:
    """Read files[first:first + count]: the best line per response key (file indexes global),
    the problems, how many lines were not model responses, and for the problems found after the
    repeat checks their (key, output, time) — a reader of earlier files would have skipped them
    as repeats of a response it held with a larger usage."""
    # key -> (rank, model, counts, flags, file index, line, session, cost)
    best: dict[tuple[str, str], tuple[Any, ...]] = {}
    names: dict[str, str] = {}  # one string object per distinct model / session
    skipped = 0
    problems: list[Problem] = []
    late: dict[int, tuple[Any, Any, str | None]] = {}  # problems found after the repeat checks: (key, output, time)
    loads = json.loads
    for fi in range(first, first + count):
        path = files[fi]
        file_session = _place(path)[1]
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
            rid = None
            if head is not None:
                rid = _field(line, '"requestId"', True)
                held = best.get((head.group(1), rid or ""))
                if held is not None:
                    out_m = _OUTPUT_TOKENS.search(line, line.rfind('"usage"'))
                    if out_m is not None:
                        out, (held_out, held_when) = int(out_m.group(1)), held[0]
                        # a repeat of a response already held with a larger, or equal and later, usage
                        if held_out > out or (held_out == out and held_when >= (_field(line, '"timestamp"', True) or "")):
                            continue
            fields = _fast(line, head, rid)
            if fields is None:
                try:
                    fields = _parsed(loads(line))
                except ValueError as exc:
                    problems.append(Problem(f"{path}:{n}", f"invalid JSON: {exc.args[0] if exc.args else exc}"))
                    continue
            if fields is None:
                skipped += 1
                continue
            mid, rid, when, session, model, usage, api_error, cost, stop = fields
            if model == "<synthetic>" or api_error:
                skipped += 1
                continue
            key = (mid, rid or "") if mid.__class__ is str else ("", f"{path}:{n}")
            old = best.get(key)
            out = usage.get("output_tokens")
            if old is not None and out.__class__ is int and old[0] >= (out, when or ""):
                continue  # a repeat of a response already held with an equal or later usage
            if not isinstance(model, str):
                problems.append(Problem(f"{path}:{n}", "no model beside the usage"))
                late[len(problems) - 1] = (key, out, when)
                continue
            try:
                counts, assumed, geo, speed, batch = parse_usage(usage)
            except ValueError as exc:
                problems.append(Problem(f"{path}:{n}", str(exc)))
                late[len(problems) - 1] = (key, out, when)
                continue
            rank = (counts[4], when or "")
            if old is not None and old[0] >= rank:
                continue
            session = names.setdefault(session, session) if session is not None else file_session
            best[key] = (rank, names.setdefault(model, model), counts, (assumed, geo, speed, batch), fi, n, session, _cost(cost), stop)
    return best, problems, skipped, late


#: Below this many bytes of transcripts one process reads them all; above, two (when the machine
#: has two cores and can fork) each read a contiguous half of the files.
PARALLEL_BYTES = 64 * 1024 * 1024


def _halves(files: list[str]) -> list[tuple[int, int]] | None:
    """(first, count) of two contiguous runs of files of about equal size, or None: one process."""
    import threading

    # forking a process that runs other threads can deadlock the child: a library caller with
    # threads gets one reader
    if len(files) < 2 or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
        return None
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    sizes = []
    for f in files:
        try:
            sizes.append(os.path.getsize(f))
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    if total < PARALLEL_BYTES:
        return None
    acc, cut = 0, len(files) - 1
    for i, size in enumerate(sizes):
        acc += size
        if acc >= total / 2:
            cut = max(1, min(i + 1, len(files) - 1))
            break
    return [(0, cut), (cut, len(files) - cut)]


def _scan_part(args: tuple[list[str], int, int]) -> tuple[dict[tuple[str, str], tuple[Any, ...]], list[Problem], int, dict[int, Any]]:
    return _scan(*args)


def transcript_records(files: list[str]) -> Iterator[Record | Problem | Skipped]:
    """The records of Claude Code transcripts, one per billed response across all `files`.

    Memory holds one small tuple per distinct response (the dedup keys), not per line. Big
    folders are read by two processes (this one and a fork), each a contiguous half of the files; their
    results merge by the same rule (the larger usage wins; on a tie, the earlier file), so the
    records are the same as one process reading the files in order."""
    halves = _halves(files)
    if halves is None:
        best, problems, skipped, _ = _scan(files, 0, len(files))
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(1) as pool:  # the second half in a child, the first here
            second = pool.apply_async(_scan_part, ((files, *halves[1]),))
            best, problems, skipped, _ = _scan(files, *halves[0])
            other, more, skipped_more, late = second.get()
        for i, problem in enumerate(more):  # as one reader: a bad repeat of a response held from earlier files is passed over
            key, out, when = late.get(i, (None, None, None))
            held = best.get(key) if key is not None else None
            if held is None or out.__class__ is not int or held[0] < (out, when or ""):
                problems.append(problem)
        for key, entry in other.items():
            held = best.get(key)
            if held is None or entry[0] > held[0]:
                best[key] = entry
        skipped += skipped_more
    yield from problems
    days: dict[str, date] = {}
    places = [_place(p) for p in files]
    if skipped:
        yield Skipped(skipped, "Claude Code lines that are not model responses")
    # a line without requestId is the same response as one with it (same message.id): one record
    with_request = {mid for mid, rid in best if rid and mid}
    for (mid, rid), (rank, model, counts, (assumed, geo, speed, batch), fi, n, session, cost, stop) in best.items():
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
            yield Record(model, day, counts, batch, geo, speed, f"{files[fi]}:{n}", assumed, when, session, places[fi][0], None, cost, stop=stop)
