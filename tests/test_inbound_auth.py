"""Inbound security of /api/messages with an app id: every request needs a valid Bot Framework channel token.
Each bad token is a 401 (never a 500, never a turn), in both SDK configurations the edge can run in:
the built-in public cloud one (no OAUTH_URL) and the parameterized one (OAUTH_URL set). ALLOWED_TENANTS then
refuses other tenants politely, and nothing at all is done on their behalf."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.teams.app import create_app
from tests.support.bot_credentials import FixedCredentialsFactory
from tests.support.botframework_issuer import GARBAGE_TOKENS, BotFrameworkIssuer
from tests.support.sso_desk import (
    APP_ID,
    CLIENT_SECRET,
    CONNECTION,
    SignedTeamsClient,
    SsoDesk,
    builtin_channel_validation,
    clear_metadata_cache,
    sso_desk,
)
from tests.teams import TENANT_ID, Connector, card_of, start_connector

OTHER_TENANT = "0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff"


@dataclass
class Endpoint:
    teams: SignedTeamsClient
    issuer: BotFrameworkIssuer
    connector: Connector

    @property
    def url(self) -> str:
        return f"{self.teams.bot_url}/api/messages"

    def token(self, kind: str) -> str:
        issuer, service_url = self.issuer, self.connector.service_url
        if kind == "valid":
            return issuer.mint(APP_ID, service_url)
        if kind == "expired":
            return issuer.mint_expired(APP_ID, service_url)
        if kind == "wrong-audience":
            return issuer.mint_wrong_audience(APP_ID, service_url)
        if kind == "unsigned":
            return issuer.mint_unsigned(APP_ID, service_url)
        if kind == "forged-same-kid":
            return issuer.mint_forged(APP_ID, service_url, same_kid=True)
        if kind == "forged-unknown-kid":
            return issuer.mint_forged(APP_ID, service_url, same_kid=False)
        if kind == "wrong-service-url":
            return issuer.mint(APP_ID, "https://smba.trafficmanager.net/elsewhere/")
        if kind == "wrong-issuer":
            impostor = BotFrameworkIssuer(key=issuer.key, kid=issuer.kid, issuer="https://sts.example.test/")
            return impostor.mint(APP_ID, service_url)
        if kind == "not-yet-valid":
            return issuer.mint(APP_ID, service_url, not_before=3600, lifetime=7200)
        raise AssertionError(kind)


@contextlib.asynccontextmanager
async def builtin_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **overrides: Any
) -> AsyncIterator[Endpoint]:
    """Dev-mode bot with an app id, the SDK in its built-in public cloud configuration."""
    clear_metadata_cache()
    issuer = BotFrameworkIssuer().start()
    builtin_channel_validation(monkeypatch, issuer)
    connector = await start_connector()
    settings = Settings(
        app_id=APP_ID,
        app_password=CLIENT_SECRET,
        auth_mode="dev",
        graph_base_url="http://127.0.0.1:9/beta",
        state_db=str(tmp_path / "state.db"),
        dev_signing_key=str(tmp_path / "dev-key.pem"),
        **overrides,
    )
    app = await create_app(settings, credentials_factory=FixedCredentialsFactory(APP_ID, CLIENT_SECRET))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    session = aiohttp.ClientSession()
    try:
        url = str(server.make_url("")).rstrip("/")
        yield Endpoint(
            SignedTeamsClient(bot_url=url, connector=connector, session=session, issuer=issuer), issuer, connector
        )
    finally:
        await session.close()
        await server.close()
        await connector.server.close()
        issuer.stop()
        clear_metadata_cache()


@pytest.fixture(params=["builtin", "parameterized"])
async def endpoint(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Endpoint]:
    if request.param == "builtin":
        async with builtin_endpoint(tmp_path, monkeypatch) as running:
            yield running
    else:
        async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
            yield Endpoint(desk.teams, desk.issuer, desk.connector)


BAD_HEADERS: list[tuple[str, str | None]] = [
    ("no header", None),
    ("empty header", ""),
    ("scheme only", "Bearer"),
    ("basic", "Basic bWFuYWdlcjpwYXNzd29yZA=="),
    *((f"garbage {i}", f"Bearer {token}") for i, token in enumerate(GARBAGE_TOKENS)),
]
BAD_TOKENS = [
    "expired",
    "wrong-audience",
    "unsigned",
    "forged-same-kid",
    "forged-unknown-kid",
    "wrong-service-url",
    "wrong-issuer",
    "not-yet-valid",
]


async def post(endpoint: Endpoint, activity: dict[str, Any], authorization: str | None) -> aiohttp.ClientResponse:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await endpoint.teams.session.post(endpoint.url, json=activity, headers=headers)
    await response.read()
    return response


def message(endpoint: Endpoint, text: str = "/help") -> dict[str, Any]:
    return endpoint.teams.base_activity("message", text=text)


def card_action(endpoint: Endpoint) -> dict[str, Any]:
    value = {"action": {"type": "Action.Execute", "verb": "nothing.here", "data": {}}, "trigger": "manual"}
    return endpoint.teams.base_activity("invoke", name="adaptiveCard/action", value=value)


def refused_quietly(caplog: pytest.LogCaptureFixture) -> None:
    assert "inbound auth refused" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


@pytest.mark.parametrize(("case", "authorization"), BAD_HEADERS, ids=[c for c, _ in BAD_HEADERS])
async def test_a_missing_or_malformed_authorization_is_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, case: str, authorization: str | None
) -> None:
    for activity in (message(endpoint), card_action(endpoint)):
        response = await post(endpoint, activity, authorization)
        assert response.status == 401, (case, response.status)
    assert endpoint.connector.calls == []
    refused_quietly(caplog)


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_a_bad_token_is_401(endpoint: Endpoint, caplog: pytest.LogCaptureFixture, kind: str) -> None:
    for activity in (message(endpoint), card_action(endpoint)):
        response = await post(endpoint, activity, f"Bearer {endpoint.token(kind)}")
        assert response.status == 401, (kind, response.status)
    assert endpoint.connector.calls == []
    refused_quietly(caplog)


async def test_a_valid_token_for_a_channel_the_key_does_not_endorse_is_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    activity = {**message(endpoint), "channelId": "webchat"}
    response = await post(endpoint, activity, f"Bearer {endpoint.token('valid')}")
    assert response.status == 401
    refused_quietly(caplog)


async def test_a_valid_token_is_accepted_and_replies_go_out_with_the_bots_token(endpoint: Endpoint) -> None:
    response = await post(endpoint, message(endpoint), f"Bearer {endpoint.token('valid')}")
    assert response.status == 201
    [reply] = endpoint.connector.sent()
    assert "/customer" in str(card_of(reply))
    response = await post(endpoint, card_action(endpoint), f"Bearer {endpoint.token('valid')}")
    assert response.status == 200
    assert (await response.json())["statusCode"] == 200


async def test_the_channel_metadata_is_fetched_from_the_configured_issuer(endpoint: Endpoint) -> None:
    await endpoint.teams.say("/help")
    assert "/v1/.well-known/openidconfiguration" in endpoint.issuer.hits
    assert "/v1/.well-known/keys" in endpoint.issuer.hits


# --- ALLOWED_TENANTS ---------------------------------------------------------------------------------------


@pytest.fixture
async def fenced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SsoDesk]:
    """An SSO bot that only serves OTHER_TENANT: the test user's tenant is refused."""
    async with sso_desk(
        tmp_path, monkeypatch=monkeypatch, settings_overrides={"allowed_tenants": (OTHER_TENANT,)}
    ) as desk:
        yield desk


