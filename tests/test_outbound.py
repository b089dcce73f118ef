"""The interim Outbound: messages sent and cards updated outside an activity's answer, over the Bot Connector."""

from __future__ import annotations

from bot.outbound import ConversationRef
from bot.teams.app import SERVICES_KEY
from bot.turn import Reply
from tests.conftest import BotFactory
from tests.teams import ADELE, BOT_ID, TENANT_ID, Connector, card_of


async def test_outbound_sends_and_updates_through_the_connector(bot_factory: BotFactory, connector: Connector) -> None:
    server = await bot_factory()
    outbound = server.app[SERVICES_KEY].outbound
    assert outbound is not None
    ref = ConversationRef(
        service_url=connector.service_url,
        conversation_id="conv-personal",
        bot_id=BOT_ID,
        tenant_id=TENANT_ID,
        user_id=ADELE["id"],
        user_aad_object_id=ADELE["aadObjectId"],
        locale="en-US",
    )
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hello"}]}
    activity_id = await outbound.send(ref, Reply.new_card(card))
    assert activity_id == "activity-1"
    [sent] = connector.sent()
    assert card_of(sent) == card and sent["conversation"]["id"] == "conv-personal"
    await outbound.update(ref, activity_id, Reply.in_place({**card, "body": []}))
    [update] = connector.updates()
    assert update.path.endswith("/conv-personal/activities/activity-1")
    assert card_of(update.body) == {**card, "body": []}
