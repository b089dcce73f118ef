"""Teams, as the tests see it: a local Bot Connector that records what the bot sends, and a client that
posts Teams-shaped activities to the bot over HTTP, the way Teams (or the Agents Playground) does."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

TENANT_ID = "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70"
BOT_ID = "28:manager-desk-bot"
BOT_NAME = "Manager Desk"
ADELE = {"id": "29:user-adele", "name": "Adele Vance", "aadObjectId": "6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61"}
TEAM_THREAD_ID = "19:contoso-retail@thread.tacv2"
TEAM_GROUP_ID = "e2a4b6c8-1d3f-4a5b-9c7d-0e1f2a3b4c5d"


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]
    authorization: str = ""
    conversation_id: str = ""  # as the connector decoded it from the path


@dataclass
class Connector:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""

    server: TestServer
    calls: list[Recorded] = field(default_factory=list)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_with: int | None = None  # answer every POST/PUT with this status (e.g. 503), recording nothing
    gone: set[str] = field(default_factory=set)  # conversations the bot was removed from (403 on send)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def service_url(self) -> str:
        return str(self.server.make_url("/"))

    def sent(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.method == "POST"]

    def updates(self) -> list[Recorded]:
        return [c for c in self.calls if c.method == "PUT"]

    def cards(self) -> list[dict[str, Any]]:
        return [card_of(a) for a in self.sent() if card_of(a) is not None]  # type: ignore[misc]

    def clear(self) -> None:
        self.calls.clear()


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


async def start_connector() -> Connector:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1", port=0)
    connector = Connector(server=server)

    def record(method: str, request: web.Request, body: dict[str, Any]) -> None:
        authorization = request.headers.get("Authorization", "")
        conversation_id = request.match_info["conversation_id"]
        connector.calls.append(Recorded(method, request.path, body, authorization, conversation_id))

    async def post_activity(request: web.Request) -> web.Response:
        if request.match_info["conversation_id"] in connector.gone:
            error = {"code": "BotNotInConversationRoster", "message": "The bot is not part of the conversation roster."}
            return web.json_response({"error": error}, status=403)
        if connector.fail_with:
            return web.json_response({"error": {"code": "ServiceError"}}, status=connector.fail_with)
        record("POST", request, await request.json())
        return web.json_response({"id": f"activity-{next(connector._ids)}"})

    async def put_activity(request: web.Request) -> web.Response:
        if connector.fail_with:
            return web.json_response({"error": {"code": "ServiceError"}}, status=connector.fail_with)
        record("PUT", request, await request.json())
        return web.json_response({"id": request.match_info["activity_id"]})

    async def team_details(request: web.Request) -> web.Response:
        team = connector.teams.get(request.match_info["team_id"])
        if team is None:
            return web.json_response({"error": {"code": "NotFound", "message": "team"}}, status=404)
        return web.json_response(team)

    app.router.add_post("/v3/conversations/{conversation_id}/activities", post_activity)
    app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}", post_activity)
    app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}", put_activity)
    app.router.add_get("/v3/teams/{team_id}", team_details)
    await server.start_server()
    return connector


@dataclass
class TeamsClient:
    """Posts activities to the bot's /api/messages the way Teams does."""

    bot_url: str
    connector: Connector
    session: aiohttp.ClientSession
    user: dict[str, str] = field(default_factory=lambda: dict(ADELE))
    locale: str = "en-US"
    timezone: str | None = "Europe/Paris"
    conversation_type: str = "personal"

    def base_activity(self, activity_type: str, **extra: Any) -> dict[str, Any]:
        conversation: dict[str, Any] = {"id": f"conv-{self.conversation_type}", "tenantId": TENANT_ID}
        channel_data: dict[str, Any] = {"tenant": {"id": TENANT_ID}}
        if self.conversation_type != "personal":
            conversation.update(conversationType=self.conversation_type, isGroup=True)
        else:
            conversation["conversationType"] = "personal"
        if self.conversation_type == "channel":
            conversation["id"] = f"{TEAM_THREAD_ID};messageid=1700000000000"
            channel_data.update(team={"id": TEAM_THREAD_ID}, channel={"id": TEAM_THREAD_ID})
        activity = {
            "type": activity_type,
            "id": str(uuid.uuid4()),
            "timestamp": "2026-11-21T10:00:00.000Z",
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": dict(self.user),
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": self.locale,
            "channelData": channel_data,
        }
        if self.timezone:
            activity["localTimezone"] = self.timezone
        activity.update(extra)
        return activity

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        response = await self.session.post(f"{self.bot_url}/api/messages", json=activity, headers=headers)
        await response.read()
        return response

    async def say(self, text: str, mention_bot: bool | None = None) -> list[dict[str, Any]]:
        """Sends a message; returns the activities the bot sent in answer."""
        mention = self.conversation_type != "personal" if mention_bot is None else mention_bot
        entities = []
        if mention:
            tag = f"<at>{BOT_NAME}</at>"
            text = f"{tag} {text}"
            entities.append({"type": "mention", "text": tag, "mentioned": {"id": BOT_ID, "name": BOT_NAME}})
        before = len(self.connector.sent())
        response = await self.post(self.base_activity("message", text=text, entities=entities))
        assert response.status in (200, 201), response.status
        return self.connector.sent()[before:]

    async def execute(self, verb: str, data: dict[str, Any], card_activity_id: str = "activity-1") -> dict[str, Any]:
        """Action.Execute, as Teams sends it: an invoke whose data carries the card's inputs."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        activity = self.base_activity("invoke", name="adaptiveCard/action", value=value, replyToId=card_activity_id)
        response = await self.session.post(f"{self.bot_url}/api/messages", json=activity)
        assert response.status == 200, (response.status, await response.text())
        return await response.json()

    async def submit(self, data: dict[str, Any], card_activity_id: str = "activity-1") -> aiohttp.ClientResponse:
        """Action.Submit from a client without Universal Actions: a message whose value is the data."""
        return await self.post(self.base_activity("message", value=data, replyToId=card_activity_id))
