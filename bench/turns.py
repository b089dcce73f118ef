"""How many Teams turns per second the bot serves, end to end over HTTP, with a local connector.

    .venv/bin/python -m bench.turns [--turns 300] [--concurrency 4] [--without-retry-fix]

A benchmark, not a test: it prints numbers and asserts nothing. Each turn is `/help`: one inbound activity,
one card sent back through the connector (the msrest + requests path whose retry policy we fix)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

import aiohttp
from aiohttp.test_utils import TestServer


async def run(turns: int, concurrency: int, without_fix: bool) -> None:
    from bot.settings import Settings
    from bot.teams.app import create_app
    from tests.teams import TeamsClient, start_connector

    if without_fix:
        from msrest.universal_http.requests import ClientRetryPolicy

        ClientRetryPolicy.safe_codes = [i for i in range(500) if i != 408] + [501, 505]  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(state_db=f"{tmp}/state.db", dev_signing_key=f"{tmp}/key.pem")
        server = TestServer(await create_app(settings), host="127.0.0.1", port=0)
        await server.start_server()
        connector = await start_connector()
        async with aiohttp.ClientSession() as session:
            client = TeamsClient(str(server.make_url("")).rstrip("/"), connector, session)
            await client.say("/help")  # warm-up
            latencies: list[float] = []
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(turns):
                queue.put_nowait(i)

            async def worker() -> None:
                while not queue.empty():
                    queue.get_nowait()
                    started = time.perf_counter()
                    await client.say("/help")
                    latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        await connector.server.close()
        await server.close()
    latencies.sort()
    print(
        f"turns={turns} concurrency={concurrency} retry_fix={'off' if without_fix else 'on'} "
        f"throughput={turns / elapsed:.1f}/s p50={statistics.median(latencies) * 1000:.1f}ms "
        f"p95={latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f}ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--without-retry-fix", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.turns, args.concurrency, args.without_retry_fix))


if __name__ == "__main__":
    main()
