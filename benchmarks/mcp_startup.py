"""Start-up of `claude-cost mcp` to the first tool answer, against the floor: a minimal MCPServer
with one trivial tool, started and asked the same way (the SDK's own start-up and handshake).
Both are spawned by the mcp SDK's stdio client; they take turns, run after run.

Run: python benchmarks/mcp_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

FLOOR = """
from typing import Any

from mcp.server.mcpserver import MCPServer
server = MCPServer("floor", log_level="WARNING")

@server.tool(structured_output=True)
def estimate(model: str, input_tokens: int) -> dict[str, Any]:
    return {"model": model, "total_usd": str(input_tokens * 5 / 1e6)}

server.run("stdio")
"""


async def first_answer(args: list[str]) -> float:
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        async with stdio_client(StdioServerParameters(command=sys.executable, args=args), errlog=quiet) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                result = await s.call_tool("estimate", {"model": "opus-4.7", "input_tokens": 200000})
                assert not result.is_error, result.content
                return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    floor = os.path.join(tempfile.mkdtemp(), "floor.py")
    with open(floor, "w") as fh:
        fh.write(FLOOR)
    ours_args, floor_args = ["-m", "claude_cost", "mcp"], [floor]
    asyncio.run(first_answer(ours_args))
    asyncio.run(first_answer(floor_args))  # warm the file cache
    ours, base = [], []
    for _ in range(runs):
        ours.append(asyncio.run(first_answer(ours_args)))
        base.append(asyncio.run(first_answer(floor_args)))
    ratios = sorted(a / b for a, b in zip(ours, base))
    print(f"claude-cost mcp, spawn to first estimate answer: median {statistics.median(ours) * 1000:.0f} ms (min {min(ours) * 1000:.0f})")
    print(f"a minimal MCPServer, the same:                   median {statistics.median(base) * 1000:.0f} ms (min {min(base) * 1000:.0f})")
    print(f"paired ratio: median {statistics.median(ratios):.2f} (pairs {ratios[0]:.2f}–{ratios[-1]:.2f}), {runs} runs")


if __name__ == "__main__":
    main()
