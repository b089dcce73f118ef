"""CPU per Teams turn, as a ratio to a bare aiohttp handler measured in the same run. A benchmark, not a test.

    .venv/bin/python -m bench.turns [--turns 600] [--concurrency 8] [--rounds 3] [--conversations 10000]

Each contestant runs in its own process (bench/serve.py) and only that process's CPU time (user + system, from
/proc) is counted: not the client driving the load, not the local Bot Connector, not the Graph sandbox.
- the limit: `bench.serve bare`, which parses the activity, POSTs one reply on a shared session and answers;
- the bot: `create_app` in AUTH_MODE=dev against the Graph sandbox (its own process too).
Scenarios, in alternating rounds: `/help`; opening the customer form (`/customer Name email`); a customer card
submit (Action.Execute invoke, a Bookings customer created in the sandbox). Also printed: /help turns per second
at the given concurrency, seconds from process start to a ready /readyz, and the bot's RSS after
`--conversations` conversations have each opened a form (0 skips it)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.desk import Desk
from tests.teams import ADELE, TENANT_ID, Connector, TeamsClient, start_connector

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
BUSINESS_ID = "contosolunchdelivery@contoso.com"


@dataclass
class Process:
    proc: asyncio.subprocess.Process
    url: str
    started: float
    ready_after: float = 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self) -> None:
        self.proc.terminate()
        await self.proc.wait()


async def spawn(
    args: list[str], env: dict[str, str], session: aiohttp.ClientSession, ready_path: str, quiet: bool = False
) -> Process:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL if quiet else None,
    )
    assert proc.stdout is not None
    url = (await proc.stdout.readline()).decode().strip()
    if not url:
        raise RuntimeError(f"{args} did not start")
    process = Process(proc, url.removesuffix("/beta"), started)
    while True:
        try:
            async with session.get(f"{process.url}{ready_path}") as response:
                if response.status == 200:
                    break
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.01)
    process.ready_after = time.perf_counter() - started
    return process


async def help_items(client: TeamsClient, count: int) -> list[Any]:
    return [None] * count


async def help_turn(client: TeamsClient, _: Any) -> None:
    response = await client.post(client.base_activity("message", text="/help"))
    assert response.status == 201, response.status


async def open_form_turn(client: TeamsClient, n: Any) -> None:
    response = await client.post(client.base_activity("message", text=f"/customer Joni Sherman{n} joni{n}@example.com"))
    assert response.status == 201, response.status


async def submit_items(client: TeamsClient, count: int) -> list[Any]:
    """Opens `count` customer forms (not measured); each turn then submits one of them."""
    items = []
    stamp = int(time.time() * 1000)
    for n in range(count):
        desk = Desk(client, sandbox=None)  # type: ignore[arg-type]
        await desk.say(f"/customer Joni Sherman {n} bench{stamp}-{n}@example.com")
        if not desk.value("Bookings business"):
            desk.fill({"Bookings business": BUSINESS_ID})
        items.append(desk.data_for("Create"))
    return items


async def submit_turn(client: TeamsClient, item: Any) -> None:
    verb, data = item
    body = await client.execute(verb, data)
    assert body["statusCode"] == 200, str(body)[:300]
    assert verb == "bare" or "Customer created" in str(body["value"]), str(body)[:300]


async def bare_items(client: TeamsClient, count: int) -> list[Any]:
    stamp = int(time.time() * 1000)
    return [
        ("bare", {"business": BUSINESS_ID, "name": f"Joni Sherman {n}", "email": f"bare{stamp}-{n}@example.com"})
        for n in range(count)
    ]


def open_form_items(client: TeamsClient, count: int) -> Awaitable[list[Any]]:
    async def items() -> list[Any]:
        return list(range(count))

    return items()


@dataclass
class Scenario:
    name: str
    prepare: Callable[[TeamsClient, int], Awaitable[list[Any]]]  # one item per turn, made before measuring
    turn: Callable[[TeamsClient, Any], Awaitable[None]]
    prepare_bare: Callable[[TeamsClient, int], Awaitable[list[Any]]] = help_items


SCENARIOS = [
    Scenario("/help", help_items, help_turn),
    Scenario("open customer form", open_form_items, open_form_turn),
    Scenario("customer card submit", submit_items, submit_turn, bare_items),
]


@dataclass
class Result:
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    per_second: dict[str, list[float]] = field(default_factory=dict)


async def measure(
    process: Process,
    client: TeamsClient,
    scenario: Scenario,
    turns: int,
    concurrency: int,
    result: Result,
    bare: bool = False,
) -> None:
    items = await (scenario.prepare_bare if bare else scenario.prepare)(client, turns)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            await scenario.turn(client, queue.get_nowait())

    cpu_before, started = process.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - started, process.cpu_seconds() - cpu_before
    result.cpu_ms.setdefault(scenario.name, []).append(cpu / turns * 1000)
    result.per_second.setdefault(scenario.name, []).append(turns / elapsed)
    print(f"  {'bare' if bare else 'bot '} {scenario.name}: {cpu / turns * 1000:.2f} ms/turn", file=sys.stderr)


async def fill_conversations(client: TeamsClient, count: int, concurrency: int) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            activity = client.base_activity("message", text="/customer")
            activity["conversation"]["id"] = f"bench-conversation-{n}"
            response = await client.post(activity)
            assert response.status == 201

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def token(key_path: str) -> str:
    """A dev token for the test user, as the bot mints it, for the bare handler's Graph calls."""
    from bot.auth.devkey import load_or_create_dev_key
    from bot.auth.scopes import CUSTOMER_SCOPES
    from bot.auth.tokens import DevTokenProvider, UserIdentity

    user = UserIdentity(ADELE["aadObjectId"], TENANT_ID, ADELE["name"])
    return await DevTokenProvider(load_or_create_dev_key(key_path)).get_token(user, CUSTOMER_SCOPES)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        connector: Connector = await start_connector()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            key = f"{tmp}/dev-key.pem"
            sandbox = await spawn(
                ["-m", "sandbox", "--port", "0", "--db", f"{tmp}/sandbox.db", "--signing-key", key, "--reset"],
                {},
                session,
                "/_sandbox/health",
                quiet=True,
            )
            env = {"GRAPH_BASE_URL": f"{sandbox.url}/beta", "STATE_DB": f"{tmp}/state.db", "DEV_SIGNING_KEY": key}
            env |= {"AUTH_MODE": "dev", "LOG_LEVEL": "WARNING", "MicrosoftAppId": ""}
            bot = await spawn(["-m", "bench.serve", "bot"], env, session, "/readyz")
            bare_env = {
                "BENCH_PROFILE": "",
                "BARE_GRAPH_URL": f"{sandbox.url}/beta",
                "BARE_GRAPH_TOKEN": await token(key),
            }
            bare = await spawn(["-m", "bench.serve", "bare"], bare_env, session, "/readyz")
            bot_client = TeamsClient(bot.url, connector, session)
            bare_client = TeamsClient(bare.url, connector, session)
            for client in (bot_client, bare_client):  # warm-up: imports, first connections, the dev token
                await help_turn(client, None)
                await open_form_turn(client, 0)
            bot_result, bare_result = Result(), Result()
            for _ in range(args.rounds):
                for scenario in chosen(args):
                    await measure(bot, bot_client, scenario, args.turns, args.concurrency, bot_result)
                    await measure(bare, bare_client, scenario, args.turns, args.concurrency, bare_result, bare=True)
                    connector.clear()
            rss = 0.0
            if args.conversations:
                await fill_conversations(bot_client, args.conversations, args.concurrency)
                connector.clear()
                rss = bot.rss_mb()
            report(args, bot, bare, bot_result, bare_result, rss)
            for process in (bot, bare, sandbox):
                await process.stop()
        await connector.server.close()


