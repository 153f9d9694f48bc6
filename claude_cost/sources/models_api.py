"""The model ids the API lists (`GET /v1/models`), through the official SDK with the
credentials and base URL it reads itself (imported only here). For `prices audit --against
models-api`."""

from __future__ import annotations

from typing import Any

from claude_cost.core.errors import ApiError, redact

__all__ = ["list_model_ids"]


def list_model_ids(timeout: float | None = None) -> list[str]:
    """Every model id the API lists (all pages). ApiError (exit 3) when the call fails."""
    import anthropic

    kwargs: dict[str, Any] = {"max_retries": 2}
    if timeout is not None:
        kwargs["timeout"] = timeout
    try:
        client = anthropic.Anthropic(**kwargs)
        return [m.id for m in client.models.list(limit=100)]
    except anthropic.APIStatusError as exc:
        message = redact(str(getattr(exc, "api_message", None) or exc))
        raise ApiError(f"GET /v1/models failed: {exc.status_code}: {message}", hint="check ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL") from None
    except anthropic.APIConnectionError:
        raise ApiError("cannot connect to the Anthropic API for GET /v1/models", hint="check the network and ANTHROPIC_BASE_URL") from None
    except TypeError as exc:  # the SDK raises TypeError at request time when it finds no credentials at all
        if "authentication" not in str(exc):
            raise
        raise ApiError("no API credentials for GET /v1/models", hint="set ANTHROPIC_API_KEY") from None
    except anthropic.AnthropicError as exc:
        raise ApiError(f"GET /v1/models failed: {redact(str(exc))}") from None
