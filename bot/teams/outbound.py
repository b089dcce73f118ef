"""Outbound messages on our own aiohttp session: the Bot Connector REST API, called directly.

Replies to an activity, card updates, proactive messages and the team lookup all go through `Connector`, on the
app's one shared `aiohttp.ClientSession`. The bot's own token comes from the SDK's credentials (MSAL client
credentials behind `MicrosoftAppCredentials`), fetched on our executor and cached until shortly before it expires.
msrest and `requests` are not on this path.

`Connector` implements `bot.outbound.Outbound`: features keep a `ConversationRef` and send or update through it,
from any instance, long after the activity that gave the reference was answered."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import aiohttp
from yarl import URL

from bot.auth.signin import unverified_claims
from bot.graph.client import encode_segment
from bot.outbound import ConversationGone, ConversationRef
from bot.teams.activity import message_of, text_field
from bot.turn import Reply

if TYPE_CHECKING:
    from botframework.connector.auth import AppCredentials, BotFrameworkAuthentication

log = logging.getLogger("managerdesk.connector")

TOKEN_REFRESH_MARGIN_SECONDS = 300  # a bot token is renewed 5 minutes before it expires
OPAQUE_TOKEN_SECONDS = 600  # a token we cannot read the expiry of is kept this long
CONNECTOR_TIMEOUT = aiohttp.ClientTimeout(total=10)
GONE_STATUSES = frozenset({403, 404})


MAX_ID_LENGTH = 1024  # the Connector's activity ids are short; a longer one is not put in a URL


class ConnectorError(Exception):
    """The Bot Connector refused or failed a call. `status` 0: no HTTP answer at all."""

    def __init__(self, status: int, operation: str, detail: str = "") -> None:
        super().__init__(f"connector {operation} failed status={status} {detail}".strip())
        self.status = status
        self.operation = operation


class BotToken:
    """The bot's own outbound token, from the SDK's credential factory, cached until near its expiry.

    `MicrosoftAppCredentials.get_access_token` is synchronous (MSAL, maybe a network call): it runs on our
    executor, one refresh at a time. With no app id (local development) there is no token at all."""

    def __init__(
        self,
        authentication: Callable[[], BotFrameworkAuthentication],
        app_id: str,
        executor: Executor | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._authentication = authentication
        self._app_id = app_id
        self._executor = executor
        self._clock = clock
        self._credentials: AppCredentials | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def header(self) -> str | None:
        """`Bearer <token>` for the Bot Connector, or None when the bot runs without an app id."""
        if not self._app_id:
            return None
        if self._token is None or self._clock() >= self._expires_at:
            async with self._lock:
                if self._token is None or self._clock() >= self._expires_at:
                    await self._refresh()
        return f"Bearer {self._token}"

    def forget(self) -> None:
        """After a 401 from the connector: the next call fetches a new token."""
        self._token = None

    async def _refresh(self) -> None:
        credentials = await self._app_credentials()
        token = await asyncio.get_running_loop().run_in_executor(self._executor, credentials.get_access_token)
        claims = unverified_claims(token)
        expiry = claims.get("exp") if claims else None
        if isinstance(expiry, (int, float)) and not isinstance(expiry, bool):
            self._expires_at = float(expiry) - TOKEN_REFRESH_MARGIN_SECONDS
        else:
            self._expires_at = self._clock() + OPAQUE_TOKEN_SECONDS
        self._token = token

    async def _app_credentials(self) -> AppCredentials:
        if self._credentials is None:
            from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

            # The bot's own identity, as the SDK would build it for a turn from this app's channel.
            identity = ClaimsIdentity(
                {
                    AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
                    AuthenticationConstants.APP_ID_CLAIM: self._app_id,
                },
                True,
            )
            factory = self._authentication().create_connector_factory(identity)
            client = await factory.create("https://localhost/", None)  # only its credentials are used
            self._credentials = client.config.credentials
        return self._credentials


class Connector:
    """The Bot Connector REST API on the shared session (implements `bot.outbound.Outbound`)."""

    def __init__(self, session: aiohttp.ClientSession, token: BotToken) -> None:
        self._session = session
        self._token = token

    # --- bot.outbound.Outbound ---
    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        activity = self._addressed(message_of(reply), ref)
        answer = await self._call(
            "POST", ref.service_url, ("v3", "conversations", ref.conversation_id, "activities"), activity
        )
        return _activity_id(answer)

    async def update(self, ref: ConversationRef, activity_id: str, reply: Reply) -> None:
        activity = {**self._addressed(message_of(reply), ref), "id": activity_id}
        path = ("v3", "conversations", ref.conversation_id, "activities", activity_id)
        await self._call("PUT", ref.service_url, path, activity)

    # --- answers to an activity ---
    async def reply(self, inbound: Mapping[str, Any], activity: dict[str, Any]) -> str | None:
        """Posts `activity` in answer to `inbound` (the activity as Teams sent it), threaded under it."""
        addressed = {**activity, **_answer_addressing(inbound)}
        addressed["locale"] = activity.get("locale") or inbound.get("locale")
        path = ["v3", "conversations", text_field(inbound, "conversation", "id"), "activities"]
        reply_to = text_field(inbound, "id")
        if reply_to and len(reply_to) <= MAX_ID_LENGTH:  # a hostile 30 KB "id" is no activity to thread under
            addressed["replyToId"] = reply_to
            path.append(reply_to)
        answer = await self._call("POST", text_field(inbound, "serviceUrl"), tuple(path), addressed)
        return _activity_id(answer)

    async def replace(self, inbound: Mapping[str, Any], activity_id: str, activity: dict[str, Any]) -> None:
        """Replaces the message `activity_id` of the inbound activity's conversation (a card updated in place)."""
        updated = {**activity, **_answer_addressing(inbound), "id": activity_id}
        path = ("v3", "conversations", text_field(inbound, "conversation", "id"), "activities", activity_id)
        await self._call("PUT", text_field(inbound, "serviceUrl"), path, updated)

    async def team_group_id(self, service_url: str, team_thread_id: str) -> str | None:
        """The Microsoft 365 group id of a team (GET v3/teams/{id}); None when the connector does not know it."""
        try:
            details = await self._call("GET", service_url, ("v3", "teams", team_thread_id), None)
        except ConnectorError as error:
            if error.status in GONE_STATUSES:
                return None
            raise
        group = details.get("aadGroupId") if isinstance(details, dict) else None
        return str(group) if group else None

    @property
    def open(self) -> bool:
        return not self._session.closed

    # --- HTTP ---
    @staticmethod
    def _addressed(activity: dict[str, Any], ref: ConversationRef) -> dict[str, Any]:
        conversation: dict[str, Any] = {"id": ref.conversation_id}
        if ref.tenant_id:
            conversation["tenantId"] = ref.tenant_id
        addressed = {
            **activity,
            "channelId": ref.channel_id,
            "serviceUrl": ref.service_url,
            "conversation": conversation,
            "from": {"id": ref.bot_id},
        }
        if ref.user_id:
            addressed["recipient"] = {"id": ref.user_id, "aadObjectId": ref.user_aad_object_id}
        if ref.locale:
            addressed["locale"] = ref.locale
        return addressed

    async def _call(self, method: str, service_url: str, segments: tuple[str, ...], body: dict[str, Any] | None) -> Any:
        operation = f"{method} {segments[1] if len(segments) > 1 else ''}"
        url = _url(service_url, segments)
        if url is None:
            raise ConnectorError(0, operation, "no usable serviceUrl")
        for attempt in (1, 2):
            headers = {}
            authorization = await self._token.header()
            if authorization:
                headers["Authorization"] = authorization
            try:
                async with self._session.request(
                    method, url, json=body, headers=headers, timeout=CONNECTOR_TIMEOUT
                ) as response:
                    if response.status == 401 and attempt == 1 and authorization:
                        self._token.forget()  # revoked or rotated: one more try with a fresh token
                        continue
                    if response.status in GONE_STATUSES and segments[1] == "conversations":
                        raise ConversationGone(f"{operation} status={response.status}")
                    if response.status >= 400:
                        raise ConnectorError(response.status, operation, _error_code(await response.read()))
                    if response.content_type == "application/json":
                        return await response.json()
                    return None
            except (aiohttp.ClientError, TimeoutError) as error:
                raise ConnectorError(0, operation, type(error).__name__) from error
        raise ConnectorError(401, operation, "token refused twice")


def _answer_addressing(inbound: Mapping[str, Any]) -> dict[str, Any]:
    """Channel, conversation and parties of an answer: the inbound activity's, with sender and recipient swapped."""
    return {
        "channelId": inbound.get("channelId"),
        "serviceUrl": inbound.get("serviceUrl"),
        "conversation": inbound.get("conversation"),
        "from": inbound.get("recipient"),
        "recipient": inbound.get("from"),
    }


def _url(service_url: str, segments: tuple[str, ...]) -> URL | None:
    try:
        base = URL(service_url)
    except (TypeError, ValueError):
        return None
    if base.scheme not in ("http", "https") or not base.host:
        return None
    path = base.raw_path.rstrip("/") + "/" + "/".join(encode_segment(s) for s in segments)
    return base.with_path(path, encoded=True).with_query(None)


def _activity_id(answer: Any) -> str | None:
    return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") else None


def _error_code(raw: bytes) -> str:
    """The connector's error code, if its body has one (never the whole body: it may quote what we sent)."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return ""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return f"code={str(code)[:64]}" if code else ""
