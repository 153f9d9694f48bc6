"""`claude-cost check` configuration: `[tool.claude-cost]` in pyproject.toml or claude-cost.toml.

    [tool.claude-cost]                  # in claude-cost.toml the same keys sit at the top level
    model = "sonnet-4.6"                # defaults for every budget (all optional)
    count = "auto"
    output-tokens = 500                 # or "p50" | "p90" | "p95" | "p99" | "mean" of `history`
    history = "usage/profile.json"      # recorded calls: a profile or usage logs (a path or a list), relative to this file
    batch = false
    cache = "cold"
    geo = "global"
    at = 2026-11-01
    budget-on = "high"                  # offline estimates: gate on the range's high end, or "point"

    [[tool.claude-cost.budget]]
    name = "support bot"                # optional label
    files = ["prompts/support/*.json"]  # a glob or a list of globs / files / directories
    per-request = 0.02                  # USD, optional
    total = 0.50                        # USD, optional
    output-tokens = 800                 # any default may be overridden per budget

Validated like the price table: errors name the file, the key and what is wrong.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Budget", "CheckConfig", "find_config", "load_config"]

DEFAULT_KEYS = {"model", "count", "offline-method", "output-tokens", "history", "batch", "cache", "geo", "speed", "at", "repeat", "budget-on"}
BUDGET_KEYS = DEFAULT_KEYS | {"name", "files", "per-request", "total"}


class ConfigError(InputError):
    """An invalid check configuration."""


@dataclass
class Budget:
    name: str
    files: list[str]
    per_request: Decimal | None
    total: Decimal | None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckConfig:
    path: Path
    budgets: list[Budget]


def find_config(start: Path) -> Path | None:
    """claude-cost.toml, or a pyproject.toml with [tool.claude-cost], in `start` or a parent."""
    for d in (start, *start.parents):
        if (d / "claude-cost.toml").is_file():
            return d / "claude-cost.toml"
        py = d / "pyproject.toml"
        if py.is_file():
            try:
                if "claude-cost" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {}):
                    return py
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
    return None


def configured_prices_url(start: Path) -> str | None:
    """`prices-url` of the nearest claude-cost.toml or [tool.claude-cost], if it sets one."""
    path = find_config(start)
    if path is None:
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if path.name == "pyproject.toml":
        raw = raw.get("tool", {}).get("claude-cost", {})
    url = raw.get("prices-url") if isinstance(raw, dict) else None
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"{path}: prices-url: must be a URL or a path, got {url!r}")
    return url


def locate_config(given: Path | None, start: Path) -> Path:
    """The config to use: the one given, else the nearest found from `start` up."""
    found = given or find_config(start)
    if found is None:
        raise ConfigError("no claude-cost.toml or [tool.claude-cost] in pyproject.toml found here or above", hint="pass --config FILE")
    return found


def _check(where: str, key: str, value: Any) -> Any:
    def bad(what: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {what}, got {value!r}")

    if key in ("per-request", "total"):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite() or Decimal(value) < 0:
            raise bad("must be an amount in USD >= 0")
        return Decimal(value)
    if key == "output-tokens" and isinstance(value, str):
        from claude_cost.core.history import STATS

        if value not in STATS:
            raise bad(f"must be a number of tokens or one of {', '.join(STATS)}")
        return value
    if key in ("output-tokens", "repeat"):
        if isinstance(value, bool) or not isinstance(value, int) or not (1 if key == "repeat" else 0) <= value <= MAX_COUNT:
            raise bad(f"must be a whole number from {1 if key == 'repeat' else 0} to {MAX_COUNT:,}")
        return value
    if key == "batch":
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if key == "at":
        if not isinstance(value, date):
            raise bad("must be a date like 2026-11-01")
        return value
    if key in ("files", "history"):
        files = [value] if isinstance(value, str) else value
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
            raise bad("must be a path or glob, or a non-empty list of them")
        return files
    allowed = {"count": ("api", "offline", "auto"), "offline-method": ("auto", "ctok", "fitted"), "cache": ("cold", "warm", "off"), "geo": ("us", "global"), "speed": ("standard", "fast"),
               "budget-on": ("point", "high")}  # fmt: skip
    if not isinstance(value, str):
        raise bad("must be a string")
    if key in allowed and value not in allowed[key]:
        raise bad(f"must be one of {', '.join(allowed[key])}")
    return value


def _keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    import difflib

    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise ConfigError(f"{where}: {key}: unknown key", hint=f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(allowed))}")


#: Largest repeat or token count a config may give (beyond it, prices lose exactness).
MAX_COUNT = 10**9


def load_config(path: Path) -> CheckConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})", hint="TOML files are UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    prefix = "tool.claude-cost"
    if path.name == "pyproject.toml":
        raw = raw.get("tool", {}).get("claude-cost")
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: no [tool.claude-cost] table")
    else:
        prefix = ""
    where = str(path)
    _keys(raw, DEFAULT_KEYS | {"budget", "prices-url"}, where)
    defaults = {k: _check(where, k, v) for k, v in raw.items() if k not in ("budget", "prices-url")}
    budgets_raw = raw.get("budget")
    if not isinstance(budgets_raw, list) or not budgets_raw:
        loc = f"{prefix}.budget" if prefix else "budget"
        raise ConfigError(f"{where}: {loc}: missing", hint=f"add at least one [[{loc}]] with files and a per-request or total budget")
    budgets = []
    for i, b in enumerate(budgets_raw):
        loc = f"{where}: {prefix + '.' if prefix else ''}budget[{i}]"
        if not isinstance(b, dict):
            raise ConfigError(f"{loc}: must be a table")
        _keys(b, BUDGET_KEYS, loc)
        if "files" not in b:
            raise ConfigError(f"{loc}: files: missing")
        values = {k: _check(loc, k, v) for k, v in b.items()}
        if "per-request" not in values and "total" not in values:
            raise ConfigError(f"{loc}: needs per-request or total (USD)")
        settings = {**defaults, **{k: v for k, v in values.items() if k in DEFAULT_KEYS}}
        name = values.get("name") or ", ".join(values["files"])
        budgets.append(Budget(name, values["files"], values.get("per-request"), values.get("total"), settings))
    return CheckConfig(path, budgets)
