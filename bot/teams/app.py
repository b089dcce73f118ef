"""The bot's HTTP app: POST /api/messages, GET /healthz, GET /readyz, and what they are built from.

/api/messages checks what it can before anything else runs: a JSON object (415, 400, 413 over 1 MB), then the
channel's token (401: any failure to authenticate, never a 500), then the activity goes down the route chain
(bot/teams/turns.py), and an invoke's body is serialized exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.logs import install_log_redaction
from bot.auth.signin import SignInState
from bot.auth.sso import KeyValueStorage, OboTokenProvider
from bot.auth.tokens import DevTokenProvider, TokenProvider
from bot.features import build_root_router
from bot.flows import FormFlow
from bot.forms import DAY, FormStore
from bot.graph.client import GraphClient, RetryPolicy
from bot.sealed import SealedStorage, load_keys
from bot.services import Services
from bot.settings import ConfigError, Settings
from bot.storage import StateStore, open_store
from bot.teams.activity import Unauthorized
from bot.teams.outbound import BotToken, Connector
from bot.teams.signin import sso_token_source
from bot.teams.turns import ManagerDeskBot

if TYPE_CHECKING:
    from botframework.connector.auth import BotFrameworkAuthentication, ClaimsIdentity, ServiceClientCredentialsFactory

    from bot.teams.sdk import UserTokens

log = logging.getLogger("managerdesk.edge")

MAX_BODY_BYTES = 1024 * 1024  # Teams' activities are far smaller; anything larger is refused with 413
READY_TIMEOUT_SECONDS = 2.0
BLOCKING_WORKERS = 4  # MSAL, key files, the bot token: short blocking calls, a few at a time
SERVICES_KEY = web.AppKey("services", Services)
BOT_KEY = web.AppKey("bot", ManagerDeskBot)
# MSAL knows these hosts (instance discovery on); any other authority host is taken as given.
KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "https://login.microsoftonline.com",
        "https://login.microsoft.com",
        "https://login.windows.net",
        "https://login.microsoftonline.us",
        "https://login.chinacloudapi.cn",
    }
)


class Channel:
    """The Bot Framework side of the channel: inbound authentication, credentials, the token service.

    The SDK is imported on first need, which for a bot with an app id is at start-up; a local bot without an
    app id (AUTH_MODE=dev, the Playground) never needs it unless a request carries a token to check."""

    def __init__(
        self,
        settings: Settings,
        auth_extra: dict[str, Any] | None,
        credentials_factory: ServiceClientCredentialsFactory | None,
    ) -> None:
        self._settings = settings
        self._auth_extra = auth_extra
        self._credentials_factory = credentials_factory
        self._authentication: BotFrameworkAuthentication | None = None
        self._user_tokens: UserTokens | None = None
        if settings.app_id or credentials_factory is not None:
            self.authentication()

    def authentication(self) -> BotFrameworkAuthentication:
        if self._authentication is None:
            from bot.teams.sdk import bot_framework_authentication

            self._authentication = bot_framework_authentication(
                self._settings, self._auth_extra, self._credentials_factory
            )
        return self._authentication

    def user_tokens(self) -> UserTokens:
        if self._user_tokens is None:
            from bot.teams.sdk import UserTokens

            self._user_tokens = UserTokens(self.authentication)
        return self._user_tokens

    async def identity(self, activity: dict[str, Any], authorization: str) -> ClaimsIdentity | None:
        """Who sent the activity; Unauthorized when the token is bad. A bot without an app id accepts a
        request without a token as anonymous, as the SDK does (None here: the SDK is not loaded for it)."""
        if not authorization and not self._settings.app_id and self._credentials_factory is None:
            return None
        from bot.teams.sdk import authenticate

        return await authenticate(self.authentication(), activity, authorization)


def make_token_provider(
    settings: Settings,
    dev_key: Any,
    *,
    storage: KeyValueStorage | None = None,
    sso_token_source: Any = None,
    http_client: Any = None,
) -> TokenProvider:
    if settings.auth_mode == "dev":
        return DevTokenProvider(dev_key)
    if not settings.oauth_connection_name:
        raise ConfigError("OAUTH_CONNECTION_NAME", "required when AUTH_MODE is sso (the Azure Bot's OAuth connection)")
    if not settings.sso_client_secret:
        variable = "SSO_APP_PASSWORD" if settings.app_type == "UserAssignedMSI" else "MicrosoftAppPassword"
        raise ConfigError(variable, "AUTH_MODE=sso needs the app's client secret for on-behalf-of")
    if storage is None or sso_token_source is None:
        raise ValueError("AUTH_MODE=sso needs the bot's storage and an SSO token source")
    host = settings.aad_authority_host.rstrip("/")
    return OboTokenProvider(
        client_id=settings.sso_client_id,
        client_secret=settings.sso_client_secret,
        authority=f"{host}/{settings.app_tenant_id or 'organizations'}",
        storage=storage,
        sso_token_source=sso_token_source,
        http_client=http_client,
        instance_discovery=None if host.lower() in KNOWN_AUTHORITY_HOSTS else False,
    )


async def create_app(
    settings: Settings,
    *,
    token_provider: TokenProvider | None = None,
    auth_extra: dict[str, Any] | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    msal_http_client: Any = None,
) -> web.Application:
    """The bot's aiohttp application: POST /api/messages, GET /healthz, GET /readyz.

    `auth_extra` sets or overrides attributes of the SDK's configuration (e.g. the parameterized endpoints);
    `credentials_factory` replaces the SDK's credential factory (the bot's own outbound token);
    `msal_http_client` is MSAL's transport for on-behalf-of calls. The last three exist for offline tests."""
    keys = load_keys(settings)
    install_log_redaction([settings.app_password, settings.sso_client_secret, *keys])
    executor = ThreadPoolExecutor(max_workers=BLOCKING_WORKERS, thread_name_prefix="managerdesk-blocking")
    storage = await open_store(settings)
    secrets = SealedStorage(storage, keys)  # sign-ins, SSO tokens and MSAL caches: encrypted at rest
    signin = SignInState(secrets) if settings.auth_mode == "sso" else None
    if token_provider is None:
        try:
            token_provider = await _token_provider(settings, secrets, signin, msal_http_client, executor)
        except Exception:
            await storage.aclose()
            executor.shutdown(wait=False)
            raise
    session = aiohttp.ClientSession()
    retry = RetryPolicy(
        max_attempts=settings.graph_max_attempts,
        budget_seconds=settings.graph_retry_budget_seconds,
        timeout_seconds=settings.graph_timeout_seconds,
    )
    graph = GraphClient(session, settings.graph_base_url, token_provider, retry)
    channel = Channel(settings, auth_extra, credentials_factory)
    connector = Connector(session, BotToken(channel.authentication, settings.app_id, executor))
    forms = FormStore(storage, open_seconds=settings.form_open_days * DAY, done_seconds=settings.form_done_days * DAY)
    services = Services(settings=settings, graph=graph, storage=storage, forms=forms, outbound=connector)
    bot = ManagerDeskBot(
        build_root_router(services),
        settings,
        connector,
        channel.user_tokens,
        token_provider=token_provider,
        signin=signin,
    )

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            activity = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "body over 1 MB"}, status=413)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(activity, dict):
            return web.json_response({"error": "body is not an activity"}, status=400)
        if not activity.get("type") or not isinstance(activity["type"], str):
            return web.json_response({"error": "activity has no type"}, status=400)
        try:
            identity = await channel.identity(activity, request.headers.get("Authorization", ""))
        except Unauthorized:
            return web.json_response({"error": "unauthorized"}, status=401)
        status, body = await bot.on_activity(activity, identity)
        if body is None:
            return web.Response(status=status)
        return web.json_response(body, status=status)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        storage_ok = await _answers(storage)
        ready = settings.ready and storage_ok and connector.open
        body = {"status": "ready" if ready else "not ready", "authMode": settings.auth_mode, "storage": storage_ok}
        return web.json_response(body, status=200 if ready else 503)

    sweeper: list[asyncio.Task[None]] = []

    async def start_sweeper(_: web.Application) -> None:
        sweeper.append(asyncio.create_task(forms.sweep_forever(settings.sweep_interval_seconds)))

    async def start_jobs(_: web.Application) -> None:
        for job in services.jobs:  # background work of the features (the alerts)
            await job.start()

    async def close(_: web.Application) -> None:
        for job in services.jobs:
            await job.stop()
        for task in sweeper:
            task.cancel()
        try:
            await asyncio.wait_for(asyncio.gather(bot.idle(), FormFlow.idle()), timeout=10)
        except TimeoutError:
            log.warning("shutting down with resumed actions or creates still running")
        await session.close()
        await storage.aclose()
        executor.shutdown(wait=False)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES_KEY] = services
    app[BOT_KEY] = bot
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_startup.append(start_sweeper)
    app.on_startup.append(start_jobs)
    app.on_cleanup.append(close)
    return app


async def _token_provider(
    settings: Settings,
    storage: KeyValueStorage,
    signin: SignInState | None,
    msal_http_client: Any,
    executor: ThreadPoolExecutor,
) -> TokenProvider:
    dev_key = None
    if settings.auth_mode == "dev":
        loop = asyncio.get_running_loop()
        dev_key = await loop.run_in_executor(executor, load_or_create_dev_key, settings.dev_signing_key)
    return make_token_provider(
        settings,
        dev_key,
        storage=storage,
        sso_token_source=sso_token_source(signin) if signin else None,
        http_client=msal_http_client,
    )


async def _answers(storage: StateStore) -> bool:
    """The state store answers a read in time (a stuck or closed store is not ready)."""
    try:
        await asyncio.wait_for(storage.read(["readyz/probe"]), READY_TIMEOUT_SECONDS)
    except Exception as error:  # any failure of the store means "not ready"; say which in the log
        log.warning("readiness: storage did not answer error=%s", type(error).__name__)
        return False
    return True
