"""Files claude-cost keeps only to be faster: the parsed price table and the tokenizer tables
derived from ctok. They live in the user's cache folder in Python's marshal format (basic types
only; read in a few milliseconds). Losing one only costs time, so every failure here is quiet:
an unreadable, damaged or foreign file reads as None, an unwritable folder writes nothing, and a
file is replaced whole (temporary file, then rename) so no reader sees half of one."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

__all__ = ["cache_home", "read", "write"]


def cache_home() -> Path:
    """claude-cost's cache folder: $XDG_CACHE_HOME/claude-cost, else ~/.cache/claude-cost."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claude-cost"


def read(path: Path) -> Any:
    """What `write` stored at `path`, or None."""
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write(path: Path, value: Any) -> None:
    """Store `value` (dicts, lists, tuples, strings, numbers, booleans, None) at `path`."""
    import tempfile

    try:
        data = marshal.dumps(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except (OSError, ValueError):
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
