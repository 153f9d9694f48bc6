"""Shared fixtures: a clean environment (no key, no user prices), a CLI runner, the table."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claude_cost.cli import app
from claude_cost.core.prices import load_table

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

_SECRET_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_IDENTITY_TOKEN",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_ADMIN_KEY",
    "CLAUDE_COST_PRICES",
)


@pytest.fixture(scope="session")
def tokenizer_cache(tmp_path_factory):
    """One folder of derived tokenizer tables for the whole run (deriving takes ~1 s a version;
    tests of the cache itself point CLAUDE_COST_TOKENIZER_CACHE elsewhere)."""
    return tmp_path_factory.mktemp("tokenizer")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path, tokenizer_cache):
    for name in _SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "no-anthropic-config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no price table a user installed
    monkeypatch.setenv("CLAUDE_COST_TOKENIZER_CACHE", str(tokenizer_cache))


@pytest.fixture(scope="session")
def table():
    return load_table(use_env=False)


_VALIDATORS: dict = {}
SCHEMA_CHECKED: dict[str, int] = {}  # schema name -> documents validated in this run (tests/test_schemas.py reads it)


def valid_json(args: list[str], stdout: str) -> None:
    """Every --json document the suite produces is validated against its schema (issue 34:
    render/schemas.py; a field added to a renderer without its schema fails here)."""
    if not stdout.strip():
        return
    from jsonschema import Draft202012Validator

    from claude_cost.render.schemas import for_command, schema

    doc = json.loads(stdout)
    name = for_command(args, doc)
    if name is None:
        return
    validator = _VALIDATORS.get(name)
    if validator is None:
        validator = _VALIDATORS[name] = Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, f"{' '.join(args)}: not valid against schema {name}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message[:300]}" for e in errors[:5])
    SCHEMA_CHECKED[name] = SCHEMA_CHECKED.get(name, 0) + 1


class Cli:
    """Runs the CLI in-process; stdout and stderr kept apart; a --json document is validated
    against its schema."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):
        result = self.runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        if "--json" in args or ("--format" in args and "json" in args):
            valid_json(list(map(str, args)), result.stdout)
        return result

    def bytes_in(self, args: list[str], data: bytes):
        """Run with raw bytes on stdin; the caller checks the exit code."""
        return self.runner.invoke(app, args, input=data, catch_exceptions=False)

    def json(self, *args: str, input: str | None = None, code: int | None = 0):
        return json.loads(self(*args, "--json", input=input, code=code).stdout)


@pytest.fixture
def cli():
    return Cli()


@pytest.fixture(scope="session")
def cli_factory():
    """A Cli maker for hypothesis tests (function-scoped fixtures are not reset per example;
    the environment these runs need is the session's: no key, no user prices)."""
    return Cli


@pytest.fixture(scope="session")
def _standin_server():
    from standin import StandIn

    with StandIn() as server:
        yield server


@pytest.fixture
def standin(_standin_server, monkeypatch):
    """The stand-in count_tokens server, reset, with the SDK's env pointing at it."""
    from standin import KEY

    server = _standin_server
    server.requests.clear()
    server.message_usages = []
    server.message_bill = None
    server.message_fail = None
    server.cut_after = None
    server.billed = []
    server.arrived = []
    server.models = list(__import__("standin").FAMILY)
    server.fail = None
    server.fail_times = None
    server.delay = 0.0
    server.rate_limit_per_s = None
    server.raw_reply = None
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    return server


def words(n: int, word: str = "w") -> str:
    return " ".join([word] * n)


def write_json(tmp_path, doc, name="payload.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


CHROMIUM = os.environ.get("CLAUDE_COST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """The system's headless Chromium, driven by Playwright (its own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs it (apt-get install chromium); set CLAUDE_COST_CHROMIUM to another")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                               "--disable-component-update", "--no-first-run", "--disable-sync"])  # fmt: skip
        yield b
        b.close()


def open_page(browser, path: Path, width: int = 1280, scheme: str = "light"):
    """The page, with every request but the page itself refused; (page, requests, console errors)."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    requests: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = path.resolve().as_uri()

    def route(r):
        requests.append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    return page, requests, errors


@pytest.fixture(scope="session")
def _postgres_cluster():
    """One PostgreSQL cluster per test run (tests/pgserver.py), shared by the SQL engine tests
    and the budget ledger tests; a missing or broken install fails, never skips."""
    from pgserver import NoPostgres, cluster

    try:
        with cluster() as found:
            yield found
    except NoPostgres as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def postgres(_postgres_cluster):
    """(psql command prefix) of the test run's cluster."""
    return _postgres_cluster[0]


@pytest.fixture(scope="session")
def postgres_url(_postgres_cluster):
    """A postgresql:// URL of the test run's cluster (a unix socket, user postgres, trust)."""
    return _postgres_cluster[1]


