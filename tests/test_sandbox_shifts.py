"""Graph sandbox, Shifts: create shift and its checks, list shifts, schedule and scheduling groups."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_sandbox import (
    ADELE_OID,
    FIXTURE_SHIFT_IDS,
    INACTIVE_GROUP_ID,
    MEGAN_OID,
    OUTSIDER_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    UNSCHEDULED_TEAM_ID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

SEEDS = Path(__file__).parent / "data" / "seeds"
SHIFTS = f"/teams/{TEAM_ID}/schedule/shifts"
NEW_THEMES = {"Prefer": "include-unknown-enum-members"}


def seed_shift() -> dict[str, Any]:
    return json.loads((SEEDS / "create-shift.example.json").read_text())["request"]


def draft(start: str = "2026-03-11T08:00:00Z", end: str = "2026-03-11T16:00:00Z", **item: Any) -> dict[str, Any]:
    """A body with only a draftShift (what a silent bot sends)."""
    shift_item = {"displayName": "Day shift", "startDateTime": start, "endDateTime": end, "theme": "blue", **item}
    return {"userId": MEGAN_OID, "schedulingGroupId": SEED_GROUP_ID, "draftShift": shift_item, "sharedShift": None}


def activity(start: str, end: str, name: str = "Lunch") -> dict[str, Any]:
    return {"isPaid": True, "startDateTime": start, "endDateTime": end, "code": "", "displayName": name}


def shifts_error(reply: Any, status: int, code: str) -> dict[str, Any]:
    """Graph's envelope whose message is Shifts' JSON-encoded error; returns the inner error."""
    error = assert_graph_error(reply, status, code)
    inner = json.loads(error["message"])["error"]
    assert inner["code"] == code
    return inner


def contains(whole: Any, part: Any) -> bool:
    """Every key of `part` is in `whole` with an equal (recursively contained) value."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and contains(whole[k], v) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(whole) == len(part) and all(map(contains, whole, part))
    return whole == part


async def test_the_seed_request_is_accepted(sandbox: SandboxHandle) -> None:
    seed = seed_shift()  # sends a read-only id, and a draft Lunch break from 15:00 to 15:30
    reply = await sandbox.call("POST", SHIFTS, json=seed)
    assert reply.status == 201, reply.body
    assert_contract("shift", reply.body)
    shift = reply.body
    assert shift["id"].startswith("SHFT_") and shift["id"] != seed["id"]
    assert shift["lastModifiedBy"]["user"] == {"id": ADELE_OID, "displayName": "Adele Vance"}
    assert datetime.fromisoformat(shift["createdDateTime"]) == datetime.fromisoformat(shift["lastModifiedDateTime"])
    assert (shift["userId"], shift["schedulingGroupId"]) == (seed["userId"], seed["schedulingGroupId"])
    assert contains(shift["draftShift"], seed["draftShift"])
    assert contains(shift["sharedShift"], seed["sharedShift"])
    assert shift["userInfo"] == {"userId": MEGAN_OID, "displayName": "Megan Bowen"}


async def test_a_draft_only_shift_is_created_with_server_defaults(sandbox: SandboxHandle) -> None:
    body = draft(theme=None)
    del body["draftShift"]["theme"]
    reply = await sandbox.call("POST", SHIFTS, json=body)
    assert reply.status == 201, reply.body
    assert reply.body["sharedShift"] is None
    assert reply.body["draftShift"]["theme"] == "white"
    assert reply.body["draftShift"]["activities"] == []


@pytest.mark.parametrize(
    ("where", "name", "type_name"),
    [
        ("shift", "color", "microsoft.graph.shift"),
        ("item", "location", "microsoft.graph.shiftItem"),
        ("activity", "isBreak", "microsoft.graph.shiftActivity"),
    ],
)
async def test_unknown_properties_are_request_body_read(
    sandbox: SandboxHandle, where: str, name: str, type_name: str
) -> None:
    body = draft(activities=[activity("2026-03-11T12:00:00Z", "2026-03-11T12:30:00Z")])
    target = {"shift": body, "item": body["draftShift"], "activity": body["draftShift"]["activities"][0]}[where]
    target[name] = True
    error = assert_graph_error(await sandbox.call("POST", SHIFTS, json=body), 400, "RequestBodyRead")
    assert error["message"] == (
        f"The property '{name}' does not exist on type '{type_name}'. Make sure to only use property names "
        "that are defined by the type or mark the type as open type."
    )


@pytest.mark.parametrize("theme", ["unknownFutureValue", "darkRed", "silver", "purple2"])
async def test_themes_outside_the_twelve_classic_colours_are_refused(sandbox: SandboxHandle, theme: str) -> None:
    inner = shifts_error(await sandbox.call("POST", SHIFTS, json=draft(theme=theme)), 400, "BadRequest")
    assert theme in inner["message"]


