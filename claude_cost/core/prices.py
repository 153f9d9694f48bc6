"""The only code that reads prices.toml: load, merge a user file, validate, resolve model names."""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.core import clock
from claude_cost.core.errors import PriceTableError, UnknownModelError
from claude_cost.core.models import (
    TOKEN_CLASSES,
    FastPeriod,
    Fees,
    HistoryEntry,
    LongContextTier,
    ModelPrice,
    PriceTable,
    Rates,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["PRICES_ENV", "bundled_path", "data_dir", "installed_path", "load_table", "parse_table", "check_file", "resolve", "Resolved",
           "family_of", "STALE_DAYS"]

PRICES_ENV = "CLAUDE_COST_PRICES"
#: A table older than this many days is said to be old (one note on stderr).
STALE_DAYS = 90

TOP_KEYS = {"schema", "as_of", "currency", "fees", "models"}
FEE_KEYS = {
    "web_search_per_1000",
    "code_execution_per_hour",
    "code_execution_free_hours_per_month",
    "session_per_hour",
    "us_residency_multiplier",
    "regional_endpoint_multiplier",
}
RATE_KEYS = set(TOKEN_CLASSES)
PRICE_KEYS = RATE_KEYS | {"batch_input", "batch_output"}
INT_KEYS = {"context_window", "min_cacheable", "tool_prompt_auto", "tool_prompt_any"}
BOOL_KEYS = {"us_residency", "regional_premium"}
STR_KEYS = {"name", "family", "source", "tokenizer", "ctok", "fast_after_removal"}
SCALAR_KEYS = PRICE_KEYS | INT_KEYS | BOOL_KEYS | STR_KEYS | {"deprecated", "retired"}
MODEL_KEYS = SCALAR_KEYS | {"aliases", "fast", "long_context", "history"}
HISTORY_KEYS = PRICE_KEYS | INT_KEYS | BOOL_KEYS
TOKENIZERS = {"v3", "v4.7", "v5"}
#: Versions of the reconstructed tokenizer ctok 1.3.0 (offline-token-estimation.md §3.4).
CTOK_VERSIONS = {"3.0", "4.7", "4.8", "5.0"}
FAMILIES = {"opus", "sonnet", "haiku", "fable", "mythos"}

# Bedrock cross-region inference profiles (fact sheet §11; genai-prices also matches au./us-gov.).
_BEDROCK_PREFIX = re.compile(r"^(global|us|eu|jp|apac|au|us-gov)\.")
_BEDROCK_SUFFIX = re.compile(r"-v\d+(:\d+)?$")
_VERTEX_DATE = re.compile(r"@(\d{8})$")


def bundled_path() -> Path:
    """The prices.toml shipped inside the package."""
    # beside the package's modules (a regular install; importlib.resources costs ~4 ms at start-up)
    return Path(__file__).resolve().parent.parent / "prices.toml"


def _read(path: Path) -> dict[str, Any]:
    """The parsed TOML of a price table (floats as Decimal). A table read before comes from
    the parse cache (below) when its file has not changed since."""
    cached = _cached_parse(path)
    if cached is not None:
        return cached
    try:
        with open(path, "rb") as fh:
            raw = tomllib.loads(fh.read().decode("utf-8-sig"), parse_float=Decimal)  # a BOM (Windows editors) dropped
    except FileNotFoundError:
        raise PriceTableError(f"{path}: prices file not found", hint="check the --prices / CLAUDE_COST_PRICES path") from None
    except OSError as exc:
        raise PriceTableError(f"{path}: cannot read prices file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PriceTableError(f"{path}: not UTF-8 text (byte {exc.start})", hint="TOML files are UTF-8") from None
    _store_parse(path, raw)
    return raw


# The parse cache. TOML is parsed in pure Python (~9 ms for the bundled table, a tenth of a
# manual estimate), so a parsed table is kept in the cache folder (core/cachefile.py), keyed by
# the file's path, size, modification time and inode and this Python's version; a changed
# file, a damaged cache entry or an unwritable folder only means parsing again. Decimals and
# dates, which marshal does not hold, are stored as tagged tuples (TOML has no tuples, so the
# tags cannot collide with a value).
_PARSE_FORMAT = 1


def _parse_key(path: Path) -> tuple[str, Path] | None:
    import zlib

    from claude_cost.core.cachefile import cache_home

    try:
        st = os.stat(path)
    except OSError:
        return None
    key = f"{_PARSE_FORMAT} {sys.version_info[:2]} {os.path.abspath(path)} {st.st_size} {st.st_mtime_ns} {st.st_ino}"
    return key, cache_home() / f"prices-{zlib.crc32(key.encode()):08x}.marshal"


def _cached_parse(path: Path) -> dict[str, Any] | None:
    from claude_cost.core import cachefile

    found = _parse_key(path)
    doc = cachefile.read(found[1]) if found else None
    if not isinstance(doc, dict) or found is None or doc.get("key") != found[0]:
        return None
    try:
        return _untag(doc["table"])
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return None


def _store_parse(path: Path, raw: dict[str, Any]) -> None:
    from claude_cost.core import cachefile

    found = _parse_key(path)
    if found is not None:
        try:
            table = _tag(raw)
        except ValueError:
            return  # a TOML time of day: this table is parsed every time
        cachefile.write(found[1], {"key": found[0], "table": table})


def _tag(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, date):  # also datetime, a date subclass
        return (type(value).__name__, value.isoformat())
    if isinstance(value, (str, int, bool)):
        return value
    raise ValueError(f"cannot cache a {type(value).__name__}")


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    if isinstance(value, tuple):
        kind, text = value
        if kind == "decimal":
            return Decimal(text)
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "datetime":
            from datetime import datetime

            return datetime.fromisoformat(text)
        raise ValueError(kind)
    return value


def data_dir() -> Path:
    """Where `prices update` installs tables: $XDG_DATA_HOME/claude-cost, else ~/.local/share/claude-cost."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "claude-cost"


def installed_path() -> Path:
    return data_dir() / "prices.toml"


_AS_OF = re.compile(rb"^as_of\s*=\s*(\d{4}-\d{2}-\d{2})", re.M)


def _bundled_as_of() -> date | None:
    """The bundled table's date, read from its text (cheaper than parsing it)."""
    try:
        with open(bundled_path(), "rb") as fh:
            m = _AS_OF.search(fh.read(4096))
        return date.fromisoformat(m.group(1).decode()) if m else None
    except (OSError, ValueError):
        return None


def _base(use_installed: bool) -> tuple[Path, dict[str, Any], str, list[str]]:
    """The base table — the one an update installed, unless it is older than the bundled one or
    broken (then the bundled one, with a note) — as (path, its parsed TOML, source, notes)."""
    installed = installed_path()
    if use_installed and installed.is_file():
        try:
            raw = _read(installed)
            as_of = raw.get("as_of")
            bundled = _bundled_as_of()
            if isinstance(as_of, date) and bundled is not None and as_of < bundled:
                note = (f"the updated price table in {installed} (as of {as_of}) is older than the bundled one ({bundled}): "
                        "the bundled table is used (`claude-cost prices rollback` removes it)")  # fmt: skip
                return bundled_path(), _read(bundled_path()), "bundled", [note]
            _build(raw, str(installed))
            return installed, raw, _installed_source(), []
        except PriceTableError as exc:
            note = f"the updated price table is not usable ({exc.message}): the bundled table is used (`claude-cost prices rollback`)"
            return bundled_path(), _read(bundled_path()), "bundled", [note]
    return bundled_path(), _read(bundled_path()), "bundled", []


def base_path() -> Path:
    """The file of the base table in use (the installed one, else the bundled one), overlays aside."""
    return _base(True)[0]


def _installed_source() -> str:
    """Where the installed table was fetched from (written beside it by `prices update`)."""
    import json

    try:
        meta = json.loads((data_dir() / "prices.json").read_text(encoding="utf-8"))
        return str(meta["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return str(installed_path())


def load_table(user_file: str | os.PathLike[str] | None = None, *, use_env: bool = True, use_installed: bool = True,
               today: date | None = None) -> PriceTable:  # fmt: skip
    """The base table (the bundled one, or the one `prices update` installed), with `user_file`
    (or $CLAUDE_COST_PRICES) merged over it. Its `notes` say what a user should hear: an updated
    table that was ignored, or a table older than STALE_DAYS days."""
    base_path, raw, source, notes = _base(use_installed)
    if user_file is None and use_env:
        user_file = os.environ.get(PRICES_ENV) or None
    files = [str(base_path)]
    table = _build(raw, str(base_path))
    if user_file is not None:
        user_path = Path(user_file)
        table = _merge(table, raw, _read(user_path), str(user_path))
        files.append(str(user_path))
    age = ((today or clock.today()) - table.as_of).days
    if age > STALE_DAYS:
        notes.append(f"the price table is {age} days old (as of {table.as_of}): `claude-cost prices update` fetches the current one")
    return PriceTable(table.models, table.aliases, table.fees, table.as_of, tuple(files), source, tuple(notes))


def parse_table(data: bytes, where: str) -> PriceTable:
    """A whole table from bytes (a download), validated by the same rules as the bundled one."""
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise PriceTableError(f"{where}: not UTF-8 text (byte {exc.start})", hint="a price table is TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"{where}: not valid TOML: {exc}", hint="a cut or damaged download changes nothing") from None
    return _build(raw, where)


def check_file(path: str | os.PathLike[str]) -> PriceTable:
    """Validate a prices file as it would be used: merged over the bundled table."""
    return load_table(path, use_env=False)


def _merge(base: PriceTable, base_raw: dict[str, Any], user: dict[str, Any], where: str) -> PriceTable:
    """Overlay a user file: a model it names (by id or alias) has its keys replaced; new models are added."""
    _check_keys(user, TOP_KEYS, where, "")
    merged = dict(base_raw)
    merged["fees"] = {**base_raw.get("fees", {}), **_table(user.get("fees", {}), where, "fees")}
    models = {k: dict(v) for k, v in base_raw["models"].items()}
    for name, entry in _table(user.get("models", {}), where, "models").items():
        entry = _table(entry, where, f"models.{name}")
        target = base.aliases.get(name.lower(), name)
        if target in models:
            extra = entry.get("aliases", [])
            models[target] = {**models[target], **entry}
            if isinstance(extra, list):
                models[target]["aliases"] = list(base_raw["models"][target].get("aliases", [])) + [
                    a for a in extra if a not in base_raw["models"][target].get("aliases", [])
                ]
        else:
            models[name] = entry
    merged["models"] = models
    if "as_of" in user:
        merged["as_of"] = user["as_of"]
    return _build(merged, where)


def _table(value: Any, where: str, loc: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PriceTableError(f"{where}: {loc}: must be a table")
    return value


def _check_keys(entry: dict[str, Any], allowed: set[str], where: str, loc: str) -> None:
    for key in entry:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            if isinstance(entry[key], dict) and loc.startswith("models."):
                hint = 'a dotted name was split by TOML: quote it, e.g. [models."opus-4.7"]'
            elif close:
                hint = f"did you mean {close[0]!r}?"
            else:
                hint = f"allowed keys: {', '.join(sorted(allowed))}"
            raise PriceTableError(f"{where}: {loc}{'.' if loc else ''}{key}: unknown key", hint=hint)


def _price(value: Any, where: str, loc: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PriceTableError(f"{where}: {loc}: must be a number, got {value!r}")
    dec = Decimal(value)
    if not dec.is_finite():
        raise PriceTableError(f"{where}: {loc}: must be a finite number, got {value}")
    if dec < 0:
        raise PriceTableError(f"{where}: {loc}: must not be negative, got {value}")
    if dec > MAX_PRICE or dec.as_tuple().exponent < -PRICE_PLACES:  # type: ignore[operator]
        raise PriceTableError(
            f"{where}: {loc}: {value} is out of range",
            hint=f"prices are USD per million tokens (or per unit), at most {MAX_PRICE:,} with up to {PRICE_PLACES} decimals",
        )
    return dec


#: Bounds that keep every computed amount exact: the dearest published rate is $150/MTok.
MAX_PRICE = Decimal(1_000_000)
PRICE_PLACES = 12


def _int(value: Any, where: str, loc: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PriceTableError(f"{where}: {loc}: must be a whole number >= 0, got {value!r}")
    return value


def _date(value: Any, where: str, loc: str) -> date:
    if not isinstance(value, date):
        raise PriceTableError(f"{where}: {loc}: must be a date like 2026-03-13 (unquoted), got {value!r}")
    return value


def _rates(entry: dict[str, Any], where: str, loc: str) -> Rates:
    missing = [k for k in TOKEN_CLASSES if k not in entry]
    if missing:
        raise PriceTableError(f"{where}: {loc}.{missing[0]}: missing", hint=f"every model needs {', '.join(TOKEN_CLASSES)}")
    return Rates(**{k: _price(entry[k], where, f"{loc}.{k}") for k in TOKEN_CLASSES})


def _scalar(key: str, value: Any, where: str, loc: str) -> Any:
    if key in PRICE_KEYS:
        return _price(value, where, loc)
    if key in INT_KEYS:
        return _int(value, where, loc)
    if key in BOOL_KEYS:
        if not isinstance(value, bool):
            raise PriceTableError(f"{where}: {loc}: must be true or false, got {value!r}")
        return value
    if key == "retired":
        return _date(value, where, loc)
    if key == "deprecated":
        if not isinstance(value, (bool, date)):
            raise PriceTableError(f"{where}: {loc}: must be true/false or a date, got {value!r}")
        return value
    if not isinstance(value, str):
        raise PriceTableError(f"{where}: {loc}: must be a string, got {value!r}")
    if key == "tokenizer" and value not in TOKENIZERS:
        raise PriceTableError(f"{where}: {loc}: unknown tokenizer {value!r}", hint=f"one of {', '.join(sorted(TOKENIZERS))}")
    if key == "ctok" and value not in CTOK_VERSIONS:
        raise PriceTableError(f"{where}: {loc}: unknown ctok version {value!r}", hint=f"one of {', '.join(sorted(CTOK_VERSIONS))}")
    if key == "fast_after_removal" and value not in ("standard", "error"):
        raise PriceTableError(f"{where}: {loc}: must be \"standard\" or \"error\", got {value!r}")
    return value


def _periods(items: Any, where: str, loc: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PriceTableError(f"{where}: {loc}: must be an array of tables ([[{loc}]])")
    for i, item in enumerate(items):
        start, until = item.get("from"), item.get("until")
        if start is not None:
            _date(start, where, f"{loc}[{i}].from")
        if until is not None:
            _date(until, where, f"{loc}[{i}].until")
        if start is not None and until is not None and until <= start:
            raise PriceTableError(f"{where}: {loc}[{i}]: until ({until}) must be after from ({start})")
    return items


def _model(model_id: str, entry: dict[str, Any], where: str) -> ModelPrice:
    loc = f"models.{model_id}"
    _check_keys(entry, MODEL_KEYS, where, loc)
    rates = _rates(entry, where, loc)
    for key in ("batch_input", "batch_output"):
        if key not in entry:
            raise PriceTableError(f"{where}: {loc}.{key}: missing", hint="batch rates are explicit (normally half of input/output)")
    scalars = {k: _scalar(k, entry[k], where, f"{loc}.{k}") for k in SCALAR_KEYS - RATE_KEYS if k in entry}

    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise PriceTableError(f"{where}: {loc}.aliases: must be a list of non-empty strings")

    fast = []
    for i, item in enumerate(_periods(entry.get("fast", []), where, f"{loc}.fast")):
        _check_keys(item, {"from", "until", "input", "output"}, where, f"{loc}.fast[{i}]")
        for key in ("input", "output"):
            if key not in item:
                raise PriceTableError(f"{where}: {loc}.fast[{i}].{key}: missing")
        fast.append(
            FastPeriod(
                input=_price(item["input"], where, f"{loc}.fast[{i}].input"),
                output=_price(item["output"], where, f"{loc}.fast[{i}].output"),
                start=item.get("from"),
                until=item.get("until"),
            )
        )

    tiers = []
    for i, item in enumerate(_periods(entry.get("long_context", []), where, f"{loc}.long_context")):
        _check_keys(item, RATE_KEYS | {"from", "until", "threshold"}, where, f"{loc}.long_context[{i}]")
        if "threshold" not in item:
            raise PriceTableError(f"{where}: {loc}.long_context[{i}].threshold: missing")
        tiers.append(
            LongContextTier(
                threshold=_int(item["threshold"], where, f"{loc}.long_context[{i}].threshold"),
                rates=_rates(item, where, f"{loc}.long_context[{i}]"),
                start=item.get("from"),
                until=item.get("until"),
            )
        )
    # Tiers in force at the same time must be listed with strictly increasing thresholds.
    for i in range(1, len(tiers)):
        prev, cur = tiers[i - 1], tiers[i]
        overlap = (prev.until is None or cur.start is None or cur.start < prev.until) and (
            cur.until is None or prev.start is None or prev.start < cur.until
        )
        if overlap and cur.threshold <= prev.threshold:
            raise PriceTableError(
                f"{where}: {loc}.long_context[{i}].threshold: tier thresholds out of order "
                f"({cur.threshold} after {prev.threshold})",
                hint="list tiers from the lowest threshold up",
            )

    history = []
    for i, item in enumerate(_periods(entry.get("history", []), where, f"{loc}.history")):
        _check_keys(item, HISTORY_KEYS | {"until"}, where, f"{loc}.history[{i}]")
        if "until" not in item:
            raise PriceTableError(f"{where}: {loc}.history[{i}].until: missing")
        values: dict[str, Any] = {}
        rate_changes = {}
        for key, value in item.items():
            if key == "until":
                continue
            parsed = _scalar(key, value, where, f"{loc}.history[{i}].{key}")
            if key in RATE_KEYS:
                rate_changes[key] = parsed
            else:
                values[key] = parsed
        if rate_changes:
            values["rates"] = Rates(**{**{c: rates.get(c) for c in TOKEN_CLASSES}, **rate_changes})
        history.append(HistoryEntry(until=item["until"], values=values))

    family = scalars.pop("family", None) or family_of(model_id)
    return ModelPrice(
        id=model_id,
        name=scalars.pop("name", model_id),
        family=family,
        aliases=tuple(aliases),
        rates=rates,
        fast=tuple(fast),
        long_context=tuple(tiers),
        history=tuple(history),
        **scalars,
    )


def family_of(model_id: str) -> str:
    """opus / sonnet / haiku / fable / mythos from an id, or "other"."""
    for fam in FAMILIES:
        if fam in model_id:
            return fam
    return "other"


def _build(raw: dict[str, Any], where: str) -> PriceTable:
    _check_keys(raw, TOP_KEYS, where, "")
    fees_raw = _table(raw.get("fees", {}), where, "fees")
    _check_keys(fees_raw, FEE_KEYS, where, "fees")
    required = FEE_KEYS - {"code_execution_free_hours_per_month"}
    for key in sorted(required):
        if key not in fees_raw:
            raise PriceTableError(f"{where}: fees.{key}: missing")
    fees = Fees(**{k: _price(v, where, f"fees.{k}") for k, v in fees_raw.items()})

    models: dict[str, ModelPrice] = {}
    aliases: dict[str, str] = {}
    for model_id, entry in _table(raw.get("models", {}), where, "models").items():
        model = _model(model_id, _table(entry, where, f"models.{model_id}"), where)
        models[model_id] = model
    for model in models.values():
        for name in (model.id, *model.aliases):
            key = name.lower()
            owner = aliases.get(key)
            if owner is not None and owner != model.id:
                raise PriceTableError(
                    f"{where}: models.{model.id}.aliases: duplicate alias {name!r}, already used by {owner}",
                    hint="an alias may name one model only",
                )
            if key in models and key != model.id:
                raise PriceTableError(f"{where}: models.{model.id}.aliases: {name!r} is the id of another model")
            aliases[key] = model.id
    if not models:
        raise PriceTableError(f"{where}: models: no models defined")
    as_of = raw.get("as_of")
    if not isinstance(as_of, date):
        raise PriceTableError(f"{where}: as_of: missing or not a date")
    return PriceTable(models=models, aliases=aliases, fees=fees, as_of=as_of, files=(where,))


@dataclass(frozen=True)
class Resolved:
    """A model name resolved to a price-table entry, with the platform its id implies."""

    model: ModelPrice
    platform: str | None = None  # "bedrock" / "vertex" when the id is a platform id
    endpoint: str | None = None  # "global" / "regional" from a Bedrock inference-profile prefix


def resolve(table: PriceTable, name: str) -> Resolved:
    """Find a model by id, alias, dated snapshot, Bedrock or Vertex id.

    Bedrock ids lose their `us.`/`eu.`/`global.`… profile prefix, the `anthropic.` vendor prefix
    and a `-v1` / `-v1:0` suffix; Vertex ids turn `@20250929` into `-20250929`. An unknown name is
    an error with close matches, never a $0 price.
    """
    key = name.strip().lower()
    if key in table.aliases:
        return Resolved(table.models[table.aliases[key]])
    platform = endpoint = None
    norm = key
    m = _BEDROCK_PREFIX.match(norm)
    if m:
        platform, endpoint = "bedrock", ("global" if m.group(1) == "global" else "regional")
        norm = norm[m.end():]
    if norm.startswith("anthropic."):
        platform = "bedrock"
        norm = norm[len("anthropic."):]
        norm = _BEDROCK_SUFFIX.sub("", norm)
    if _VERTEX_DATE.search(norm):
        platform = "vertex"
        norm = _VERTEX_DATE.sub(r"-\1", norm)
    for candidate in (norm, "anthropic." + norm):
        if candidate in table.aliases:
            return Resolved(table.models[table.aliases[candidate]], platform, endpoint)
    close = difflib.get_close_matches(key, list(table.aliases), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "run `claude-cost prices` to list models."
    hint += f" The price table is as of {table.as_of}; a newer model may need `claude-cost prices update`."
    raise UnknownModelError(f"unknown model {name!r}", hint=hint)


def models_on(table: PriceTable, model: str | None, day: date) -> list[ModelPrice]:
    """One model (by id or alias) or every model, each as on `day` (dated history applied)."""
    from claude_cost.core.pricing import effective_model

    chosen = [resolve(table, model).model] if model is not None else list(table.models.values())
    return [effective_model(m, day) for m in chosen]
