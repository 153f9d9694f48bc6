"""A throwaway PostgreSQL cluster on a unix socket in a temporary folder (the tests' `postgres`
fixture and benchmarks/budget_guard.py): made with the installed initdb, started, stopped."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class NoPostgres(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def cluster() -> Iterator[tuple[list[str], str]]:
    """(psql command prefix, postgresql:// URL) of a fresh cluster, stopped and removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    if not found:
        raise NoPostgres("PostgreSQL is not installed: .ci/run installs it (apt-get install postgresql)")
    bindir = Path(found[-1]).parent  # type: ignore[arg-type]
    # not under pytest's own temporary folder: it is private to this user, and the server runs as postgres
    root = Path(tempfile.mkdtemp(prefix="claude-cost-pg-"))
    os.chmod(root, 0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
    port = free_port()
    init = subprocess.run(as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]),
                          capture_output=True, text=True)  # fmt: skip
    if init.returncode:
        raise NoPostgres(f"initdb failed: {init.stderr.strip()[-500:]}")
    opts = f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off -c max_connections=200"
    start = subprocess.run(as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]),
                           capture_output=True, text=True)  # fmt: skip
    if start.returncode:
        log = (root / "log").read_text()[-500:] if (root / "log").exists() else ""
        raise NoPostgres(f"PostgreSQL did not start: {start.stderr.strip()[-300:]} {log}")
    psql = [shutil.which("psql") or str(bindir / "psql"), "-h", str(sock), "-p", str(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
    try:
        yield psql, f"postgresql://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run(as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
