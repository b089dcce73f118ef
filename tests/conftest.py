from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from bot.auth.tokens import TokenProvider
from bot.settings import Settings
from tests.teams import Connector, TeamsClient, start_connector

pytest_plugins = [
    plugin for plugin in ("tests.fixtures_sandbox", "tests.fixtures_azurite") if importlib.util.find_spec(plugin)
]


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    conn = await start_connector()
    yield conn
    await conn.server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


BotFactory = Callable[..., Awaitable[TestServer]]
STATE_KEY = Fernet.generate_key().decode()  # secrets at rest in the tests' bots (required outside dev mode)


@pytest.fixture
async def bot_factory(tmp_path: Path) -> AsyncIterator[BotFactory]:
    """Starts the real bot app on a real socket (port 0). Call again with the same state_db to 'restart'."""
    from bot.teams.app import create_app

    servers: list[TestServer] = []

    async def start(
        *,
        graph_base_url: str = "http://127.0.0.1:9/beta",
        token_provider: TokenProvider | None = None,
        auth_extra: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> TestServer:
        settings = Settings(
            graph_base_url=graph_base_url,
            state_db=str(tmp_path / "state.db"),
            dev_signing_key=str(tmp_path / "dev-key.pem"),
            graph_retry_budget_seconds=2.0,
            graph_timeout_seconds=2.0,
            unknown_settle_seconds=0.0,  # tests that need the settle time set it
            state_encryption_key=STATE_KEY,
            fixed_now="2019-01-01T00:00:00+00:00",  # before every date the tests type; a test may set another
        )
        settings = replace(settings, **overrides)
        app = await create_app(settings, token_provider=token_provider, auth_extra=auth_extra)
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def teams(bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession) -> TeamsClient:
    """A Teams client talking to a bot that has no Graph behind it (for what needs none)."""
    server = await bot_factory()
    return TeamsClient(bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=http)
