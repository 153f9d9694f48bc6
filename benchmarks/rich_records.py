"""Usage records shaped like real Messages API responses, for the engine benchmarks: a message
id, type, role, model, stop reason, and a usage object with the cache split, server tool use,
service tier and inference geo — about 340 bytes a line, as real logs are (small synthetic
records flatter an engine).

Run: python benchmarks/rich_records.py OUT.jsonl N
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

MODELS = ["claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-haiku-5-5", "claude-opus-4-6", "claude-sonnet-4-5"]


def write_rich(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
    with open(path, "w") as fh:
        for i in range(n):
            w5 = rng.choice([0, 0, 0, 2048, 8192])
            w1 = rng.choice([0, 0, 0, 0, 1024])
            usage = {
                "input_tokens": rng.randint(1, 150_000),
                "cache_creation_input_tokens": w5 + w1,
                "cache_read_input_tokens": rng.choice([0, 0, 4096, 40_000, 180_000]),
                "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
                "output_tokens": rng.randint(1, 8000),
                "server_tool_use": {"web_search_requests": rng.choice([0, 0, 0, 0, 1, 3]), "web_fetch_requests": 0},
                "service_tier": rng.choice(["standard", "standard", "standard", "batch"]),
                "inference_geo": rng.choice(["global", "global", "us"]),
            }
            rec = {
                "id": "msg_01" + "".join(rng.choice(letters) for _ in range(22)),
                "type": "message", "role": "assistant", "model": rng.choice(MODELS),
                "stop_reason": rng.choice(["end_turn", "end_turn", "tool_use", "max_tokens"]), "stop_sequence": None,
                "usage": usage,
                "timestamp": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
            }  # fmt: skip
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    write_rich(Path(sys.argv[1]), int(sys.argv[2]))
