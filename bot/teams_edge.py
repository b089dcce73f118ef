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
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import InvokeResponse, Storage, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount
from botbuilder.schema.teams import TeamsChannelData
from msrest.universal_http.requests import ClientRetryPolicy

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.tokens import DevTokenProvider, TokenProvider, UserIdentity
from bot.features import build_root_router
from bot.forms import FormStore
from bot.graph.client import GraphClient, RetryPolicy
from bot.i18n import language_of, t
from bot.mentions import other_mentions, strip_bot_mention
from bot.router import Router, UnknownVerb
from bot.services import Services
from bot.settings import Settings
from bot.storage import SqliteStorage
from bot.turn import ConversationType, Reply, Turn
from cards.common import help_card, notice_card

log = logging.getLogger("managerdesk.edge")

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
SERVICES_KEY = web.AppKey("services", Services)

# SDK defect 3. Same set of codes, constant-time membership.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
# Our storage has botbuilder's Storage shape; let the SDK accept it as one.
Storage.register(SqliteStorage)


class AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings, extra: dict[str, Any] | None = None) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id
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


class ManagerDeskBot(TeamsActivityHandler):
    def __init__(self, router: Router, settings: Settings) -> None:
        self._router = router
        self._settings = settings
        self._team_group_ids: dict[str, str] = {}

    # --- messages: text commands, and Action.Submit from clients without Universal Actions ---------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn = self._turn_of(turn_context)
        if self._refuse_tenant(turn):
            await turn_context.send_activity(activity_of(self._tenant_refusal(turn)))
            return
        value = turn_context.activity.value
        if isinstance(value, dict) and turn.verb:
            reply = await self._run_action(turn)
            if reply.replace and turn.card_activity_id:
                update = activity_of(reply)
                update.id = turn.card_activity_id
                await turn_context.update_activity(update)
            else:
                await turn_context.send_activity(activity_of(reply))
            return
        for reply in await self._router.handle_text(turn):
            await turn_context.send_activity(activity_of(reply))

    # --- invokes: Action.Execute and type-ahead search ---------------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        name = turn_context.activity.name
        if name == "adaptiveCard/action":
            return await self._card_action(turn_context)
        if name == "application/search":
            return await self._search(turn_context)
        return await super().on_invoke_activity(turn_context)

    async def _card_action(self, turn_context: TurnContext) -> InvokeResponse:
        turn = self._turn_of(turn_context)
        if self._refuse_tenant(turn):
            return InvokeResponse(status=200, body=invoke_body(self._tenant_refusal(turn)))
        try:
            reply = await self._route_action(turn)
        except Exception:
            log.exception("card action failed verb=%s", turn.verb)
            # An error answer keeps the card, and everything typed in it, on screen.
            error = {"code": "InternalError", "message": t(turn.lang, "notice.unexpected")}
            return InvokeResponse(status=200, body={"statusCode": 500, "type": INVOKE_ERROR, "value": error})
        return InvokeResponse(status=200, body=invoke_body(reply))

    async def _search(self, turn_context: TurnContext) -> InvokeResponse:
        turn = self._turn_of(turn_context)
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        try:
            results = await self._router.handle_search(turn, str(value.get("dataset") or ""), value)
        except UnknownVerb:
            results = []
        except Exception:
            log.exception("search failed dataset=%s", value.get("dataset"))
            results = []
        body = {
            "statusCode": 200,
            "type": SEARCH_RESPONSE,
            "value": {"results": [{"title": title, "value": val} for title, val in results]},
        }
        return InvokeResponse(status=200, body=body)

    async def _run_action(self, turn: Turn) -> Reply:
        try:
            return await self._route_action(turn)
        except Exception:
            log.exception("card action failed verb=%s", turn.verb)
            return Reply(card=notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.unexpected")]))

    async def _route_action(self, turn: Turn) -> Reply:
        try:
            return await self._router.handle_action(turn)
        except UnknownVerb:
            log.info("unknown verb=%r", turn.verb)
            return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))

    # --- the bot joins a conversation: say what it can do ------------------------------------------------
    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        recipient = turn_context.activity.recipient
        if any(member.id == recipient.id for member in members_added):
            lang = language_of(turn_context.activity.locale)
            await turn_context.send_activity(activity_of(Reply.new_card(help_card(lang))))

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
                details = await asyncio.to_thread(connector.teams.get_team_details, team.id)
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
        )

    def _refuse_tenant(self, turn: Turn) -> bool:
        allowed = self._settings.allowed_tenants
        return bool(allowed) and turn.user.tenant_id.lower() not in allowed

    @staticmethod
    def _tenant_refusal(turn: Turn) -> Reply:
        log.warning("refused tenant=%s", turn.user.tenant_id)
        lines = [t(turn.lang, "notice.tenant_refused")]
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), lines))


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
    for entity in activity.entities or []:
        if (entity.type or "").lower() != "mention":
            continue
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned") or {}
        found.append((str(mentioned.get("id") or ""), str(mentioned.get("name") or ""), str(props.get("text") or "")))
    return found


