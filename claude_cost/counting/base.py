"""The counting interface: what every counter offers, how to count (settings), and the
choice of counter for a model. The implementations live beside it: api (the SDK), offline."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from claude_cost.core.errors import InputError
from claude_cost.core.models import Count, ModelPrice

__all__ = ["TokenCounter", "CountSettings", "has_credentials", "make_counter", "api_counter"]

#: Environment variables from which the SDK can build credentials without a config file
#: (fact sheet §1, "Credential precedence").
CREDENTIAL_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_IDENTITY_TOKEN",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
)


class TokenCounter(Protocol):
    """Counts the input tokens of a count_tokens-shaped body."""

    source: str  # "api" | "offline" | "manual"
    method: str  # human-readable description of how

    def count(self, body: dict[str, Any]) -> Count: ...



@dataclass(frozen=True)
class CountSettings:
    """How to count tokens: `mode` api | offline | auto; the SDK's timeout and retries; whether
    API counts are kept in the on-disk cache (hashes and counts only)."""

    mode: str = "auto"
    timeout: float | None = None
    max_retries: int | None = None
    cache: bool = True
    offline_method: str = "auto"  # auto | ctok | fitted: how offline counts are made

    def __post_init__(self) -> None:
        if self.mode not in ("api", "offline", "auto"):
            raise InputError(f"--count must be api, offline or auto, not {self.mode!r}")
        if self.offline_method not in ("auto", "ctok", "fitted"):
            raise InputError(f"--offline-method must be auto, ctok or fitted, not {self.offline_method!r}")

    @property
    def uses_api(self) -> bool:
        """Whether these settings count with the API (auto: when credentials exist)."""
        return self.mode == "api" or (self.mode == "auto" and has_credentials())


def has_credentials(env: dict[str, str] | None = None) -> bool:
    """Whether the SDK would find credentials in the environment (checked without importing it)."""
    env = os.environ if env is None else env
    return any(env.get(name) for name in CREDENTIAL_ENV)



def api_counter(settings: CountSettings) -> Any:
    """An ApiCounter for these settings, with the disk cache unless it is turned off or unwritable."""
    from claude_cost.counting.api import ApiCounter

    cache = None
    if settings.cache:
        from claude_cost.counting.cache import CountCache

        try:
            cache = CountCache()
        except OSError:
            cache = None  # an unwritable cache directory only costs speed
    return ApiCounter(timeout=settings.timeout, max_retries=settings.max_retries, cache=cache)


def make_counter(settings: CountSettings, model: ModelPrice) -> tuple[TokenCounter, str | None]:
    """The counter the settings ask for, and a line saying which one `auto` chose."""
    chosen = None
    if settings.mode == "auto":
        if has_credentials():
            return api_counter(settings), "counting with the count_tokens API (credentials found)"
        chosen = "no API credentials found: counting offline; set ANTHROPIC_API_KEY for count_tokens"
    if settings.mode == "api":
        return api_counter(settings), chosen
    from claude_cost.counting.offline import offline_counter

    return offline_counter(model, settings.offline_method), chosen
