"""The bot in AUTH_MODE=sso with an app id, wired to local doubles only, for the SSO and inbound-auth tests.

    channel tokens   BotFrameworkIssuer (thread)    -> SignedTeamsClient signs every POST to /api/messages
    outbound token   FixedCredentialsFactory        -> the bot's replies and token-service calls carry it
    token service    FakeTokenService (aiohttp)     -> settings.oauth_url (OAUTH_URL)
    Entra            FakeEntra (MSAL http_client)   -> settings.aad_authority_host (AAD_AUTHORITY_HOST)
    Graph            FakeGraph (aiohttp)            -> settings.graph_base_url
    Bot Connector    tests.teams.Connector          -> the activities' serviceUrl

`probe_router` adds a command, a card verb and a search dataset that each read GET /me through the bot's real
Graph client, hence through the real token provider: the shortest real path to a `SignInRequired`."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botframework.connector.auth import ChannelValidation, JwtTokenExtractor
from cryptography.fernet import Fernet

from bot.auth.scopes import CUSTOMER_SCOPES
from bot.commands import Command
from bot.router import Router
from bot.services import Services
from bot.settings import Settings
from bot.teams import app as teams_app
from bot.teams.turns import ManagerDeskBot
from bot.turn import Reply, Turn
from tests.support.bot_credentials import FixedCredentialsFactory
from tests.support.botframework_issuer import BOT_FRAMEWORK_ISSUER, BotFrameworkIssuer
from tests.support.fake_entra import FakeEntra
from tests.support.fake_token_service import FakeTokenService
from tests.teams import ADELE, TENANT_ID, Connector, TeamsClient

APP_ID = "7c1f6a2e-5b3d-4c8e-9f10-2a3b4c5d6e7f"
CLIENT_SECRET = "Qm9~fake.client-secret_value_77"
CONNECTION = "graph-sso"
PROBE = Command(name="probe", name_fr="sonde", aliases=(), description_en="probe", description_fr="sonde")

STATE_KEY = Fernet.generate_key().decode()  # secrets at rest (required outside dev mode)


@dataclass
class SignedTeamsClient(TeamsClient):
    """TeamsClient whose every request carries a valid Bot Framework channel token (unless told otherwise)."""

    issuer: BotFrameworkIssuer | None = None
    app_id: str = APP_ID
    sent_authorizations: list[str] = field(default_factory=list)

    def authorization(self) -> str:
        assert self.issuer is not None
        value = f"Bearer {self.issuer.mint(self.app_id, self.connector.service_url)}"
        self.sent_authorizations.append(value)
        return value

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        merged = {"Authorization": self.authorization(), **(headers or {})}
        return await super().post(activity, merged)

    async def invoke(self, name: str, value: dict[str, Any], **extra: Any) -> tuple[int, Any]:
        response = await self.post(self.base_activity("invoke", name=name, value=value, **extra))
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body

    async def execute(self, verb: str, data: dict[str, Any], card_activity_id: str = "activity-1", **value: Any) -> Any:
        """Action.Execute; `value` adds e.g. authentication={...} or state="123456". Returns the invoke body."""
        payload = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual", **value}
        status, body = await self.invoke("adaptiveCard/action", payload, replyToId=card_activity_id)
        assert status == 200, (status, body)
        return body


@dataclass
class FakeGraph:
    server: TestServer
    authorizations: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/beta"))


async def start_fake_graph() -> FakeGraph:
    app = web.Application()
    graph: FakeGraph

    async def me(request: web.Request) -> web.Response:
        graph.authorizations.append(request.headers.get("Authorization", ""))
        return web.json_response({"id": ADELE["aadObjectId"], "displayName": "Adele Vance"})

    async def echo(request: web.Request) -> web.Response:
        graph.authorizations.append(request.headers.get("Authorization", ""))
        return web.json_response({"seen": request.headers.get("Authorization", "")})

    app.router.add_get("/beta/me", me)
    app.router.add_get("/beta/me/echo", echo)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    graph = FakeGraph(server)
    return graph


def probe_router(services: Services) -> Router:
    router = Router()

    @router.command(PROBE)
    async def probe(turn: Turn, args: str) -> list[Reply]:
        me = await services.graph.get(turn.user, CUSTOMER_SCOPES, "me")
        mentioned = "".join(f" [{m.name}={m.teams_user_id}]" for m in turn.mentions)
        return [Reply(text=f"probe ok for {me['displayName']} {args}".strip() + mentioned)]

    @router.verb("probe.run")
    async def run(turn: Turn) -> Reply:
        me = await services.graph.get(turn.user, CUSTOMER_SCOPES, "me")
        return Reply(text=f"probe action ok for {me['displayName']} with {turn.data.get('note', '')}".strip())

    @router.verb("probe.leak")
    async def leak(turn: Turn) -> Reply:
        # A careless upstream error that quotes the request's Authorization header back.
        echoed = await services.graph.get(turn.user, CUSTOMER_SCOPES, "me", "echo")
        raise RuntimeError(f"upstream refused the call, request had Authorization: {echoed['seen']}")

    @router.search("probe")
    async def search(turn: Turn, query: str, raw: dict[str, Any]) -> list[tuple[str, str]]:
        me = await services.graph.get(turn.user, CUSTOMER_SCOPES, "me")
        return [(str(me["displayName"]), "adele")]

    return router


def with_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's own router, plus the probe feature."""
    original = teams_app.build_root_router

    def build(services: Services) -> Router:
        root = original(services)
        root.include(probe_router(services))
        return root

    monkeypatch.setattr(teams_app, "build_root_router", build)


