"""Every claude-cost command the README and the docs pages show in a `sh` block runs as shown
(offline, no key), with the exit code the page says: 0, or 1 where the next line says "exits 1".
(`console` blocks are transcripts: docs/generate.py makes their output and tests/test_docs.py
fails when one changed.)"""

from __future__ import annotations

import json
import re
import shlex
import shutil

import pytest
from conftest import ROOT

# the Admin API, a price download, the models list (network: tested against stand-ins elsewhere); writes the user's shell rc
SKIP = ("report", "update", "models-api", "--install-completion")


PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)]


def readme_commands():
    lines = [line for page in PAGES for block in re.findall(r"```sh\n(.*?)```", page.read_text(), re.S) for line in block.splitlines()]
    seen = set()
    for i, line in enumerate(lines):
        text = re.split(r"\s+#\s", line)[0].strip()
        if not re.match(r"^(cat \S+ \| )?claude-cost ", text) or any(s in text.split() for s in SKIP):
            continue
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        code = 1 if following.startswith("# ^ exits 1") else 0
        if (text, code) not in seen:
            seen.add((text, code))
            yield pytest.param(text, code, id=text[:70])


def test_every_page_is_read():
    assert len(PAGES) > 20 and all("_build" not in p.parts for p in PAGES)


COMMANDS = list(readme_commands())


def test_the_readme_shows_commands():
    assert len(COMMANDS) > 30


@pytest.mark.parametrize(("command", "code"), COMMANDS)
def test_readme_command_runs(cli, monkeypatch, tmp_path, command, code):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(ROOT / "examples" / "claude-code"))  # `usage --claude-code` reads the example
    stdin = None
    if command.startswith("cat "):
        source, command = command[4:].split(" | ", 1)
        stdin = (ROOT / source).read_text()
    to_jq = " | jq " in command
    command = command.split(" | jq ")[0].split(" >> ")[0]  # jq / appending to a file: the shell's part
    args = shlex.split(command)[1:]
    for flag in ("-o", "--output"):  # a command that writes a file writes it elsewhere: the checkout stays as it is
        if flag in args:
            args[args.index(flag) + 1] = str(tmp_path / "written")
    if "--ledger" in args:  # a budget ledger is written to (a limit kept, expired holds swept): a copy is
        i = args.index("--ledger") + 1
        shutil.copy(ROOT / args[i], tmp_path / "ledger.sqlite")
        args[i] = str(tmp_path / "ledger.sqlite")
    if "--rev" in args and not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    r = cli(*args, input=stdin, code=code)
    assert "Traceback" not in r.stderr
    if to_jq or "--json" in args:
        json.loads(r.stdout)
