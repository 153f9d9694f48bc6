"""The JSON Schemas of every --json document (issue 34; render/schemas.py): each a valid draft
2020-12 schema, each met by a real document here (conftest validates every --json the suite
produces, and counts them), `claude-cost schema` printing them, and a broken document refused."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from jsonschema import Draft202012Validator

from claude_cost.render import schemas
from conftest import ROOT

EX = ROOT / "examples"


@pytest.mark.parametrize("name", schemas.names())
def test_each_schema_is_a_valid_schema(name, cli):
    Draft202012Validator.check_schema(schemas.schema(name))
    assert json.loads(cli("schema", name).stdout) == schemas.schema(name)


def test_every_document_meets_its_schema(cli, tmp_path, monkeypatch):
    """One real document of each kind, each validated by conftest.valid_json as the run makes it."""
    from conftest import SCHEMA_CHECKED
    from test_report import COST, USAGE

    from admin_standin import ADMIN_KEY, AdminStandIn

    SCHEMA_CHECKED.clear()
    cli.json("estimate", EX / "long-system-prompt.json", "--count", "offline")
    cli.json("estimate", EX / "batch-requests.jsonl", "--count", "offline")
    cli.json("compare", EX / "long-system-prompt.json", "--count", "offline", "--what-if")
    cli.json("usage", EX / "usage" / "app.log.jsonl", EX / "usage" / "batch_results.jsonl", "--what-if", "--show-logged-cost", "--model", "sonnet-4.6")
    cli.json("history", EX / "claude-code" / "projects")
    cli.json("history", EX / "claude-code" / "projects", "--backtest")
    cli.json("diff", EX / "long-system-prompt.json", EX / "multi-turn-chat.json", "--count", "offline")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(EX / "agent-tool-turn.json", repo / "p.json")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=repo, check=True)
    (repo / "p.json").write_text((EX / "multi-turn-chat.json").read_text())
    shutil.copy(EX / "image.json", repo / "q.json")
    monkeypatch.chdir(repo)
    cli.json("diff", "--rev", "HEAD", "p.json", "q.json", "--count", "offline")
    monkeypatch.chdir(ROOT)
    cli.json("check", "--config", EX / "claude-cost.toml", code=None)
    cli.json("prices", "opus-4.7")
    cli.json("prices", "update", "--from", ROOT / "claude_cost" / "prices.toml", "--dry-run")
    cli.json("prices", "audit", "--against", "litellm", ROOT.parent / "shared" / "data" / "price-sources" / "litellm-model_prices_and_context_window.json", code=1)
    cli.json("prices", "info")
    ledger = tmp_path / "l.sqlite"
    shutil.copy(EX / "usage" / "budget.sqlite", ledger)
    cli.json("budget", "status", "--ledger", ledger, "--scope", "support-bot")
    cli.json("budget", "check", EX / "long-system-prompt.json", "--ledger", ledger, "--scope", "support-bot")
    with AdminStandIn(USAGE, COST) as server:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        cli.json("report", "--from", "2026-11-01", "--to", "2026-11-02")
    assert set(SCHEMA_CHECKED) == set(schemas.names()), set(schemas.names()) - set(SCHEMA_CHECKED)


def test_a_document_that_drifts_is_refused(cli):
    from jsonschema import ValidationError, validate

    doc = cli.json("estimate", "--model", "opus-4.7", "--input-tokens", "1000")
    validate(doc, schemas.schema("estimate"))
    for broken in ({**doc, "total_usd": 0.005}, {**doc, "new_field": 1}, {k: v for k, v in doc.items() if k != "lines"}):
        with pytest.raises(ValidationError):
            validate(broken, schemas.schema("estimate"))
