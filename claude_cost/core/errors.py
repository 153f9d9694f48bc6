"""The one error hierarchy of claude-cost, and the exit codes it maps to.

Exit codes are part of the CLI's contract (CI scripts depend on them):

    0  success
    1  over budget (a budget gate was broken)
    2  bad usage or bad input: flags, unknown model, invalid prices file, invalid payload,
       a scenario the API itself would reject
    3  an API call failed: token counting (count_tokens) or the Admin usage/cost report
    4  internal error: a bug in claude-cost (please report it; --debug shows the traceback)
    5  usage --strict: some records could not be priced (unknown model, malformed usage)
"""

from __future__ import annotations

import os

__all__ = [
    "EXIT_OK",
    "EXIT_OVER_BUDGET",
    "EXIT_BAD_INPUT",
    "EXIT_COUNT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_UNPRICED",
    "ClaudeCostError",
    "InputError",
    "PayloadError",
    "PriceTableError",
    "UnknownModelError",
    "ScenarioError",
    "ApiError",
    "TokenCountError",
    "redact",
]

EXIT_OK = 0
EXIT_OVER_BUDGET = 1
EXIT_BAD_INPUT = 2
EXIT_COUNT_FAILED = 3
EXIT_INTERNAL = 4
EXIT_UNPRICED = 5


class ClaudeCostError(Exception):
    """Base of every error the CLI reports as one line (plus an optional hint)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(ClaudeCostError):
    """Bad flags or bad input given by the user."""


class PayloadError(InputError):
    """The request payload is not readable JSON or not a Messages API request."""


class PriceTableError(InputError):
    """A prices file is malformed; the message names file, model and key."""


class UnknownModelError(InputError):
    """A model id or alias that the price table does not know."""


class ScenarioError(InputError):
    """A pricing scenario the API would reject (fast mode with batch, us residency on an old model, …)."""


class ApiError(ClaudeCostError):
    """An Anthropic API call failed (HTTP error, network, timeout, missing credentials)."""

    exit_code = EXIT_COUNT_FAILED


class TokenCountError(ApiError):
    """Counting tokens failed."""


#: Environment variables whose values are secrets: never shown in any output.
SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_IDENTITY_TOKEN")


def redact(text: str) -> str:
    """`text` with any secret from the environment replaced by ***."""
    for name in SECRET_ENV:
        secret = os.environ.get(name)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
