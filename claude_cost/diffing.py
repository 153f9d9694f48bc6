"""diff: the same request before and after a change, per line item and total. Never prints."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.errors import InputError, PayloadError
from claude_cost.estimate import Estimate, Options, estimate_payload
from claude_cost.models import TOKEN_CLASSES, PriceTable
from claude_cost.payload import parse_payload, read_payload

__all__ = ["DiffRow", "Diff", "at_revision", "diff"]

ORDER = (*TOKEN_CLASSES, "web_searches", "code_execution", "session")


@dataclass
class DiffRow:
    item: str
    label: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    @property
    def pct(self) -> Decimal | None:
        return None if self.before == 0 else self.change / self.before * 100


@dataclass
class Diff:
    base_label: str
    new_label: str
    base: Estimate
    new: Estimate
    rows: list[DiffRow]
    total: DiffRow


def at_revision(path: str, rev: str) -> dict[str, Any]:
    """The payload file as it was at a git revision (`git show REV:./path` from its directory)."""
    p = Path(path)
    try:
        out = subprocess.run(["git", "-C", str(p.parent or "."), "show", f"{rev}:./{p.name}"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed: --rev needs it") from None
    if out.returncode != 0:
        msg = (out.stderr.strip().splitlines() or ["git show failed"])[-1]
        raise PayloadError(f"{path} at {rev}: {msg}", hint="check the revision (e.g. origin/main) and that the file existed there")
    return parse_payload(out.stdout, f"{path}@{rev}")


def diff(table: PriceTable, base: dict[str, Any], new: dict[str, Any], opts: Options, labels: tuple[str, str]) -> Diff:
    """Estimate both under the same options and compare line items."""
    from claude_cost.counting import ApiCounter
    from claude_cost.estimate import make_counter
    from claude_cost.prices import resolve

    # One API counter for both sides (one client, shared memo); offline counters stay per model,
    # since the two sides may name different models (a model change is a diff too).
    counter = None
    name = opts.model or new.get("model")
    if isinstance(name, str) and opts.count != "offline":
        made, _ = make_counter(opts, resolve(table, name).model)
        counter = made if isinstance(made, ApiCounter) else None
    a = estimate_payload(table, base, opts, where=labels[0], counter=counter)
    b = estimate_payload(table, new, opts, where=labels[1], counter=counter)
    before = {line.item: line for line in a.breakdown.lines}
    after = {line.item: line for line in b.breakdown.lines}
    rows = []
    for item in ORDER:
        if item in before or item in after:
            label = (after.get(item) or before[item]).label
            rows.append(DiffRow(item, label, before[item].usd if item in before else Decimal(0), after[item].usd if item in after else Decimal(0)))
    total = DiffRow("total", "Total", a.breakdown.total, b.breakdown.total)
    return Diff(labels[0], labels[1], a, b, rows, total)


def load_pair(base: str, new: str | None, rev: str | None) -> tuple[dict[str, Any], dict[str, Any], tuple[str, str]]:
    """BASE NEW as two files, or BASE at --rev against the working copy."""
    if rev is not None:
        if new is not None:
            raise InputError("give one payload with --rev, or two payloads without it")
        return at_revision(base, rev), read_payload(base), (f"{base}@{rev}", base)
    if new is None:
        raise InputError("diff needs BASE and NEW payloads, or one payload and --rev REV")
    return read_payload(base), read_payload(new), (base, new)
