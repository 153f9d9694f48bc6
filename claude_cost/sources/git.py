"""Payloads as they were at a git revision, and the two sides of a diff. Reads files and runs
git; never prices."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_cost.core.errors import InputError, PayloadError
from claude_cost.sources.payload import parse_payload, read_payload

__all__ = ["at_revision", "load_pair", "Change", "changes"]


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


def _git(args: list[str], cwd: Path | None = None, text: bool = True) -> Any:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=text, check=False, cwd=cwd)
    except FileNotFoundError:
        raise InputError("git is not installed: --rev needs it") from None
    return out


def _selector(paths: list[str], root: Path) -> Any:
    """A test of repository-relative paths against the command line's files, folders and globs
    (relative to the current directory)."""
    import fnmatch
    import os

    here = os.path.relpath(Path.cwd().resolve(), root.resolve())
    wanted = [os.path.normpath(os.path.join(here, p)).replace(os.sep, "/") for p in (paths or ["."])]

    def selected(path: str) -> bool:
        for w in wanted:
            if w == ".":
                return True
            if any(ch in w for ch in "*?["):
                if fnmatch.fnmatchcase(path, w) or fnmatch.fnmatchcase(path, w.replace("**/", "")):
                    return True
            elif path == w or path.startswith(w + "/"):
                return True
        return False

    return selected


@dataclass(frozen=True)
class Change:
    """One payload file between a revision and the working tree."""

    path: str  # relative to the repository root
    status: str  # changed | added | removed | unchanged
    before: str | None  # the text at the revision
    after: str | None  # the text in the working tree


def changes(rev: str, paths: list[str], suffixes: tuple[str, ...] = (".json",)) -> list[Change]:
    """Every payload file (`suffixes`) under `paths` (files, folders, globs; default: all) at
    `rev` or in the working tree (tracked, or untracked and not ignored), with its status."""
    top = _git(["rev-parse", "--show-toplevel"])
    if top.returncode != 0:
        raise InputError("not inside a git repository: --rev needs one", hint="run it in the repository, or compare two files")
    root = Path(top.stdout.strip())
    check = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    if check.returncode != 0:
        raise InputError(f"--rev {rev!r} is not a revision of this repository", hint="e.g. origin/main, HEAD~1, or a commit id (fetch it first in CI)")
    selected = _selector(paths, root)
    before_list = _git(["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], cwd=root)
    if before_list.returncode != 0:
        raise InputError(f"git ls-tree failed: {(before_list.stderr.strip().splitlines() or ['?'])[-1]}")
    after_list = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root)
    before = {p for p in before_list.stdout.split("\0") if p.endswith(suffixes) and selected(p)}
    after = {p for p in after_list.stdout.split("\0") if p.endswith(suffixes) and selected(p) and (root / p).is_file()}
    out = []
    for path in sorted(before | after):
        old = None
        if path in before:
            shown = _git(["show", f"{rev}:{path}"], cwd=root, text=False)
            old = shown.stdout.decode("utf-8-sig", "replace") if shown.returncode == 0 else None  # a BOM dropped, as for files
        new = (root / path).read_bytes().decode("utf-8-sig", "replace") if path in after else None
        status = "added" if old is None else "removed" if new is None else "unchanged" if old == new else "changed"
        out.append(Change(path, status, old, new))
    return out
