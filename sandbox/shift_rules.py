"""What Shifts checks on a new shift beyond the schema: times, activities, assignee and group."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sandbox.errors import GraphError, request_body_read, shifts_bad_request, unknown_property
from sandbox.store import Doc
from sandbox.validation import Problem

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(hours=24)
SHIFT_ITEMS = ("draftShift", "sharedShift")


def shift_schema_error(problem: Problem, newer_themes: frozenset[str]) -> GraphError:
    if problem.kind == "unknown" and problem.type_name:
        return unknown_property(problem.name, problem.type_name)
    if problem.kind == "choice":
        return shifts_bad_request("A shift needs a draftShift or a sharedShift; both are null or missing.")
    if problem.kind == "required":
        return shifts_bad_request(f"{problem.path} is required.")
    if problem.kind == "enum" and problem.name == "theme":
        return shifts_bad_request(_theme_message(problem, newer_themes))
    if problem.kind == "enum":
        return shifts_bad_request(f"'{problem.value}' is not a valid value for {problem.path}.")
    return request_body_read(f"Invalid value for property '{problem.path}': {problem.detail}")


def _theme_message(problem: Problem, newer_themes: frozenset[str]) -> str:
    message = f"'{problem.value}' is not a valid value for {problem.path}."
    if problem.value == "unknownFutureValue":
        return message + " unknownFutureValue can never be sent."
    if problem.value in newer_themes:
        return message + " Send 'Prefer: include-unknown-enum-members' to use the newer theme colors."
    return message


def check_times(body: dict[str, Any]) -> None:
    for name in SHIFT_ITEMS:
        item = body.get(name)
        if item is not None:
            check_item(name, item)


def check_item(name: str, item: dict[str, Any]) -> None:
    start = parse_time(f"{name}.startDateTime", item.get("startDateTime"))
    end = parse_time(f"{name}.endDateTime", item.get("endDateTime"))
    if end <= start:
        raise shifts_bad_request(f"{name}: the shift must end after it starts.")
    if not MIN_DURATION <= end - start <= MAX_DURATION:
        raise shifts_bad_request("The duration of a shift cannot be less than 1 minute or longer than 24 hours.")
    check_activities(name, item.get("activities") or [], start, end)


def check_activities(name: str, activities: list[dict[str, Any]], start: datetime, end: datetime) -> None:
    spans: list[tuple[datetime, datetime, str]] = []
    for index, activity in enumerate(activities):
        where = f"{name}.activities[{index}]"
        a_start = parse_time(f"{where}.startDateTime", activity.get("startDateTime"))
        a_end = parse_time(f"{where}.endDateTime", activity.get("endDateTime"))
        label = f"{where} ('{activity.get('displayName') or ''}')"
        if a_end <= a_start:
            raise shifts_bad_request(f"{label} must end after it starts.")
        if a_start < start or a_end > end:
            raise shifts_bad_request(f"{label} must be within the shift's start and end times.")
        spans.append((a_start, a_end, label))
    for before, after in pairwise(sorted(spans)):
        if after[0] < before[1]:
            raise shifts_bad_request(f"Shift activities overlap: {before[2]} and {after[2]}.")


def parse_time(path: str, value: Any) -> datetime:
    """Edm.DateTimeOffset: ISO 8601 with an offset (send UTC with Z). A missing offset is refused."""
    if value is None:
        raise shifts_bad_request(f"{path} is required.")
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in value:
        raise request_body_read(f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'.")
    return parsed


def check_assignment(body: dict[str, Any], team: Doc, groups: list[Doc]) -> tuple[str, Doc]:
    """The assignee's canonical id and the scheduling group; 400 if either is wrong."""
    user_id = str(body["userId"])
    member = next((m for m in team["members"] if m["userId"].lower() == user_id.lower()), None)
    if member is None:
        raise shifts_bad_request(f"The user '{user_id}' is not a member of the team.")
    group_id = str(body["schedulingGroupId"])
    group = next((g for g in groups if g["id"].lower() == group_id.lower()), None)
    if group is None or not group.get("isActive", True):
        raise shifts_bad_request(f"The scheduling group '{group_id}' does not exist or is not active.")
    return member["userId"], group
