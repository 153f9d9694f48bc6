"""Payloads as they were at a git revision, and the two sides of a diff. Reads files and runs
git; never prices."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError, PayloadError
from claude_cost.sources.payload import parse_payload, read_payload

__all__ = ["at_revision", "load_pair"]


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


def load_pair(base: str, new: str | None, rev: str | None) -> tuple[dict[str, Any], dict[str, Any], tuple[str, str]]:
    """BASE NEW as two files, or BASE at --rev against the working copy."""
    if rev is not None:
        if new is not None:
            raise InputError("give one payload with --rev, or two payloads without it")
        return at_revision(base, rev), read_payload(base), (f"{base}@{rev}", base)
    if new is None:
        raise InputError("diff needs BASE and NEW payloads, or one payload and --rev REV")
    return read_payload(base), read_payload(new), (base, new)
