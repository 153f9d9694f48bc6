"""Today's date, the one place it is read.

`$CLAUDE_COST_TODAY` (YYYY-MM-DD) fixes it: prices are looked up for that day when `--at` is not
given, a table's age is measured to it, and pages say they were made on it. The docs' console
transcripts are made with it, so they do not change as the calendar does; a CI job replaying a
past run can set it too.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

from .errors import InputError

TODAY_ENV = "CLAUDE_COST_TODAY"


def today() -> date:
    fixed = os.environ.get(TODAY_ENV)
    if not fixed:
        return date.today()
    try:
        return date.fromisoformat(fixed.strip())
    except ValueError:
        raise InputError(f"${TODAY_ENV} is {fixed!r}, not a date", hint=f"use YYYY-MM-DD, or unset {TODAY_ENV}") from None


def now() -> datetime:
    """The time now (UTC); midnight of the fixed day when `$CLAUDE_COST_TODAY` is set."""
    if os.environ.get(TODAY_ENV):
        return datetime.combine(today(), datetime.min.time(), tzinfo=timezone.utc)
    return datetime.now(timezone.utc)
