"""The library API the docs show (the first block of docs/guides/python.md runs as written), and
the layering docs/concepts/architecture.md promises: imports only go down, the core never imports
from above."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "claude_cost"
#: Layer of each package folder: a module may import only from its own layer or below.
LAYERS = {"core": 0, "counting": 1, "sources": 1, "estimating": 2, "engines": 2, "render": 2, "commands": 3}


def readme_python() -> str:
    text = (ROOT / "docs" / "guides" / "python.md").read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_readme_python_example_runs_and_prints_the_hand_worked_figures():
    out = subprocess.run([sys.executable, "-c", readme_python()], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # $37/day: week 7x, month 30x, year 365x
    projection = eval(lines[0])  # a dict literal of decimal strings
    assert {k: Decimal(v) for k, v in projection.items()} == {"day": 37, "week": 259, "month": 1110, "year": 13505}
    low, point, high, total, total_high = lines[1].split()
    assert int(low) < int(point) < int(high) and Decimal(total) < Decimal(total_high)
    rows = dict((line.split()[0], line.split()[1:]) for line in lines[2:])
    # Opus 4.6 $5/$25: 20,000 x 5 + 1,000 x 25 = $0.125 as given; Opus 4.7 converted x1.30 = $0.1625
    assert rows["claude-opus-4-6"][0] == "manual" and Decimal(rows["claude-opus-4-6"][1]) == Decimal("0.125")
    assert rows["claude-opus-4-7"][0] == "converted" and Decimal(rows["claude-opus-4-7"][1]) == Decimal("0.1625")
    assert Decimal(rows["claude-sonnet-4-6"][1]) == Decimal("0.075")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("claude_cost."):
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("claude_cost.")]
    return out


def test_arrows_only_go_down():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        if len(rel) < 2 or rel[0] not in LAYERS:
            continue
        for module in _imports(path):
            target = module.split(".")[1]
            if target in LAYERS and target != rel[0] and LAYERS[target] >= LAYERS[rel[0]]:
                wrong.append(f"{'/'.join(rel)} imports {module}")
    assert not wrong, wrong


def test_core_never_prints_nor_loads_the_cli_stack():
    for path in (PACKAGE / "core").glob("*.py"):
        text = path.read_text()
        assert "print(" not in text and "sys.stdout" not in text and "sys.stderr" not in text, path
        assert not re.search(r"^\s*(import|from) (typer|rich|anthropic)", text, re.M), path


def test_each_command_is_short():
    """Every command function's body (after its signature and docstring) stays at ~25 lines."""
    for path in (PACKAGE / "commands").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and path.name != "_shared.py":
                body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
                lines = body[-1].end_lineno - body[0].lineno + 1
                assert lines <= 26, f"{path.name}:{node.name} body is {lines} lines"
