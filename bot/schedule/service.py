"""The schedule's Graph calls, with the manager's delegated token (NOTES.md §3, §6, §7.20).

Lists follow Shifts' narrow `$filter`: each property once, `ge` on a start and `le` on an end, `and` only. A
condition on a null item is false, so the documented four-part filter would drop every published shift without
pending changes: drafts and shared items are asked for separately and merged by id. What Graph cannot filter
(shifts starting inside the range but ending after it, time off overlapping it) is filtered here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.auth.scopes import SHIFT_SCOPES
from bot.auth.tokens import UserIdentity
from bot.graph.client import GraphClient
from bot.schedule import model as m
from bot.shift.timezones import graph_time, parse_graph_time

# collection -> (draft item, shared item, entry kind)
COLLECTIONS: dict[str, tuple[str, str, m.EntryKind]] = {
    "shifts": ("draftShift", "sharedShift", "shift"),
    "openShifts": ("draftOpenShift", "sharedOpenShift", "open"),
    "timesOff": ("draftTimeOff", "sharedTimeOff", "timeoff"),
}


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC: the manager's days in their zone."""

    start: datetime
    end: datetime

    @staticmethod
    def of(days: m.Range, zone: ZoneInfo) -> Window:
        start = datetime.combine(days.first, time(0), zone).astimezone(UTC)
        end = datetime.combine(days.last + timedelta(days=1), time(0), zone).astimezone(UTC)
        return Window(start, end)


def range_filter(item: str, start: datetime, end: datetime) -> str:
    return f"{item}/startDateTime ge {graph_time(start)} and {item}/endDateTime le {graph_time(end)}"


def entry_of(kind: m.EntryKind, draft_name: str, shared_name: str, raw: dict[str, Any]) -> m.Entry | None:
    draft, shared = raw.get(draft_name), raw.get(shared_name)
    item = draft if isinstance(draft, dict) else shared
    if not isinstance(item, dict) or not item.get("startDateTime") or not item.get("endDateTime"):
        return None
    return m.Entry(
        kind=kind,
        entry_id=str(raw.get("id") or ""),
        start=parse_graph_time(str(item["startDateTime"])),
        end=parse_graph_time(str(item["endDateTime"])),
        user_id=str(raw.get("userId") or ""),
        group_id=str(raw.get("schedulingGroupId") or ""),
        label=str(item.get("displayName") or ""),
        theme=str(item.get("theme") or "white"),
        draft=isinstance(draft, dict),
        slots=int(item.get("openSlotCount") or 0),
        reason_id=str(item.get("timeOffReasonId") or ""),
        last_modified=str(raw.get("lastModifiedDateTime") or ""),
        staged_for_deletion=raw.get("isStagedForDeletion") is True,
        raw=raw,
    )


class ScheduleService:
    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph

    async def entries(self, user: UserIdentity, team_id: str, window: Window) -> list[m.Entry]:
        """Shifts and open shifts starting in the window, time off overlapping it; by start."""
        asked = [self._collection(user, team_id, name, window) for name in COLLECTIONS]
        found = [entry for batch in await asyncio.gather(*asked) for entry in batch]
        return sorted(found, key=lambda e: (e.start, e.kind != "timeoff", e.end, e.label, e.entry_id))

    async def _collection(self, user: UserIdentity, team_id: str, name: str, window: Window) -> list[m.Entry]:
        draft, shared, kind = COLLECTIONS[name]
        if kind == "timeoff":
            start, end = window.start - m.TIME_OFF_LOOKBACK, window.end + m.TIME_OFF_LOOKBACK
        else:
            start, end = window.start, window.end + timedelta(days=1)  # a shift may end the next day
        pages = await asyncio.gather(
            *(self._list(user, team_id, name, range_filter(item, start, end)) for item in (draft, shared))
        )
        by_id: dict[str, m.Entry] = {}
        for raw in (item for page in pages for item in page):
            entry = entry_of(kind, draft, shared, raw)
            if entry is not None and _in_window(entry, window):
                by_id[entry.entry_id] = entry
        return list(by_id.values())

    async def _list(self, user: UserIdentity, team_id: str, name: str, expression: str) -> list[dict[str, Any]]:
        params = {"$filter": expression}
        return await self._graph.get_all(user, SHIFT_SCOPES, "teams", team_id, "schedule", name, params=params)

    async def shift(self, user: UserIdentity, team_id: str, shift_id: str) -> dict[str, Any]:
        return await self._graph.get(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", shift_id)

    async def replace_shift(self, user: UserIdentity, team_id: str, shift_id: str, body: dict[str, Any]) -> None:
        await self._graph.put(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", shift_id, body=body)

    async def delete_shift(self, user: UserIdentity, team_id: str, shift_id: str) -> None:
        await self._graph.delete(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", shift_id)

    async def create_shift(self, user: UserIdentity, team_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._graph.post(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", body=body)

    async def create_open_shift(self, user: UserIdentity, team_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._graph.post(user, SHIFT_SCOPES, "teams", team_id, "schedule", "openShifts", body=body)

    async def share(self, user: UserIdentity, team_id: str, window: Window, notify_team: bool) -> None:
        body = {
            "notifyTeam": notify_team,
            "startDateTime": graph_time(window.start),
            "endDateTime": graph_time(window.end),
        }
        await self._graph.post(user, SHIFT_SCOPES, "teams", team_id, "schedule", "share", body=body)

    async def groups(self, user: UserIdentity, team_id: str) -> dict[str, str]:
        """Every scheduling group's name by id, archived ones included (old shifts still name them)."""
        found = await self._graph.get_all(user, SHIFT_SCOPES, "teams", team_id, "schedule", "schedulingGroups")
        return {str(g["id"]): str(g.get("displayName") or g["id"]) for g in found if g.get("id")}

    async def reasons(self, user: UserIdentity, team_id: str) -> dict[str, str]:
        found = await self._graph.get_all(user, SHIFT_SCOPES, "teams", team_id, "schedule", "timeOffReasons")
        return {str(r["id"]): str(r.get("displayName") or "") for r in found if r.get("id")}


def _in_window(entry: m.Entry, window: Window) -> bool:
    if entry.kind == "timeoff":
        return entry.start < window.end and entry.end > window.start
    return window.start <= entry.start < window.end
