"""Issue 16: the bot's identity as a user-assigned managed identity (MicrosoftAppType=UserAssignedMSI), with no
client secret. Inbound, Teams' tokens are checked against the identity's client id; outbound, the bot's replies
carry a token botbuilder 4.17.1 gets from the host's managed identity endpoint (MSAL's ManagedIdentityClient, App
Service protocol: IDENTITY_ENDPOINT + IDENTITY_HEADER), served here by a local stand-in."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.teams.app import create_app
from tests.desk import texts as texts_of
from tests.support.botframework_issuer import BotFrameworkIssuer, JsonHandler
from tests.support.fake_entra import JWT_BEARER, FakeEntra
from tests.support.sso_desk import SignedTeamsClient, builtin_channel_validation, clear_metadata_cache, sso_desk
from tests.teams import Connector, card_of
from tests.test_sso_edge import ask_and_get_card

MSI_CLIENT_ID = "7a3e0c52-1111-4222-8333-944455556666"
TENANT = "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70"
IDENTITY_HEADER = "identity-header-from-the-host"
MSI_TOKEN = "msi-access-token-for-the-bot-connector"


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return server


@dataclass
class Asked:
    path: str
    query: dict[str, str]
    identity_header: str


@pytest.fixture
def identity_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Asked]]:
    """The App Service managed identity endpoint: a token for the asked resource, to the right header only. In its
    own thread: the SDK asks for the token with a blocking call (once an hour, from a host-local endpoint)."""
    asked: list[Asked] = []

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            asked.append(Asked(url.path, query, self.headers.get("X-IDENTITY-HEADER", "")))
            if self.headers.get("X-IDENTITY-HEADER") != IDENTITY_HEADER:
                self._send(400, {"statusCode": 400, "message": "bad identity header"})
                return
            expires_on = str(int(time.time()) + 3600)
            token = {"access_token": MSI_TOKEN, "expires_on": expires_on, "resource": query.get("resource", "")}
            self._send(200, {**token, "token_type": "Bearer", "client_id": query.get("client_id", "")})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()


async def test_a_managed_identity_bot_answers_teams_with_the_identity_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity_endpoint: list[Asked]
) -> None:
    authorizations: list[str] = []

    async def reply(request: web.Request) -> web.Response:
        authorizations.append(request.headers.get("Authorization", ""))
        connector_replies.append(await request.json())
        return web.json_response({"id": "activity-1"})

    connector_replies: list[dict[str, object]] = []
    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}", reply)
    connector = Connector(server=await _serve(app))
    clear_metadata_cache()
    issuer = BotFrameworkIssuer().start()
    builtin_channel_validation(monkeypatch, issuer)
    settings = Settings(
        app_id=MSI_CLIENT_ID,
        app_type="UserAssignedMSI",
        app_tenant_id=TENANT,
        auth_mode="dev",
        graph_base_url="http://127.0.0.1:9/beta",
        state_db=str(tmp_path / "state.db"),
        dev_signing_key=str(tmp_path / "dev-key.pem"),
    )
    bot = await _serve(await create_app(settings))  # the SDK's own credential factory: no test double
    try:
        async with aiohttp.ClientSession() as session:
            url = str(bot.make_url("")).rstrip("/")
            teams = SignedTeamsClient(
                bot_url=url, connector=connector, session=session, issuer=issuer, app_id=MSI_CLIENT_ID
            )
            response = await teams.post(teams.base_activity("message", text="/help"))
            assert response.status == 201
            unsigned = await session.post(f"{url}/api/messages", json=teams.base_activity("message", text="/help"))
            assert unsigned.status == 401
    finally:
        await bot.close()
        await connector.server.close()
        issuer.stop()
        clear_metadata_cache()

    assert len(connector_replies) == 1 and card_of(connector_replies[0]) is not None  # type: ignore[arg-type]
    assert authorizations == [f"Bearer {MSI_TOKEN}"]
    [asked] = identity_endpoint
    assert (asked.path, asked.identity_header) == ("/msi/token", IDENTITY_HEADER)
    assert asked.query["client_id"] == MSI_CLIENT_ID
    assert asked.query["resource"] == "https://api.botframework.com"


SSO_APP = "0c9d8e7f-2222-4333-8444-555566667777"
SSO_SECRET = "sso-app-secret-value"


async def test_sign_in_and_on_behalf_of_use_the_sso_app_not_the_bot_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entra knows only the SSO app here: on-behalf-of with the bot's own id or secret would be refused."""

    def sso_app_only(entra: FakeEntra) -> None:
        entra.client_id, entra.client_secret = SSO_APP, SSO_SECRET
        entra.sso_audience = f"api://botid-{SSO_APP}"

    overrides = {"app_password": "bot-secret-not-for-obo", "sso_app_id": SSO_APP, "sso_app_password": SSO_SECRET}
    async with sso_desk(
        tmp_path, monkeypatch=monkeypatch, settings_overrides=overrides, entra_setup=sso_app_only
    ) as desk:
        await ask_and_get_card(desk, "/probe from before")
        desk.connector.clear()
        status, _ = await desk.token_exchange(desk.sso_token())
        assert status == 200
        await desk.idle()
        assert texts_of(desk.connector.sent()) == "probe ok for Adele Vance from before"
        [obo] = desk.entra.token_requests
        assert obo.grant_type == JWT_BEARER
        assert desk.graph.authorizations == [f"Bearer {desk.entra.issued_access_tokens[0]}"]
