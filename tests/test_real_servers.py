"""The engines against real servers (issue 25): a PostgreSQL cluster made for the test run in a
temporary folder, fed generated usage rows, running the SQL `claude-cost sql --dialect postgres`
prints (per row and grouped); and a Spark Connect server started from the installed pyspark,
priced through with `usage --engine spark` and $SPARK_REMOTE. Each server is started once per
test run and stopped afterwards, also when a test fails. A server that cannot start fails the
test with its reason (never a silent skip): .ci/run installs PostgreSQL and Java 17 is on the
machines."""

from __future__ import annotations

import csv
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from pgserver import free_port as _free_port
from test_sql_engines import COLUMNS, DEFAULT_DAY, check, expected, records


def _psql(psql: list[str], sql: str) -> tuple[list[str], list[list[str]]]:
    """Run `sql`, return (columns, rows) of its last result as text (CSV)."""
    r = subprocess.run([*psql, "--csv", "-c", sql], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = list(csv.reader(r.stdout.splitlines()))
    return rows[0], rows[1:]


@pytest.fixture(scope="session")
def usage_in_postgres(postgres, tmp_path_factory, table):
    """The generated usage rows (every model, alias, rule and boundary) loaded into PostgreSQL."""
    recs = records(table)
    path = tmp_path_factory.mktemp("pgdata") / "usage.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for rec in recs:
            writer.writerow(["" if rec[c] is None else rec[c] for c in COLUMNS])
    os.chmod(path, 0o644)
    os.chmod(path.parent, 0o755)
    ints = {"id", "input_tokens", "ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens", "cache_read_input_tokens", "output_tokens",
            "web_search_requests"}  # fmt: skip
    schema = ", ".join(f'"{c}" {"BIGINT" if c in ints else "TEXT"}' for c in COLUMNS)
    _psql(postgres, f"DROP TABLE IF EXISTS claude_usage; CREATE TABLE claude_usage ({schema})")
    r = subprocess.run([*postgres, "-c", f"\\copy claude_usage FROM '{path}' WITH (FORMAT csv, HEADER true)"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return recs


def test_postgres_prices_every_row_to_the_picodollar(cli, postgres, usage_in_postgres, table):
    sql = cli("sql", "--dialect", "postgres", "--table", "claude_usage", "--keep", "id", "--at", DEFAULT_DAY.isoformat()).stdout
    columns, rows = _psql(postgres, sql)
    total = check(table, usage_in_postgres, rows, columns)
    assert total > 0


def test_postgres_grouped_equals_the_python_engine(cli, postgres, usage_in_postgres, table, tmp_path):
    sql = cli("sql", "--dialect", "postgres", "--table", "claude_usage", "--group-by", "model,day", "--at", DEFAULT_DAY.isoformat()).stdout
    columns, rows = _psql(postgres, sql)
    at = {c: i for i, c in enumerate(columns)}
    got = {(r[at["model"]], r[at["day"]]): Decimal(r[at["total_usd"]]) for r in rows if int(r[at["requests"]])}
    want: dict[tuple[str, str], Decimal] = {}
    from claude_cost.core.prices import resolve

    for rec in usage_in_postgres:
        pico = expected(table, rec)
        if pico is None:
            continue
        key = (resolve(table, rec["model"]).model.id, (rec["timestamp"] or DEFAULT_DAY.isoformat())[:10])
        want[key] = want.get(key, Decimal(0)) + Decimal(sum(pico.values())) / Decimal(10**12)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
    # and the CLI's own Python engine, on the same rows as JSONL, gives the same per model
    logs = tmp_path / "usage.jsonl"
    with open(logs, "w") as fh:
        for rec in usage_in_postgres:
            usage = {"input_tokens": rec["input_tokens"], "cache_creation": {"ephemeral_5m_input_tokens": rec["ephemeral_5m_input_tokens"],
                     "ephemeral_1h_input_tokens": rec["ephemeral_1h_input_tokens"]}, "cache_read_input_tokens": rec["cache_read_input_tokens"],
                     "output_tokens": rec["output_tokens"], "server_tool_use": {"web_search_requests": rec["web_search_requests"]}}  # fmt: skip
            for key in ("service_tier", "inference_geo", "speed"):
                if rec[key] is not None:
                    usage[key] = rec[key]
            fh.write(json.dumps({"model": rec["model"], "usage": usage, **({"timestamp": rec["timestamp"]} if rec["timestamp"] else {})}) + "\n")
    doc = cli.json("usage", logs, "--engine", "python", "--group-by", "model", "--at", DEFAULT_DAY.isoformat())
    per_model: dict[str, Decimal] = {}
    for (model_id, _), v in got.items():
        per_model[model_id] = per_model.get(model_id, Decimal(0)) + v
    assert {g["model"]: Decimal(g["total_usd"]) for g in doc["groups"] if Decimal(g["total_usd"])} == {k: v for k, v in per_model.items() if v}


# ---------------------------------------------------------------- Spark Connect


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory):
    """A local Spark Connect server started from the installed pyspark (sbin/start-connect-server.sh)."""
    try:
        import pyspark
    except ImportError:
        pytest.fail("pyspark is not installed (the test extra installs pyspark[connect])")
    home = Path(pyspark.__file__).resolve().parent
    script = home / "sbin" / "start-connect-server.sh"
    if not script.exists() or not shutil.which("java"):
        pytest.fail(f"cannot start Spark Connect: {'no java on PATH (Java 17 is needed)' if not shutil.which('java') else f'no {script}'}")
    root = tmp_path_factory.mktemp("spark")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(root / "logs"), "SPARK_PID_DIR": str(root / "pids"),
           "SPARK_IDENT_STRING": f"claude-cost-test-{os.getpid()}", "SPARK_NO_DAEMONIZE": ""}  # fmt: skip
    env.pop("SPARK_NO_DAEMONIZE")
    port = _free_port()
    started = subprocess.run(["bash", str(script), "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false",
                              "--conf", "spark.sql.shuffle.partitions=4", "--driver-memory", "1g"], env=env, capture_output=True, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            logs = " ".join(p.read_text()[-800:] for p in (root / "logs").glob("*.out")) if (root / "logs").exists() else started.stderr
            pytest.fail(f"Spark Connect did not start on port {port} within 120 s: {logs}")
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(home / "sbin" / "stop-connect-server.sh")], env=env, capture_output=True)
        for pid_file in (root / "pids").glob("*.pid") if (root / "pids").exists() else []:
            try:
                os.kill(int(pid_file.read_text().strip()), 9)
            except (OSError, ValueError):
                pass


