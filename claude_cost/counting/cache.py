"""A persistent cache of count_tokens results: (model, countable body) hash → input tokens.

SQLite in the user cache directory. It stores hashes and counts only — never API keys, never
payload text. WAL mode, a busy timeout and INSERT OR IGNORE let several processes (two CI jobs)
write at once without losing or corrupting rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path

__all__ = ["CACHE_ENV", "default_path", "body_key", "CountCache"]

CACHE_ENV = "CLAUDE_COST_CACHE"
_CHUNK = 500  # keys per lookup query: below SQLite's oldest bound-parameter limit (999)


def default_path() -> Path:
    """$CLAUDE_COST_CACHE, else $XDG_CACHE_HOME/claude-cost/counts.sqlite3, else ~/.cache/…"""
    from claude_cost.core.cachefile import cache_home

    explicit = os.environ.get(CACHE_ENV)
    return Path(explicit) if explicit else cache_home() / "counts.sqlite3"


def body_key(canonical_body: str) -> str:
    """The cache key of a canonical JSON body (which includes the model): its SHA-256."""
    return hashlib.sha256(canonical_body.encode("utf-8")).hexdigest()


class CountCache:
    """Get and put counts by key; safe across threads (one connection per call) and processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.moved_aside: Path | None = None  # a damaged cache file found and set aside, if any
        try:
            self._init()
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one: it only held counts
            if not self.path.is_file() or "locked" in str(exc) or "busy" in str(exc):
                raise OSError(f"{self.path}: {exc}") from None  # callers count without a cache
            self._local = threading.local()
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):  # its journal belongs to it
                with contextlib.suppress(OSError):
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            self.moved_aside = aside
            try:
                self._init()
            except sqlite3.DatabaseError as again:
                raise OSError(f"{self.path}: {again}") from None

    def _init(self) -> None:
        db = self._db()
        # Two processes creating the file at the same moment: switching to WAL takes an
        # exclusive lock and can fail at once with "database is locked" (the busy timeout does
        # not cover it), so initialisation retries for a while.
        deadline = time.monotonic() + 30.0
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, input_tokens INTEGER NOT NULL, created REAL NOT NULL)")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30.0, isolation_level=None)

    def _db(self) -> sqlite3.Connection:
        """One connection per thread, kept for the life of the cache object (autocommit)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    # A cache that fails mid-run (disk full, a file damaged under us) only costs speed: a
    # failed read is a miss and a failed write is skipped.

    def get(self, key: str) -> int | None:
        try:
            row = self._db().execute("SELECT input_tokens FROM counts WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else int(row[0])

    def get_many(self, keys: list[str]) -> dict[str, int]:
        """The counts found for `keys` (absent keys are left out), a few hundred per query."""
        db = self._db()
        found: dict[str, int] = {}
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, tokens in db.execute(f"SELECT key, input_tokens FROM counts WHERE key IN ({marks})", chunk):
                    found[key] = int(tokens)
        except sqlite3.Error:
            pass  # what was found before the failure stands
        return found

    def put(self, key: str, tokens: int) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db().execute("INSERT OR IGNORE INTO counts (key, input_tokens, created) VALUES (?, ?, ?)", (key, tokens, time.time()))

    def info(self) -> tuple[int, int]:
        """(rows, bytes on disk)."""
        with self._connect() as db:
            rows = db.execute("SELECT COUNT(*) FROM counts").fetchone()[0]
        files = (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))  # the database and its journal
        size = sum(p.stat().st_size for p in files if p.is_file())
        return int(rows), size

    def clear(self) -> int:
        with self._connect() as db:
            n = db.execute("DELETE FROM counts").rowcount
            db.execute("VACUUM")
        return int(n)
