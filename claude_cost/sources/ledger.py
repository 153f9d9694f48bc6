"""The budget ledger: where reservations, settled calls and limits are kept, in a real database.

One schema and one set of statements for both back ends:

- SQLite (a file path): WAL, one write transaction (`BEGIN IMMEDIATE`) per reservation, safe
  across the threads and processes of one machine;
- PostgreSQL (`postgresql://…`, psycopg 3, the `postgres` extra): for many machines.

Money is whole picodollars (10⁻¹² USD) in 64-bit integers: every rate of the bundled table is a
whole number of picodollars per token (core/rate_rows checks it), so sums are exact; a limit is
at most 1,000,000 USD, so no sum can overflow. Times are UTC: ISO text for people and grouping,
epoch milliseconds for expiry. No floats anywhere.

The atomic step is the database's: a reservation is one conditional `UPDATE … WHERE spent +
reserved + amount <= limit` on the scope's window row. SQLite serialises writers (the
transaction holds the write lock); PostgreSQL locks the row and re-checks the condition on the
committed row for a waiting writer. Nothing is read into Python and written back.

A settled call is a row (time, scope, model, usage classes, cost, request id), so the ledger is
also a usage source: `claude-cost usage ledger.sqlite` reads it (`records`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from claude_cost.core.errors import ClaudeCostError, InputError

__all__ = ["Ledger", "LedgerError", "Reserved", "Refused", "WindowState", "open_ledger", "is_ledger", "is_ledger_file", "records", "PICO", "MAX_LIMIT_PICO"]

PICO = 10**12  # picodollars per USD
MAX_LIMIT_PICO = 1_000_000 * PICO  # the largest limit: sums stay far inside 64 bits
SCHEMA = 1
SQLITE_MAGIC = b"SQLite format 3\x00"


class LedgerError(ClaudeCostError):
    """The ledger cannot be opened, reached or used (a wrong path, a file that is not a ledger,
    a server that refuses); `Budget(fail="closed")` raises it and sends nothing."""


@dataclass(frozen=True)
class Reserved:
    """A reservation held in the ledger: its row, and the window's figures after it."""

    id: int
    amount: int  # picodollars
    spent: int
    reserved: int  # every live reservation of the window, this one included


@dataclass(frozen=True)
class Refused:
    """A reservation the limit could not take: the window's figures when it was refused."""

    limit: int
    spent: int
    reserved: int


@dataclass(frozen=True)
class WindowState:
    """One scope's window as the ledger holds it (expired reservations swept first)."""

    scope: str
    window: str
    window_start: str
    limit: int | None  # picodollars; None: no limit given nor set
    spent: int
    reserved: int
    calls: int
    refused: int
    released: int
    stale: int
    first_call: str | None  # ISO time of the window's first settled call