def nothing_done_on_their_behalf(desk: SsoDesk) -> None:
    assert desk.tokens.calls == [], desk.tokens.calls
    assert desk.entra.requests == []
    assert desk.graph.authorizations == []


async def test_a_refused_tenant_gets_a_polite_card_and_no_sign_in(fenced: SsoDesk) -> None:
    [reply] = await fenced.teams.say("/probe")
    assert "not enabled for your organization" in str(card_of(reply))
    nothing_done_on_their_behalf(fenced)


async def test_a_refused_tenant_gets_no_token_exchange_nor_magic_code_nor_sign_out(fenced: SsoDesk) -> None:
    status, _ = await fenced.token_exchange(exchange_id="any")
    assert status == 200
    fenced.tokens.add_magic_code("123456", fenced.teams.user["id"], fenced.teams.user["aadObjectId"], TENANT_ID)
    assert (await fenced.teams.invoke("signin/verifyState", {"state": "123456"}))[0] == 200
    assert (await fenced.teams.invoke("signin/failure", {"code": "resourcematchfailed"}))[0] == 200
    await fenced.teams.say("/signout")
    await fenced.idle()
    nothing_done_on_their_behalf(fenced)
    assert "123456" in fenced.tokens.magic_codes  # never redeemed


async def test_a_refused_tenant_gets_no_card_action_nor_search(fenced: SsoDesk) -> None:
    authentication = {"id": "x", "connectionName": CONNECTION, "token": fenced.sso_token()}
    body = await fenced.teams.execute("probe.run", {}, authentication=authentication)
    assert body["statusCode"] == 200 and "not enabled" in str(body["value"])
    status, body = await fenced.teams.invoke("application/search", {"queryText": "ad", "dataset": "probe"})
    assert status == 200 and body["value"]["results"] == []
    nothing_done_on_their_behalf(fenced)


async def test_an_allowed_tenant_with_a_valid_token_is_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overrides = {"allowed_tenants": (OTHER_TENANT, TENANT_ID.lower())}
    async with sso_desk(tmp_path, monkeypatch=monkeypatch, settings_overrides=overrides) as desk:
        response = await desk.teams.post(desk.teams.base_activity("message", text="/probe"))
        assert response.status == 201
        status, _ = await desk.token_exchange()
        assert status == 200
        await desk.idle()
        assert "probe ok for Adele Vance" in str(desk.connector.sent()[-1])
        status, body = await desk.teams.invoke("application/search", {"queryText": "ad", "dataset": "probe"})
        assert status == 200 and body["value"]["results"] == [{"title": "Adele Vance", "value": "adele"}]
