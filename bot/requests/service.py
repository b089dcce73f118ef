"""Graph calls of the requests feature, with the manager's delegated token (NOTES.md §3, §6).

Per team: the four request lists (`state eq 'pending'`), members, time-off reasons, shifts and open shifts, and
the decisions. The calls on one team are asked for together; the Graph client paces them to Shifts' 4 requests
per second per app on a team (bot/graph/pacing.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from bot.auth.scopes import SHIFT_SCOPES
from bot.auth.tokens import UserIdentity
from bot.graph.client import GraphClient
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound
from bot.requests.model import COLLECTIONS, Action, ChangeRequest, Collection, Reason, Span, TeamInbox
from bot.shift.directory import ShiftDirectory, TeamOption
from bot.shift.timezones import graph_time

# Listing, approving and declining requests and creating time off: Schedule.ReadWrite.All (listing
# offerShiftRequests has no read scope, NOTES.md §4); team and member names: Team.ReadBasic.All, TeamMember.Read.All.
REQUEST_SCOPES = SHIFT_SCOPES
TEAMS_AT_A_TIME = 4  # how many of the manager's teams are looked at together
PENDING_FILTER = "state eq 'pending'"
SHIFT_MARGIN = timedelta(days=1)  # shifts that start a day before a time off can still overlap it


class RequestsService:
    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph
        self.directory = ShiftDirectory(graph)

    # --- which teams ---------------------------------------------------------------------------------------
    async def owned_teams(self, user: UserIdentity) -> list[tuple[TeamOption, str]]:
        """(team, schedule time zone) for the joined teams the user owns whose schedule is ready; 4 teams at a time."""
        gate = asyncio.Semaphore(TEAMS_AT_A_TIME)

        async def owned(team: TeamOption) -> tuple[TeamOption, str] | None:
            async with gate:
                try:
                    schedule = await self.directory.schedule(user, team.team_id)
                    if not schedule.ready or not await self.is_owner(user, team.team_id):
                        return None
                except (GraphForbidden, GraphNotFound):
                    return None
                return team, schedule.time_zone or ""

        found = await asyncio.gather(*(owned(team) for team in await self.directory.joined_teams(user)))
        return [pair for pair in found if pair is not None]

    async def is_owner(self, user: UserIdentity, team_id: str) -> bool:
        member_filter = f"(microsoft.graph.aadUserConversationMember/userId eq '{user.aad_object_id}')"
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "members", params={
            "$filter": member_filter
        })  # fmt: skip
        return any("owner" in (entry.get("roles") or []) for entry in found)

    # --- the inbox -------------------------------------------------------------------------------------------
    async def inbox(self, user: UserIdentity, team: TeamOption, zone: str) -> TeamInbox:
        lists = await asyncio.gather(*(self.pending(user, team.team_id, c) for c in COLLECTIONS))
        requests = [request for found in lists for request in found]
        inbox = TeamInbox(team.team_id, team.name, zone, requests)
        if not requests:
            return inbox
        members, reasons, shifts, open_shifts = await asyncio.gather(
            self.directory.members(user, team.team_id),
            self.reasons(user, team.team_id),
            self.shifts(user, team.team_id, requests),
            self.open_shifts(user, team.team_id),
        )
        inbox.names = {member.user_id: member.name for member in members}
        inbox.reasons = {reason.reason_id: reason for reason in reasons}
        inbox.shifts = {span.item_id: span for span in shifts}
        inbox.open_shifts = {span.item_id: span for span in open_shifts}
        return inbox

    async def pending(self, user: UserIdentity, team_id: str, collection: Collection) -> list[ChangeRequest]:
        params = {"$filter": PENDING_FILTER}
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", collection, params=params)
        # The filter is documented for time off only (NOTES.md §3): keep only pending ones whatever Graph did.
        requests = [ChangeRequest.of(collection, team_id, raw) for raw in found]
        return [request for request in requests if request.state == "pending" and request.request_id]

    async def reasons(self, user: UserIdentity, team_id: str) -> list[Reason]:
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", "timeOffReasons")
        return [
            Reason(str(raw["id"]), str(raw.get("displayName") or raw["id"]), raw.get("isActive") is not False)
            for raw in found
            if raw.get("id")
        ]

    async def shifts(self, user: UserIdentity, team_id: str, requests: list[ChangeRequest]) -> list[Span]:
        """The shifts the requests name, and those a time off may overlap."""
        named = {r.sender_shift_id for r in requests} | {r.recipient_shift_id for r in requests}
        starts, ends = [r.start for r in requests if r.start], [r.end for r in requests if r.end]
        if named - {""} or not starts or not ends:
            return await self.shifts_between(user, team_id)  # swaps and offers name shifts anywhere
        return await self.shifts_between(user, team_id, min(starts), max(ends))

    async def shifts_between(
        self, user: UserIdentity, team_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[Span]:
        """Published shifts; with a span, those that may overlap it (NOTES.md §3 `$filter` grammar)."""
        params = None
        if start is not None and end is not None:
            params = {
                "$filter": f"sharedShift/startDateTime ge {graph_time(start - SHIFT_MARGIN)} and "
                f"sharedShift/endDateTime le {graph_time(end + SHIFT_MARGIN)}"
            }
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", "shifts", params=params)
        return [span for raw in found if (span := Span.of_shift(raw)) is not None]

    async def drafts_between(self, user: UserIdentity, team_id: str, start: datetime, end: datetime) -> list[Span]:
        """Shifts with unpublished changes (a draftShift) starting in [start, end)."""
        params = {
            "$filter": f"draftShift/startDateTime ge {graph_time(start)} and draftShift/endDateTime le "
            f"{graph_time(end + SHIFT_MARGIN)}"
        }
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", "shifts", params=params)
        drafts = [span for raw in found if (span := Span.of_draft(raw)) is not None]
        return [span for span in drafts if start <= span.start < end]

    async def open_shifts(self, user: UserIdentity, team_id: str) -> list[Span]:
        found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", "openShifts")
        return [span for raw in found if (span := Span.of_open_shift(raw)) is not None]

    # --- decisions and time off ------------------------------------------------------------------------------
    async def decide(
        self, user: UserIdentity, team_id: str, collection: Collection, request_id: str, action: Action, message: str
    ) -> None:
        """POST …/{collection}/{id}/approve|decline; 200 and 204 both mean done (NOTES.md §7.15)."""
        body: dict[str, Any] = {"message": message or None}
        await self._graph.post(
            user, REQUEST_SCOPES, "teams", team_id, "schedule", collection, request_id, action, body=body
        )

    async def request(
        self, user: UserIdentity, team_id: str, collection: Collection, request_id: str
    ) -> ChangeRequest | None:
        """The request as it is now, or None when Graph cannot show it. PERM lists no GET by id for swaps
        (NOTES.md §4), so a refused GET falls back to the collection."""
        try:
            raw = await self._graph.get(user, REQUEST_SCOPES, "teams", team_id, "schedule", collection, request_id)
            return ChangeRequest.of(collection, team_id, raw)
        except GraphError:
            pass
        try:
            found = await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", collection)
        except GraphError:
            return None
        return next((ChangeRequest.of(collection, team_id, r) for r in found if r.get("id") == request_id), None)

    async def create_time_off(
        self, user: UserIdentity, team_id: str, user_id: str, reason_id: str, start: datetime, end: datetime
    ) -> dict[str, Any]:
        item = {"timeOffReasonId": reason_id, "startDateTime": graph_time(start), "endDateTime": graph_time(end)}
        body = {"userId": user_id, "sharedTimeOff": {**item, "theme": "white"}, "draftTimeOff": None}
        return await self._graph.post(user, REQUEST_SCOPES, "teams", team_id, "schedule", "timesOff", body=body)

    async def time_off_between(self, user: UserIdentity, team_id: str, start: datetime, end: datetime) -> list[Any]:
        params = {
            "$filter": f"sharedTimeOff/startDateTime ge {graph_time(start)} and "
            f"sharedTimeOff/endDateTime le {graph_time(end)}"
        }
        return await self._graph.get_all(user, REQUEST_SCOPES, "teams", team_id, "schedule", "timesOff", params=params)
