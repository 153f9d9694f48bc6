"""`python -m claude_cost` runs the CLI."""

from claude_cost.cli import main

main()
