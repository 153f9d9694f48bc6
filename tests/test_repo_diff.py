"""`diff --rev` over a repository (issue 17): payloads changed, added, removed and untouched,
with rows, totals and exit codes worked out by hand. Manual-sized payloads are counted with the
fitted estimator's point estimates via --output-tokens only where tokens matter; here every
payload is priced on its output tokens alone (max_tokens as the bound) so the arithmetic is exact:
the input part is the same before and after for the changed payload."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import pytest


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
                        "HOME": str(repo), "PATH": "/usr/bin:/bin"})  # fmt: skip


def payload(max_tokens, text="Summarise the ticket."):
    return {"model": "claude-sonnet-4-6", "max_tokens": max_tokens, "messages": [{"role": "user", "content": text}]}


@pytest.fixture
def repo(tmp_path, monkeypatch):
    r = tmp_path / "repo"
    (r / "prompts").mkdir(parents=True)
    for name, doc in (("changed", payload(1000)), ("removed", payload(2000)), ("same", payload(500))):
        (r / "prompts" / f"{name}.json").write_text(json.dumps(doc))
    (r / "package.json").write_text('{"name": "not a payload"}')
    git(r, "init", "-q", "-b", "main")
    git(r, "add", ".")
    git(r, "commit", "-qm", "base")
    (r / "prompts" / "changed.json").write_text(json.dumps(payload(3000)))  # output bound 1,000 → 3,000
    (r / "prompts" / "removed.json").unlink()
    (r / "prompts" / "added.json").write_text(json.dumps(payload(400)))  # untracked: added
    (r / "prompts" / "zé ü.json").write_text(json.dumps(payload(1)))
    git(r, "add", "prompts/zé ü.json")
    git(r, "commit", "-qm", "a name git would quote")
    (r / "prompts" / "zé ü.json").write_text(json.dumps(payload(1)))
    monkeypatch.chdir(r)
    return r


def input_usd(cli, path):
    """The input part of a payload's cost, as estimate prices it (the same on both sides)."""
    doc = cli.json("estimate", path, "--count", "offline", "--output-tokens", "0")
    return Decimal(doc["total_usd"])


def test_rows_totals_and_statuses(cli, repo):
    doc = cli.json("diff", "--rev", "main", "prompts", "--count", "offline")
    rows = {f["path"]: f for f in doc["files"]}
    assert {p: f["status"] for p, f in rows.items()} == {
        "prompts/changed.json": "changed", "prompts/removed.json": "removed", "prompts/added.json": "added"}
    assert doc["unchanged"] == 2  # same.json and "zé ü.json": counted, not listed
    inp = input_usd(cli, "prompts/changed.json")  # the same text in every payload
    # Sonnet 4.6 output $15/MTok: changed 1,000 → 3,000 = +$0.03; removed 2,000 → $0.03 gone; added 400 = $0.006
    assert Decimal(rows["prompts/changed.json"]["change_usd"]) == Decimal("0.03")
    assert Decimal(rows["prompts/removed.json"]["before_usd"]) == inp + Decimal("0.03")
    assert Decimal(rows["prompts/removed.json"]["after_usd"]) == 0
    assert Decimal(rows["prompts/added.json"]["after_usd"]) == inp + Decimal("0.006")
    assert rows["prompts/added.json"]["change_pct"] is None  # from $0
    t = doc["total"]
    assert Decimal(t["before_usd"]) == 2 * inp + Decimal("0.045")  # changed 0.015 + removed 0.03
    assert Decimal(t["after_usd"]) == 2 * inp + Decimal("0.051")  # changed 0.045 + added 0.006
    assert Decimal(t["change_usd"]) == Decimal("0.006")


