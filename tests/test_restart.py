"""A restart of the bot loses no open form: what was typed is in the durable store, not in memory."""

from __future__ import annotations

import aiohttp

from bot.auth.tokens import DevTokenProvider
from tests.conftest import BotFactory
from tests.fixtures_sandbox import SandboxHandle
from tests.teams import Connector, TeamsClient
from tests.test_customer_flow import SEED, Desk, fill_seed


async def test_an_open_form_survives_a_restart_and_is_created_once(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    tokens = DevTokenProvider(sandbox.key)
    first = await bot_factory(graph_base_url=sandbox.base_url, token_provider=tokens)
    desk = Desk(TeamsClient(str(first.make_url("")).rstrip("/"), connector, http), sandbox)
    await desk.say("/customer")
    await fill_seed(desk)
    verb, data = desk.data_for("Create")
    await first.close()

    second = await bot_factory(graph_base_url=sandbox.base_url, token_provider=tokens)  # same state_db
    desk.teams.bot_url = str(second.make_url("")).rstrip("/")
    # The press carries the inputs, but which form it is and which rows it has come from the store:
    # had the restart lost them, the card would be answered as out of date.
    confirmation = await desk.execute(verb, data)
    assert "Joni Sherman" in str(confirmation) and not [a for a in confirmation.get("actions") or []]
    [posted] = await desk.posted_customers()
    assert posted["body"] == SEED["request"]

    again = await desk.execute(verb, data)  # a stale press after the restart: same confirmation, nothing new
    assert again == confirmation
    assert len(await desk.posted_customers()) == 1
