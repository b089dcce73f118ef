"""AUTH_MODE=sso at the Teams edge, end to end over HTTP with the real SDK, the real MSAL and local doubles
(tests/support/sso_desk.py): OAuth card, signin/tokenExchange (200 / 412 / duplicates), the pending command
resuming after sign-in, signin/verifyState, signin/failure, Action.Execute's loginRequest, sign-out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.auth.scopes import CUSTOMER_SCOPES, graph_scopes
from bot.auth.signin import user_key
from bot.auth.sso import cache_key
from bot.auth.tokens import UserIdentity
from bot.sealed import SealedStorage
from bot.teams.app import SERVICES_KEY
from tests.desk import texts as texts_of
from tests.support.fake_entra import JWT_BEARER
from tests.support.sso_desk import CONNECTION, SsoDesk, sso_desk
from tests.teams import ADELE, TENANT_ID, card_of

OAUTH_CARD = "application/vnd.microsoft.card.oauth"
ADELE_USER = UserIdentity(ADELE["aadObjectId"], TENANT_ID)


@pytest.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SsoDesk]:
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as running:
        yield running


def oauth_card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == OAUTH_CARD:
            return attachment["content"]
    return None


async def stored(desk: SsoDesk, key: str) -> Any:
    """What the bot keeps under `key`, opened with its key (at rest it is sealed: bot/sealed.py)."""
    raw = (await desk.server.app[SERVICES_KEY].storage.read([key])).get(key)
    assert raw is None or set(raw) == {"sealed"}, raw  # never in clear
    sealed = SealedStorage(desk.server.app[SERVICES_KEY].storage, [desk.settings.state_encryption_key])
    return (await sealed.read([key])).get(key)


async def ask_and_get_card(desk: SsoDesk, text: str = "/probe now") -> dict[str, Any]:
    [sent] = await desk.teams.say(text)
    card = oauth_card_of(sent)
    assert card is not None, sent
    return card


# --- a text command that needs Graph, before and after sign-in ---------------------------------------------


async def test_a_command_needing_graph_sends_an_oauth_card_with_the_token_exchange_resource(desk: SsoDesk) -> None:
    card = await ask_and_get_card(desk)
    assert card["connectionName"] == CONNECTION
    assert card["tokenExchangeResource"] == {
        "id": desk.tokens.exchange_resource_ids[-1],
        "uri": desk.entra.sso_audience,
        "providerId": "fake-aadv2-provider",
    }
    [button] = card["buttons"]
    assert button["type"] == "signin" and button["title"] == "Sign in"
    assert button["value"].startswith(desk.tokens.url) and "Sign in so that Manager Desk" in card["text"]
    # The sign-in resource was asked for this bot, this connection and this conversation, with the bot's token.
    [state] = desk.tokens.states
    assert state["connectionName"] == CONNECTION and state["msAppId"] == desk.settings.app_id
    assert state["conversation"]["conversation"]["id"] == "conv-personal"
    assert all(c.authorization == f"Bearer {desk.credentials.token}" for c in desk.tokens.calls)
    # Before the card, the token service was asked whether the user was already signed in there.
    assert [c.path for c in desk.tokens.calls] == ["/api/usertoken/GetToken", "/api/botsignin/GetSignInResource"]
    assert desk.graph.authorizations == [] and desk.entra.token_requests == []


async def test_the_oauth_card_follows_the_users_language(desk: SsoDesk) -> None:
    desk.teams.locale = "fr-FR"
    card = await ask_and_get_card(desk)
    assert card["buttons"][0]["title"] == "Se connecter" and "Connectez-vous" in card["text"]


async def test_token_exchange_signs_in_and_the_pending_command_resumes_without_retyping(desk: SsoDesk) -> None:
    await ask_and_get_card(desk, "/probe from before")
    desk.connector.clear()
    token = desk.sso_token()
    status, body = await desk.token_exchange(token)
    assert status == 200
    assert body == {"id": desk.tokens.exchange_resource_ids[-1], "connectionName": CONNECTION}
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance from before"
    # The token service exchanged Teams' token, then MSAL did on-behalf-of with it for the command's scopes.
    [exchange] = desk.tokens.calls_to("/api/usertoken/exchange")
    assert exchange.body == {"token": token} and exchange.query["connectionName"] == CONNECTION
    assert exchange.query["userId"] == ADELE["id"] and exchange.query["channelId"] == "msteams"
    [obo] = desk.entra.token_requests
    assert obo.grant_type == JWT_BEARER and obo.data["assertion"] == token
    assert obo.resource_scopes == set(graph_scopes(CUSTOMER_SCOPES))
    assert obo.url.startswith(f"https://{desk.entra.host}/{TENANT_ID}/")  # the user's own tenant
    assert desk.graph.authorizations == [f"Bearer {desk.entra.issued_access_tokens[0]}"]
    # The SSO token and MSAL's cache are kept per user; the pending command is gone.
    assert (await stored(desk, user_key("sso", ADELE_USER)))["token"] == token
    assert await stored(desk, cache_key(ADELE_USER)) is not None
    assert await stored(desk, user_key("signin/pending", ADELE_USER)) is None


async def test_a_resumed_command_keeps_its_mentions(desk: SsoDesk) -> None:
    megan = {"id": "29:user-megan", "name": "Megan Bowen"}
    text = "/probe for <at>Megan Bowen</at>"
    entities = [{"type": "mention", "text": "<at>Megan Bowen</at>", "mentioned": megan}]
    await desk.teams.post(desk.teams.base_activity("message", text=text, entities=entities))
    assert oauth_card_of(desk.connector.sent()[0]) is not None
    desk.connector.clear()
    assert (await desk.token_exchange())[0] == 200
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance for Megan Bowen [Megan Bowen=29:user-megan]"


async def test_after_sign_in_commands_use_the_cached_token_without_asking_again(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    await desk.token_exchange()
    await desk.idle()
    desk.connector.clear()
    assert texts_of(await desk.teams.say("/probe again")) == "probe ok for Adele Vance again"
    assert len(desk.entra.token_requests) == 1  # the second call came from MSAL's cache
    assert len(desk.graph.authorizations) == 2


async def test_the_same_exchange_from_two_clients_is_handled_once(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    desk.connector.clear()
    token = desk.sso_token()
    first, second = await asyncio.gather(desk.token_exchange(token), desk.token_exchange(token))
    assert first[0] == second[0] == 200
    await desk.idle()
    assert len(desk.tokens.calls_to("/api/usertoken/exchange")) == 1
    assert len(desk.entra.token_requests) == 1
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance now"


async def test_a_token_the_service_refuses_is_answered_412_and_nothing_resumes(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    desk.connector.clear()
    desk.tokens.refuse_exchanges = True
    status, body = await desk.token_exchange()
    assert status == 412
    assert body["id"] == desk.tokens.exchange_resource_ids[-1] and body["connectionName"] == CONNECTION
    assert body["failureDetail"]
    await desk.idle()
    assert desk.connector.sent() == [] and desk.entra.token_requests == []
    assert await stored(desk, user_key("sso", ADELE_USER)) is None
    # The command still waits: a later successful exchange runs it.
    desk.tokens.refuse_exchanges = False
    assert (await desk.token_exchange(exchange_id="second-try"))[0] == 200
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance now"


@pytest.mark.parametrize(
    "bad_token",
    ["not-a-jwt", "expired", "someone-else", "other-tenant"],
)
async def test_a_token_that_is_not_the_users_is_412_without_calling_the_token_service(
    desk: SsoDesk, bad_token: str
) -> None:
    await ask_and_get_card(desk)
    token = {
        "not-a-jwt": "not-a-jwt",
        "expired": desk.sso_token(lifetime=-10),
        "someone-else": desk.entra.sso_token("11111111-2222-4333-8444-555566667777", TENANT_ID),
        "other-tenant": desk.entra.sso_token(ADELE["aadObjectId"], "0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff"),
    }[bad_token]
    status, _ = await desk.token_exchange(token)
    assert status == 412
    assert desk.tokens.calls_to("/api/usertoken/exchange") == [] and desk.entra.token_requests == []


async def test_missing_consent_is_412_then_the_command_resumes_once_consent_is_given(desk: SsoDesk) -> None:
    desk.entra.consented = set()  # nobody consented to anything yet
    await ask_and_get_card(desk)
    desk.connector.clear()
    status, body = await desk.token_exchange(exchange_id="first")
    assert status == 412 and body["failureDetail"] == "consent_required"
    [refused] = desk.entra.token_requests
    assert refused.grant_type == JWT_BEARER  # MSAL's real on-behalf-of, answered invalid_grant/consent_required
    await desk.idle()
    assert desk.connector.sent() == []
    desk.entra.grant_consent(*graph_scopes(CUSTOMER_SCOPES))
    status, _ = await desk.token_exchange(exchange_id="second")  # Teams retries after the consent card
    assert status == 200
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance now"


async def test_a_pending_command_only_resumes_in_its_own_conversation(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    desk.teams.conversation_type = "groupChat"
    desk.connector.clear()
    assert (await desk.token_exchange())[0] == 200
    await desk.idle()
    assert desk.connector.sent() == []


# --- visible sign-in (magic code) and Teams' failure report ------------------------------------------------


async def test_verify_state_redeems_the_magic_code_and_resumes(desk: SsoDesk) -> None:
    await ask_and_get_card(desk, "/probe by code")
    desk.connector.clear()
    token = desk.tokens.add_magic_code("246810", ADELE["id"], ADELE["aadObjectId"], TENANT_ID)
    status, _ = await desk.teams.invoke("signin/verifyState", {"state": "246810"})
    assert status == 200
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance by code"
    [lookup] = [c for c in desk.tokens.calls_to("/api/usertoken/GetToken") if c.query.get("code")]
    assert lookup.query["code"] == "246810" and lookup.query["connectionName"] == CONNECTION
    assert desk.entra.token_requests[0].data["assertion"] == token


async def test_a_wrong_magic_code_says_so_and_keeps_nothing(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    desk.connector.clear()
    status, _ = await desk.teams.invoke("signin/verifyState", {"state": "000000"})
    assert status == 200
    assert "didn't go through" in texts_of(desk.connector.sent())
    assert await stored(desk, user_key("sso", ADELE_USER)) is None and desk.entra.token_requests == []


async def test_sign_in_failure_is_logged_by_code_and_explained(desk: SsoDesk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    desk.teams.locale = "fr-FR"
    value = {"code": "resourcematchfailed", "message": "Resource match failed"}
    status, _ = await desk.teams.invoke("signin/failure", value)
    assert status == 200
    assert "code=resourcematchfailed" in caplog.text
    text = texts_of(desk.connector.sent())
    assert "resourcematchfailed" in text and "administrateur Teams" in text


# --- Action.Execute: loginRequest, then the action re-sent with the token --------------------------------


async def test_action_execute_needing_a_sign_in_answers_a_login_request(desk: SsoDesk) -> None:
    body = await desk.teams.execute("probe.run", {"note": "typed"})
    assert body["statusCode"] == 401
    assert body["type"] == "application/vnd.microsoft.activity.loginRequest"
    value = body["value"]
    assert value["connectionName"] == CONNECTION and value["text"].startswith("Sign in")
    assert value["tokenExchangeResource"]["id"] == desk.tokens.exchange_resource_ids[-1]
    assert value["tokenExchangeResource"]["uri"] == desk.entra.sso_audience
    [button] = value["buttons"]
    assert button["type"] == "signin" and button["value"].startswith(desk.tokens.url)
    assert desk.graph.authorizations == [] and desk.connector.sent() == []


async def test_action_execute_resent_with_authentication_exchanges_and_runs(desk: SsoDesk) -> None:
    await desk.teams.execute("probe.run", {"note": "typed"})
    token = desk.sso_token()
    authentication = {"id": desk.tokens.exchange_resource_ids[-1], "connectionName": CONNECTION, "token": token}
    body = await desk.teams.execute("probe.run", {"note": "typed"}, authentication=authentication)
    assert body == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "probe action ok for Adele Vance with typed",
    }
    [exchange] = desk.tokens.calls_to("/api/usertoken/exchange")
    assert exchange.body == {"token": token}
    assert desk.entra.token_requests[0].data["assertion"] == token


async def test_action_execute_with_a_refused_token_is_412(desk: SsoDesk) -> None:
    desk.tokens.refuse_exchanges = True
    authentication = {"id": "x", "connectionName": CONNECTION, "token": desk.sso_token()}
    body = await desk.teams.execute("probe.run", {}, authentication=authentication)
    assert body["statusCode"] == 412 and body["type"] == "application/vnd.microsoft.error.preconditionFailed"
    assert desk.entra.token_requests == [] and desk.graph.authorizations == []


async def test_action_execute_without_consent_asks_for_a_visible_sign_in(desk: SsoDesk) -> None:
    desk.entra.consented = set()
    authentication = {"id": "x", "connectionName": CONNECTION, "token": desk.sso_token()}
    body = await desk.teams.execute("probe.run", {}, authentication=authentication)
    # Single sign-on worked but on-behalf-of needs consent: a login request WITHOUT single sign-on.
    assert body["statusCode"] == 401 and "tokenExchangeResource" not in body["value"]
    assert body["value"]["buttons"][0]["type"] == "signin"


async def test_action_execute_resent_with_a_magic_code_runs(desk: SsoDesk) -> None:
    desk.tokens.add_magic_code("135790", ADELE["id"], ADELE["aadObjectId"], TENANT_ID)
    body = await desk.teams.execute("probe.run", {"note": "n"}, state="135790")
    assert body["statusCode"] == 200 and body["value"] == "probe action ok for Adele Vance with n"


async def test_action_submit_needing_a_sign_in_resumes_as_a_card_action(desk: SsoDesk) -> None:
    response = await desk.teams.submit({"verb": "probe.run", "note": "submitted"})
    assert response.status in (200, 201)
    [sent] = desk.connector.sent()
    assert oauth_card_of(sent) is not None
    desk.connector.clear()
    assert (await desk.token_exchange())[0] == 200
    await desk.idle()
    assert texts_of(desk.connector.sent()) == "probe action ok for Adele Vance with submitted"


# --- sign-out ----------------------------------------------------------------------------------------------


async def test_signout_forgets_tokens_and_signs_out_of_the_token_service(desk: SsoDesk) -> None:
    await ask_and_get_card(desk)
    await desk.token_exchange()
    await desk.idle()
    desk.connector.clear()
    [reply] = await desk.teams.say("/signout")
    assert "signed out of Manager Desk" in texts_of([reply])
    [sign_out] = desk.tokens.calls_to("/api/usertoken/SignOut")
    assert sign_out.method == "DELETE"
    assert sign_out.query["userId"] == ADELE["id"] and sign_out.query["connectionName"] == CONNECTION
    assert sign_out.query["channelId"] == "msteams"
    assert await stored(desk, user_key("sso", ADELE_USER)) is None
    assert await stored(desk, cache_key(ADELE_USER)) is None
    # The next command asks for a sign-in again.
    desk.connector.clear()
    await ask_and_get_card(desk)


@pytest.mark.parametrize("word", ["/déconnexion", "deconnexion", "logout", "sign-out"])
async def test_signout_aliases_answer_in_the_users_language(desk: SsoDesk, word: str) -> None:
    desk.teams.locale = "fr-CA"
    [reply] = await desk.teams.say(word)
    assert "Vous êtes déconnecté" in texts_of([reply])
    assert len(desk.tokens.calls_to("/api/usertoken/SignOut")) == 1


async def test_signout_in_dev_mode_says_there_is_nothing_to_sign_out_of(teams) -> None:  # type: ignore[no-untyped-def]
    [reply] = await teams.say("/signout")
    assert "nothing to sign out of" in texts_of([card_of(reply) or reply])
