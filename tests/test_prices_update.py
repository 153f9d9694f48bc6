"""Keeping prices current (issue 22): `prices update` against a price server on 127.0.0.1 that
serves good, changed, cut, huge, non-TOML, shrunk, missing, failing and slow tables; rollback;
which table is used; concurrent updates; and `prices audit` on the real published lists (whole,
as published), on a copy with one planted difference, and against GET /v1/models through the
real SDK."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from claude_cost.core.prices import bundled_path

PRICE_SOURCES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "price-sources"
BUNDLED = bundled_path().read_text(encoding="utf-8")


def changed_table() -> str:
    """The bundled table a month later: Opus 4.8 input $5 → $6, a new model, Haiku 4.5 retiring."""
    text = BUNDLED.replace("as_of = 2026-12-02", "as_of = 2027-01-05")
    start = text.index("[models.claude-opus-4-8]\n")
    at = text.index("\ninput = 5\n", start)
    text = text[:at] + "\ninput = 6\n" + text[at + len("\ninput = 5\n"):]
    fast = text.index("[[models.claude-opus-4-8.fast]]\n")  # and its fast mode, a dated period, $10 → $12
    at = text.index("\ninput = 10\n", fast)
    text = text[:at] + "\ninput = 12\n" + text[at + len("\ninput = 10\n"):]
    text = text.replace("[models.claude-haiku-4-5]\n", "[models.claude-haiku-4-5]\nretired = 2027-03-01\n", 1)
    return text + '''
[models.claude-opus-6]
name = "Claude Opus 6"
family = "opus"
source = "test"
input = 5
output = 25
cache_write_5m = 6.25
cache_write_1h = 10
cache_read = 0.5
batch_input = 2.5
batch_output = 12.5
'''


def shrunk_table() -> str:
    """The bundled table without Sonnet 4.6 (still served)."""
    return re.sub(r"\[models\.claude-sonnet-4-6\].*?(?=\n\[models\.claude-haiku-4-5\])", "", BUNDLED, count=1, flags=re.S)


class PriceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, bytes, float]] = {
            "/good.toml": (200, BUNDLED.encode(), 0),
            "/changed.toml": (200, changed_table().encode(), 0),
            "/cut.toml": (200, changed_table().encode()[:9000], 0),
            "/huge.toml": (200, b"# " + b"x" * (9 * 1024 * 1024), 0),
            "/page.html": (200, b"<!DOCTYPE html><html><body>Sign in</body></html>", 0),
            "/shrunk.toml": (200, shrunk_table().encode(), 0),
            "/error.toml": (500, b"internal error", 0),
            "/slow.toml": (200, BUNDLED.encode(), 3.0),
            "/redirect.toml": (302, b"", 0),
        }
        self.seen_headers: list[dict[str, str]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: PriceServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.seen_headers.append(dict(self.headers))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        status, body, delay = route
        time.sleep(delay)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://example.com/prices.toml")  # away from https and loopback
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    srv = PriceServer()
    yield srv
    srv.shutdown()
    srv.server_close()


def installed(tmp_path) -> Path:
    return tmp_path / "data" / "claude-cost" / "prices.toml"


def test_update_shows_every_change_and_installs_it(cli, server, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-never-sent-to-a-price-url")
    r = cli("prices", "update", "--from", server.url("/changed.toml"), "--dry-run", code=1)
    assert "added:   claude-opus-6 (Claude Opus 6)" in r.stdout
    assert "retired: claude-haiku-4-5 on 2027-03-01" in r.stdout
    assert re.search(r"claude-opus-4-8\s+input\s+always: \$5 → \$6", r.stdout)  # the same in every period: said once
    assert re.search(r"claude-opus-4-8\s+fast.input\s+until 2026-11-30: \$10 → \$12", r.stdout)  # only in fast mode's period
    assert not installed(tmp_path).exists()  # a dry run writes nothing
    doc = cli.json("prices", "update", "--from", server.url("/changed.toml"), "--dry-run", code=1)
    assert doc["would_change"] and doc["added"] == ["claude-opus-6"] and doc["to"]["as_of"] == "2027-01-05"
    assert {"model": "claude-opus-4-8", "field": "input", "period": "always", "old": "5", "new": "6"} in doc["changes"]
    cli("prices", "update", "--from", server.url("/good.toml"), "--dry-run", code=0)  # nothing would change
    # not a terminal and no --yes: asked, not installed
    r = cli("prices", "update", "--from", server.url("/changed.toml"), code=2)
    assert "pass --yes" in r.stderr and not installed(tmp_path).exists()
    r = cli("prices", "update", "--from", server.url("/changed.toml"), "--yes")
    assert installed(tmp_path).read_text() == changed_table() and "installed" in r.stderr
    # no credential was sent to the price server
    assert all("never-sent" not in v and k.lower() not in ("authorization", "x-api-key") for h in server.seen_headers for k, v in h.items())
    # the installed table is used: Opus 4.8 at $6, the new model known, the source said
    doc = cli.json("estimate", "--model", "opus-4.8", "--input-tokens", "1000000")
    assert Decimal(doc["total_usd"]) == 6 and doc["price_table"] == {"source": server.url("/changed.toml"), "as_of": "2027-01-05"}
    cli("estimate", "--model", "claude-opus-6", "--input-tokens", "1")
    info = cli.json("prices", "info")
    assert info["source"] == server.url("/changed.toml") and info["as_of"] == "2027-01-05" and info["previous"] is None
    assert len(info["sha256"]) == 64


@pytest.mark.parametrize(("path", "code", "says"), [
    ("/cut.toml", 2, "not valid TOML"),
    ("/page.html", 2, "not valid TOML"),
    ("/huge.toml", 2, "is more than a price list"),
    ("/shrunk.toml", 2, "drops 2 model(s) that are still served (claude-opus-6, claude-sonnet-4-6)"),  # against the installed table
    ("/error.toml", 3, "HTTP 500"),
    ("/missing.toml", 3, "HTTP 404"),
    ("/redirect.toml", 2, "which is not https"),
])  # fmt: skip
def test_bad_downloads_change_nothing(cli, server, tmp_path, path, code, says):
    cli("prices", "update", "--from", server.url("/changed.toml"), "--yes")
    before = installed(tmp_path).read_bytes()
    r = cli("prices", "update", "--from", server.url(path), "--yes", code=code)
    assert says in r.stderr and "Traceback" not in r.stderr and len(r.stderr.splitlines()) <= 2
    assert installed(tmp_path).read_bytes() == before
    assert not (tmp_path / "data" / "claude-cost" / "prices.previous.toml").exists()


def test_slow_server_times_out_and_allow_removals(cli, server, tmp_path):
    r = cli("prices", "update", "--from", server.url("/slow.toml"), "--yes", "--timeout", "0.5", code=3)
    assert "timed out" in r.stderr and not installed(tmp_path).exists()
    cli("prices", "update", "--from", server.url("/shrunk.toml"), "--yes", "--allow-removals")
    r = cli("estimate", "--model", "claude-sonnet-4-6", "--input-tokens", "1", code=2)
    assert "prices update" in r.stderr and "as of 2026-12-02" in r.stderr
    cli("prices", "update", "--from", "ftp://127.0.0.1/x.toml", code=2)
    cli("prices", "update", "--from", "http://example.com/prices.toml", code=2)  # plain http beyond loopback: refused


def test_rollback_and_which_table_is_used(cli, server, tmp_path, monkeypatch):
    r = cli("prices", "rollback")
    assert "no updated price table is installed" in r.stderr
    cli("prices", "update", "--from", server.url("/changed.toml"), "--yes")
    changed = changed_table().replace("as_of = 2027-01-05", "as_of = 2027-02-01").replace("name = \"Claude Opus 6\"", "name = \"Opus Six\"")
    server.routes["/changed2.toml"] = (200, changed.encode(), 0)
    cli("prices", "update", "--from", server.url("/changed2.toml"), "--yes")
    assert cli.json("prices", "info")["previous"]["source"] == server.url("/changed.toml")
    cli("prices", "rollback")
    assert cli.json("prices", "info")["as_of"] == "2027-01-05"
    cli("prices", "rollback")  # nothing kept: back to the bundled table
    info = cli.json("prices", "info")
    assert info["source"] == "bundled" and not installed(tmp_path).exists()
    # --prices FILE over $CLAUDE_COST_PRICES over the installed table over the bundled one
    cli("prices", "update", "--from", server.url("/changed.toml"), "--yes")
    env_file = tmp_path / "env.toml"
    env_file.write_text('[models."opus-4.8"]\ninput = 7\n')
    flag_file = tmp_path / "flag.toml"
    flag_file.write_text('[models."opus-4.8"]\ninput = 8\n')
    est = ("estimate", "--model", "opus-4.8", "--input-tokens", "1000000")
    assert Decimal(cli.json(*est)["total_usd"]) == 6
    monkeypatch.setenv("CLAUDE_COST_PRICES", str(env_file))
    assert Decimal(cli.json(*est)["total_usd"]) == 7
    assert Decimal(cli.json(*est, "--prices", flag_file)["total_usd"]) == 8
    monkeypatch.delenv("CLAUDE_COST_PRICES")
    # an installed table older than the bundled one is ignored, with a note (stderr only)
    installed(tmp_path).write_text(BUNDLED.replace("as_of = 2026-12-02", "as_of = 2026-01-01"))
    r = cli("estimate", *est[1:], "--json")
    assert "older than the bundled one" in r.stderr and json.loads(r.stdout)["price_table"]["source"] == "bundled"


def test_an_old_table_is_said_once_on_stderr_never_in_quiet(cli, tmp_path):
    old = tmp_path / "old.toml"
    old.write_text("as_of = 2026-01-02\n")
    r = cli("estimate", "--model", "opus-4.8", "--input-tokens", "10", "--prices", old, "--json")
    age = (date.today() - date(2026, 1, 2)).days
    assert r.stderr.count(f"the price table is {age} days old") == 1 and "prices update" in r.stderr
    assert json.loads(r.stdout)["price_table"]["as_of"] == "2026-01-02"
    r = cli("estimate", "--model", "opus-4.8", "--input-tokens", "10", "--prices", old, "--quiet")
    assert r.stderr == "" and Decimal(r.stdout) == Decimal("0.00005")


def test_concurrent_updates_leave_whole_files(server, tmp_path):
    """Four processes update at once (two tables, alternating): every file left is whole, and
    the kept previous table is one of the two, never a mix."""
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    second = changed_table().replace("as_of = 2027-01-05", "as_of = 2027-02-01")
    server.routes["/second.toml"] = (200, second.encode(), 0)
    procs = [subprocess.Popen([sys.executable, "-m", "claude_cost", "prices", "update", "--from",
                               server.url("/changed.toml" if i % 2 else "/second.toml"), "--yes"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(4)]  # fmt: skip
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    folder = tmp_path / "data" / "claude-cost"
    assert (folder / "prices.toml").read_text() in (changed_table(), second)
    assert (folder / "prices.previous.toml").read_text() in (changed_table(), second)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- audit


def test_audit_against_the_real_published_lists(cli):
    litellm = PRICE_SOURCES / "litellm-model_prices_and_context_window.json"
    doc = cli.json("prices", "audit", "--against", "litellm", litellm, code=1)
    # every difference there is, accounted for in the README ("Keeping prices current")
    assert {(d["model"], d["field"], d["ours"], d["theirs"]) for d in doc["differences"]} == {
        ("claude-opus-4-8", "fast_multiplier", None, "2"),  # fast mode removed 2026-11-30 (fact sheet §6): theirs still lists it
        ("claude-mythos-preview", "deprecation_date", "2026-06-30", "2026-06-09"),  # SDK's end of life vs theirs
    }
    assert doc["agree"] == doc["compared"] - 2 and doc["agree"] > 200
    assert sorted(m["id"] for m in doc["missing_here"]) == ["claude-opus-4-6-20260205", "claude-opus-4-7-20260416"]
    assert doc["missing_there"] == ["claude-3-haiku-20240307", "claude-fable-5-2", "claude-mythos-5-2", "claude-opus-4-1"]
    genai = PRICE_SOURCES / "genai-prices-data.json"
    doc = cli.json("prices", "audit", "--against", "genai-prices", genai, code=1)
    fields = {(d["model"], d["field"], d["period"]) for d in doc["differences"]}
    assert ("claude-sonnet-5", "input", "from 2026-09-01") in fields  # their cancelled rise
    assert ("claude-opus-5-5", "input", "current") in fields  # their claude-opus-5 rule catches claude-opus-5-5
    assert {d["their_model"] for d in doc["differences"] if d["model"] == "claude-opus-5-5"} == {"claude-opus-5"}
    assert sorted(m["id"] for m in doc["missing_here"]) == ["claude-2", "claude-3-5-sonnet", "claude-3-sonnet", "claude-v1"]
    assert doc["not_expressed_there"]["cache_write_1h"] > 20


def test_audit_finds_a_planted_difference(cli, tmp_path):
    data = json.loads((PRICE_SOURCES / "litellm-model_prices_and_context_window.json").read_text())
    data["claude-sonnet-4-6"]["cache_read_input_token_cost"] = 4e-07  # $0.40 instead of $0.30
    planted = tmp_path / "litellm.json"
    planted.write_text(json.dumps(data))
    doc = cli.json("prices", "audit", "--against", "litellm", planted, code=1)
    assert {"model": "claude-sonnet-4-6", "field": "cache_read", "period": "current", "ours": "0.3", "theirs": "0.4"} in doc["differences"]
    assert len(doc["differences"]) == 3
    r = cli("prices", "audit", "--against", "litellm", planted, code=1)
    assert re.search(r"claude-sonnet-4-6\s+cache_read\s+current: \$0.3 vs \$0.4", r.stdout)


def test_audit_models_api_through_the_sdk(cli, standin, monkeypatch):
    # 104 ids: the SDK asks for 100 a page, so it follows a second page
    standin.models = ["claude-sonnet-4-6", "claude-opus-4-8", "claude-haiku-4-5-20251001"] + [f"claude-fable-{i}" for i in range(6, 107)]
    doc = cli.json("prices", "audit", "--against", "models-api", code=1)
    assert len(doc["missing_here"]) == 101 and doc["missing_here"][-1] == {"id": "claude-fable-106", "current": True}
    assert "claude-opus-4-7" in doc["missing_there"] and "claude-sonnet-4-6" not in doc["missing_there"]
    assert "claude-haiku-4-5" not in doc["missing_there"]  # its dated id resolves to it
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-wrong-key-0000")
    r = cli("prices", "audit", "--against", "models-api", code=3)
    assert "GET /v1/models failed: 401" in r.stderr and "wrong-key" not in r.stderr


def test_audit_bad_input(cli, tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    r = cli("prices", "audit", "--against", "litellm", tmp_path / "x.json", code=2)
    assert "not valid JSON" in r.stderr
    (tmp_path / "y.json").write_text("{}")
    assert "no entry with litellm_provider" in cli("prices", "audit", "--against", "litellm", tmp_path / "y.json", code=2).stderr
    assert "one of genai-prices" in cli("prices", "audit", "--against", "openai", code=2).stderr
