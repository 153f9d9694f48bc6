"""CI integrations (issue 17): the GitHub Action's script with a stand-in `gh` (first run creates
the one comment, later runs update it, a broken budget fails the job), the GitLab script with a
stand-in `curl`, action.yml and the hooks file as YAML, and the pre-commit hook through
`pre-commit try-repo`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

yaml = pytest.importorskip("yaml")
MARKER = "<!-- claude-cost:diff -->"
BIN = str(Path(sys.executable).parent)  # this environment's claude-cost

STAND_IN_GH = r'''#!/usr/bin/env python3
"""A stand-in gh: `gh api` on issue comments, kept in $GH_STATE; every call logged to $GH_LOG."""
import json, os, sys
state_path, log = os.environ["GH_STATE"], os.environ["GH_LOG"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {"comments": [], "next": 100}
args = sys.argv[1:]
with open(log, "a") as fh:
    fh.write(json.dumps(args) + "\n")
assert args[0] == "api", args
method = args[args.index("-X") + 1] if "-X" in args else "GET"
path = next(a for a in args[1:] if a.startswith("repos/"))
if method == "GET":
    marker = args[args.index("--jq") + 1].split('startswith("')[1].split('")')[0]
    for c in state["comments"]:
        if c["body"].startswith(marker):
            print(c["id"])
else:
    body = open(args[args.index("-F") + 1].split("=@", 1)[1]).read()
    if method == "POST":
        state["comments"].append({"id": state["next"], "body": body}); state["next"] += 1
    else:
        cid = int(path.rsplit("/", 1)[1])
        next(c for c in state["comments"] if c["id"] == cid)["body"] = body
json.dump(state, open(state_path, "w"))
'''

STAND_IN_CURL = r'''#!/usr/bin/env python3
"""A stand-in curl for the GitLab notes API, kept in $NOTES_STATE; calls logged to $NOTES_LOG."""
import json, os, sys
state_path = os.environ["NOTES_STATE"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {"notes": [], "next": 1}
args = sys.argv[1:]
with open(os.environ["NOTES_LOG"], "a") as fh:
    fh.write(json.dumps(args) + "\n")
assert "PRIVATE-TOKEN: glpat-test" in args
method = args[args.index("--request") + 1] if "--request" in args else "GET"
url = args[-1]
if method == "GET":
    print(json.dumps(state["notes"]))
else:
    body = json.loads(args[args.index("--data") + 1])["body"]
    if method == "POST":
        state["notes"].append({"id": state["next"], "body": body}); state["next"] += 1
    else:
        nid = int(url.rsplit("/", 1)[1])
        next(n for n in state["notes"] if n["id"] == nid)["body"] = body
json.dump(state, open(state_path, "w"))
'''


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-C", str(repo), *args], check=True, capture_output=True)


def payload(max_tokens):
    return json.dumps({"model": "claude-sonnet-4-6", "max_tokens": max_tokens, "messages": [{"role": "user", "content": "Triage the ticket."}]})


@pytest.fixture
def pr_repo(tmp_path):
    """A repository whose pull request changes one payload and adds another; origin/main is the base."""
    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("needs git and bash")
    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "prompts" / "a.json").write_text(payload(1000))
    (repo / "claude-cost.toml").write_text('[[budget]]\nname = "prompts"\nfiles = "prompts/*.json"\ntotal = 1\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    (repo / "prompts" / "a.json").write_text(payload(2000))
    (repo / "prompts" / "b.json").write_text(payload(50))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "pull request")
    return repo


def stand_in(tmp_path, name, text):
    d = tmp_path / "bin"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
    (d / name).chmod(0o755)
    return str(d)


def run_action(repo, tmp_path, **env):
    gh_dir = stand_in(tmp_path, "gh", STAND_IN_GH)
    full = {**os.environ, "PATH": os.pathsep.join([gh_dir, BIN, os.environ["PATH"]]), "GH_STATE": str(tmp_path / "gh.json"),
            "GH_LOG": str(tmp_path / "gh.log"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "CC_BASE_REF": "main",
            "CC_PR": "7", "CC_REPO": "acme/app", "CC_COUNT": "offline", "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}  # fmt: skip
    return subprocess.run(["bash", str(ROOT / "integrations" / "github-action.sh")], cwd=repo, env=full, capture_output=True, text=True)


def test_action_creates_one_comment_then_updates_it(pr_repo, tmp_path):
    first = run_action(pr_repo, tmp_path)
    assert first.returncode == 0, first.stderr
    state = json.loads((tmp_path / "gh.json").read_text())
    assert len(state["comments"]) == 1
    body = state["comments"][0]["body"]
    assert body.startswith(MARKER) and "1 changed, 1 added since" in body and "`prompts/b.json` | added" in body
    assert (tmp_path / "summary.md").read_text() == body
    # another push: the same comment is edited, no second one
    (pr_repo / "prompts" / "b.json").write_text(payload(4000))
    second = run_action(pr_repo, tmp_path)
    assert second.returncode == 0, second.stderr
    state = json.loads((tmp_path / "gh.json").read_text())
    assert [c["id"] for c in state["comments"]] == [100] and state["comments"][0]["body"] != body
    calls = [json.loads(line) for line in (tmp_path / "gh.log").read_text().splitlines()]
    writes = [c[c.index("-X") + 1] for c in calls if "-X" in c]
    assert writes == ["POST", "PATCH"]
    assert ["api", "-X", "PATCH", "repos/acme/app/issues/comments/100"] == calls[-1][:4]


def test_action_fails_the_job_on_a_broken_budget_and_still_comments(pr_repo, tmp_path):
    r = run_action(pr_repo, tmp_path, CC_MAX_INCREASE="0.0001")
    assert r.returncode == 1 and "over budget: the total rises by" in r.stderr
    body = json.loads((tmp_path / "gh.json").read_text())["comments"][0]["body"]
    assert ":warning: over budget" in body
    assert run_action(pr_repo, tmp_path, CC_BASE_REF="").returncode == 2


def test_action_without_comment_only_writes_the_summary(pr_repo, tmp_path):
    r = run_action(pr_repo, tmp_path, CC_COMMENT="false")
    assert r.returncode == 0 and not (tmp_path / "gh.log").exists()
    assert (tmp_path / "summary.md").read_text().startswith(MARKER)


def test_gitlab_note_is_created_then_updated(pr_repo, tmp_path):
    curl_dir = stand_in(tmp_path, "curl", STAND_IN_CURL)
    env = {**os.environ, "PATH": os.pathsep.join([curl_dir, BIN, os.environ["PATH"]]), "NOTES_STATE": str(tmp_path / "notes.json"),
           "NOTES_LOG": str(tmp_path / "notes.log"), "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_API_V4_URL": "https://gitlab.invalid/api/v4",
           "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "3", "GITLAB_TOKEN": "glpat-test", "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
    script = [str(ROOT / "integrations" / "gitlab-mr-note.sh"), "--count", "offline"]
    assert subprocess.run(["bash", *script], cwd=pr_repo, env=env, capture_output=True).returncode == 0
    (pr_repo / "prompts" / "b.json").write_text(payload(3000))
    r = subprocess.run(["bash", *script, "--max-increase", "0.0001"], cwd=pr_repo, env=env, capture_output=True, text=True)
    assert r.returncode == 1
    notes = json.loads((tmp_path / "notes.json").read_text())["notes"]
    assert len(notes) == 1 and notes[0]["body"].startswith(MARKER) and ":warning: over budget" in notes[0]["body"]


def test_action_yml_has_what_github_requires():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["name"] and action["description"] and action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert "uses" in step or ("run" in step and step["shell"] == "bash"), step
    assert {"paths", "base-ref", "max-increase", "config", "python-version", "comment", "install"} <= set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert spec["description"], name
    assert "integrations/github-action.sh" in action["runs"]["steps"][-1]["run"]
    workflow = (ROOT / "examples" / "github-actions" / "claude-cost.yml").read_text()
    assert len([line for line in workflow.splitlines() if line.strip() and not line.startswith("#")]) <= 12
    assert yaml.safe_load(workflow)["jobs"]["cost"]["steps"][1]["uses"].endswith("/claude-cost@v0")
    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml").read_text())
    assert "integrations/gitlab-mr-note.sh" in " ".join(gitlab["claude-cost"]["script"])


def test_pre_commit_hooks_file():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"claude-cost-check", "claude-cost-diff"}
    for h in hooks.values():
        assert h["language"] == "python" and h["entry"].startswith("claude-cost ") and h["name"]


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook_on_staged_payloads(tmp_path):
    """pre-commit installs this repository as a hook and runs it on staged payloads (the hook
    environment is built from the package registry: slow, but kept in CI)."""
    pre_commit = shutil.which("pre-commit", path=BIN) or shutil.which("pre-commit")
    if pre_commit is None or shutil.which("git") is None:
        pytest.skip("needs pre-commit and git")
    src = tmp_path / "hook-repo"  # try-repo takes the hook repository as committed: a snapshot of this tree
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", ".pytest_cache", "build"))
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    git(src, "add", ".")
    git(src, "commit", "-qm", "snapshot")
    repo = tmp_path / "user"
    (repo / "prompts").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "prompts" / "a.json").write_text(payload(1000))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "prompts" / "a.json").write_text(payload(9000))
    git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-cache"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ANTHROPIC_API_KEY", None)
    ok = subprocess.run([pre_commit, "try-repo", str(src), "claude-cost-diff", "--verbose"], cwd=repo, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "claude-cost cost diff against HEAD" in ok.stdout and "Passed" in ok.stdout
    # the hook ran claude-cost on the staged payload (offline: no key in the hook's environment)
    # one staged payload: max_tokens 1,000 → 9,000 on Sonnet 4.6 ($15/MTok output) = +$0.12
    assert "prompts/a.json@HEAD → prompts/a.json" in ok.stdout and "+$0.12" in ok.stdout
