"""What the shift form needs to know from Graph, with the manager's delegated token (NOTES.md §3):
joined teams, a team's schedule, members and active scheduling groups; and the POST itself."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import TTLCache

from bot.auth.scopes import SHIFT_SCOPES
from bot.auth.tokens import UserIdentity
from bot.graph.client import GraphClient
from bot.graph.errors import GraphNotFound, GraphUnavailable
from bot.shift.members import Member
from bot.shift.model import ShiftPlan
from bot.shift.text import fold
from bot.shift.timezones import graph_time, parse_graph_time

MEMBERS_TTL_SECONDS = 60.0  # the type-ahead asks on every keystroke
MEMBERS_CACHE_SIZE = 512  # (manager, team) pairs


@dataclass(frozen=True)
class TeamOption:
    team_id: str
    name: str


@dataclass(frozen=True)
class Schedule:
    enabled: bool
    provision_status: str
    time_zone: str | None

    @property
    def ready(self) -> bool:
        """Shifts can be created: NOTES.md §2, schedule."""
        return self.enabled and self.provision_status == "Completed"


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    user_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Busy:
    """A member's existing shift or time off, in UTC."""

    kind: str  # "shift", "draft" (a shift's unpublished version) or "timeOff"
    start: datetime
    end: datetime
    item_id: str = ""


class ShiftDirectory:
    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph
        self._members: TTLCache[tuple[str, str], list[Member]] = TTLCache(MEMBERS_CACHE_SIZE, MEMBERS_TTL_SECONDS)

    async def joined_teams(self, user: UserIdentity) -> list[TeamOption]:
        found = await self._graph.get_all(user, SHIFT_SCOPES, "me", "joinedTeams")
        teams = [TeamOption(str(t["id"]), str(t.get("displayName") or t["id"])) for t in found if t.get("id")]
        return sorted(teams, key=lambda team: fold(team.name))

    async def schedule(self, user: UserIdentity, team_id: str) -> Schedule:
        try:
            found = await self._graph.get(user, SHIFT_SCOPES, "teams", team_id, "schedule")
        except GraphNotFound:
            return Schedule(enabled=False, provision_status="NotFound", time_zone=None)
        return Schedule(
            enabled=found.get("enabled") is True,
            provision_status=str(found.get("provisionStatus") or "NotStarted"),
            time_zone=found.get("timeZone") if isinstance(found.get("timeZone"), str) else None,
        )

    async def members(self, user: UserIdentity, team_id: str, *, fresh: bool = True) -> list[Member]:
        key = (user.aad_object_id, team_id)
        cached = self._members.get(key)
        if not fresh and cached is not None:
            return cached
        found = await self._graph.get_all(user, SHIFT_SCOPES, "teams", team_id, "members")
        members = sorted(_members_of(found), key=lambda member: fold(member.name))
        self._members[key] = members
        return members

    async def active_groups(self, user: UserIdentity, team_id: str) -> list[Group]:
        found = await self._graph.get_all(user, SHIFT_SCOPES, "teams", team_id, "schedule", "schedulingGroups")
        groups = [
            Group(str(g["id"]), str(g.get("displayName") or g["id"]), frozenset(map(str, g.get("userIds") or [])))
            for g in found
            if g.get("id") and g.get("isActive") is not False
        ]
        return sorted(groups, key=lambda group: fold(group.name))

    async def shifts_like(self, user: UserIdentity, plan: ShiftPlan) -> list[dict[str, Any]]:
        """The team's shifts for that member with that label overlapping those times (drafts included)."""
        found = await self._graph.collection(user, SHIFT_SCOPES, "teams", plan.team_id, "schedule", "shifts")
        if not found.complete:
            raise GraphUnavailable(status=0, code="incompleteList")  # cannot say nothing is there
        return [shift for shift in found.items if _same_shift(shift, plan)]

    async def busy(self, user: UserIdentity, team_id: str, user_id: str, start: datetime, end: datetime) -> list[Busy]:
        """The member's shifts (published, and unpublished drafts) and time off in the team that overlap
        [start, end). A shift lasts at most 24 hours, so shifts are asked for within a day of the span (Graph's
        documented $filter: `ge` on starts, `le` on ends; one query per version, since a condition on a version a
        shift does not have drops it); time off has no maximum length, so all of it is read and compared here."""
        schedule = ("teams", team_id, "schedule")
        published, drafts, times_off = await asyncio.gather(
            self._graph.get_all(user, SHIFT_SCOPES, *schedule, "shifts", params=_near("sharedShift", start, end)),
            self._graph.get_all(user, SHIFT_SCOPES, *schedule, "shifts", params=_near("draftShift", start, end)),
            self._times_off(user, schedule),
        )
        found = [_busy("shift", s, "sharedShift", user_id) for s in published]
        found += [_busy("draft", s, "draftShift", user_id) for s in drafts]
        found += [_busy("timeOff", s, "sharedTimeOff", user_id) for s in times_off]
        overlapping: dict[tuple[str, datetime, datetime], Busy] = {}
        for busy in found:
            if busy is not None and busy.start < end and busy.end > start:
                # A draft that keeps its published times is said once, as the shift.
                overlapping.setdefault((busy.item_id or busy.kind, busy.start, busy.end), busy)
        return list(overlapping.values())

    async def _times_off(self, user: UserIdentity, schedule: tuple[str, ...]) -> list[dict[str, Any]]:
        try:
            return await self._graph.get_all(user, SHIFT_SCOPES, *schedule, "timesOff")
        except GraphNotFound:  # a schedule without time off answers 404 in some tenants; nothing to compare
            return []

    async def create_shift(self, user: UserIdentity, team_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._graph.post(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", body=body)


def _members_of(found: list[dict[str, Any]]) -> list[Member]:
    """aadUserConversationMember entries; `userId` is what shift.userId wants (not the membership id)."""
    members = []
    for entry in found:
        user_id = entry.get("userId")
        if isinstance(user_id, str) and user_id:
            members.append(Member(user_id=user_id, name=str(entry.get("displayName") or entry.get("email") or user_id)))
    return members


def _same_shift(shift: dict[str, Any], plan: ShiftPlan) -> bool:
    if shift.get("userId") != plan.user_id:
        return False
    for item in (shift.get("sharedShift"), shift.get("draftShift")):
        if not isinstance(item, dict) or (item.get("displayName") or "") != plan.label:
            continue
        start, end = _instant(item.get("startDateTime")), _instant(item.get("endDateTime"))
        if start is not None and end is not None and start < plan.end and plan.start < end:
            return True
    return False


def _instant(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _near(version: str, start: datetime, end: datetime) -> dict[str, str]:
    day = timedelta(hours=24)
    span = f"{version}/startDateTime ge {graph_time(start - day)} and {version}/endDateTime le {graph_time(end + day)}"
    return {"$filter": span}


def _busy(kind: str, item: dict[str, Any], part: str, user_id: str) -> Busy | None:
    shared = item.get(part)
    if item.get("userId") != user_id or not isinstance(shared, dict):
        return None
    try:
        start, end = parse_graph_time(str(shared["startDateTime"])), parse_graph_time(str(shared["endDateTime"]))
        return Busy(kind, start, end, str(item.get("id") or ""))
    except (KeyError, ValueError):
        return None
