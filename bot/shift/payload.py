"""The body of POST /teams/{teamId}/schedule/shifts (contract: shiftCreate, NOTES.md §2-3, §7).

- Only defined, writable properties: no id, no read-only beta info objects (unknown ones would be a 400).
- Times in UTC with a trailing Z.
- Published: the shiftItem goes in `sharedShift` and `draftShift` is sent as an explicit null. Draft: the
  reverse. Why null rather than leaving the property out: the current v1.0 page says "either draftShift or
  sharedShift should be null" (§7.4); an explicit null says exactly that instead of relying on how the
  server defaults a missing property, and a copy in draftShift would show in the Shifts app as unpublished
  changes of a shift that was just published. Both properties are defined and nullable, so null is valid.
- Activities carry no theme (the docs examples omit it) and send `code: ""` when none was typed, as the
  docs examples do.
- No MS-APP-ACTS-AS header anywhere: it is deprecated and never applied to delegated calls (§7.1)."""

from __future__ import annotations

from typing import Any

from bot.shift.model import PUBLISHED, BreakPlan, ShiftPlan
from bot.shift.timezones import graph_time


def shift_body(plan: ShiftPlan) -> dict[str, Any]:
    item = shift_item(plan)
    published = plan.visibility == PUBLISHED
    return {
        "userId": plan.user_id,
        "schedulingGroupId": plan.group_id,
        "sharedShift": item if published else None,
        "draftShift": None if published else item,
    }


def shift_item(plan: ShiftPlan) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if plan.label:
        item["displayName"] = plan.label
    if plan.notes:
        item["notes"] = plan.notes
    item.update(
        startDateTime=graph_time(plan.start),
        endDateTime=graph_time(plan.end),
        theme=plan.theme,
        activities=[activity(b) for b in plan.breaks],
    )
    return item


def activity(plan: BreakPlan) -> dict[str, Any]:
    return {
        "isPaid": plan.paid,
        "startDateTime": graph_time(plan.start),
        "endDateTime": graph_time(plan.end),
        "code": plan.code,
        "displayName": plan.name,
    }