def test_budgets_exit_codes(cli, repo):
    args = ["diff", "--rev", "main", "prompts", "--count", "offline"]
    cli(*args, "--max-increase", "0.01", code=0)  # total +$0.006
    r = cli(*args, "--max-increase", "0.005", code=1)
    assert "over budget: the total rises by $0.006, more than the allowed $0.005" in r.stderr
    r = cli(*args, "--max-increase-per-request", "0.02", code=1)  # changed.json +$0.03
    assert r.stderr.strip() == "over budget: prompts/changed.json rises by $0.03, more than the allowed $0.02"
    r = cli(*args, "--max-increase-per-request", "50%", code=1)  # added.json rises from $0: over any percentage
    assert "prompts/added.json rises by from $0" in r.stderr or "prompts/added.json" in r.stderr
    cli(*args, "--max-increase-per-request", "0.05", code=0)


def test_markdown_is_a_pr_comment(cli, repo):
    md = cli("diff", "--rev", "main", "prompts", "--count", "offline", "--format", "markdown").stdout
    lines = md.splitlines()
    assert lines[0] == "<!-- claude-cost:diff -->"
    assert lines[1].startswith("**Claude request cost: $") and "1 changed, 1 added, 1 removed since main" in lines[1]
    assert "| `prompts/changed.json` | changed |" in md and "| `prompts/added.json` | added |" in md and "| **Total** |" in md
    assert "2 payload(s) unchanged." in md
    md = cli("diff", "--rev", "main", "prompts", "--count", "offline", "--format", "markdown", "--max-increase", "0.001", code=1).stdout
    assert "> :warning: over budget: the total rises by $0.006" in md


def test_non_payload_json_is_reported_and_default_paths_come_from_the_config(cli, repo):
    r = cli("diff", "--rev", "main", "--count", "offline", code=2)  # no paths, no config
    assert "no claude-cost.toml" in r.stderr
    (repo / "claude-cost.toml").write_text('[[budget]]\nname = "p"\nfiles = ["prompts/*.json"]\ntotal = 1\n')
    doc = cli.json("diff", "--rev", "main", "--count", "offline")
    assert {f["path"] for f in doc["files"]} == {"prompts/changed.json", "prompts/removed.json", "prompts/added.json"}
    (repo / "package.json").write_text('{"name": "changed, still not a payload"}')
    r = cli("diff", "--rev", "main", ".", "--count", "offline", "--json", code=2)
    assert "package.json" in r.stderr and "not a Messages API request" in r.stderr
    cli("diff", "--rev", "main", ".", "--count", "offline", "--keep-going", code=0)


def test_bad_revision_and_outside_a_repository(cli, repo, tmp_path, monkeypatch):
    assert "is not a revision" in cli("diff", "--rev", "nope", "prompts", "--count", "offline", code=2).stderr
    monkeypatch.chdir(tmp_path)
    assert "not inside a git repository" in cli("diff", "--rev", "main", ".", "--count", "offline", code=2).stderr


def test_payloads_saved_with_a_byte_order_mark(cli, tmp_path, monkeypatch):
    """A payload committed with a UTF-8 BOM (a Windows editor) is read on both sides of the
    diff, as files are everywhere else: it was an error row on both."""
    r = tmp_path / "bom"
    (r / "prompts").mkdir(parents=True)
    bom = b"\xef\xbb\xbf"
    (r / "prompts" / "a.json").write_bytes(bom + json.dumps(payload(1000)).encode())
    git(r, "init", "-q", "-b", "main")
    git(r, "add", ".")
    git(r, "commit", "-qm", "base")
    (r / "prompts" / "a.json").write_bytes(bom + json.dumps(payload(3000)).encode())
    monkeypatch.chdir(r)
    doc = cli.json("diff", "--rev", "main", "prompts", "--count", "offline")
    (row,) = doc["files"]
    # Sonnet 4.6 output at $15 / MTok: the bound 1,000 → 3,000 is +$0.03
    assert row["status"] == "changed" and not row.get("error") and Decimal(row["change_usd"]) == Decimal("0.03"), row
