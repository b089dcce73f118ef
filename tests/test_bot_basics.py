"""The bot over HTTP with Teams-shaped activities: routing, help, locales, the SDK defects we work around."""

from __future__ import annotations

import pytest
from msrest.universal_http.requests import ClientRetryPolicy

from tests.desk import texts as texts_of
from tests.teams import BOT_ID, TeamsClient, card_of


@pytest.mark.parametrize("text", ["/help", "help", "HELP", "  /Help  ", "/aide", "?"])
async def test_help_command_answers_with_the_help_card(teams: TeamsClient, text: str) -> None:
    [reply] = await teams.say(text)
    card = card_of(reply)
    assert card is not None and card["version"] == "1.5"
    assert "/customer" in texts_of(card) and "/shift" in texts_of(card)


async def test_help_is_french_for_a_french_locale(teams: TeamsClient) -> None:
    teams.locale = "fr-FR"
    [reply] = await teams.say("/help")
    text = texts_of(card_of(reply) or {})
    assert "/client" in text and "/poste" in text
    assert "Créer un client Bookings" in text


async def test_unknown_command_answers_with_help_naming_the_word(teams: TeamsClient) -> None:
    [reply] = await teams.say("/frobnicate now")
    text = texts_of(card_of(reply) or {})
    assert "frobnicate" in text and "/customer" in text


@pytest.mark.parametrize("conversation_type", ["channel", "groupChat"])
async def test_bot_mention_is_stripped_in_channels_and_group_chats(teams: TeamsClient, conversation_type: str) -> None:
    teams.conversation_type = conversation_type
    [reply] = await teams.say("/help")
    text = texts_of(card_of(reply) or {})
    assert "/customer" in text and "don't know" not in text


async def test_replies_go_to_the_conversation_through_the_connector(teams: TeamsClient) -> None:
    await teams.say("help")
    [call] = teams.connector.calls
    assert call.method == "POST" and call.path.startswith("/v3/conversations/conv-personal/activities")
    assert call.body["from"]["id"] == BOT_ID


async def test_action_execute_invoke_is_answered_200_with_a_card_not_500(teams: TeamsClient) -> None:
    """SDK defect 1: under CloudAdapter an adaptiveCard/action response was serialized twice (HTTP 500)."""
    body = await teams.execute("no.such.verb", {"formId": "x"})
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "out of date" in texts_of(body["value"])


async def test_action_submit_with_unknown_verb_updates_the_card_in_place(teams: TeamsClient) -> None:
    response = await teams.submit({"verb": "no.such.verb"}, card_activity_id="activity-7")
    assert response.status == 201
    [update] = teams.connector.updates()
    assert update.path.endswith("/activities/activity-7")
    assert "out of date" in texts_of(update.body)


async def test_bot_added_to_a_conversation_says_what_it_can_do(teams: TeamsClient) -> None:
    activity = teams.base_activity("conversationUpdate", membersAdded=[{"id": BOT_ID}])
    response = await teams.post(activity)
    assert response.status in (200, 201)
    [reply] = teams.connector.sent()
    assert "/customer" in texts_of(card_of(reply) or {})


async def test_non_json_body_is_415_and_non_activity_is_400(teams: TeamsClient) -> None:
    resp = await teams.session.post(
        f"{teams.bot_url}/api/messages", data="hello", headers={"Content-Type": "text/plain"}
    )
    assert resp.status == 415
    resp = await teams.session.post(f"{teams.bot_url}/api/messages", json={"text": "no type"})
    assert resp.status == 400


async def test_health_and_readiness(teams: TeamsClient) -> None:
    assert (await teams.session.get(f"{teams.bot_url}/healthz")).status == 200
    ready = await teams.session.get(f"{teams.bot_url}/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"


def test_msrest_retry_policy_keeps_its_codes_with_constant_time_lookups() -> None:
    """SDK defect 3: the same retry codes as msrest's list, now a frozenset."""
    import bot.teams.sdk  # noqa: F401  (applies the fix)

    original = [i for i in range(500) if i != 408] + [501, 505]
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert set(ClientRetryPolicy.safe_codes) == set(original)
    assert ClientRetryPolicy().policy.status_forcelist == [i for i in range(999) if i not in original]


def test_the_help_card_is_built_once_per_language_but_each_caller_gets_its_own_copy() -> None:
    from cards.common import help_card

    first = help_card("en")
    first["body"].clear()  # a caller changing its card
    again = help_card("en")
    assert again["body"] and again == help_card("en") and again is not help_card("en")
    assert help_card("fr") != again
    assert "zut" in str(help_card("en", "zut")) and "zut" not in str(help_card("en"))  # user text: never cached
    assert "/signout" in str(help_card("en")) and "/signout" not in str(help_card("en", sign_out=False))
