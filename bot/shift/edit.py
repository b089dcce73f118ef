"""The shift form opened on an existing shift: prefilled from Graph, to replace it (Edit) or to create a copy
(Copy). Every check of the create form applies, because it is the same form.

Replacing re-reads the shift first: if it was deleted, or changed by someone else since it was read (its
lastModifiedDateTime moved), nothing is sent and the manager is told. Shifts documents no If-Match on shifts, so
this compare-then-PUT is the closest to a conditional write Graph offers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.auth.scopes import SHIFT_SCOPES
from bot.auth.tokens import UserIdentity
from bot.graph.client import GraphClient
from bot.graph.errors import GraphNotFound
from bot.shift import model as m
from bot.shift.directory import Busy
from bot.shift.timezones import parse_graph_time

REPLACES = "replaces"  # form context: {"id", "lastModified", "start", "end"} of the shift as it was read

i18n.register(
    en={
        "shift.edit_title": "Edit shift",
        "shift.save": "Save changes",
        "shift.done_updated": "Shift updated",
        "shift.copy_hint": "A copy: change the date or the member, then create it.",
        "shift.err.gone": "This shift was deleted since it was opened. Nothing was changed.",
        "shift.err.changed": "Someone else changed this shift since it was opened. Nothing was changed: show the "
        "schedule again to edit what it is now.",
    },
    fr={
        "shift.edit_title": "Modifier le poste",
        "shift.save": "Enregistrer",
        "shift.done_updated": "Poste modifié",
        "shift.copy_hint": "Une copie : changez la date ou le membre, puis créez-la.",
        "shift.err.gone": "Ce poste a été supprimé depuis son ouverture. Rien n'a été modifié.",
        "shift.err.changed": "Quelqu'un d'autre a modifié ce poste depuis son ouverture. Rien n'a été modifié : "
        "affichez de nouveau le planning pour modifier sa version actuelle.",
    },
)


def form_values(shift: dict[str, Any], zone: ZoneInfo) -> tuple[dict[str, Any], list[str]]:
    """The form's values and break rows for a Graph shift (its draft when it has one), times in `zone`."""
    draft = shift.get("draftShift")
    item: dict[str, Any] = draft if isinstance(draft, dict) else shift.get("sharedShift") or {}
    start = _local(item.get("startDateTime"), zone)
    end = _local(item.get("endDateTime"), zone)
    values: dict[str, Any] = {
        m.MEMBER: str(shift.get("userId") or ""),
        m.GROUP: str(shift.get("schedulingGroupId") or ""),
        m.LABEL: str(item.get("displayName") or ""),
        m.NOTES: str(item.get("notes") or ""),
        m.THEME: str(item.get("theme") or ""),
        m.VISIBILITY: m.DRAFT if isinstance(draft, dict) else m.PUBLISHED,
    }
    if start and end:
        values.update(
            {m.DATE: start.date().isoformat(), m.START: start.strftime("%H:%M"), m.END: end.strftime("%H:%M")}
        )
    rows: list[str] = []
    for number, activity in enumerate(item.get("activities") or [], start=1):
        row = f"b{number}"
        rows.append(row)
        a_start, a_end = _local(activity.get("startDateTime"), zone), _local(activity.get("endDateTime"), zone)
        values[m.break_input(row, "name")] = str(activity.get("displayName") or "")
        values[m.break_input(row, "code")] = str(activity.get("code") or "")
        values[m.break_input(row, "paid")] = "true" if activity.get("isPaid") else "false"
        values[m.break_input(row, "start")] = a_start.strftime("%H:%M") if a_start else ""
        values[m.break_input(row, "end")] = a_end.strftime("%H:%M") if a_end else ""
    return values, rows


def _local(value: Any, zone: ZoneInfo) -> datetime | None:
    return parse_graph_time(value).astimezone(zone) if isinstance(value, str) and value else None


async def still_as_read(graph: GraphClient, user: UserIdentity, team_id: str, replaces: dict[str, Any]) -> str | None:
    """None when the shift is as it was read; otherwise the message key saying why not."""
    try:
        current = await graph.get(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", str(replaces["id"]))
    except GraphNotFound:
        return "shift.err.gone"
    if str(current.get("lastModifiedDateTime") or "") != str(replaces.get("lastModified") or ""):
        return "shift.err.changed"
    return None


async def replace_shift(
    graph: GraphClient, user: UserIdentity, team_id: str, shift_id: str, body: dict[str, Any]
) -> None:
    await graph.put(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", shift_id, body=body)


async def already_replaced(
    graph: GraphClient, user: UserIdentity, team_id: str, replaces: dict[str, Any], body: dict[str, Any]
) -> bool:
    """After an unanswered PUT: does the shift already hold what was sent?"""
    try:
        current = await graph.get(user, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", str(replaces["id"]))
    except GraphNotFound:
        return False
    keys = ("startDateTime", "endDateTime", "displayName")
    for name in ("sharedShift", "draftShift"):
        sent, found = body.get(name), current.get(name)
        if (sent is None) != (found is None):
            return False
        if isinstance(sent, dict) and isinstance(found, dict) and any(sent.get(k) != found.get(k) for k in keys):
            return False
    return all(current.get(k) == body.get(k) for k in ("userId", "schedulingGroupId"))


def is_itself(busy: Busy, replaces: Any) -> bool:
    """A busy time found for the member that is the shift being edited, published or draft version: no overlap
    to ask about. Known by its id; by the times it was read with when Graph gave no id."""
    if busy.kind == "timeOff" or not isinstance(replaces, dict):
        return False
    if busy.item_id and replaces.get("id"):
        return busy.item_id == str(replaces["id"])
    if not replaces.get("start") or not replaces.get("end"):
        return False
    read = (parse_graph_time(str(replaces["start"])), parse_graph_time(str(replaces["end"])))
    return (busy.start, busy.end) == read
