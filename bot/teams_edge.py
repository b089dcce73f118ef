"""The Teams edge: the one module that imports the Bot Framework SDK (botbuilder / botframework / msrest).

It turns HTTP requests into activities, activities into plain `Turn`s for the router, and `Reply`s back into
Teams messages, card updates and invoke responses. Moving to the Microsoft 365 Agents SDK means rewriting
this module only.

SDK defects worked around here (see docs/decisions.md; each has a regression test):
1. Invoke responses are serialized twice under CloudAdapter.process (HTTP 500 for Action.Execute): this module
   serves /api/messages itself and serializes an invoke body once, whatever its shape.
2. A garbage or expired inbound token raised out of CloudAdapter as HTTP 500: authentication runs first here,
   and any failure to authenticate is a 401.
3. msrest's ClientRetryPolicy scans range(999) against a 500-item list twice per reply: its `safe_codes` becomes
   a frozenset, same codes, O(1) lookups.
4. Teams' conversation.tenantId is lost by the schema (it maps `tenantID`): the tenant is read from channelData.
5. TeamsInfo.get_team_details blocks the event loop (a synchronous msrest call behind an async name): the edge
   makes the same call in a worker thread.

Sign-in (AUTH_MODE=sso, docs/sso-setup.md): a handler that needs a Graph token the user has not given yet
raises `SignInRequired`. For a text command (or an Action.Submit) the edge keeps the command as pending and
sends an OAuth card with the connection's `tokenExchangeResource`; Teams answers with `signin/tokenExchange`
(single sign-on) or, after a visible sign-in, `signin/verifyState` (magic code). The token is exchanged at the
Bot Framework token service, kept as the user's on-behalf-of assertion, checked with an on-behalf-of call
(412 when that fails, so Teams shows the consent or sign-in card), and the pending command then runs again.
For Action.Execute the invoke is answered with a `loginRequest` (statusCode 401) and Teams re-sends the
action with `value.authentication`. Nothing is done for a tenant outside ALLOWED_TENANTS.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import CardFactory, InvokeResponse, Storage, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    ActionTypes,
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    OAuthCard,
    TokenExchangeInvokeResponse,
)
from botbuilder.schema.teams import TeamsChannelData
from botframework.connector.auth import AuthenticationConstants, UserTokenClient
from botframework.connector.token_api.models import TokenExchangeRequest
from cachetools import TTLCache
from msrest.exceptions import HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.logs import install_log_redaction
from bot.auth.signin import PendingAction, SignInState, has_identity, safe_code
from bot.auth.sso import KeyValueStorage, OboTokenProvider, TokenError, needs_consent
from bot.auth.tokens import DevTokenProvider, SignInRequired, TokenProvider, UserIdentity
from bot.blobstore import BlobStorage
from bot.commands import SIGNOUT
from bot.executors import run_blocking
from bot.features import build_root_router
from bot.flows import FormFlow
from bot.forms import DAY, FormStore
from bot.graph.client import GraphClient, RetryPolicy
from bot.i18n import language_of, t
from bot.mentions import other_mentions, strip_bot_mention
from bot.outbound import ConversationGone, ConversationRef
from bot.router import Router, UnknownVerb, normalize_word, split_command
from bot.sealed import SealedStorage, load_keys
from bot.services import Services
from bot.settings import ConfigError, Settings
from bot.storage import SqliteStorage, open_store
from bot.turn import ConversationType, Mention, Reply, Turn
from cards.common import help_card, notice_card

log = logging.getLogger("managerdesk.edge")

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"
PRECONDITION_FAILED = "application/vnd.microsoft.error.preconditionFailed"
SERVICES_KEY = web.AppKey("services", Services)
SIGNOUT_WORDS = frozenset(normalize_word(word) for word in SIGNOUT.words)
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
# The Bot Framework public cloud, spelled out for the parameterized configuration (used when OAUTH_URL is set).
PUBLIC_CLOUD = {
    "TO_CHANNEL_FROM_BOT_LOGIN_URL": "https://login.microsoftonline.com/botframework.com",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    "CALLER_ID": "urn:botframework:azure",
    "VALIDATE_AUTHORITY": True,
}

# The current turn's way to ask the token service for the user's token (sso mode), read by the SSO token
# source when no stored SSO token is left: a user signed in at the token service needs no new card.
TokenServiceLookup = Callable[[UserIdentity], Awaitable[str | None]]
_TOKEN_SERVICE_LOOKUP: contextvars.ContextVar[TokenServiceLookup | None] = contextvars.ContextVar(
    "managerdesk_token_service_lookup", default=None
)

# SDK defect 3. Same set of codes, constant-time membership.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
# Our storage has botbuilder's Storage shape; let the SDK accept it as one.
Storage.register(SqliteStorage)
Storage.register(BlobStorage)


class AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings, extra: dict[str, Any] | None = None) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id
        if settings.oauth_url:  # setting any endpoint switches the SDK to its parameterized mode: set them all
            for name, value in PUBLIC_CLOUD.items():
                setattr(self, name, value)
            self.OAUTH_URL = settings.oauth_url
        for name, value in (extra or {}).items():
            setattr(self, name, value)


def attachment_of(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CARD_CONTENT_TYPE, content=card)


def activity_of(reply: Reply) -> Activity:
    if reply.card is not None:
        return Activity(type=ActivityTypes.message, attachments=[attachment_of(reply.card)])
    return Activity(type=ActivityTypes.message, text=reply.text or "")


def invoke_body(reply: Reply) -> dict[str, Any]:
    if reply.card is not None:
        return {"statusCode": 200, "type": INVOKE_CARD, "value": reply.card}
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": reply.text or ""}


def login_request_body(
    text: str, connection_name: str, button: str, sign_in_link: str, exchange: dict[str, str] | None
) -> dict[str, Any]:
    """Action.Execute's answer when a sign-in is needed (statusCode 401). With `tokenExchangeResource` Teams
    tries single sign-on first and re-sends the action with `value.authentication`; without it, or when
    single sign-on fails, it shows the sign-in button, and re-sends the action with `value.state`."""
    value: dict[str, Any] = {
        "text": text,
        "connectionName": connection_name,
        "buttons": [{"type": ActionTypes.signin.value, "title": button, "text": button, "value": sign_in_link}],
    }
    if exchange:
        value["tokenExchangeResource"] = exchange
    return {"statusCode": 401, "type": LOGIN_REQUEST, "value": value}


def precondition_failed_body(message: str) -> dict[str, Any]:
    return {"statusCode": 412, "type": PRECONDITION_FAILED, "value": {"code": "412", "message": message}}


class ConnectorOutbound:
    """`Outbound` over the Bot Connector REST API (interim: the edge rewrite moves it to bot/teams/)."""

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        activity = self._addressed(ref, activity_of(reply))
        client = await self._client(ref)
        try:
            sent = await client.conversations.send_to_conversation(ref.conversation_id, activity)
        except HttpOperationError as error:
            raise _gone_or(error) from error
        return getattr(sent, "id", None)

    async def update(self, ref: ConversationRef, activity_id: str, reply: Reply) -> None:
        activity = self._addressed(ref, activity_of(reply))
        activity.id = activity_id
        client = await self._client(ref)
        try:
            await client.conversations.update_activity(ref.conversation_id, activity_id, activity)
        except HttpOperationError as error:
            raise _gone_or(error) from error

    async def _client(self, ref: ConversationRef) -> Any:
        claims = self._adapter.create_claims_identity(self._app_id)
        factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
        return await factory.create(ref.service_url, None)

    @staticmethod
    def _addressed(ref: ConversationRef, activity: Activity) -> Activity:
        activity.conversation = ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id)
        activity.from_property = ChannelAccount(id=ref.bot_id)
        activity.recipient = ChannelAccount(id=ref.user_id or "", aad_object_id=ref.user_aad_object_id)
        activity.channel_id = ref.channel_id
        activity.service_url = ref.service_url
        activity.locale = ref.locale
        return activity


def _gone_or(error: HttpOperationError) -> Exception:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return ConversationGone(str(status)) if status in (403, 404) else error


def reference_of(activity: Activity, tenant_id: str) -> ConversationRef | None:
    conversation, recipient, sender = activity.conversation, activity.recipient, activity.from_property
    if not activity.service_url or conversation is None or not conversation.id:
        return None
    return ConversationRef(
        service_url=activity.service_url,
        conversation_id=conversation.id,
        bot_id=(recipient.id if recipient else "") or "",
        channel_id=activity.channel_id or "msteams",
        tenant_id=tenant_id or None,
        user_id=sender.id if sender else None,
        user_aad_object_id=sender.aad_object_id if sender else None,
        locale=activity.locale,
    )


class ManagerDeskBot(TeamsActivityHandler):
    def __init__(
        self,
        router: Router,
        settings: Settings,
        *,
        token_provider: TokenProvider | None = None,
        signin: SignInState | None = None,
    ) -> None:
        self._router = router
        self._settings = settings
        # Team thread id -> Microsoft 365 group id: never changes, so cached long, but bounded.
        self._team_group_ids: TTLCache[str, str] = TTLCache(maxsize=4096, ttl=24 * 3600)
        self._tokens = token_provider
        self._signin = signin
        self._sso = settings.auth_mode == "sso" and signin is not None
        self._connection = settings.oauth_connection_name
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        reset = _TOKEN_SERVICE_LOOKUP.set(self._token_service_lookup(turn_context)) if self._sso else None
        try:
            await super().on_turn(turn_context)
        finally:
            if reset is not None:
                _TOKEN_SERVICE_LOOKUP.reset(reset)

    async def idle(self) -> None:
        """Waits for the work started after an answer (commands resumed after a sign-in)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- messages: text commands, and Action.Submit from clients without Universal Actions ---------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn = self._turn_of(turn_context)
        if self._refuse_tenant(turn):
            await turn_context.send_activity(activity_of(self._tenant_refusal(turn)))
            return
        value = turn_context.activity.value
        if isinstance(value, dict) and turn.verb:
            try:
                reply = await self._run_action(turn)
            except SignInRequired as needed:
                await self._ask_to_sign_in(turn_context, turn, needed, _pending_action(turn, needed))
                return
            await self._show(turn_context, turn, reply)
            return
        if split_command(turn.text)[0] in SIGNOUT_WORDS:
            await self._sign_out(turn_context, turn)
            return
        try:
            replies = await self._router.handle_text(turn)
        except SignInRequired as needed:
            await self._ask_to_sign_in(turn_context, turn, needed, _pending_text(turn, needed))
            return
        for reply in replies:
            await turn_context.send_activity(activity_of(reply))

    async def _show(self, turn_context: TurnContext, turn: Turn, reply: Reply) -> None:
        """An action's answer outside an invoke: an update of the card acted on, or a new message."""
        if reply.replace and turn.card_activity_id:
            update = activity_of(reply)
            update.id = turn.card_activity_id
            await turn_context.update_activity(update)
        else:
            await turn_context.send_activity(activity_of(reply))

    # --- invokes: Action.Execute, type-ahead search, sign-in -----------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        name = turn_context.activity.name
        if name == "adaptiveCard/action":
            return await self._card_action(turn_context)
        if name == "application/search":
            return await self._search(turn_context)
        if name == "signin/tokenExchange":
            return await self._token_exchange(turn_context)
        if name == "signin/verifyState":
            return await self._verify_state(turn_context)
        if name == "signin/failure":
            return await self._sign_in_failure(turn_context)
        return await super().on_invoke_activity(turn_context)

    async def _card_action(self, turn_context: TurnContext) -> InvokeResponse:
        turn = self._turn_of(turn_context)
        if self._refuse_tenant(turn):
            return InvokeResponse(status=200, body=invoke_body(self._tenant_refusal(turn)))
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        authentication = value.get("authentication")
        magic_code = value.get("state")
        signed_in_now = False
        if self._sso and isinstance(authentication, dict):
            # Teams did single sign-on after our loginRequest and re-sent the action with the token.
            signed_in_now = True
            async with self._signin_lock(turn):
                accepted = await self._exchange(turn_context, turn, str(authentication.get("token") or ""))
            if not accepted:
                return InvokeResponse(status=200, body=precondition_failed_body("authentication token not accepted"))
        elif self._sso and isinstance(magic_code, str) and magic_code:
            # The user signed in with the button of our loginRequest; the action comes back with a code.
            signed_in_now = True
            async with self._signin_lock(turn):
                accepted = await self._redeem_magic_code(turn_context, turn, magic_code)
            if not accepted:
                return InvokeResponse(status=200, body=precondition_failed_body("sign-in code not accepted"))
        try:
            reply = await self._route_action(turn)
        except SignInRequired as needed:
            # After a failed single sign-on, ask again without it: Teams then shows the sign-in button.
            return await self._login_request(turn_context, turn, needed, offer_sso=not signed_in_now)
        except Exception:
            log.exception("card action failed verb=%s", turn.verb)
            # An error answer keeps the card, and everything typed in it, on screen.
            error = {"code": "InternalError", "message": t(turn.lang, "notice.unexpected")}
            return InvokeResponse(status=200, body={"statusCode": 500, "type": INVOKE_ERROR, "value": error})
        return InvokeResponse(status=200, body=invoke_body(reply))

    async def _search(self, turn_context: TurnContext) -> InvokeResponse:
        turn = self._turn_of(turn_context)
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        results: list[tuple[str, str]] = []
        if self._refuse_tenant(turn):
            log.warning("refused tenant=%s search", turn.user.tenant_id)
        else:
            try:
                results = await self._router.handle_search(turn, str(value.get("dataset") or ""), value)
            except UnknownVerb:
                pass
            except SignInRequired:
                log.info("search needs a sign-in dataset=%s", value.get("dataset"))
            except Exception:
                log.exception("search failed dataset=%s", value.get("dataset"))
        body = {
            "statusCode": 200,
            "type": SEARCH_RESPONSE,
            "value": {"results": [{"title": title, "value": val} for title, val in results]},
        }
        return InvokeResponse(status=200, body=body)

    async def _run_action(self, turn: Turn) -> Reply:
        try:
            return await self._route_action(turn)
        except SignInRequired:
            raise
        except Exception:
            log.exception("card action failed verb=%s", turn.verb)
            return Reply(card=notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.unexpected")]))

    async def _route_action(self, turn: Turn) -> Reply:
        try:
            return await self._router.handle_action(turn)
        except UnknownVerb:
            log.info("unknown verb=%r", turn.verb)
            return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))

    # --- sign-in (AUTH_MODE=sso) ---------------------------------------------------------------------------
    async def _ask_to_sign_in(
        self, turn_context: TurnContext, turn: Turn, needed: SignInRequired, pending: PendingAction
    ) -> None:
        """Keeps what the user asked for and sends the OAuth card (single sign-on, else a sign-in button)."""
        log.info("sign-in needed reason=%s", getattr(needed, "reason", "-"))
        if not self._sso or not has_identity(turn.user):
            key = "signin.no_identity" if self._sso else "signin.unavailable"
            await self._notify(turn_context, turn, t(turn.lang, key))
            return
        await self._signin.pending.put(turn.user, pending)  # type: ignore[union-attr]
        resource = await self._sign_in_resource(turn_context)
        if resource is None:
            await self._notify(turn_context, turn, t(turn.lang, "signin.unavailable"))
            return
        link, exchange = resource
        card = OAuthCard(
            text=t(turn.lang, "signin.card_text"),
            connection_name=self._connection,
            buttons=[CardAction(type=ActionTypes.signin, title=t(turn.lang, "signin.button"), value=link)],
            token_exchange_resource=exchange,
        )
        await turn_context.send_activity(
            Activity(type=ActivityTypes.message, attachments=[CardFactory.oauth_card(card)])
        )

    async def _login_request(
        self, turn_context: TurnContext, turn: Turn, needed: SignInRequired, *, offer_sso: bool
    ) -> InvokeResponse:
        log.info("sign-in needed for verb=%s reason=%s", turn.verb, getattr(needed, "reason", "-"))
        resource = await self._sign_in_resource(turn_context) if self._sso and has_identity(turn.user) else None
        if resource is None:
            error = {"code": "Unauthorized", "message": t(turn.lang, "signin.unavailable")}
            return InvokeResponse(status=200, body={"statusCode": 500, "type": INVOKE_ERROR, "value": error})
        link, exchange = resource
        text, button = t(turn.lang, "signin.card_text"), t(turn.lang, "signin.button")
        body = login_request_body(text, self._connection, button, link, exchange if offer_sso else None)
        return InvokeResponse(status=200, body=body)

    async def _token_exchange(self, turn_context: TurnContext) -> InvokeResponse:
        """signin/tokenExchange: 200 once the token is exchanged and on-behalf-of works, else 412 (Teams then
        shows the consent or sign-in card). The same exchange id from another client is answered 200 once
        more, and nothing else happens."""
        turn = self._turn_of(turn_context)
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        exchange_id = str(value.get("id") or "")
        if self._refuse_tenant(turn):
            log.warning("refused tenant=%s token exchange", turn.user.tenant_id)
            return InvokeResponse(status=200)
        if not self._sso or not has_identity(turn.user):
            return self._exchange_failed(exchange_id, "Sign-in is not available for this user.")
        async with self._signin_lock(turn):
            if await self._signin.exchanges.seen(turn.user, exchange_id):  # type: ignore[union-attr]
                log.info("token exchange already handled")
                return self._exchanged(exchange_id)
            if not await self._exchange(turn_context, turn, str(value.get("token") or "")):
                return self._exchange_failed(exchange_id, "The bot could not exchange the token; sign in instead.")
            pending = await self._signin.pending.peek(turn.user)  # type: ignore[union-attr]
            problem = await self._on_behalf_of_problem(turn.user, pending.scopes) if pending else None
            if problem is not None:
                return self._exchange_failed(exchange_id, problem)
            await self._signin.exchanges.record(turn.user, exchange_id)  # type: ignore[union-attr]
        if pending is not None:
            self._spawn(self._resume(turn_context, turn))
        return self._exchanged(exchange_id)

    async def _verify_state(self, turn_context: TurnContext) -> InvokeResponse:
        """signin/verifyState: the user signed in with the card's button; `value.state` is the magic code."""
        turn = self._turn_of(turn_context)
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        if self._refuse_tenant(turn):
            log.warning("refused tenant=%s verify state", turn.user.tenant_id)
            return InvokeResponse(status=200)
        if not self._sso or not has_identity(turn.user):
            return InvokeResponse(status=200)
        async with self._signin_lock(turn):
            accepted = await self._redeem_magic_code(turn_context, turn, str(value.get("state") or ""))
            pending = await self._signin.pending.peek(turn.user) if accepted else None  # type: ignore[union-attr]
            problem = await self._on_behalf_of_problem(turn.user, pending.scopes) if pending else None
        if not accepted:
            await self._notify(turn_context, turn, t(turn.lang, "signin.code_failed"))
        elif problem is not None and pending is not None:
            await self._notify(turn_context, turn, self._problem_text(turn, pending.scopes, problem))
        elif pending is not None:
            self._spawn(self._resume(turn_context, turn))
        else:
            await self._notify(turn_context, turn, t(turn.lang, "signin.done"))
        return InvokeResponse(status=200)

    async def _sign_in_failure(self, turn_context: TurnContext) -> InvokeResponse:
        """signin/failure: Teams could not get the single sign-on token (e.g. `resourcematchfailed` when the
        manifest's webApplicationInfo and the OAuth connection disagree). Log the code, tell the user."""
        turn = self._turn_of(turn_context)
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        code = safe_code(value.get("code"))
        log.warning("sign-in failure reported by Teams code=%s", code)
        if self._refuse_tenant(turn):
            return InvokeResponse(status=200)
        await self._notify(turn_context, turn, t(turn.lang, "signin.failed", code=code))
        return InvokeResponse(status=200)

    async def _sign_out(self, turn_context: TurnContext, turn: Turn) -> None:
        if not self._sso:
            await self._notify(turn_context, turn, t(turn.lang, "signout.dev"))
            return
        if not has_identity(turn.user):
            await self._notify(turn_context, turn, t(turn.lang, "signin.no_identity"))
            return
        sign_out = getattr(self._tokens, "sign_out", None)
        if callable(sign_out):
            await sign_out(turn.user)
        await self._signin.forget(turn.user)  # type: ignore[union-attr]
        client = _user_token_client(turn_context)
        try:
            if client is None:
                raise LookupError("no user token client")
            await client.sign_out_user(
                turn_context.activity.from_property.id, self._connection, turn_context.activity.channel_id
            )
        except Exception as exc:
            log.warning("token service sign-out failed reason=%s", type(exc).__name__)
        log.info("signed out")
        await self._notify(turn_context, turn, t(turn.lang, "signout.done"))

    async def _exchange(self, turn_context: TurnContext, turn: Turn, token: str) -> bool:
        """Hands Teams' single sign-on token to the token service, then keeps it as the user's assertion."""
        signin = self._signin
        if signin is None or not token or not has_identity(turn.user) or not signin.tokens.acceptable(turn.user, token):
            return False
        client = _user_token_client(turn_context)
        try:
            if client is None:
                raise LookupError("no user token client")
            result = await client.exchange_token(
                turn_context.activity.from_property.id,
                self._connection,
                turn_context.activity.channel_id,
                TokenExchangeRequest(token=token),
            )
        except Exception as exc:
            log.warning("token exchange failed reason=%s", type(exc).__name__)
            return False
        if not isinstance(getattr(result, "token", None), str) or not result.token:
            log.info("token exchange refused by the token service")
            return False
        return await signin.tokens.save(turn.user, token)

    async def _redeem_magic_code(self, turn_context: TurnContext, turn: Turn, code: str) -> bool:
        signin = self._signin
        client = _user_token_client(turn_context)
        if signin is None or client is None or not code or not has_identity(turn.user):
            return False
        try:
            result = await client.get_user_token(
                turn_context.activity.from_property.id, self._connection, turn_context.activity.channel_id, code
            )
        except Exception as exc:
            log.warning("magic code redemption failed reason=%s", type(exc).__name__)
            return False
        token = getattr(result, "token", None)
        return isinstance(token, str) and bool(token) and await signin.tokens.save(turn.user, token)

    async def _on_behalf_of_problem(self, user: UserIdentity, scopes: tuple[str, ...]) -> str | None:
        """None when a Graph token for these scopes can be had now; else what stands in the way."""
        if self._tokens is None or not scopes:
            return None
        try:
            await self._tokens.get_token(user, scopes)
        except SignInRequired as needed:
            return "consent_required" if needs_consent(needed) else "sign_in_required"
        except TokenError as error:
            return error.code
        return None

    def _problem_text(self, turn: Turn, scopes: tuple[str, ...], problem: str) -> str:
        if problem == "consent_required":
            return t(turn.lang, "signin.consent_missing", scopes=", ".join(scopes))
        return t(turn.lang, "signin.code_failed")

    async def _resume(self, turn_context: TurnContext, turn: Turn) -> None:
        """Runs the command or card action that waited for the sign-in; its answers come as new messages."""
        pending = await self._signin.pending.take(turn.user, turn.conversation_id)  # type: ignore[union-attr]
        if pending is None:
            return
        try:
            if pending.kind == "text":
                mentions = tuple(Mention(name, user_id) for name, user_id in pending.mentions)
                resumed = replace(turn, text=pending.text, mentions=mentions, verb=None, data={})
                for reply in await self._router.handle_text(resumed):
                    await turn_context.send_activity(activity_of(reply))
            else:
                resumed = replace(
                    turn, text="", verb=pending.verb, data=pending.data, card_activity_id=pending.card_activity_id
                )
                await self._show(turn_context, resumed, await self._run_action(resumed))
        except SignInRequired as needed:
            log.warning("resumed action still needs a sign-in reason=%s", getattr(needed, "reason", "-"))
            problem = "consent_required" if needs_consent(needed) else "sign_in_required"
            await self._notify(turn_context, turn, self._problem_text(turn, pending.scopes, problem))
        except Exception:
            log.exception("resumed action failed kind=%s", pending.kind)
            await self._notify(turn_context, turn, t(turn.lang, "notice.unexpected"))

    async def _sign_in_resource(self, turn_context: TurnContext) -> tuple[str, dict[str, str] | None] | None:
        """The sign-in link and the token exchange resource of the OAuth connection, from the token service."""
        client = _user_token_client(turn_context)
        try:
            if client is None:
                raise LookupError("no user token client")
            resource = await client.get_sign_in_resource(self._connection, turn_context.activity, None)
        except Exception as exc:
            log.warning("sign-in resource unavailable reason=%s", type(exc).__name__)
            return None
        if resource is None or not resource.sign_in_link:
            log.warning("sign-in resource unavailable reason=no sign-in link")
            return None
        exchange = resource.token_exchange_resource
        described = None
        if exchange is not None and exchange.id:
            described = {"id": exchange.id, "uri": exchange.uri, "providerId": exchange.provider_id}
            described = {k: v for k, v in described.items() if v}
        return resource.sign_in_link, described

    def _token_service_lookup(self, turn_context: TurnContext) -> TokenServiceLookup:
        async def lookup(user: UserIdentity) -> str | None:
            sender = turn_context.activity.from_property
            client = _user_token_client(turn_context)
            if client is None or sender is None or (sender.aad_object_id or "").lower() != user.aad_object_id.lower():
                return None
            try:
                result = await client.get_user_token(
                    sender.id, self._connection, turn_context.activity.channel_id, None
                )
            except Exception as exc:
                log.warning("token service lookup failed reason=%s", type(exc).__name__)
                return None
            token = getattr(result, "token", None)
            return token if isinstance(token, str) and token else None

        return lookup

    def _signin_lock(self, turn: Turn) -> asyncio.Lock:
        return self._signin.lock(turn.user) if self._signin and has_identity(turn.user) else asyncio.Lock()

    def _exchanged(self, exchange_id: str) -> InvokeResponse:
        return InvokeResponse(
            status=200, body=TokenExchangeInvokeResponse(id=exchange_id, connection_name=self._connection)
        )

    def _exchange_failed(self, exchange_id: str, detail: str) -> InvokeResponse:
        log.info("token exchange answered 412 detail=%s", detail)
        body = TokenExchangeInvokeResponse(id=exchange_id, connection_name=self._connection, failure_detail=detail)
        return InvokeResponse(status=412, body=body)

    async def _notify(self, turn_context: TurnContext, turn: Turn, line: str) -> None:
        card = notice_card(turn.lang, t(turn.lang, "app.name"), [line])
        await turn_context.send_activity(activity_of(Reply.new_card(card)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the bot joins a conversation: say what it can do ------------------------------------------------
    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        recipient = turn_context.activity.recipient
        if any(member.id == recipient.id for member in members_added):
            await self._router.handle_install(self._turn_of(turn_context))
            lang = language_of(turn_context.activity.locale)
            card = help_card(lang, sign_out=self._settings.auth_mode != "dev")
            await turn_context.send_activity(activity_of(Reply.new_card(card)))

    # --- translation -------------------------------------------------------------------------------------
    def _turn_of(self, turn_context: TurnContext) -> Turn:
        activity = turn_context.activity
        channel_data = _channel_data(activity)
        sender = activity.from_property or ChannelAccount()
        tenant_id = _tenant_of(activity, channel_data)
        conversation = activity.conversation
        team = channel_data.team if channel_data else None
        verb, data = _action_of(activity)
        mention_entities = _mention_entities(activity)
        bot_id = activity.recipient.id if activity.recipient else ""
        team_thread_id = team.id if team else None

        async def resolve_team_group_id() -> str | None:
            if team is None or not team.id:
                return None
            if team.aad_group_id:
                return team.aad_group_id
            if team.id not in self._team_group_ids:
                # TeamsInfo.get_team_details is async in name only: its HTTP call blocks. Run it in a thread.
                connector = await TeamsInfo.get_teams_connector_client(turn_context)
                details = await run_blocking("connector", connector.teams.get_team_details, team.id)
                if details is None or not details.aad_group_id:
                    return None
                self._team_group_ids[team.id] = details.aad_group_id
            return self._team_group_ids[team.id]

        return Turn(
            user=UserIdentity(aad_object_id=sender.aad_object_id or "", tenant_id=tenant_id, name=sender.name or ""),
            teams_user_id=sender.id or "",
            conversation_id=conversation.id if conversation else "",
            conversation_type=_conversation_type(conversation.conversation_type if conversation else None),
            locale=activity.locale or "en-US",
            timezone=activity.local_timezone or None,
            text=strip_bot_mention(activity.text or "", [text for uid, _, text in mention_entities if uid == bot_id]),
            mentions=other_mentions(mention_entities, bot_id),
            verb=verb,
            data=data,
            card_activity_id=activity.reply_to_id,
            team_thread_id=team_thread_id,
            resolve_team_group_id=resolve_team_group_id,
            reference=reference_of(activity, tenant_id),
            activity_id=activity.id,
        )

    def _refuse_tenant(self, turn: Turn) -> bool:
        allowed = self._settings.allowed_tenants
        return bool(allowed) and turn.user.tenant_id.lower() not in allowed

    @staticmethod
    def _tenant_refusal(turn: Turn) -> Reply:
        log.warning("refused tenant=%s", turn.user.tenant_id)
        lines = [t(turn.lang, "notice.tenant_refused")]
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), lines))


