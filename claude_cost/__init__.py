"""claude-cost: what a Claude API request will cost before you send it."""

from __future__ import annotations

__version__ = "0.1.0"
