"""`claude-cost schema`: the JSON Schema of a --json document (render/schemas.py)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import DebugOpt, boundary

NameArg = Annotated[Optional[str], typer.Argument(help="A document: estimate, estimate-many, compare, usage, history, … (none: list them).", show_default=False)]


def schema(name: NameArg = None, debug: DebugOpt = False) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's --json document, or list the documents."""
    with boundary(debug):
        from claude_cost.core.errors import InputError
        from claude_cost.render import schemas

        if name is None:
            for n in schemas.names():
                title, command, _ = schemas.SCHEMAS[n]
                typer.echo(f"{n:<17} {title}: {command}")
            return
        if name not in schemas.SCHEMAS:
            import difflib

            close = difflib.get_close_matches(name, schemas.names(), n=3)
            raise InputError(f"no schema named {name!r}", hint=f"did you mean {', '.join(close)}?" if close else "run `claude-cost schema` to list them")
        typer.echo(json.dumps(schemas.schema(name), indent=2, ensure_ascii=False))