def chosen(args: argparse.Namespace) -> list[Scenario]:
    names = {"help": "/help", "form": "open customer form", "submit": "customer card submit"}
    wanted = {names[key] for key in args.only or names}
    return [scenario for scenario in SCENARIOS if scenario.name in wanted]


def report(args: argparse.Namespace, bot: Process, bare: Process, mine: Result, limit: Result, rss: float) -> None:
    print(f"turns={args.turns} concurrency={args.concurrency} rounds={args.rounds} cpus={os.cpu_count()}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'scenario':<24} {'bare ms/turn':>12} {'bot ms/turn':>12} {'ratio':>6} {'bot turns/s':>12}")
    for scenario in chosen(args):
        bare_ms = statistics.median(limit.cpu_ms[scenario.name])
        bot_ms = statistics.median(mine.cpu_ms[scenario.name])
        rate = statistics.median(mine.per_second[scenario.name])
        print(f"{scenario.name:<24} {bare_ms:>12.2f} {bot_ms:>12.2f} {bot_ms / bare_ms:>6.1f} {rate:>12.0f}")
    print(f"bot ready after {bot.ready_after:.2f} s (bare: {bare.ready_after:.2f} s)")
    if args.conversations:
        print(f"bot RSS after {args.conversations} conversations each opened a form: {rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--only", choices=["help", "form", "submit"], action="append", help="run only these scenarios")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
