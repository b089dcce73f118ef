"""Outbound on our own session: the bot's token on every connector call, fetched once and renewed near expiry;
proactive sends through a ConversationRef; a conversation the bot left is reported as gone."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import jwt
import pytest

from bot.outbound import ConversationGone, ConversationRef
from bot.settings import Settings
from bot.teams.app import SERVICES_KEY
from bot.teams.outbound import TOKEN_REFRESH_MARGIN_SECONDS, BotToken, Connector
from bot.teams.sdk import bot_framework_authentication
from bot.turn import Reply
from tests.conftest import BotFactory
from tests.support.bot_credentials import FixedCredentials, FixedCredentialsFactory
from tests.support.sso_desk import APP_ID, CLIENT_SECRET, sso_desk
from tests.teams import ADELE, BOT_ID, TENANT_ID
from tests.teams import Connector as LocalConnector


def reference(connector: LocalConnector, conversation_id: str = "conv-personal") -> ConversationRef:
    return ConversationRef(
        service_url=connector.service_url,
        conversation_id=conversation_id,
        bot_id=BOT_ID,
        tenant_id=TENANT_ID,
        user_id=ADELE["id"],
        user_aad_object_id=ADELE["aadObjectId"],
        locale="en-US",
    )


async def test_every_reply_carries_the_bots_token_fetched_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
        for _ in range(3):
            await desk.teams.say("/help")
        outbound = desk.server.app[SERVICES_KEY].outbound
        assert outbound is not None
        await outbound.send(reference(desk.connector), Reply(text="proactive"))
        assert len(desk.connector.calls) == 4
        assert {c.authorization for c in desk.connector.calls} == {f"Bearer {desk.credentials.token}"}
        assert desk.credentials.created == 1


class RotatingCredentialsFactory(FixedCredentialsFactory):
    """Hands out credentials whose every token is a new JWT expiring `lifetime` seconds after it is issued."""

    def __init__(self, lifetime: int) -> None:
        super().__init__(APP_ID, CLIENT_SECRET)
        self.issued: list[str] = []
        self.lifetime = lifetime

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> FixedCredentials:
        factory = self

        class Rotating(FixedCredentials):
            def get_access_token(self, force_refresh: bool = False) -> str:
                token = jwt.encode({"exp": int(time.time()) + factory.lifetime, "n": len(factory.issued)}, "k" * 32)
                factory.issued.append(token)
                return token

        return Rotating(app_id, self.password, "")


async def test_the_bots_token_is_renewed_shortly_before_it_expires() -> None:
    factory = RotatingCredentialsFactory(lifetime=TOKEN_REFRESH_MARGIN_SECONDS + 60)
    now = [time.time()]
    settings = Settings(app_id=APP_ID, app_password=CLIENT_SECRET)
    authentication = bot_framework_authentication(settings, None, factory)
    token = BotToken(lambda: authentication, APP_ID, None, clock=lambda: now[0])
    first = await token.header()
    assert await token.header() == first and len(factory.issued) == 1
    now[0] += 59  # still more than the margin before expiry
    assert await token.header() == first
    now[0] += 2  # within the margin: renewed
    assert await token.header() == f"Bearer {factory.issued[-1]}" != first
    assert len(factory.issued) == 2


async def test_without_an_app_id_no_token_is_sent(bot_factory: BotFactory, connector: LocalConnector) -> None:
    server = await bot_factory()
    outbound = server.app[SERVICES_KEY].outbound
    assert outbound is not None
    assert await outbound.send(reference(connector), Reply(text="hello")) == "activity-1"
    [call] = connector.calls
    assert call.authorization == "" and call.body["text"] == "hello"
    assert call.body["from"]["id"] == BOT_ID and call.body["recipient"]["id"] == ADELE["id"]


@pytest.mark.parametrize("status", [403, 404])
async def test_a_conversation_the_bot_left_is_gone(connector: LocalConnector, status: int) -> None:
    connector.fail_with = status
    async with aiohttp.ClientSession() as session:
        authentication = bot_framework_authentication(Settings())
        outbound = Connector(session, BotToken(lambda: authentication, "", None))
        with pytest.raises(ConversationGone):
            await outbound.send(reference(connector), Reply(text="hello"))
        with pytest.raises(ConversationGone):
            await outbound.update(reference(connector), "activity-1", Reply(text="hello"))


async def test_a_resumed_command_answers_through_its_stored_conversation_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
        await desk.teams.say("/probe kept")
        desk.connector.clear()
        value = {"id": desk.tokens.exchange_resource_ids[-1], "connectionName": "graph-sso", "token": desk.sso_token()}
        # The exchange arrives through another service URL: the answer still goes where the command was typed.
        exchange = desk.teams.base_activity("invoke", name="signin/tokenExchange", value=value)
        exchange["serviceUrl"] = elsewhere = "http://127.0.0.1:9/unreachable/"
        signed = {"Authorization": f"Bearer {desk.issuer.mint(APP_ID, elsewhere)}"}
        response = await desk.teams.post(exchange, headers=signed)
        assert response.status == 200
        await desk.idle()
        [sent] = desk.connector.sent()
        assert sent["text"] == "probe ok for Adele Vance kept"
        assert sent["conversation"]["id"] == "conv-personal" and "replyToId" not in sent