BOT_KEY = web.AppKey("bot", ManagerDeskBot)


def _channel_data(activity: Activity) -> TeamsChannelData | None:
    if not activity.channel_data:
        return None
    try:
        return TeamsChannelData().deserialize(activity.channel_data)
    except Exception:
        return None


def _tenant_of(activity: Activity, channel_data: TeamsChannelData | None) -> str:
    if channel_data and channel_data.tenant and channel_data.tenant.id:
        return channel_data.tenant.id
    conversation = activity.conversation
    extra = getattr(conversation, "additional_properties", None) or {}
    return str(getattr(conversation, "tenant_id", None) or extra.get("tenantId") or "")


def _conversation_type(raw: str | None) -> ConversationType:
    if raw == "channel":
        return "channel"
    if raw == "groupChat":
        return "groupChat"
    return "personal"


def _action_of(activity: Activity) -> tuple[str | None, dict[str, Any]]:
    value = activity.value if isinstance(activity.value, dict) else None
    if value is None:
        return None, {}
    if activity.type == ActivityTypes.invoke:
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        return (str(action.get("verb")) if action.get("verb") else None), dict(data)
    verb = value.get("verb")  # Action.Submit: our cards put the verb in the data too
    return (str(verb) if verb else None), dict(value)


def _mention_entities(activity: Activity) -> list[tuple[str, str, str]]:
    found = []
    entities = activity.entities if isinstance(activity.entities, list) else []
    for entity in entities:
        if not isinstance(getattr(entity, "type", None), str) or entity.type.lower() != "mention":
            continue
        props = entity.additional_properties if isinstance(entity.additional_properties, dict) else {}
        mentioned = props.get("mentioned") if isinstance(props.get("mentioned"), dict) else {}
        found.append((_text(mentioned.get("id")), _text(mentioned.get("name")), _text(props.get("text"))))
    return found