@dataclass
class SsoDesk:
    teams: SignedTeamsClient
    connector: Connector
    entra: FakeEntra
    tokens: FakeTokenService
    graph: FakeGraph
    issuer: BotFrameworkIssuer
    credentials: FixedCredentialsFactory
    server: TestServer
    settings: Settings

    @property
    def bot(self) -> ManagerDeskBot:
        return self.server.app[teams_app.BOT_KEY]

    async def idle(self) -> None:
        await self.bot.idle()

    def sso_token(self, **kwargs: Any) -> str:
        """What Teams hands over for the current user: an SSO token for this bot's Application ID URI."""
        return self.entra.sso_token(self.teams.user["aadObjectId"], TENANT_ID, **kwargs)

    async def token_exchange(self, token: str | None = None, exchange_id: str | None = None) -> tuple[int, Any]:
        resource_id = exchange_id or (self.tokens.exchange_resource_ids or [str(uuid.uuid4())])[-1]
        value = {"id": resource_id, "connectionName": CONNECTION, "token": token or self.sso_token()}
        return await self.teams.invoke("signin/tokenExchange", value)

    def secrets(self) -> list[str]:
        """Every credential this desk has seen: none may reach a log line, a card or an invoke body."""
        found = [CLIENT_SECRET, self.credentials.token]
        found += self.entra.issued_access_tokens + self.entra.issued_refresh_tokens + self.tokens.issued_tokens
        found += [a.removeprefix("Bearer ") for a in self.teams.sent_authorizations]
        found += [str((c.body or {}).get("token")) for c in self.tokens.calls if isinstance(c.body, dict)]
        found += [r.data.get("assertion", "") for r in self.entra.token_requests]
        return [s for s in found if s and s != "None"]


def clear_metadata_cache() -> None:
    JwtTokenExtractor.metadataCache.clear()  # class-level, keyed by URL; a stale entry keeps old keys for a day


@contextlib.asynccontextmanager
async def sso_desk(
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    settings_overrides: dict[str, Any] | None = None,
    entra_setup: Callable[[FakeEntra], None] | None = None,
) -> AsyncIterator[SsoDesk]:
    with_probe(monkeypatch)
    clear_metadata_cache()
    credentials = FixedCredentialsFactory(APP_ID, CLIENT_SECRET)
    entra = FakeEntra(APP_ID, CLIENT_SECRET)
    if entra_setup:
        entra_setup(entra)
    issuer = BotFrameworkIssuer().start()
    stack = contextlib.AsyncExitStack()
    try:
        connector = await _start_connector(stack)
        tokens = await FakeTokenService(entra, credentials.token, CONNECTION, APP_ID).start()
        stack.push_async_callback(tokens.close)
        graph = await start_fake_graph()
        stack.push_async_callback(graph.server.close)
        settings = Settings(
            app_id=APP_ID,
            app_password=CLIENT_SECRET,
            auth_mode="sso",
            oauth_connection_name=CONNECTION,
            oauth_url=tokens.url,
            aad_authority_host=f"https://{entra.host}",
            graph_base_url=graph.base_url,
            state_db=str(tmp_path / "state.db"),
            dev_signing_key=str(tmp_path / "dev-key.pem"),
            graph_retry_budget_seconds=1.0,
            graph_timeout_seconds=2.0,
            state_encryption_key=STATE_KEY,
        )
        settings = replace(settings, **(settings_overrides or {}))
        app = await teams_app.create_app(
            settings,
            auth_extra=channel_endpoints(issuer),
            credentials_factory=credentials,
            msal_http_client=entra,
        )
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        stack.push_async_callback(server.close)
        session = aiohttp.ClientSession()
        stack.push_async_callback(session.close)
        teams = SignedTeamsClient(
            bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=session, issuer=issuer
        )
        yield SsoDesk(teams, connector, entra, tokens, graph, issuer, credentials, server, settings)
        assert "client_credentials" not in entra.grants(), "an application-only token was requested"
        assert not entra.unexpected, entra.unexpected
    finally:
        await stack.aclose()
        issuer.stop()
        clear_metadata_cache()


def channel_endpoints(issuer: BotFrameworkIssuer) -> dict[str, Any]:
    """The parameterized configuration's inbound endpoints, pointed at the local issuer (OAUTH_URL and the
    public-cloud rest come from the settings through the edge's AuthConfig)."""
    return {
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": issuer.metadata_url,
        "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": issuer.metadata_url,
        "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": BOT_FRAMEWORK_ISSUER,
    }


def builtin_channel_validation(monkeypatch: pytest.MonkeyPatch, issuer: BotFrameworkIssuer) -> None:
    """The SDK's built-in public-cloud mode (no OAUTH_URL): its metadata URL is a class attribute."""
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", issuer.metadata_url)


async def _start_connector(stack: contextlib.AsyncExitStack) -> Connector:
    from tests.teams import start_connector

    connector = await start_connector()
    stack.push_async_callback(connector.server.close)
    return connector
