"""`prices update` from the lists the world keeps current (issue 32): a price server on
127.0.0.1 serves LiteLLM's and genai-prices' files whole, as published
(shared/data/price-sources), and copies with planted rows: a new model in both lists (alike, and
not), a new model in one, a rate changed in one list and in both, hostile entries; and lists that
cannot be fetched. Expected rates are written by hand."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PRICE_SOURCES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "price-sources"
LITELLM = (PRICE_SOURCES / "litellm-model_prices_and_context_window.json").read_bytes()
GENAI = (PRICE_SOURCES / "genai-prices-data.json").read_bytes()
TODAY = date.today()


def per_token(usd_per_mtok: str) -> float:
    return float(Decimal(usd_per_mtok) / 1_000_000)


def litellm(plant: dict) -> bytes:
    """LiteLLM's whole file with entries added or changed (`None` removes one)."""
    doc = json.loads(LITELLM)
    for key, entry in plant.items():
        if entry is None:
            doc.pop(key, None)
        else:
            doc[key] = {**doc.get(key, {"litellm_provider": "anthropic", "mode": "chat"}), **entry}
    return json.dumps(doc).encode()


def genai(plant: dict) -> bytes:
    """genai-prices' whole file with Anthropic models added (or their current prices changed)."""
    doc = json.loads(GENAI)
    models = next(p for p in doc if p["id"] == "anthropic")["models"]
    for model_id, prices in plant.items():
        found = next((m for m in models if m["id"] == model_id), None)
        if found is None:
            models.insert(0, {"id": model_id, "match": {"equals": model_id}, "prices": prices})
        elif isinstance(found["prices"], list):
            found["prices"][-1]["prices"].update(prices)
        else:
            found["prices"].update(prices)
    return json.dumps(doc).encode()


OPUS_6_LITELLM = {"input_cost_per_token": per_token("6"), "output_cost_per_token": per_token("30"),
                  "cache_read_input_token_cost": per_token("0.6"), "cache_creation_input_token_cost": per_token("7.5")}  # fmt: skip
OPUS_6_GENAI = {"input_mtok": 6, "output_mtok": 30, "cache_read_mtok": 0.6, "cache_write_mtok": 7.5}


class Lists(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, bytes] = {}
        self.headers_seen: list[dict] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def serve(self, name: str, data: bytes) -> str:
        self.routes[f"/{name}"] = data
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"


class _Handler(BaseHTTPRequestHandler):
    server: Lists

    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.headers_seen.append(dict(self.headers))
        data = self.server.routes.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")


@pytest.fixture(scope="module")
def lists():
    srv = Lists()
    yield srv
    srv.shutdown()


@pytest.fixture
def serve(lists, monkeypatch):
    """Point the two list variables at the server, serving these bytes (None: not found)."""

    def go(lite: bytes | None, gen: bytes | None, tag: str) -> None:
        monkeypatch.setenv("CLAUDE_COST_LITELLM_URL", lists.serve(f"{tag}-litellm.json", lite) if lite is not None else lists.serve(f"{tag}-gone", b"")[:-4] + "none")
        monkeypatch.setenv("CLAUDE_COST_GENAI_PRICES_URL", lists.serve(f"{tag}-genai.json", gen) if gen is not None else lists.serve(f"{tag}-gone2", b"")[:-5] + "none2")
        monkeypatch.delenv("CLAUDE_COST_PRICES_URL", raising=False)

    return go


def installed(tmp_path) -> Path:
    return tmp_path / "data" / "claude-cost" / "prices.toml"


def test_the_lists_as_published_change_nothing_and_say_the_conflicts(cli, serve):
    serve(LITELLM, GENAI, "asis")
    r = cli("prices", "update", "--dry-run")  # exit 0: nothing would change
    assert "nothing would change" in r.stdout
    # genai-prices' August snapshot still carries Sonnet 5's cancelled rise: one list, so ours is kept
    assert "kept claude-sonnet-5 input at $2: genai-prices states $3 (only genai-prices differs)" in r.stdout
    assert "not added claude-opus-4-6-20260205 (litellm): a dated id of claude-opus-4-6" in r.stdout
    assert "not added claude-v1 (genai-prices): not a model id of the current scheme" in r.stdout


