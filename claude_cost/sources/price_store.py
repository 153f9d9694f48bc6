"""The price table `prices update` installs, in the user data folder (core.prices.data_dir):

    prices.toml           the table in use (when it is not older than the bundled one)
    prices.json           where it came from: {"source", "fetched", "sha256", "as_of"}
    prices.previous.toml  the one it replaced, for `prices rollback` (and prices.previous.json)
    .lock                 held while a table is installed or rolled back

Every file is replaced by a rename (files.write_atomic), and the whole swap happens under an
exclusive lock, so two updates at once never leave a half-written file or a previous table that
is not the one replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.core.models import PriceTable
from claude_cost.core.price_diff import PriceDiff, diff_tables
from claude_cost.core.prices import bundled_path, data_dir, installed_path, load_table, parse_table
from claude_cost.sources.files import write_atomic

__all__ = ["Installed", "Update", "install", "rollback", "describe", "lock", "bundled_sha", "prepare_update", "prepare_merge",
           "prices_url", "list_url", "LIST_ENV", "URL_ENV"]

#: Where the lists the world keeps current are fetched from by `prices update` (issue 32): their
#: published addresses, each overridable for a mirror, an air-gapped copy or a test.
LIST_ENV = {"litellm": "CLAUDE_COST_LITELLM_URL", "genai-prices": "CLAUDE_COST_GENAI_PRICES_URL"}
URL_ENV = "CLAUDE_COST_PRICES_URL"


@dataclass
class Installed:
    path: Path
    source: str
    sha256: str
    fetched: str | None
    as_of: str | None


@contextlib.contextmanager
def lock() -> Iterator[None]:
    """An exclusive lock on the data folder (blocking), released on exit."""
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / ".lock", "a+")
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the price table here: {exc.strerror}", hint="set XDG_DATA_HOME to a writable folder") from None
    with fh:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: renames are still atomic
            pass
        yield


def _meta(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install(data: bytes, source: str, as_of: date) -> Path:
    """Make `data` (a validated table) the installed one, keeping the one it replaces."""
    folder, current = data_dir(), installed_path()
    with lock():
        if current.is_file():
            write_atomic(folder / "prices.previous.toml", current.read_bytes())
            meta = folder / "prices.json"
            write_atomic(folder / "prices.previous.json", meta.read_bytes() if meta.is_file() else b"{}")
        else:  # nothing to go back to but the bundled table
            for name in ("prices.previous.toml", "prices.previous.json"):
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
        write_atomic(current, data)
        doc = {"source": source, "fetched": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "sha256": _sha(data),
               "as_of": as_of.isoformat()}  # fmt: skip
        write_atomic(folder / "prices.json", (json.dumps(doc, indent=2) + "\n").encode())
    return current


def rollback() -> str:
    """Put the previous table back (or, with none, go back to the bundled table); what happened."""
    folder, current = data_dir(), installed_path()
    previous = folder / "prices.previous.toml"
    with lock():
        if previous.is_file():
            write_atomic(current, previous.read_bytes())
            prev_meta = folder / "prices.previous.json"
            write_atomic(folder / "prices.json", prev_meta.read_bytes() if prev_meta.is_file() else b"{}")
            previous.unlink()
            with contextlib.suppress(FileNotFoundError):
                prev_meta.unlink()
            return f"restored the previous price table ({_meta(folder / 'prices.json').get('source', current)})"
        if current.is_file():
            for name in ("prices.toml", "prices.json"):
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
            return "removed the updated price table: the bundled one is used again"
    return "no updated price table is installed: the bundled one is in use"


def describe(path: Path | None = None) -> Installed | None:
    """The installed table (or another one in the folder), or None."""
    path = path or installed_path()
    if not path.is_file():
        return None
    data = path.read_bytes()
    meta = _meta(path.with_suffix(".json"))
    return Installed(path, str(meta.get("source") or path), _sha(data), meta.get("fetched"), meta.get("as_of"))


def bundled_sha() -> str:
    return _sha(bundled_path().read_bytes())



def prices_url(start: Path) -> str | None:
    """A whole table to fetch, when the user named one: $CLAUDE_COST_PRICES_URL, else the
    config's `prices-url`; None: merge from the published lists."""
    import os

    from claude_cost.sources.config import configured_prices_url

    return os.environ.get(URL_ENV) or configured_prices_url(start)


def list_url(name: str) -> str:
    """Where a published list is fetched from: its environment variable, else its address."""
    import os

    from claude_cost.sources.price_lists import SOURCES

    return os.environ.get(LIST_ENV[name]) or SOURCES[name]


@dataclass
class Update:
    source: str
    data: bytes
    old: PriceTable
    new: PriceTable
    diff: PriceDiff
    merge: Any = None  # core.price_merge.Merge, when the table was merged from the published lists


def prepare_update(source: str, today: date, *, allow_removals: bool = False, timeout: float | None = None) -> Update:
    """Fetch a whole table, validate it like the bundled one, and hold it against the table in
    use. A table that drops models still served is refused unless `allow_removals`. Nothing is
    written."""
    from claude_cost.sources.fetch import fetch

    from claude_cost.sources.fetch import TIMEOUT

    data = fetch(source, timeout=timeout or TIMEOUT)
    new = parse_table(data, source)
    old = load_table(None, use_env=False)
    diff = diff_tables(old, new, today)
    dropped = [m for m in diff.removed if not old.models[m].is_retired(today)]
    if dropped and not allow_removals:
        raise InputError(f"{source}: the new table drops {len(dropped)} model(s) that are still served ({', '.join(dropped[:5])}"
                         f"{', …' if len(dropped) > 5 else ''}): nothing was changed", hint="pass --allow-removals if that is meant")  # fmt: skip
    return Update(source, data, old, new, diff)


def prepare_merge(names: list[str], today: date, *, timeout: float | None = None) -> Update:
    """The table in use merged with the published lists `names` (core/price_merge.py), validated
    like any table, held against the one in use. A list that cannot be fetched or read is said
    and the other used; none: FetchError (exit 3), nothing changed. Nothing is written."""
    import hashlib

    from claude_cost.core.errors import ClaudeCostError
    from claude_cost.core.price_merge import apply, merge
    from claude_cost.core.prices import base_path
    from claude_cost.sources import price_lists
    from claude_cost.sources.fetch import TIMEOUT, FetchError, fetch

    readers = {"litellm": price_lists.read_litellm, "genai-prices": price_lists.read_genai_prices}
    lists, where, failed = {}, {}, []
    for name in names:
        url = list_url(name)
        try:
            data = fetch(url, timeout=timeout or TIMEOUT)
            lists[name] = readers[name](data, url)
        except ClaudeCostError as exc:
            failed.append(f"{name} could not be used ({exc.message}): merged from {'the other list' if len(names) > 1 else 'nothing'}")
            continue
        where[name] = f"{url}, sha256 {hashlib.sha256(data).hexdigest()[:12]}"
    if not lists:
        raise FetchError("no price list could be fetched: " + "; ".join(failed), hint="nothing was changed; check the network, or set "
                         + " / ".join(f"${LIST_ENV[n]}" for n in names) + " to a mirror or a local copy")  # fmt: skip
    old = load_table(None, use_env=False)
    text = base_path().read_text(encoding="utf-8-sig")
    result = merge(old, lists, today)
    result.lists, result.notes = where, failed
    candidate = apply(text, result, today).encode()
    new = parse_table(candidate, "the merged table")  # validated like any table: a bad merge is an error, never installed
    source = "merged: " + "; ".join(f"{n} ({w})" for n, w in where.items())
    return Update(source, candidate, old, new, diff_tables(old, new, today), result)