def _serialize(body: Any) -> Any:
    """An invoke body once serialized, whatever shape the handler produced (SDK defect 1)."""
    if body is None or isinstance(body, (dict, list, str, int, float, bool)):
        return body
    if hasattr(body, "serialize"):
        return body.serialize()
    return body


def make_token_provider(settings: Settings, dev_key: Any) -> TokenProvider:
    if settings.auth_mode == "dev":
        return DevTokenProvider(dev_key)
    raise NotImplementedError("AUTH_MODE=sso is not available yet: use AUTH_MODE=dev against the Graph sandbox")


async def create_app(
    settings: Settings,
    *,
    token_provider: TokenProvider | None = None,
    auth_extra: dict[str, Any] | None = None,
) -> web.Application:
    """The bot's aiohttp application: POST /api/messages, GET /healthz, GET /readyz."""
    if token_provider is None:
        dev_key = await asyncio.to_thread(load_or_create_dev_key, settings.dev_signing_key)
        token_provider = make_token_provider(settings, dev_key)
    storage = SqliteStorage(settings.state_db)
    session = aiohttp.ClientSession()
    retry = RetryPolicy(
        max_attempts=settings.graph_max_attempts,
        budget_seconds=settings.graph_retry_budget_seconds,
        timeout_seconds=settings.graph_timeout_seconds,
    )
    graph = GraphClient(session, settings.graph_base_url, token_provider, retry)
    services = Services(settings=settings, graph=graph, storage=storage, forms=FormStore(storage))
    bot = ManagerDeskBot(build_root_router(services), settings)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(AuthConfig(settings, auth_extra)))
    adapter.on_turn_error = _on_turn_error

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            activity = Activity().deserialize(await request.json())
        except Exception:
            return web.json_response({"error": "body is not an activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "activity has no type"}, status=400)
        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as exc:  # SDK defect 2: any failure to authenticate is a 401, never a 500
            log.warning("inbound auth refused reason=%s", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        invoke = await adapter.process_activity(auth, activity, bot.on_turn)
        if invoke is not None:
            return web.json_response(_serialize(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        ready = settings.ready and not session.closed
        body = {"status": "ready" if ready else "not ready", "authMode": settings.auth_mode}
        return web.json_response(body, status=200 if ready else 503)

    async def close(_: web.Application) -> None:
        await session.close()
        storage.close()

    app = web.Application()
    app[SERVICES_KEY] = services
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_cleanup.append(close)
    return app


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    log.error("turn failed type=%s activity=%s", type(error).__name__, turn_context.activity.type, exc_info=error)
    lang = language_of(turn_context.activity.locale)
    if turn_context.activity.type == ActivityTypes.message:
        card = notice_card(lang, t(lang, "app.name"), [t(lang, "notice.unexpected")])
        await turn_context.send_activity(activity_of(Reply.new_card(card)))