def test_a_model_both_lists_price_alike_is_added_with_the_rest_by_the_general_rules(cli, serve, tmp_path):
    serve(litellm({"claude-opus-6": OPUS_6_LITELLM}), genai({"claude-opus-6": OPUS_6_GENAI}), "alike")
    doc = cli.json("prices", "update", "--dry-run", "--json", code=1)
    added = {a["model"]: a for a in doc["merge"]["added"]}
    assert doc["added"] == ["claude-opus-6"] and added["claude-opus-6"]["stated_by"] == ["genai-prices", "litellm"]
    # stated: 6 / 30 / 0.6 / 7.5; by the rules: 1h write 2 × 6 = 12, batch 3 and 15 (fact sheet §2, §3)
    assert added["claude-opus-6"]["rates"] == {"input": "6", "output": "30", "cache_read": "0.6", "cache_write_5m": "7.5",
                                               "cache_write_1h": "12", "batch.input": "3", "batch.output": "15"}  # fmt: skip
    assert added["claude-opus-6"]["by_general_rules"] == ["cache_write_1h", "batch.input", "batch.output"]
    cli("prices", "update", "--yes")
    text = installed(tmp_path).read_text()
    assert "unconfirmed" in text and "[models.claude-opus-6]" in text
    est = cli.json("estimate", "--model", "claude-opus-6", "--input-tokens", "1000000", "--output-tokens", "100000", "--batch")
    assert Decimal(est["total_usd"]) == Decimal("3") + Decimal("1.5")  # batch: 1M × $3 + 100K × $15 per MTok
    info = cli.json("prices", "info", "--json")
    assert info["source"].startswith("merged: litellm (") and "genai-prices (" in info["source"] and "sha256" in info["source"]


def test_a_model_in_one_list_is_added_from_it(cli, serve):
    serve(litellm({"claude-sonnet-6": {"input_cost_per_token": per_token("3"), "output_cost_per_token": per_token("15")}}), GENAI, "one")
    doc = cli.json("prices", "update", "--dry-run", "--json", code=1)
    (a,) = doc["merge"]["added"]
    assert a["model"] == "claude-sonnet-6" and a["stated_by"] == ["litellm"]
    assert a["rates"]["cache_read"] == "0.3" and a["rates"]["cache_write_5m"] == "3.75"  # 0.1x and 1.25x of $3


def test_a_model_the_lists_price_differently_is_not_added(cli, serve):
    serve(litellm({"claude-opus-6": OPUS_6_LITELLM}), genai({"claude-opus-6": {**OPUS_6_GENAI, "input_mtok": 5}}), "differ")
    doc = cli.json("prices", "update", "--dry-run", "--json")  # nothing changes: exit 0
    assert doc["added"] == [] and not doc["would_change"]
    held = [h for h in doc["merge"]["held"] if h["model"] == "claude-opus-6"]
    assert held and held[0]["kind"] == "disagree" and held[0]["theirs"] == {"litellm": "6", "genai-prices": "5"}


def test_a_rate_one_list_changes_is_kept_and_both_alike_is_changed_from_today(cli, serve, tmp_path):
    # Haiku 4.5 input $1: LiteLLM alone says $1.10 → kept; then both say $1.10 → changed from today
    serve(litellm({"claude-haiku-4-5": {"input_cost_per_token": per_token("1.1")}}), GENAI, "onechange")
    doc = cli.json("prices", "update", "--dry-run", "--json")
    assert not doc["would_change"]
    assert {"kind": "conflict", "model": "claude-haiku-4-5", "field": "input", "ours": "1", "theirs": {"litellm": "1.1"},
            "reason": "only litellm differs"} in doc["merge"]["held"]  # fmt: skip
    serve(litellm({"claude-haiku-4-5": {"input_cost_per_token": per_token("1.1")}}), genai({"claude-haiku-4-5": {"input_mtok": 1.1}}), "both")
    doc = cli.json("prices", "update", "--dry-run", "--json", code=1)
    assert doc["merge"]["changed"] == [{"model": "claude-haiku-4-5", "field": "input", "old": "1", "new": "1.1",
                                        "reason": "both lists state $1.1 (ours $1)"}]  # fmt: skip
    cli("prices", "update", "--yes")
    today = cli.json("estimate", "--model", "haiku-4.5", "--input-tokens", "100000")
    yesterday = cli.json("estimate", "--model", "haiku-4.5", "--input-tokens", "100000", "--at", (TODAY - timedelta(days=1)).isoformat())
    assert (Decimal(today["total_usd"]), Decimal(yesterday["total_usd"])) == (Decimal("0.11"), Decimal("0.1"))  # past days price as billed


def test_a_merge_never_removes_dated_periods(cli, serve, tmp_path):
    # Opus 4.6: both lists move its input; its fast-mode period and long-context tier (which the lists cannot express) stay
    serve(litellm({"claude-opus-4-6": {"input_cost_per_token": per_token("5.5")}}), genai({"claude-opus-4-6": {"input_mtok": 5.5}}), "dated")
    cli("prices", "update", "--yes")
    for day, flags, usd in (("2026-03-01", ["--input-tokens", "300000"], "3"),  # the >200K tier before 2026-03-13: $10/MTok
                            ("2026-03-01", ["--input-tokens", "1000000", "--speed", "fast"], "30")):  # fast mode then: $30/MTok
        doc = cli.json("estimate", "--model", "opus-4.6", *flags, "--at", day)
        assert Decimal(doc["total_usd"]) == Decimal(usd), (flags, doc["total_usd"])
    assert Decimal(cli.json("estimate", "--model", "opus-4.6", "--input-tokens", "1000000")["total_usd"]) == Decimal("5.5")


