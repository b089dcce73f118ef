"""Issue 16: the production server. gunicorn with aiohttp's worker runs the app factory (app:serve) exactly as the
container and App Service start it, on a free port, and answers the probes and a Teams-shaped message; SIGTERM lets a
turn in flight finish; a bad setting stops it with the variable named; LOG_FORMAT=json gives one JSON object a line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.desk import texts as texts_of
from tests.support.app_insights import start_ingestion
from tests.teams import Connector, TeamsClient, card_of

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
STARTUP_SECONDS = 20  # generous: two cores shared with the rest of the suite
MSI_CLIENT_ID = "7a3e0c52-1111-4222-8333-944455556666"
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


@dataclass
class Gunicorn:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    url: str = ""

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), STARTUP_SECONDS)


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        WEB_CONCURRENCY="1",
        LOG_FORMAT="json",
        GRAPH_BASE_URL="http://127.0.0.1:9/beta",
        STATE_DB=str(tmp_path / "state.db"),
        DEV_SIGNING_KEY=str(tmp_path / "dev-key.pem"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@asynccontextmanager
async def gunicorn(env: dict[str, str], *, ready: bool = True, cwd: Path = ROOT) -> AsyncIterator[Gunicorn]:
    """gunicorn from gunicorn.conf.py in `cwd` (the repository), bound to port 0 of the loopback address."""
    process = await asyncio.create_subprocess_exec(
        str(GUNICORN),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        "127.0.0.1:0",
        "app:serve",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    server = Gunicorn(process)

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            server.lines.append(raw.decode().rstrip("\n"))

    reader = asyncio.create_task(read())
    try:
        if ready:
            server.url = await _listening_url(server)
            await _wait_until_healthy(server.url)
        yield server
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader


async def _listening_url(server: Gunicorn) -> str:
    for _ in range(STARTUP_SECONDS * 20):
        for line in server.lines:
            if found := LISTENING.search(line):
                return found.group(1)
        if server.process.returncode is not None:
            break
        await asyncio.sleep(0.05)
    raise AssertionError("gunicorn did not start:\n" + "\n".join(server.lines))


async def _wait_until_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(STARTUP_SECONDS * 10):
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("gunicorn's worker never answered /healthz")


async def test_gunicorn_serves_the_probes_and_a_teams_message_with_json_logs_and_telemetry(
    tmp_path: Path, connector: Connector, http: aiohttp.ClientSession
) -> None:
    """The production configuration: gunicorn, JSON logs on stdout, Application Insights (a local endpoint)."""
    ingestion = await start_ingestion()
    async with gunicorn(server_env(tmp_path, **ingestion.env)) as server:
        async with http.get(f"{server.url}/healthz") as response:
            assert response.status == 200 and (await response.json())["status"] == "alive"
        async with http.get(f"{server.url}/readyz") as response:
            assert response.status == 200 and (await response.json())["status"] == "ready"

        teams = TeamsClient(bot_url=server.url, connector=connector, session=http)
        [reply] = await teams.say("/help")
        assert "/customer" in texts_of(card_of(reply) or {})
        assert await server.stop() == 0

    await ingestion.server.close()
    records = [json.loads(line) for line in server.lines if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"] == "gunicorn.error" and "aiohttp.GunicornWebWorker" in r["message"] for r in records)
    assert [r["url"].rsplit("/", 2)[-2:] for r in ingestion.items("Request")] == [["api", "messages"]]
    assert any(d["data"].startswith(connector.service_url) for d in ingestion.items("RemoteDependency"))


async def test_sigterm_lets_a_turn_in_flight_finish(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    """The reply to Teams is still being sent (a slow Bot Connector) when the host stops the server."""
    reply_started = asyncio.Event()
    replies: list[dict[str, object]] = []

    async def slow_reply(request: web.Request) -> web.Response:
        reply_started.set()
        await asyncio.sleep(1.5)
        replies.append(await request.json())
        return web.json_response({"id": "activity-1"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}", slow_reply)
    slow = await _serve(app)
    try:
        async with gunicorn(server_env(tmp_path)) as server:
            teams = TeamsClient(bot_url=server.url, connector=Connector(server=slow), session=http)
            message = asyncio.create_task(teams.post(teams.base_activity("message", text="/help")))
            await asyncio.wait_for(reply_started.wait(), 20)
            server.process.send_signal(signal.SIGTERM)
            response = await asyncio.wait_for(message, 20)
            assert response.status == 201
            assert len(replies) == 1 and card_of(replies[0]) is not None  # type: ignore[arg-type]
            assert await server.stop() == 0
    finally:
        await slow.close()


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        (
            {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": "7a3e0c52-1111-4222-8333-944455556666"},
            "MicrosoftAppTenantId",
        ),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
)
async def test_a_bad_setting_stops_gunicorn_naming_the_variable(
    tmp_path: Path, extra: dict[str, str], variable: str
) -> None:
    async with gunicorn(server_env(tmp_path, **extra), ready=False) as server:
        code = await asyncio.wait_for(server.process.wait(), 30)
    assert code != 0
    assert any(variable in line for line in server.lines), server.lines


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return server
