"""Writing the files claude-cost makes (history profiles, reports, installed price tables) so
that nothing the user has is lost or half-written: the bytes go to a temporary file beside the
target, are flushed to disk, and replace the target in one rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from claude_cost.core.errors import InputError

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write `data` to `path` atomically; an unwritable place is an InputError naming it. A
    file that is there keeps its permissions (unless `mode` is given), and a symbolic link
    stays a link: the file it points to is the one replaced."""
    shown = Path(path)
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{shown}: is a directory", hint="give a file name")
    if mode is None and target.exists():
        mode = target.stat().st_mode & 0o7777
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        if folder.is_dir():  # /proc, /sys: there, but no files can be made in it
            raise InputError(f"{shown}: cannot write in {folder}") from None
        raise InputError(f"{shown}: the folder {folder} does not exist") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot write here: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise InputError(f"{shown}: cannot write: {exc.strerror}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