@pytest.mark.parametrize("plant,why", [
    ({"gpt-9": {"input_cost_per_token": per_token("1"), "output_cost_per_token": per_token("2")}}, "'gpt-9' is not a Claude model"),
    ({"claude-opus-6": {**OPUS_6_LITELLM, "output_cost_per_token": per_token("5000")}}, "outside 0–1,000"),
    ({"claude-haiku-4-5": {"input_cost_per_token": 0.0}}, "input $0 would price the model at nothing"),
    ({"claude-opus-6": {**OPUS_6_LITELLM, "input_cost_per_token": -0.000001}}, "outside 0–1,000"),
])  # fmt: skip
def test_hostile_entries_are_refused_each_and_never_installed(cli, serve, tmp_path, plant, why):
    serve(litellm(plant), genai({k: {"input_mtok": 0} for k in plant if k == "claude-haiku-4-5"}), "hostile")
    doc = cli.json("prices", "update", "--dry-run", "--json")
    assert not doc["would_change"]
    assert any(h["kind"] == "refused" and why in h["reason"] for h in doc["merge"]["held"]), doc["merge"]["held"]


def test_one_list_unreachable_the_other_is_used_and_said(cli, serve):
    serve(None, genai({"claude-opus-6": OPUS_6_GENAI}), "half")
    r = cli("prices", "update", "--dry-run", code=1)
    assert "note: litellm could not be used" in r.stderr and "merged from the other list" in r.stderr
    assert "add claude-opus-6: priced by genai-prices" in r.stdout


def test_both_unreachable_is_exit_3_and_nothing_changes(cli, serve, tmp_path):
    serve(None, None, "none")
    r = cli("prices", "update", "--yes", code=3)
    assert "no price list could be fetched" in r.stderr and "CLAUDE_COST_LITELLM_URL" in r.stderr
    assert not installed(tmp_path).exists()


def test_from_one_list_and_writing_a_file(cli, serve, tmp_path):
    serve(litellm({"claude-opus-6": OPUS_6_LITELLM}), genai({"claude-sonnet-6": {"input_mtok": 3, "output_mtok": 15}}), "from")
    doc = cli.json("prices", "update", "--from", "genai-prices", "--dry-run", "--json", code=1)
    assert doc["added"] == ["claude-sonnet-6"] and list(doc["merge"]["lists"]) == ["genai-prices"]
    out = tmp_path / "candidate.toml"
    r = cli("prices", "update", "-o", str(out))
    assert "wrote" in r.stderr and not installed(tmp_path).exists()
    assert "[models.claude-opus-6]" in out.read_text() and "[models.claude-sonnet-6]" in out.read_text()
    assert "ok (" in cli("prices", "--check", str(out)).stdout


def test_no_credential_reaches_a_list(cli, serve, lists, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-never-sent-to-a-list")
    serve(LITELLM, GENAI, "creds")
    lists.headers_seen.clear()
    cli("prices", "update", "--dry-run")
    assert lists.headers_seen and all("never-sent" not in json.dumps(h) and "authorization" not in {k.lower() for k in h}
                                      for h in lists.headers_seen)  # fmt: skip


def test_the_scheduled_workflow_runs_as_written(cli, serve, tmp_path, monkeypatch):
    """examples/github-actions/prices-update.yml: its merge step, run by bash in a checkout that keeps a
    prices.toml, against the planted lists: the table is merged into the repository's file."""
    import os
    import shutil
    import subprocess
    import sys

    yaml = pytest.importorskip("yaml")
    from conftest import ROOT

    flow = yaml.safe_load((ROOT / "examples" / "github-actions" / "prices-update.yml").read_text())
    steps = flow["jobs"]["prices"]["steps"]
    merge_step = next(s for s in steps if s.get("id") == "merge")["run"]
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "claude_cost" / "prices.toml", repo / "prices.toml")
    serve(litellm({"claude-opus-6": OPUS_6_LITELLM}), genai({"claude-opus-6": OPUS_6_GENAI}), "flow")
    out = tmp_path / "github_output"
    env = {**os.environ, "PRICES": "prices.toml", "GITHUB_OUTPUT": str(out), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    r = subprocess.run(["bash", "-e", "-c", merge_step], cwd=repo, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text().strip() == "changed=true"
    assert "[models.claude-opus-6]" in (repo / "prices.toml").read_text()
    assert "add claude-opus-6: priced by genai-prices and litellm (alike)" in (repo / "merge.txt").read_text()
