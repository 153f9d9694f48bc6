"""Messages API request payloads: read, validate, cut down to what count_tokens accepts, and
find cache breakpoints. No network, no pricing."""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_cost.core.errors import PayloadError

__all__ = [
    "COUNT_KEYS",
    "read_payload",
    "parse_payload",
    "validate_request",
    "CountableRequest",
    "countable",
    "Breakpoint",
    "breakpoints",
    "cut_after",
    "PLACEHOLDER",
    "Source",
    "iter_requests",
]

#: Top-level keys count_tokens accepts (fact sheet §1, SDK 2.10 MessageCountTokensParams).
COUNT_KEYS = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "cache_control", "speed")

#: Server tools count_tokens rejects (fact sheet §1): reported as "not countable".
SERVER_TOOL_PREFIXES = ("web_search_", "web_fetch_", "code_execution_", "tool_search_tool_")

ROLES = ("user", "assistant")
PLACEHOLDER = {"role": "user", "content": "."}


#: The API's largest request (fact sheet §1: 32 MB, Messages and count_tokens; 413 beyond).
#: Read as MiB, the generous reading: a payload file larger than this is refused before it is
#: held in memory (a wrong path to a huge file, or /dev/zero, would otherwise fill it).
MAX_REQUEST_BYTES = 32 * 2**20
#: Standard input may be a Batch file (one request per line): 256 MB a batch (fact sheet §3).
MAX_STDIN_BYTES = 256 * 2**20


def read_stdin() -> str:
    """Standard input as text: UTF-8 (a BOM is dropped); anything else is a PayloadError."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return sys.stdin.read()
    return decode(_capped(stream, MAX_STDIN_BYTES, "stdin", "a Batch holds at most 256 MB"), "stdin")


def _capped(fh: Any, limit: int, where: str, why: str) -> bytes:
    """At most `limit` bytes of `fh`; more is a PayloadError (never read whole)."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise PayloadError(f"{where}: larger than {limit // 2**20} MB, more than the API accepts ({why})",
                           hint="check the path: a payload is one Messages API request as JSON")  # fmt: skip
    return data  # type: ignore[no-any-return]