async def test_newer_themes_need_the_prefer_header_and_read_back_as_unknown_future_value(
    sandbox: SandboxHandle,
) -> None:
    created = await sandbox.call("POST", SHIFTS, json=draft(theme="darkRed"), headers=NEW_THEMES)
    assert created.status == 201, created.body
    assert created.body["draftShift"]["theme"] == "darkRed"
    mine = created.body["id"]
    plain = await sandbox.call("GET", SHIFTS)
    assert [s["draftShift"]["theme"] for s in plain.body["value"] if s["id"] == mine] == ["unknownFutureValue"]
    preferred = await sandbox.call("GET", SHIFTS, headers=NEW_THEMES)
    assert [s["draftShift"]["theme"] for s in preferred.body["value"] if s["id"] == mine] == ["darkRed"]
    refused = await sandbox.call("POST", SHIFTS, json=draft(theme="unknownFutureValue"), headers=NEW_THEMES)
    shifts_error(refused, 400, "BadRequest")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-11T08:00:00Z", "2026-03-11T08:00:00Z"),  # 0 minutes
        ("2026-03-11T08:00:00Z", "2026-03-11T08:00:30Z"),  # 30 seconds
        ("2026-03-11T08:00:00Z", "2026-03-12T09:00:00Z"),  # 25 hours
        ("2026-03-11T08:00:00Z", "2026-03-12T08:00:00.001Z"),  # a hair over 24 hours
        ("2026-03-11T16:00:00Z", "2026-03-11T08:00:00Z"),  # ends before it starts
    ],
)
async def test_durations_outside_one_minute_to_24_hours_are_refused(
    sandbox: SandboxHandle, start: str, end: str
) -> None:
    shifts_error(await sandbox.call("POST", SHIFTS, json=draft(start, end)), 400, "BadRequest")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-03-11T08:00:00Z", "2026-03-11T08:01:00Z"), ("2026-03-11T08:00:00Z", "2026-03-12T08:00:00Z")],
)
async def test_one_minute_and_24_hours_are_the_accepted_bounds(sandbox: SandboxHandle, start: str, end: str) -> None:
    assert (await sandbox.call("POST", SHIFTS, json=draft(start, end))).status == 201


async def test_each_shift_item_is_checked(sandbox: SandboxHandle) -> None:
    body = draft()
    body["sharedShift"] = {**body["draftShift"], "endDateTime": "2026-03-12T09:00:00Z"}
    shifts_error(await sandbox.call("POST", SHIFTS, json=body), 400, "BadRequest")


@pytest.mark.parametrize(
    "activities",
    [
        [activity("2026-03-11T07:30:00Z", "2026-03-11T08:30:00Z")],  # starts before the shift
        [activity("2026-03-11T15:45:00Z", "2026-03-11T16:15:00Z")],  # ends after the shift
        [activity("2026-03-11T12:00:00Z", "2026-03-11T12:00:00Z")],  # empty
        [
            activity("2026-03-11T12:00:00Z", "2026-03-11T12:30:00Z"),
            activity("2026-03-11T12:15:00Z", "2026-03-11T12:45:00Z", "Break"),
        ],
        [
            activity("2026-03-11T14:00:00Z", "2026-03-11T14:10:00Z", "Break"),
            activity("2026-03-11T12:00:00Z", "2026-03-11T15:00:00Z"),
        ],
    ],
)
async def test_activities_outside_the_shift_or_overlapping_are_refused(
    sandbox: SandboxHandle, activities: list[dict[str, Any]]
) -> None:
    shifts_error(await sandbox.call("POST", SHIFTS, json=draft(activities=activities)), 400, "BadRequest")


async def test_activities_may_touch_and_fill_the_shift(sandbox: SandboxHandle) -> None:
    activities = [
        activity("2026-03-11T08:00:00Z", "2026-03-11T12:00:00Z", "Till"),
        activity("2026-03-11T12:00:00Z", "2026-03-11T12:30:00Z"),
        activity("2026-03-11T12:30:00Z", "2026-03-11T16:00:00Z", "Till"),
    ]
    assert (await sandbox.call("POST", SHIFTS, json=draft(activities=activities))).status == 201


@pytest.mark.parametrize(
    "patch",
    [
        {"userId": None},
        {"schedulingGroupId": None},
        {"userId": OUTSIDER_OID},
        {"schedulingGroupId": "TAG_00000000-0000-0000-0000-000000000000"},
        {"schedulingGroupId": INACTIVE_GROUP_ID},
        {"draftShift": None, "sharedShift": None},
    ],
)
async def test_assignee_group_and_shift_item_are_required_and_must_exist(
    sandbox: SandboxHandle, patch: dict[str, Any]
) -> None:
    body = {**draft(), **patch}
    body = {k: v for k, v in body.items() if not (v is None and k in ("userId", "schedulingGroupId"))}
    shifts_error(await sandbox.call("POST", SHIFTS, json=body), 400, "BadRequest")