#: The tables. `{id}` and `{big}` are filled per back end.
_TABLES = (
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS limits (scope TEXT PRIMARY KEY, limit_pico BIGINT NOT NULL, budget_window TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS windows (scope TEXT NOT NULL, budget_window TEXT NOT NULL, window_start TEXT NOT NULL,"
    " spent_pico BIGINT NOT NULL DEFAULT 0, reserved_pico BIGINT NOT NULL DEFAULT 0, calls BIGINT NOT NULL DEFAULT 0,"
    " refused BIGINT NOT NULL DEFAULT 0, released BIGINT NOT NULL DEFAULT 0, stale BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (scope, budget_window, window_start))",
    "CREATE TABLE IF NOT EXISTS alerts (scope TEXT NOT NULL, budget_window TEXT NOT NULL, window_start TEXT NOT NULL,"
    " threshold TEXT NOT NULL, fired_at TEXT NOT NULL, PRIMARY KEY (scope, budget_window, window_start, threshold))",
    "CREATE TABLE IF NOT EXISTS calls (id {id}, scope TEXT NOT NULL, budget_window TEXT NOT NULL, window_start TEXT NOT NULL,"
    " state TEXT NOT NULL, reserved_pico BIGINT NOT NULL, cost_pico BIGINT, reserved_at TEXT NOT NULL, expires_ms BIGINT NOT NULL,"
    " settled_at TEXT, model TEXT NOT NULL, input_tokens BIGINT, cache_write_5m BIGINT, cache_write_1h BIGINT, cache_read BIGINT,"
    " output_tokens BIGINT, web_searches BIGINT, batch INTEGER NOT NULL DEFAULT 0, geo TEXT, speed TEXT, request_id TEXT,"
    " message_id TEXT, stop_reason TEXT)",
    "CREATE INDEX IF NOT EXISTS calls_open ON calls (state, expires_ms)",
)

_SWEEP = ("UPDATE calls SET state = 'expired' WHERE scope = ? AND budget_window = ? AND window_start = ? AND state = 'reserved'"
          " AND expires_ms < ? RETURNING reserved_pico")  # fmt: skip
_UNSWEEP = "UPDATE windows SET reserved_pico = reserved_pico - ?, stale = stale + ? WHERE scope = ? AND budget_window = ? AND window_start = ?"
_OPEN_WINDOW = "INSERT INTO windows (scope, budget_window, window_start) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
# the atomic step: the limit given by the caller, else the one kept in the ledger for the scope
_TAKE = ("UPDATE windows SET reserved_pico = reserved_pico + ? WHERE scope = ? AND budget_window = ? AND window_start = ?"
         " AND spent_pico + reserved_pico + ? <= COALESCE(?, (SELECT limit_pico FROM limits WHERE scope = ?))"
         " RETURNING spent_pico, reserved_pico")  # fmt: skip
_REFUSE = ("UPDATE windows SET refused = refused + 1 WHERE scope = ? AND budget_window = ? AND window_start = ?"
           " RETURNING spent_pico, reserved_pico, COALESCE(?, (SELECT limit_pico FROM limits WHERE scope = ?))")  # fmt: skip
_INSERT_CALL = ("INSERT INTO calls (scope, budget_window, window_start, state, reserved_pico, reserved_at, expires_ms, model)"
                " VALUES (?, ?, ?, 'reserved', ?, ?, ?, ?) RETURNING id")  # fmt: skip
# settle / release: the row leaves `reserved` (its hold is given back) or `expired` (a call slower
# than the TTL: the sweep gave the hold back already) exactly once
_SETTLE_CALL = ("UPDATE calls SET state = 'settled', cost_pico = ?, settled_at = ?, input_tokens = ?, cache_write_5m = ?,"
                " cache_write_1h = ?, cache_read = ?, output_tokens = ?, web_searches = ?, batch = ?, geo = ?, speed = ?,"
                " request_id = ?, message_id = ?, stop_reason = ?, model = ?"
                " WHERE id = ? AND state = ? RETURNING scope, budget_window, window_start, reserved_pico")  # fmt: skip
_RELEASE_CALL = ("UPDATE calls SET state = 'released', settled_at = ? WHERE id = ? AND state = ?"
                 " RETURNING scope, budget_window, window_start, reserved_pico")  # fmt: skip


class Ledger:
    """A ledger on SQLite or PostgreSQL. Thread-safe: each thread (and each process after a
    fork) has its own connection."""

    def __init__(self, target: str, backend: str, read_only: bool = False) -> None:
        self.target = target
        self.backend = backend  # "sqlite" | "postgres"
        # read-only: nothing is created, swept or written (usage and the MCP server read a ledger
        # so); SQLite still keeps its own -shm / -wal companions of a WAL database beside it
        self.read_only = read_only
        self._local = threading.local()
        self._swept: dict[tuple[str, str, str], int] = {}  # (scope, window, start) -> when this process last swept it
        self._conn()  # opened (and checked) now: a ledger that cannot be used fails at construction

    # ------------------------------------------------------------------ connections

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = self._connect_sqlite() if self.backend == "sqlite" else self._connect_postgres()
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _connect_sqlite(self) -> Any:
        import sqlite3

        path = Path(self.target)
        if path.exists():
            if path.is_dir():
                raise LedgerError(f"{self.target}: is a directory, not a ledger file", hint="give a file path, e.g. budget.sqlite")
            try:
                with open(path, "rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise LedgerError(f"{self.target}: cannot read: {exc.strerror or exc}") from None
            if head and head != SQLITE_MAGIC:
                raise LedgerError(f"{self.target}: not a claude-cost ledger (not an SQLite database); it was left as it is",
                                  hint="point the ledger at a new file")  # fmt: skip
        elif self.read_only:
            raise LedgerError(f"{self.target}: no such ledger")
        elif not path.parent.is_dir():
            raise LedgerError(f"{self.target}: the folder {path.parent} does not exist")
        try:
            if self.read_only:
                from urllib.parse import quote

                conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=60, isolation_level=None,
                                       check_same_thread=False)  # fmt: skip
            else:
                conn = sqlite3.connect(self.target, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 60000")
            self._prepare(conn)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.target}: cannot use the ledger: {exc}; it was left as it is",
                              hint="a damaged file is never overwritten: move it aside to start a new ledger") from None  # fmt: skip
        return conn

    def _connect_postgres(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise LedgerError("a PostgreSQL ledger needs psycopg", hint="pip install 'claude-cost[postgres]'") from None
        try:
            conn = psycopg.connect(self.target, connect_timeout=10)
            self._prepare(conn)
        except psycopg.Error as exc:
            raise LedgerError(f"cannot use the PostgreSQL ledger at {_safe_url(self.target)}: {_first_line(exc)}") from None
        return conn

    def _prepare(self, conn: Any) -> None:
        """The tables, created once; a database that holds other tables but not ours is refused."""
        if self.read_only:
            if self.backend == "sqlite":
                names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                found = "ledger_meta" in names
            else:
                found = conn.execute("SELECT to_regclass('ledger_meta') IS NOT NULL").fetchone()[0]
            if not found:
                raise LedgerError(f"{_safe_url(self.target)}: not a claude-cost ledger")
            self._check_schema(conn)
            if self.backend == "postgres":
                conn.commit()
            return
        if self.backend == "sqlite":
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if names and "ledger_meta" not in names:
                raise LedgerError(f"{self.target}: an SQLite database that is not a claude-cost ledger; it was left as it is",
                                  hint="point the ledger at a new file")  # fmt: skip
            if "ledger_meta" not in names:
                conn.execute("PRAGMA journal_mode = WAL")
                with self._tx(conn):
                    for sql in _TABLES:
                        conn.execute(sql.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"))
                    conn.execute("INSERT INTO ledger_meta (key, value) VALUES ('schema', ?) ON CONFLICT DO NOTHING", (str(SCHEMA),))
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a crash of the process, fsync at checkpoints
        else:
            # DDL only when the tables are missing: CREATE INDEX IF NOT EXISTS takes a SHARE lock on
            # calls even when the index exists, and would queue behind (and ahead of) every writer
            found = conn.execute("SELECT to_regclass('ledger_meta') IS NOT NULL").fetchone()[0]
            conn.commit()
            if found:
                self._check_schema(conn)
                conn.commit()
                return
            with self._tx(conn):
                cur = conn.cursor()
                cur.execute("SELECT pg_advisory_xact_lock(7351936)")  # one creator at a time, across machines
                for sql in _TABLES:
                    cur.execute(sql.format(id="BIGSERIAL PRIMARY KEY"))
                cur.execute("INSERT INTO ledger_meta (key, value) VALUES ('schema', %s) ON CONFLICT DO NOTHING", (str(SCHEMA),))
        self._check_schema(conn)
        if self.backend == "postgres":
            conn.commit()  # no transaction left open on an idle connection

    def _check_schema(self, conn: Any) -> None:
        row = self._one(conn, "SELECT value FROM ledger_meta WHERE key = 'schema'", ())
        if row is None or row[0] != str(SCHEMA):
            raise LedgerError(f"{_safe_url(self.target)}: ledger schema {row[0] if row else '?'} is not the {SCHEMA} this version reads",
                              hint="use the claude-cost version that wrote it, or a new ledger")  # fmt: skip

    # ------------------------------------------------------------------ statements

    def _sql(self, sql: str) -> str:
        return sql if self.backend == "sqlite" else sql.replace("?", "%s")

    def _all(self, conn: Any, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cur = conn.execute(self._sql(sql), args)
        return list(cur.fetchall())

    def _exec(self, conn: Any, sql: str, args: tuple[Any, ...]) -> None:
        conn.execute(self._sql(sql), args)

    def _one(self, conn: Any, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        rows = self._all(conn, sql, args)
        return rows[0] if rows else None

    class _Tx:
        def __init__(self, ledger: Ledger, conn: Any) -> None:
            self.ledger, self.conn = ledger, conn

        def __enter__(self) -> Any:
            if self.ledger.backend == "sqlite":
                # the write lock now: no other writer until COMMIT (a reader: one consistent snapshot)
                self.conn.execute("BEGIN" if self.ledger.read_only else "BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
            if kind is None:
                self.conn.execute("COMMIT") if self.ledger.backend == "sqlite" else self.conn.commit()
            else:
                try:
                    self.conn.execute("ROLLBACK") if self.ledger.backend == "sqlite" else self.conn.rollback()
                except Exception:  # the connection itself failed: it is dropped below
                    pass

    def _tx(self, conn: Any) -> Ledger._Tx:
        return Ledger._Tx(self, conn)

    def _run(self, work: Any) -> Any:
        """`work(conn)` in one transaction; a database error becomes a LedgerError (and the
        thread's connection is dropped, so the next call reconnects)."""
        conn = self._conn()
        try:
            with self._tx(conn):
                return work(conn)
        except ClaudeCostError:
            raise
        except Exception as exc:
            if _is_db_error(exc):
                self._local.conn = None
                try:
                    conn.close()
                except Exception:
                    pass
                raise LedgerError(f"ledger {_safe_url(self.target)}: {_first_line(exc)}") from None
            raise

    def _sweep(self, conn: Any, scope: str, window: str, start: str, now_ms: int) -> None:
        """Reservations past their expiry (a process that died mid-request) stop counting."""
        gone = self._all(conn, _SWEEP, (scope, window, start, now_ms))
        if gone:
            self._exec(conn, _UNSWEEP, (sum(int(r[0]) for r in gone), len(gone), scope, window, start))

    # ------------------------------------------------------------------ the operations

    def reserve(self, scope: str, window: str, start: str, limit: int | None, amount: int, now_iso: str, now_ms: int, ttl_ms: int,
                model: str) -> Reserved | Refused:  # fmt: skip
        """Hold `amount` picodollars in the window if spent + reserved + amount fits the limit
        (the caller's, else the scope's in the ledger), in one transaction."""

        def work(conn: Any) -> Reserved | Refused:
            # dead processes' holds are swept at most once a second per process (and by every status)
            if now_ms - self._swept.get((scope, window, start), 0) >= 1000:
                self._sweep(conn, scope, window, start, now_ms)
                self._swept[(scope, window, start)] = now_ms
            took = self._one(conn, _TAKE, (amount, scope, window, start, amount, limit, scope))
            if took is None:  # no window row yet, or the limit cannot take it
                self._exec(conn, _OPEN_WINDOW, (scope, window, start))
                took = self._one(conn, _TAKE, (amount, scope, window, start, amount, limit, scope))
            if took is None:
                spent, reserved, cap = self._one(conn, _REFUSE, (scope, window, start, limit, scope))  # type: ignore[misc]
                return Refused(int(cap) if cap is not None else -1, int(spent), int(reserved))
            row = self._one(conn, _INSERT_CALL, (scope, window, start, amount, now_iso, now_ms + ttl_ms, model))
            return Reserved(int(row[0]), amount, int(took[0]), int(took[1]))  # type: ignore[index]

        return self._run(work)  # type: ignore[no-any-return]

    def settle(self, call_id: int, cost: int, counts: tuple[int, int, int, int, int, int], *, model: str, batch: bool, geo: str | None,
               speed: str, request_id: str | None, message_id: str | None, stop_reason: str | None, now_iso: str) -> int | None:  # fmt: skip
        """Replace the reservation by the call's actual cost; returns the window's spent after
        it (None: the call was settled or released already)."""

        def work(conn: Any) -> int | None:
            args = (cost, now_iso, *counts, int(batch), geo, speed, request_id, message_id, stop_reason, model, call_id)
            row = self._one(conn, _SETTLE_CALL, (*args, "reserved"))
            unhold = True
            if row is None:
                row, unhold = self._one(conn, _SETTLE_CALL, (*args, "expired")), False
                if row is None:
                    return None  # settled or released already
            scope, window, start, held = row
            got = self._one(conn, "UPDATE windows SET reserved_pico = reserved_pico - ?, spent_pico = spent_pico + ?, calls = calls + 1"
                                  " WHERE scope = ? AND budget_window = ? AND window_start = ? RETURNING spent_pico",
                            (int(held) if unhold else 0, cost, scope, window, start))  # fmt: skip
            return int(got[0]) if got else None

        return self._run(work)  # type: ignore[no-any-return]

    def release(self, call_id: int, now_iso: str) -> bool:
        """Give a reservation back (an API error, a stream that never started)."""

        def work(conn: Any) -> bool:
            row = self._one(conn, _RELEASE_CALL, (now_iso, call_id, "reserved"))
            unhold = True
            if row is None:
                row, unhold = self._one(conn, _RELEASE_CALL, (now_iso, call_id, "expired")), False
                if row is None:
                    return False
            scope, window, start, held = row
            self._exec(conn, "UPDATE windows SET reserved_pico = reserved_pico - ?, released = released + 1 WHERE scope = ?"
                             " AND budget_window = ? AND window_start = ?", (int(held) if unhold else 0, scope, window, start))  # fmt: skip
            return True

        return self._run(work)  # type: ignore[no-any-return]

    def fire(self, scope: str, window: str, start: str, threshold: str, now_iso: str) -> bool:
        """Whether this caller is the one that fires `threshold` for the window (once, atomically)."""

        def work(conn: Any) -> bool:
            row = self._one(conn, "INSERT INTO alerts (scope, budget_window, window_start, threshold, fired_at) VALUES (?, ?, ?, ?, ?)"
                                  " ON CONFLICT DO NOTHING RETURNING 1", (scope, window, start, threshold, now_iso))  # fmt: skip
            return row is not None

        return self._run(work)  # type: ignore[no-any-return]

    def state(self, scope: str, window: str, start: str, limit: int | None, now_ms: int) -> WindowState:
        """The window's figures, expired reservations swept first."""

        def work(conn: Any) -> WindowState:
            if not self.read_only:
                self._sweep(conn, scope, window, start, now_ms)
            row = self._one(conn, "SELECT spent_pico, reserved_pico, calls, refused, released, stale FROM windows"
                                  " WHERE scope = ? AND budget_window = ? AND window_start = ?", (scope, window, start))  # fmt: skip
            if self.read_only and row is not None:  # what a sweep would do, read without writing
                held, n = self._one(conn, "SELECT COALESCE(SUM(reserved_pico), 0), COUNT(*) FROM calls WHERE scope = ? AND budget_window = ?"
                                          " AND window_start = ? AND state = 'reserved' AND expires_ms < ?", (scope, window, start, now_ms))  # type: ignore[misc]
                row = (row[0], int(row[1]) - int(held), row[2], row[3], row[4], int(row[5]) + int(n))
            cap = limit
            if cap is None:
                kept = self._one(conn, "SELECT limit_pico FROM limits WHERE scope = ?", (scope,))
                cap = int(kept[0]) if kept else None
            first = self._one(conn, "SELECT MIN(settled_at) FROM calls WHERE scope = ? AND budget_window = ? AND window_start = ?"
                                    " AND state = 'settled'", (scope, window, start))  # fmt: skip
            figures = [int(x) for x in row] if row else [0, 0, 0, 0, 0, 0]
            return WindowState(scope, window, start, cap, *figures, first[0] if first else None)  # type: ignore[arg-type]

        return self._run(work)  # type: ignore[no-any-return]

    def set_limit(self, scope: str, limit: int, window: str, now_iso: str) -> None:
        def work(conn: Any) -> None:
            self._exec(conn, "INSERT INTO limits (scope, limit_pico, budget_window, updated_at) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT (scope) DO UPDATE SET limit_pico = excluded.limit_pico, budget_window = excluded.budget_window,"
                             " updated_at = excluded.updated_at", (scope, limit, window, now_iso))  # fmt: skip

        self._run(work)

    def kept_limit(self, scope: str) -> tuple[int, str] | None:
        """The limit and window `budget set` kept for the scope, if any."""
        row = self._run(lambda conn: self._one(conn, "SELECT limit_pico, budget_window FROM limits WHERE scope = ?", (scope,)))
        return (int(row[0]), str(row[1])) if row else None

    def settled(self) -> Iterator[tuple[Any, ...]]:
        """Every settled call, oldest first: (id, scope, settled_at, model, 6 counts, batch, geo, speed, request_id, message_id, stop)."""
        rows = self._run(lambda conn: self._all(conn, "SELECT id, scope, settled_at, model, input_tokens, cache_write_5m, cache_write_1h,"
                                                      " cache_read, output_tokens, web_searches, batch, geo, speed, request_id, message_id,"
                                                      " stop_reason FROM calls WHERE state = 'settled' ORDER BY id", ()))  # fmt: skip
        yield from rows

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.close()
            finally:
                self._local.conn = None


def _is_db_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    mod = type(exc).__module__
    return mod.startswith("psycopg")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _safe_url(target: str) -> str:
    """A PostgreSQL URL without its password (it is never shown)."""
    if "://" not in target:
        return target
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(target)
    except ValueError:
        return "postgresql://…"
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return target


def open_ledger(target: str | os.PathLike[str], *, read_only: bool = False) -> Ledger:
    """A ledger at `target`: a file path (SQLite, made when missing unless `read_only`) or a
    postgresql:// URL."""
    text = os.fspath(target)
    if not text.strip():
        raise InputError("the ledger is an empty name", hint="give a file path (budget.sqlite) or a postgresql:// URL")
    if text.startswith(("postgresql://", "postgres://")):
        return Ledger(text, "postgres", read_only)
    if "://" in text:
        raise InputError(f"{text.split('://')[0]}:// ledgers are not supported", hint="give a file path (SQLite) or a postgresql:// URL")
    return Ledger(text, "sqlite", read_only)


def is_ledger(source: str) -> bool:
    """Whether a usage source is a budget ledger: a postgresql:// URL, or an SQLite database file."""
    return source.startswith(("postgresql://", "postgres://")) or (source != "-" and os.path.isfile(source) and is_ledger_file(source))


def is_ledger_file(path: str) -> bool:
    """Whether a file is an SQLite database (a ledger, when `usage` reads it)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def records(target: str) -> Iterator[Any]:
    """The ledger's settled calls as usage records (`claude-cost usage ledger.sqlite`): each
    priced as `usage` prices a response; the scope is the record's `service`. A row that does
    not read as a call (a ledger edited by hand) is a counted problem."""
    from claude_cost.sources.records import Problem

    ledger = open_ledger(target, read_only=True)
    try:
        for row in ledger.settled():
            where = f"{_safe_url(target)}#{row[0]}"
            try:
                yield _record(row, where)
            except (TypeError, ValueError, OverflowError) as exc:
                yield Problem(where, f"not a call as a ledger writes it: {exc}")
    finally:
        ledger.close()


def _count(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} is {value!r}, not a whole number of tokens")
    return value


def _text(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{name} is {value!r}, not text")


def _record(row: tuple[Any, ...], where: str) -> Any:
    from claude_cost.sources.records import Record

    call_id, scope, at, model, *rest = row
    names = ("input_tokens", "cache_write_5m", "cache_write_1h", "cache_read", "output_tokens", "web_searches")
    counts = tuple(_count(v, n) for v, n in zip(rest[:6], names))
    batch, geo, speed, request_id, _message_id, stop = rest[6:]
    when = _text(at, "settled_at")
    day = date.fromisoformat(when[:10]) if when else None
    if batch not in (0, 1, None):
        raise ValueError(f"batch is {batch!r}, not 0 or 1")
    speed = _text(speed, "speed") or "standard"
    if speed not in ("standard", "fast"):
        raise ValueError(f"speed is {speed!r}")
    request_id = _text(request_id, "request_id")
    return Record(_text(model, "model") or "", day, counts, bool(batch), _text(geo, "geo"), speed,  # type: ignore[arg-type]
                  where + (f" ({request_id})" if request_id else ""), when=when, service=str(_text(scope, "scope")),
                  stop=_text(stop, "stop_reason"))  # fmt: skip