def decode(data: bytes, where: str) -> str:
    """Payload bytes as text: UTF-8, a byte-order mark dropped (Windows editors and PowerShell
    write one); UTF-16 and anything else not UTF-8 is a PayloadError that says so."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PayloadError(f"{where}: UTF-16 text, not UTF-8", hint="save it as UTF-8 (PowerShell: Out-File -Encoding utf8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"{where}: not UTF-8 text (byte {exc.start})", hint="payloads are UTF-8 JSON") from None


def read_payload(source: str) -> dict[str, Any]:
    """Read a request from a file path, or `-` for stdin, and parse it."""
    where = "stdin" if source == "-" else source
    if source == "-":
        text = read_stdin()
    else:
        path = Path(source)
        try:
            with open(path, "rb") as fh:
                data = _capped(fh, MAX_REQUEST_BYTES, where, "a request is at most 32 MB")
            text = decode(data, where)
        except FileNotFoundError:
            raise PayloadError(f"{where}: no such file", hint="give a JSON payload file or - for stdin") from None
        except IsADirectoryError:
            raise PayloadError(f"{where}: is a directory, not a payload file") from None
        except OSError as exc:
            raise PayloadError(f"{where}: cannot read: {exc.strerror}") from None
    return parse_payload(text, where)


def parse_payload(text: str, where: str) -> dict[str, Any]:
    """Parse JSON text into a request object, with the location of any syntax error."""
    if not text.strip():
        raise PayloadError(f"{where}: empty input", hint="expected a Messages API request as JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise PayloadError(f"{where}: expected a JSON object (a Messages API request), got {type(data).__name__}")
    return data


def _fail(where: str, loc: str, problem: str, hint: str | None = None) -> PayloadError:
    return PayloadError(f"{where}: {loc}: {problem}", hint=hint)


def _json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}" if len(repr(value)) <= 24 else "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expect(ok: bool, where: str, loc: str, what: str, value: Any, hint: str | None = None) -> None:
    if not ok:
        raise _fail(where, loc, f"expected {what}, got {_json_type(value)}", hint)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Limits the API itself enforces (fact sheet §1 and §3); larger values are rejected here.
MAX_MESSAGES = 100_000
#: No Claude model has a context window (or an output limit) above this; max_tokens beyond it
#: cannot be a real request. The model's own window is checked once the model is known.
MAX_TOKENS_LIMIT = 10_000_000
BLOCK_TYPES_WITH_TEXT = {"text": "text", "thinking": "thinking"}
TOOL_CHOICES = ("auto", "any", "tool", "none")
THINKING_TYPES = ("enabled", "disabled", "adaptive")


def _check_source(block: dict[str, Any], where: str, loc: str) -> None:
    source = block.get("source")
    _expect(isinstance(source, dict), where, f"{loc}.source", "a source object", source)
    kind = source.get("type")
    _expect(isinstance(kind, str), where, f"{loc}.source.type", "a string (base64, url, file, text, content)", kind)
    if kind in ("base64", "text"):
        _expect(isinstance(source.get("data"), str), where, f"{loc}.source.data", "a string", source.get("data"))
    if kind == "url":
        _expect(isinstance(source.get("url"), str), where, f"{loc}.source.url", "a string", source.get("url"))
    if kind == "content":
        content = source.get("content")
        _expect(isinstance(content, (str, list)), where, f"{loc}.source.content", "a string or a list of content blocks", content)
        if isinstance(content, list):
            for j, sub in enumerate(content):
                _check_block(sub, where, f"{loc}.source.content[{j}]")


def _check_block(block: Any, where: str, loc: str, depth: int = 0) -> None:
    _expect(isinstance(block, dict), where, loc, "a content block object", block)
    kind = block.get("type")
    _expect(isinstance(kind, str), where, f"{loc}.type", "a string naming the block type", kind)
    if kind in BLOCK_TYPES_WITH_TEXT:
        key = BLOCK_TYPES_WITH_TEXT[kind]
        _expect(isinstance(block.get(key), str), where, f"{loc}.{key}", "a string", block.get(key))
    elif kind == "redacted_thinking":
        _expect(isinstance(block.get("data"), str), where, f"{loc}.data", "a string", block.get("data"))
    elif kind in ("image", "document"):
        _check_source(block, where, loc)
    elif kind in ("tool_use", "server_tool_use"):
        _expect(isinstance(block.get("name"), str), where, f"{loc}.name", "a string", block.get("name"))
        _expect(isinstance(block.get("id"), str), where, f"{loc}.id", "a string", block.get("id"))
        _expect(isinstance(block.get("input", {}), dict), where, f"{loc}.input", "an object", block.get("input"))
    elif kind == "tool_result":
        _expect(isinstance(block.get("tool_use_id"), str), where, f"{loc}.tool_use_id", "a string", block.get("tool_use_id"))
        content = block.get("content", "")
        _expect(isinstance(content, (str, list)), where, f"{loc}.content", "a string or a list of content blocks", content)
        if isinstance(content, list):
            if depth > 2:
                raise _fail(where, f"{loc}.content", "tool results nested too deep")
            for j, sub in enumerate(content):
                _check_block(sub, where, f"{loc}.content[{j}]", depth + 1)
    if "cache_control" in block:
        _expect(isinstance(block["cache_control"], dict), where, f"{loc}.cache_control", 'an object like {"type": "ephemeral"}', block["cache_control"])


def _check_tool(tool: Any, where: str, loc: str) -> None:
    _expect(isinstance(tool, dict), where, loc, "a tool definition object", tool)
    kind = tool.get("type", "custom")
    _expect(isinstance(kind, str), where, f"{loc}.type", "a string", kind)
    name = tool.get("name")
    if kind in ("custom",) or "input_schema" in tool:
        _expect(isinstance(name, str), where, f"{loc}.name", "a string (the tool's name)", name)
        schema = tool.get("input_schema")
        _expect(isinstance(schema, dict), where, f"{loc}.input_schema", "a JSON Schema object", schema)
        if "description" in tool:
            _expect(isinstance(tool["description"], str), where, f"{loc}.description", "a string", tool["description"])
    elif name is not None:
        _expect(isinstance(name, str), where, f"{loc}.name", "a string", name)
    if "cache_control" in tool:
        _expect(isinstance(tool["cache_control"], dict), where, f"{loc}.cache_control", 'an object like {"type": "ephemeral"}', tool["cache_control"])


def validate_request(data: dict[str, Any], where: str, *, model_given: bool = False) -> None:
    """Check the whole shape of a Messages request once, where it enters; raise PayloadError
    naming the JSON path of the first problem (`tools: expected a list of tool definitions, got
    null`). Limits the API enforces are enforced here too (fact sheet §1–§3)."""
    if not isinstance(data, dict):
        raise PayloadError(f"{where}: expected a JSON object (a Messages API request), got {_json_type(data)}")
    if "messages" not in data:
        hint = "this looks like a Batch API line; pass the 'params' object" if "params" in data else None
        raise PayloadError(f"{where}: not a Messages API request: no 'messages'", hint=hint)
    if not model_given or "model" in data:
        if "model" not in data and not model_given:
            raise PayloadError(f"{where}: no 'model' in the payload", hint="add \"model\" or pass --model")
        _expect(isinstance(data.get("model"), str) and bool(data.get("model")), where, "model", "a model id string", data.get("model"))
    messages = data["messages"]
    _expect(isinstance(messages, list), where, "messages", "a list of messages", messages)
    if not messages:
        raise _fail(where, "messages", "must hold at least one message")
    if len(messages) > MAX_MESSAGES:
        raise _fail(where, "messages", f"{len(messages):,} messages; the API accepts at most {MAX_MESSAGES:,}")
    for i, msg in enumerate(messages):
        loc = f"messages[{i}]"
        _expect(isinstance(msg, dict), where, loc, "an object with 'role' and 'content'", msg)
        if msg.get("role") not in ROLES:
            raise _fail(where, f"{loc}.role", f"must be 'user' or 'assistant', got {msg.get('role')!r}"[:200])
        content = msg.get("content")
        _expect(isinstance(content, (str, list)), where, f"{loc}.content", "a string or a list of content blocks", content)
        if isinstance(content, list):
            for j, block in enumerate(content):
                _check_block(block, where, f"{loc}.content[{j}]")
    system = data.get("system")
    if system is not None:
        _expect(isinstance(system, (str, list)), where, "system", "a string or a list of text blocks", system)
        if isinstance(system, list):
            for j, block in enumerate(system):
                _check_block(block, where, f"system[{j}]")
                if block["type"] != "text":
                    raise _fail(where, f"system[{j}].type", f"system blocks must be text blocks, got {block['type']!r}"[:200])
    if "tools" in data:
        tools = data["tools"]
        _expect(isinstance(tools, list), where, "tools", "a list of tool definitions", tools)
        for i, tool in enumerate(tools):
            _check_tool(tool, where, f"tools[{i}]")
    if "tool_choice" in data:
        choice = data["tool_choice"]
        _expect(isinstance(choice, dict), where, "tool_choice", 'an object like {"type": "auto"}', choice)
        if choice.get("type") not in TOOL_CHOICES:
            raise _fail(where, "tool_choice.type", f"must be one of {', '.join(TOOL_CHOICES)}, got {choice.get('type')!r}"[:200])
        if choice["type"] == "tool":
            _expect(isinstance(choice.get("name"), str), where, "tool_choice.name", "the name of a tool", choice.get("name"))
    if "thinking" in data:
        thinking = data["thinking"]
        _expect(isinstance(thinking, dict), where, "thinking", 'an object like {"type": "adaptive"}', thinking)
        if thinking.get("type") not in THINKING_TYPES:
            raise _fail(where, "thinking.type", f"must be one of {', '.join(THINKING_TYPES)}, got {thinking.get('type')!r}"[:200])
        if "budget_tokens" in thinking:
            b = thinking["budget_tokens"]
            _expect(_is_int(b) and 0 <= b <= MAX_TOKENS_LIMIT, where, "thinking.budget_tokens", "a whole number of tokens", b)
    for key in ("output_config", "cache_control", "metadata"):
        if key in data:
            _expect(isinstance(data[key], dict), where, key, "an object", data[key])
    for key, allowed in (("speed", ("standard", "fast")), ("inference_geo", ("us", "global")), ("service_tier", ("auto", "standard_only"))):
        if key in data and data[key] not in allowed:
            raise _fail(where, key, f"must be one of {', '.join(allowed)}, got {_json_type(data[key]) if not isinstance(data[key], str) else repr(data[key][:40])}")
    if "max_tokens" in data:
        n = data["max_tokens"]
        _expect(_is_int(n) and n >= 0, where, "max_tokens", "a whole number >= 0", n)
        if n > MAX_TOKENS_LIMIT:
            raise _fail(where, "max_tokens", f"{n:,} is larger than any model's context window", hint="use the model's real output limit")
    if "stop_sequences" in data:
        seqs = data["stop_sequences"]
        _expect(isinstance(seqs, list) and all(isinstance(x, str) for x in seqs), where, "stop_sequences", "a list of strings", seqs)
    for key in ("temperature", "top_p"):
        if key in data:
            v = data[key]
            _expect(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1, where, key, "a number from 0 to 1", v)
    if "top_k" in data:
        _expect(_is_int(data["top_k"]) and data["top_k"] >= 0, where, "top_k", "a whole number >= 0", data["top_k"])
    if "stream" in data:
        _expect(isinstance(data["stream"], bool), where, "stream", "true or false", data["stream"])
    if "mcp_servers" in data:
        _expect(isinstance(data["mcp_servers"], list), where, "mcp_servers", "a list", data["mcp_servers"])


def _server_tool(tool: dict[str, Any]) -> bool:
    kind = tool.get("type")
    return isinstance(kind, str) and kind.startswith(SERVER_TOOL_PREFIXES)


def _remote_source(block: Any) -> bool:
    return (
        isinstance(block, dict)
        and block.get("type") in ("image", "document")
        and isinstance(block.get("source"), dict)
        and block["source"].get("type") in ("url", "file")
    )


@dataclass
class CountableRequest:
    """The body count_tokens will be sent, and what had to be left out of it."""

    body: dict[str, Any]
    left_out: list[str]


def countable(data: dict[str, Any], model: str) -> CountableRequest:
    """Cut a request down to what count_tokens accepts and can count.

    Dropped silently: parameters count_tokens does not take (max_tokens, temperature, stream,
    metadata, stop_sequences, service_tier, inference_geo, container, …). Dropped and reported:
    server tools (web search / fetch, code execution, tool search), MCP servers, and image or
    document blocks with a url/file source — count_tokens rejects them (fact sheet §1).
    """
    # shallow: nothing below mutates the caller's nested objects (new lists and dicts are built)
    body: dict[str, Any] = {k: data[k] for k in COUNT_KEYS if k in data}
    body["model"] = model
    left_out: list[str] = []
    if "tools" in body:
        kept = []
        for tool in body["tools"]:
            if _server_tool(tool):
                left_out.append(f"server tool {tool.get('name', tool.get('type'))} ({tool.get('type')})")
            else:
                kept.append(tool)
        if kept:
            body["tools"] = kept
        else:
            del body["tools"]
            body.pop("tool_choice", None)
    if data.get("mcp_servers"):
        left_out.append(f"{len(data['mcp_servers'])} MCP server(s)")
    messages = []
    for i, msg in enumerate(body["messages"]):
        content = msg.get("content")
        if isinstance(content, list):
            kept_blocks = []
            for j, block in enumerate(content):
                if _remote_source(block):
                    left_out.append(f"messages[{i}].content[{j}]: {block['type']} with a {block['source']['type']} source")
                else:
                    kept_blocks.append(block)
            if not kept_blocks:
                continue
            msg = {**msg, "content": kept_blocks}
        messages.append(msg)
    if not messages:
        raise PayloadError("nothing countable: every message holds only url/file images or documents")
    body["messages"] = messages
    return CountableRequest(body, left_out)


@dataclass(frozen=True)
class Breakpoint:
    """A cache breakpoint: where it sits (tools → system → messages order) and its TTL."""

    position: tuple[int, ...]  # (0, i) tools; (1, i) system; (2, m, b) messages
    ttl: str  # "5m" | "1h"
    where: str  # human-readable location
    automatic: bool = False


def _ttl(cache_control: Any, loc: str) -> str:
    if not isinstance(cache_control, dict) or cache_control.get("type") != "ephemeral":
        raise PayloadError(f"{loc}.cache_control: must be {{\"type\": \"ephemeral\"}}")
    ttl = cache_control.get("ttl", "5m")
    if ttl not in ("5m", "1h"):
        raise PayloadError(f"{loc}.cache_control.ttl: must be \"5m\" or \"1h\", got {ttl!r}")
    return ttl


def breakpoints(body: dict[str, Any]) -> list[Breakpoint]:
    """Every cache breakpoint of a countable body, in prefix order, validated as the API does.

    Explicit breakpoints are `cache_control` on tools, system blocks and message content blocks.
    A top-level `cache_control` is automatic caching: one breakpoint on the last cacheable block,
    using one of the four slots (fact sheet §2). More than four breakpoints, a top-level TTL that
    differs from the last explicit TTL, or a 1h entry after a 5m entry is an error, as in the API.
    """
    found: list[Breakpoint] = []
    for i, tool in enumerate(body.get("tools", [])):
        if "cache_control" in tool:
            found.append(Breakpoint((0, i), _ttl(tool["cache_control"], f"tools[{i}]"), f"tools[{i}]"))
    system = body.get("system")
    if isinstance(system, list):
        for i, block in enumerate(system):
            if isinstance(block, dict) and "cache_control" in block:
                found.append(Breakpoint((1, i), _ttl(block["cache_control"], f"system[{i}]"), f"system[{i}]"))
    for m, msg in enumerate(body["messages"]):
        content = msg.get("content")
        if isinstance(content, list):
            for b, block in enumerate(content):
                if isinstance(block, dict) and "cache_control" in block:
                    loc = f"messages[{m}].content[{b}]"
                    found.append(Breakpoint((2, m, b), _ttl(block["cache_control"], loc), loc))
    if "cache_control" in body:
        ttl = _ttl(body["cache_control"], "top-level")
        if found and found[-1].ttl != ttl:
            raise PayloadError(
                f"top-level cache_control ttl {ttl!r} differs from the last block's {found[-1].ttl!r}",
                hint="the API returns 400 for this; make them equal",
            )
        last_m = len(body["messages"]) - 1
        content = body["messages"][last_m].get("content")
        last_b = len(content) - 1 if isinstance(content, list) else 0
        position = (2, last_m, last_b)
        if not found or found[-1].position != position:
            found.append(Breakpoint(position, ttl, f"messages[{last_m}] (automatic)", automatic=True))
    if len(found) > 4:
        raise PayloadError(
            f"{len(found)} cache breakpoints; the API allows at most 4",
            hint="remove cache_control from some blocks (automatic caching uses one slot)",
        )
    seen_5m = False
    for bp in found:
        if bp.ttl == "5m":
            seen_5m = True
        elif seen_5m:
            raise PayloadError(
                f"{bp.where}: a 1h cache entry after a 5m entry",
                hint="1h entries must come before 5m entries (the API returns 400)",
            )
    return found


def _strip_cache(body: dict[str, Any]) -> None:
    body.pop("cache_control", None)
    for tool in body.get("tools", []):
        tool.pop("cache_control", None)
    if isinstance(body.get("system"), list):
        for block in body["system"]:
            if isinstance(block, dict):
                block.pop("cache_control", None)
    for msg in body["messages"]:
        if isinstance(msg.get("content"), list):
            for block in msg["content"]:
                if isinstance(block, dict):
                    block.pop("cache_control", None)


def cut_after(body: dict[str, Any], position: tuple[int, ...]) -> tuple[dict[str, Any], bool]:
    """The body truncated right after the block at `position`, without cache_control.

    count_tokens needs at least one message ending on a user turn, so a cut that ends in tools,
    system or an assistant turn gets the one-character PLACEHOLDER user turn appended; the
    second value says whether it was. `tool_choice` only makes sense with tools and is kept only
    with them.
    """
    cut = copy.deepcopy(body)
    section = position[0]
    if section == 0:
        cut["tools"] = cut["tools"][: position[1] + 1]
        cut.pop("system", None)
        cut["messages"] = []
    elif section == 1:
        cut["system"] = cut["system"][: position[1] + 1]
        cut["messages"] = []
    else:
        m, b = position[1], position[2]
        cut["messages"] = cut["messages"][: m + 1]
        last = cut["messages"][m]
        if isinstance(last.get("content"), list):
            last["content"] = last["content"][: b + 1]
    _strip_cache(cut)
    if "tools" not in cut:
        cut.pop("tool_choice", None)
    placeholder = not cut["messages"] or cut["messages"][-1].get("role") != "user"
    if placeholder:
        cut["messages"].append(dict(PLACEHOLDER))
    return cut, placeholder


@dataclass
class Source:
    """One request found in the inputs: where it is, the request (or the error), and whether it
    is a Batch API line (priced at batch rates by default)."""

    location: str
    request: dict[str, Any] | None
    error: PayloadError | None = None
    batch: bool = False


def expand_paths(args: list[str], suffixes: tuple[str, ...] = (".json", ".jsonl")) -> list[str]:
    """Files from arguments: `-` (stdin) as is, globs expanded (sorted; `**` recursive), and a
    directory's files with one of `suffixes`, recursively; each file once. A pattern or directory
    that finds nothing is an error; a plain path is kept for the reader to report if missing."""
    import glob as globmod

    out: list[str] = []
    for arg in args:
        if arg == "-" or (any(ch in arg for ch in "*?[") and Path(arg).is_file()):
            out.append(arg)  # stdin, or a file whose name has a glob character: taken as named
        elif any(ch in arg for ch in "*?["):
            matches = sorted(globmod.glob(arg, recursive=True))
            if not matches:
                raise PayloadError(f"{arg}: no file matches this pattern")
            out += matches
        elif Path(arg).is_dir():
            found = sorted(str(p) for p in Path(arg).rglob("*") if p.name.endswith(suffixes) and p.is_file())
            if not found:
                raise PayloadError(f"{arg}: no {' or '.join(suffixes)} files in this directory")
            out += found
        else:
            out.append(arg)
    return _once(out)


def _once(paths: list[str]) -> list[str]:
    """Each file once, in the order first given: overlapping globs and folders (`logs/
    logs/2026-11.jsonl`) must not count a file's records twice, and stdin can be read once."""
    import os

    seen: set[str] = set()
    out = []
    for p in paths:
        key = p if p == "-" else os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _jsonl(lines: Any, where: str) -> Any:
    for n, line in enumerate(lines, 1):
        loc = f"{where}:{n}"
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if n == 1 else "utf-8")  # a BOM at the start dropped
            except UnicodeDecodeError as exc:
                yield Source(loc, None, PayloadError(f"{loc}: not UTF-8 text (byte {exc.start})"))
                continue
        text = line.strip().lstrip("\ufeff") if n == 1 else line.strip()
        if not text:
            continue
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Source(loc, None, PayloadError(f"{loc}: invalid JSON at column {exc.colno}: {exc.msg}"))
            continue
        if not isinstance(doc, dict):
            yield Source(loc, None, PayloadError(f"{loc}: expected a JSON object, got {type(doc).__name__}"))
        elif "custom_id" in doc and "params" in doc:
            params = doc["params"]
            if not isinstance(params, dict):
                yield Source(loc, None, PayloadError(f"{loc}: 'params' must be an object"))
            else:
                yield Source(f"{where}:{n} ({doc['custom_id']})", params, batch=True)
        else:
            yield Source(loc, doc)


def iter_requests(args: list[str]) -> Any:
    """Every request in files, globs, directories (their .json/.jsonl files, recursively) and
    stdin: a .json file is one request; a .jsonl file (or multi-line stdin that is not one JSON
    document) has one request body or Batch API line (`{"custom_id", "params"}`) per line."""
    for path in expand_paths(args):
        if path == "-":
            try:
                text = read_stdin()
            except PayloadError as exc:
                yield Source("stdin", None, exc)
                continue
            try:
                yield Source("stdin", parse_payload(text, "stdin"))
            except PayloadError as exc:
                if text.strip().count("\n") == 0:
                    yield Source("stdin", None, exc)
                else:
                    yield from _jsonl(text.splitlines(), "stdin")
            continue
        if path.endswith(".jsonl"):
            try:
                fh = open(path, "rb")  # lines decoded one by one: a bad byte spoils one line only
            except OSError as exc:
                yield Source(path, None, PayloadError(f"{path}: cannot read: {exc.strerror}"))
                continue
            with fh:
                yield from _jsonl(fh, path)
            continue
        try:
            yield Source(path, read_payload(path))
        except PayloadError as exc:
            yield Source(path, None, exc)
