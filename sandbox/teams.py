"""Teams operations: the caller's joined teams and a team's members."""

from __future__ import annotations

import base64
import re

from aiohttp import web

from sandbox.auth import caller_of, requires
from sandbox.errors import not_found
from sandbox.odata import bad_query, context, json_response, page
from sandbox.routing import param
from sandbox.state import STORE
from sandbox.store import Doc, SandboxStore

JOINED_TEAMS_READ = (
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
MEMBERS_READ = ("TeamMember.Read.All", "TeamMember.ReadWrite.All")

_USER_ID_FILTER = re.compile(
    r"^\s*\(?\s*(?:microsoft\.graph\.aadUserConversationMember/)?userId\s+eq\s+'([^']*)'\s*\)?\s*$"
)


def is_member(team: Doc, user_id: str) -> bool:
    return any(m["userId"].lower() == user_id.lower() for m in team["members"])


def is_owner(team: Doc, user_id: str) -> bool:
    return any(m["userId"].lower() == user_id.lower() and "owner" in m["roles"] for m in team["members"])


@requires(*JOINED_TEAMS_READ)
async def joined_teams(request: web.Request) -> web.Response:
    oid = caller_of(request).oid
    teams = [
        {"id": t["id"], "displayName": t["displayName"], "description": t.get("description")}
        for t in request.app[STORE].all_of("team")
        if is_member(t, oid)
    ]
    return json_response({"@odata.context": context("teams"), "value": teams})


@requires(*MEMBERS_READ)
async def list_members(request: web.Request) -> web.Response:
    team_id = param(request, "teamId")
    store = request.app[STORE]
    team = store.get("team", team_id)
    if team is None or not is_member(team, caller_of(request).oid):
        raise not_found(f"No team found with Group Id {team_id}")
    members = [member_view(store, team, m) for m in team["members"]]
    user_id = _user_id_filter(request.query.get("$filter"))
    if user_id is not None:
        members = [m for m in members if m["userId"].lower() == user_id.lower()]
    body = {"@odata.context": context(f"teams('{team['id']}')/members"), **page(request, members)}
    return json_response(body)


def member_view(store: SandboxStore, team: Doc, member: Doc) -> Doc:
    user = store.get("user", member["userId"]) or {}
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": member_id(team, member["userId"]),
        "roles": list(member["roles"]),
        "displayName": user.get("displayName"),
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": member["userId"],
        "email": user.get("mail"),
        "tenantId": store.tenant_id(),
    }


def member_id(team: Doc, user_id: str) -> str:
    """Opaque, stable, base64 like Graph's membership ids."""
    return base64.b64encode(f"0#{team.get('internalId', team['id'])}#{user_id}".encode()).decode()


def _user_id_filter(expression: str | None) -> str | None:
    if expression is None:
        return None
    found = _USER_ID_FILTER.match(expression)
    if not found:
        raise bad_query(
            f"Invalid filter clause '{expression}'. The sandbox supports: "
            "(microsoft.graph.aadUserConversationMember/userId eq '<guid>')."
        )
    return found.group(1)