@pytest.mark.parametrize("value", ["2026-03-11T08:00:00", "2026-03-11", "tomorrow", 20260311])
async def test_times_need_an_offset(sandbox: SandboxHandle, value: Any) -> None:
    body = draft()
    body["draftShift"]["startDateTime"] = value
    assert_graph_error(await sandbox.call("POST", SHIFTS, json=body), 400, "RequestBodyRead")


async def test_a_member_who_is_not_an_owner_needs_to_be_an_admin(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("POST", SHIFTS, oid=MEGAN_OID, json=draft())
    error = assert_graph_error(reply, 403, "Forbidden")
    assert error["message"] == (
        '{"error":{"code":"Forbidden","message":"Sorry, you need to be an admin to do this.",'
        '"details":[],"innererror":{"code":"MissingAdminPermissions"}}}'
    )


@pytest.mark.parametrize(
    ("team_id", "oid"),
    [
        ("00000000-0000-0000-0000-000000000000", ADELE_OID),  # no such team
        (UNSCHEDULED_TEAM_ID, ADELE_OID),  # schedule not enabled
        (TEAM_ID, OUTSIDER_OID),  # not a member
    ],
)
async def test_team_not_found_or_not_scheduled_is_shifts_not_found(
    sandbox: SandboxHandle, team_id: str, oid: str
) -> None:
    for method, path, body in [
        ("POST", f"/teams/{team_id}/schedule/shifts", draft()),
        ("GET", f"/teams/{team_id}/schedule/shifts", None),
        ("GET", f"/teams/{team_id}/schedule/schedulingGroups", None),
    ]:
        inner = shifts_error(await sandbox.call(method, path, oid=oid, json=body), 404, "NotFound")
        assert inner["message"] == "Sorry, the team was not found, or you may not have access to it."


async def test_members_see_shared_shifts_only_and_never_drafts(sandbox: SandboxHandle) -> None:
    await sandbox.call("POST", SHIFTS, json=draft())
    shared = seed_shift()
    await sandbox.call("POST", SHIFTS, json=shared)
    owner_view = [s for s in (await sandbox.call("GET", SHIFTS)).body["value"] if s["id"] not in FIXTURE_SHIFT_IDS]
    member_view = [
        s for s in (await sandbox.call("GET", SHIFTS, oid=MEGAN_OID)).body["value"] if s["id"] not in FIXTURE_SHIFT_IDS
    ]
    assert len(owner_view) == 2
    assert [(s["id"], s["draftShift"]) for s in member_view] == [(owner_view[1]["id"], None)]


async def test_the_seed_request_is_recorded_as_sent(sandbox: SandboxHandle) -> None:
    seed = seed_shift()
    await sandbox.call("POST", SHIFTS, json=copy.deepcopy(seed))
    assert (await sandbox.requests())[-1]["body"] == seed


async def test_schedule_of_each_team(sandbox: SandboxHandle) -> None:
    retail = await sandbox.call("GET", f"/teams/{TEAM_ID}/schedule")
    assert_contract("schedule", retail.body)
    assert {k: retail.body[k] for k in ("id", "enabled", "timeZone", "provisionStatus")} == {
        "id": TEAM_ID,
        "enabled": True,
        "timeZone": "Europe/Paris",
        "provisionStatus": "Completed",
    }
    kitchen = await sandbox.call("GET", f"/teams/{UNSCHEDULED_TEAM_ID}/schedule")
    assert (kitchen.body["enabled"], kitchen.body["provisionStatus"]) == (False, "NotStarted")


async def test_scheduling_groups_include_the_seed_group(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", f"/teams/{TEAM_ID}/schedule/schedulingGroups")
    assert_contract("schedulingGroupCollectionResponse", reply.body)
    active = [g for g in reply.body["value"] if g["isActive"]]
    assert len(active) == 3
    front_desk = next(g for g in active if g["id"] == SEED_GROUP_ID)
    assert front_desk["displayName"] == "Front desk"
    assert MEGAN_OID in front_desk["userIds"]
    assert any(g["id"] == INACTIVE_GROUP_ID and not g["isActive"] for g in reply.body["value"])


async def test_activity_fields_described_as_required_are_required(sandbox: SandboxHandle) -> None:
    lunch = activity("2026-03-11T12:00:00Z", "2026-03-11T12:30:00Z")
    del lunch["isPaid"]
    inner = shifts_error(await sandbox.call("POST", SHIFTS, json=draft(activities=[lunch])), 400, "BadRequest")
    assert inner["message"] == "draftShift.activities[0].isPaid is required."


async def test_the_theme_error_says_when_the_prefer_header_would_help(sandbox: SandboxHandle) -> None:
    newer = shifts_error(await sandbox.call("POST", SHIFTS, json=draft(theme="lavender")), 400, "BadRequest")
    assert "include-unknown-enum-members" in newer["message"]
    bogus = shifts_error(await sandbox.call("POST", SHIFTS, json=draft(theme="purple2")), 400, "BadRequest")
    assert "include-unknown-enum-members" not in bogus["message"]