def _cli_json(args: list[str], env: dict[str, str]) -> dict:
    """claude-cost in a process of its own (a Spark Connect client should not share a JVM with
    the local Spark the other tests start)."""
    r = subprocess.run([sys.executable, "-m", "claude_cost", *args, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def test_spark_connect_equals_the_python_engine(spark_connect, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from rich_records import write_rich

    logs = tmp_path / "usage.jsonl"
    write_rich(logs, 3000, seed=25)
    env = {**os.environ, "SPARK_REMOTE": spark_connect}
    for group in ("model", "model,day"):
        spark = _cli_json(["usage", str(logs), "--engine", "spark", "--group-by", group], env)
        python = _cli_json(["usage", str(logs), "--engine", "python", "--group-by", group], {k: v for k, v in env.items() if k != "SPARK_REMOTE"})
        assert spark["groups"] == python["groups"] and spark["total_usd"] == python["total_usd"] and Decimal(spark["total_usd"]) > 0
        assert spark["requests"] == python["requests"] == 3000


def test_spark_connect_unreachable_is_a_one_line_error(tmp_path):
    logs = tmp_path / "usage.jsonl"
    logs.write_text(json.dumps({"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1, "output_tokens": 1}}) + "\n")
    env = {**os.environ, "SPARK_REMOTE": f"sc://127.0.0.1:{_free_port()}"}
    r = subprocess.run([sys.executable, "-m", "claude_cost", "usage", str(logs), "--engine", "spark"], capture_output=True, text=True, env=env,
                       timeout=300)  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "Spark Connect" in r.stderr and "Traceback" not in r.stderr


def test_spark_connect_without_its_client_packages_says_what_to_install(spark_connect, tmp_path):
    logs = tmp_path / "usage.jsonl"
    logs.write_text(json.dumps({"model": "claude-sonnet-4-6", "usage": {"input_tokens": 1, "output_tokens": 1}}) + "\n")
    # a script file, not `python -c`: pyspark takes a __main__ without a file for its own doctests, and exits 0
    script = tmp_path / "no_pandas.py"
    script.write_text("import sys\nsys.modules['pandas'] = None  # as if it were not installed\nfrom claude_cost.cli import main\n"
                      f"sys.argv = ['claude-cost', 'usage', {str(logs)!r}, '--engine', 'spark']\nmain()\n")  # fmt: skip
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env={**os.environ, "SPARK_REMOTE": spark_connect}, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "pip install 'claude-cost[spark]'" in r.stderr and "Traceback" not in r.stderr