def _text(value: Any) -> str:
    """A string an activity should hold: anything else (a number, a list, an object) is taken as missing."""
    return value if isinstance(value, str) else ""


def _is_connector_id(value: Any) -> bool:
    """What the Connector's conversation and activity ids are: printable ASCII without spaces, not too long."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= 1024
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


def _unanswerable(activity: Activity) -> str | None:
    """Why no answer could ever reach the sender of this activity (the reply would fail in the SDK), if so."""
    conversation = activity.conversation
    conversation_id = conversation.id if conversation is not None else None
    if not _is_connector_id(conversation_id):
        return "activity has no conversation id the Connector could take"
    if activity.id is not None and not _is_connector_id(activity.id):
        return "activity id is not a Connector id"
    service_url = activity.service_url
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "activity has no serviceUrl"
    if activity.from_property is None or activity.recipient is None:
        return "activity has no sender or recipient"
    return None


def _serialize(body: Any) -> Any:
    """An invoke body once serialized, whatever shape the handler produced (SDK defect 1)."""
    if body is None or isinstance(body, (dict, list, str, int, float, bool)):
        return body
    if hasattr(body, "serialize"):
        return body.serialize()
    return body


def _user_token_client(turn_context: TurnContext) -> UserTokenClient | None:
    client = turn_context.turn_state.get(CloudAdapter.USER_TOKEN_CLIENT_KEY)
    return client if isinstance(client, UserTokenClient) else None


def _pending_text(turn: Turn, needed: SignInRequired) -> PendingAction:
    return PendingAction(
        kind="text",
        conversation_id=turn.conversation_id,
        scopes=needed.scopes,
        text=turn.text,
        mentions=[(mention.name, mention.teams_user_id) for mention in turn.mentions],
    )


def _pending_action(turn: Turn, needed: SignInRequired) -> PendingAction:
    return PendingAction(
        kind="action",
        conversation_id=turn.conversation_id,
        scopes=needed.scopes,
        verb=turn.verb,
        data=turn.data,
        card_activity_id=turn.card_activity_id,
    )


def _sso_token_source(signin: SignInState) -> Callable[[UserIdentity], Awaitable[str | None]]:
    """The on-behalf-of assertion: the stored SSO token, else the token service's token for the user (when
    the current turn can ask for it), else None (the provider then raises SsoSignInRequired)."""

    async def source(user: UserIdentity) -> str | None:
        token = await signin.tokens.get(user)
        if token:
            return token
        lookup = _TOKEN_SERVICE_LOOKUP.get()
        token = await lookup(user) if lookup is not None else None
        return token if token and await signin.tokens.save(user, token) else None

    return source


def make_token_provider(
    settings: Settings,
    dev_key: Any,
    *,
    storage: KeyValueStorage | None = None,
    sso_token_source: Callable[[UserIdentity], Awaitable[str | None]] | None = None,
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
    credentials_factory: Any = None,
    msal_http_client: Any = None,
) -> web.Application:
    """The bot's aiohttp application: POST /api/messages, GET /healthz, GET /readyz.

    `auth_extra` sets or overrides attributes of the SDK's configuration (e.g. the parameterized endpoints);
    `credentials_factory` replaces the SDK's credential factory (the bot's own outbound token);
    `msal_http_client` is MSAL's transport for on-behalf-of calls. The last three exist for offline tests."""
    keys = load_keys(settings)
    install_log_redaction([settings.app_password, settings.sso_client_secret, *keys])
    storage = await open_store(settings)
    secrets = SealedStorage(storage, keys)  # sign-ins, SSO tokens and MSAL caches: encrypted at rest
    signin = SignInState(secrets) if settings.auth_mode == "sso" else None
    if token_provider is None:
        dev_key = None
        if settings.auth_mode == "dev":
            dev_key = await asyncio.to_thread(load_or_create_dev_key, settings.dev_signing_key)
        try:
            token_provider = make_token_provider(
                settings,
                dev_key,
                storage=secrets,
                sso_token_source=_sso_token_source(signin) if signin else None,
                http_client=msal_http_client,
            )
        except Exception:
            await storage.aclose()
            raise
    session = aiohttp.ClientSession()
    retry = RetryPolicy(
        max_attempts=settings.graph_max_attempts,
        budget_seconds=settings.graph_retry_budget_seconds,
        timeout_seconds=settings.graph_timeout_seconds,
    )
    graph = GraphClient(session, settings.graph_base_url, token_provider, retry)
    forms = FormStore(storage, open_seconds=settings.form_open_days * DAY, done_seconds=settings.form_done_days * DAY)
    services = Services(settings=settings, graph=graph, storage=storage, forms=forms)
    bot = ManagerDeskBot(build_root_router(services), settings, token_provider=token_provider, signin=signin)
    authentication = ConfigurationBotFrameworkAuthentication(
        AuthConfig(settings, auth_extra), credentials_factory=credentials_factory
    )
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    services.outbound = ConnectorOutbound(adapter, settings.app_id)

    async def start_jobs(_: web.Application) -> None:
        for job in services.jobs:
            await job.start()

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
            activity = Activity().deserialize(body)
        except Exception:  # not JSON, too deep, not an object, or not an activity's shape
            return web.json_response({"error": "body is not an activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "activity has no type"}, status=400)
        problem = _unanswerable(activity)
        if problem:
            return web.json_response({"error": problem}, status=400)
        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as exc:  # SDK defect 2: any failure to authenticate is a 401, never a 500
            log.warning("inbound auth refused reason=%s", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        invoke = await adapter.process_activity(auth, activity, bot.on_turn)
        if invoke is not None and invoke.status == 501:  # an invoke this bot does not handle: the sender's error
            return web.json_response({"error": "unsupported invoke"}, status=400)
        if invoke is not None:
            return web.json_response(_serialize(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        ready = settings.ready and not session.closed
        body = {"status": "ready" if ready else "not ready", "authMode": settings.auth_mode}
        return web.json_response(body, status=200 if ready else 503)

    sweeper: list[asyncio.Task[None]] = []

    async def start_sweeper(_: web.Application) -> None:
        sweeper.append(asyncio.create_task(forms.sweep_forever(settings.sweep_interval_seconds)))

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

    app = web.Application()
    app[SERVICES_KEY] = services
    app[BOT_KEY] = bot
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_startup.append(start_jobs)
    app.on_startup.append(start_sweeper)
    app.on_cleanup.append(close)
    return app


_CONNECTOR_MODULES = ("msrest.", "azure.core.", "botframework.connector.")


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    if type(error).__module__.startswith(_CONNECTOR_MODULES):  # the Connector refused or failed a reply
        log.warning("reply failed type=%s activity=%s", type(error).__name__, turn_context.activity.type)
    else:
        log.error("turn failed type=%s activity=%s", type(error).__name__, turn_context.activity.type, exc_info=error)
    lang = language_of(turn_context.activity.locale)
    if turn_context.activity.type == ActivityTypes.message:
        card = notice_card(lang, t(lang, "app.name"), [t(lang, "notice.unexpected")])
        try:  # the Connector may be what failed: its second failure must not become the bot's 500
            await turn_context.send_activity(activity_of(Reply.new_card(card)))
        except Exception as exc:
            log.warning("could not tell the user about the failure reason=%s", type(exc).__name__)
