"""One contestant of bench.turns in its own process (so its CPU can be read alone), printing its URL once it listens.

python -m bench.serve bot   # the real bot app (create_app), settings from the environment (AUTH_MODE=dev)
python -m bench.serve bare  # the limit: parse the activity, POST one reply on a shared session, answer
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import signal
import sys
from typing import Any

import aiohttp
from aiohttp import web

BUSINESSES = "solutions/bookingBusinesses"


def bare_app() -> web.Application:
    """The least an aiohttp bot can do per turn for the same HTTP work as the bot, on one shared session:
    - `/help`: read the activity, POST one reply to the connector, answer 201;
    - `/customer ...`: the same, after one Graph GET of the Bookings businesses (as the form's business list);
    - an invoke (card submit): one Graph GET (customers with that email) and one Graph POST (the customer),
      then the invoke's JSON answer. Graph is the sandbox (BARE_GRAPH_URL), with a dev token (BARE_GRAPH_TOKEN)."""
    app = web.Application()
    session_key = web.AppKey("session", aiohttp.ClientSession)
    graph = os.environ.get("BARE_GRAPH_URL", "").rstrip("/")
    authorization = {"Authorization": f"Bearer {os.environ.get('BARE_GRAPH_TOKEN', '')}"}

    async def graph_call(session: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> Any:
        async with session.request(method, f"{graph}/{path}", headers=authorization, **kwargs) as response:
            if response.status >= 400:
                raise RuntimeError(f"bare: Graph {method} {path} answered {response.status}")
            return await response.json()

    async def messages(request: web.Request) -> web.Response:
        activity: dict[str, Any] = json.loads(await request.read())
        session = request.app[session_key]
        if activity["type"] == "invoke":
            data = activity["value"]["action"]["data"]
            customers = f"{BUSINESSES}/{data['business']}/customers"
            email = data["email"]
            await graph_call(session, "GET", customers, params={"$filter": f"emailAddress eq '{email}'"})
            await graph_call(session, "POST", customers, json={"displayName": data["name"], "emailAddress": email})
            return web.json_response({"statusCode": 200, "type": "application/vnd.microsoft.activity.message"})
        if activity.get("text", "").startswith("/customer"):
            await graph_call(session, "GET", BUSINESSES)
        conversation = activity["conversation"]["id"]
        reply = {
            "type": "message",
            "from": activity["recipient"],
            "recipient": activity["from"],
            "conversation": activity["conversation"],
            "replyToId": activity["id"],
            "text": "ok",
        }
        url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation}/activities/{activity['id']}"
        async with session.post(url, json=reply) as response:
            await response.read()
        return web.Response(status=201)

    async def readyz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    async def session(app: web.Application) -> Any:
        app[session_key] = aiohttp.ClientSession()
        yield
        await app[session_key].close()

    app.cleanup_ctx.append(session)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/readyz", readyz)
    return app


async def bot_app() -> web.Application:
    from bot.settings import load_settings
    from bot.teams.app import create_app

    return await create_app(load_settings(dotenv_path=None))


async def serve(kind: str) -> None:
    app = bare_app() if kind == "bare" else await bot_app()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    print(f"http://{host}:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """BENCH_PROFILE=<file>: a cProfile of the whole run, written when the process is terminated."""
    kind = sys.argv[1] if len(sys.argv) > 1 else "bot"
    profile_path = os.environ.get("BENCH_PROFILE")
    if not profile_path:
        asyncio.run(serve(kind))
        return
    profiler = cProfile.Profile()

    def dump(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(profile_path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, dump)
    profiler.enable()
    asyncio.run(serve(kind))


if __name__ == "__main__":
    main()
