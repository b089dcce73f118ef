"""Graph sandbox, the schedule desk's operations over real sockets: list shifts, open shifts and time off with
Shifts' narrow $filter, replace, delete, open shift and time-off creation, share, 404s and the per-team write limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.fixtures_sandbox import (
    BAKERY_TEAM_ID,
    KITCHEN_GROUP_ID,
    MEGAN_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    UNSCHEDULED_TEAM_ID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
WEEK = ("2026-12-06T23:00:00Z", "2026-12-12T23:00:00Z")  # Mon 7 - Sat 12 December 2026, Europe/Paris
VACATION = "TOR_3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01"
RETIRED_REASON = "TOR_5c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e03"


def q(expression: str) -> str:
    return "?$filter=" + quote(expression, safe="")


def item_filter(item: str, start: str = WEEK[0], end: str = WEEK[1]) -> str:
    return f"{item}/startDateTime ge {start} and {item}/endDateTime le {end}"


async def listed(sandbox: SandboxHandle, collection: str, expression: str | None = None, **kw: Any) -> list[Any]:
    reply = await sandbox.call("GET", f"{SCHEDULE}/{collection}" + (q(expression) if expression else ""), **kw)
    assert reply.status == 200, reply.body
    return list(reply.body["value"])


def draft_body(start: str = "2026-12-14T08:00:00Z", end: str = "2026-12-14T16:00:00Z") -> dict[str, Any]:
    item = {"displayName": "Late", "startDateTime": start, "endDateTime": end, "theme": "pink", "activities": []}
    return {"userId": MEGAN_OID, "schedulingGroupId": SEED_GROUP_ID, "draftShift": item, "sharedShift": None}


# --- lists and $filter ----------------------------------------------------------------------------------------


async def test_the_fixture_week_has_two_scheduled_teams_with_drafts_open_shifts_and_time_off(
    week_sandbox: SandboxHandle,
) -> None:
    retail = await listed(week_sandbox, "shifts")
    bakery = await week_sandbox.call("GET", f"/teams/{BAKERY_TEAM_ID}/schedule/shifts")
    assert len(retail) + len(bakery.body["value"]) == 39
    assert_contract("shiftCollectionResponse", bakery.body)
    assert sum(1 for s in retail if s["draftShift"] and not s["sharedShift"]) == 5
    assert len(await listed(week_sandbox, "openShifts")) == 2
    assert len(await listed(week_sandbox, "timesOff")) == 2


async def test_the_documented_four_part_filter_drops_published_shifts_that_have_no_draft(
    week_sandbox: SandboxHandle,
) -> None:
    both = item_filter("sharedShift") + " and " + item_filter("draftShift")
    assert await listed(week_sandbox, "shifts", both) == []  # no fixture shift has both items
    shared = await listed(week_sandbox, "shifts", item_filter("sharedShift"))
    drafts = await listed(week_sandbox, "shifts", item_filter("draftShift"))
    assert len(shared) == 20 and len(drafts) == 5
    assert all(s["sharedShift"] and not s["draftShift"] for s in shared)


async def test_a_range_keeps_only_items_inside_it(week_sandbox: SandboxHandle) -> None:
    tuesday = item_filter("sharedShift", "2026-12-07T23:00:00Z", "2026-12-08T23:00:00Z")
    found = await listed(week_sandbox, "shifts", tuesday)
    assert {s["sharedShift"]["displayName"] for s in found} == {"Opening", "Closing", "Prep", "Dinner", "Rounds"}


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("sharedShift/startDateTime ge 2026-12-07T00:00:00Z and sharedShift/startDateTime le 2026-12-08T00:00:00Z",
         "only once"),
        ("sharedShift/startDateTime ge 2026-12-07T00:00:00Z or draftShift/startDateTime ge 2026-12-07T00:00:00Z",
         "Only 'and'"),
        ("lastModifiedDateTime ge 2026-12-07T00:00:00Z", "'lastModifiedDateTime' is not allowed in $filter"),
        ("userId eq 'c5d0c76b-80c4-481c-be50-923cd8d680a1'", "'userId' is not allowed"),
        ("sharedShift/startDateTime le 2026-12-07T00:00:00Z", "operator 'le' is not supported"),
        ("sharedShift/startDateTime ge '2026-12-07T00:00:00Z'", "unquoted"),
    ],
)  # fmt: skip
async def test_filters_graph_refuses_get_its_400(week_sandbox: SandboxHandle, expression: str, words: str) -> None:
    reply = await week_sandbox.call("GET", f"{SCHEDULE}/shifts{q(expression)}")
    error = assert_graph_error(reply, 400, "BadRequest")
    assert words in error["message"]


async def test_members_see_no_drafts(week_sandbox: SandboxHandle) -> None:
    shifts = await listed(week_sandbox, "shifts", oid=MEGAN_OID)
    assert len(shifts) == 20 and all(s["draftShift"] is None for s in shifts)
    assert all(o["draftOpenShift"] is None for o in await listed(week_sandbox, "openShifts", oid=MEGAN_OID))


async def test_open_shifts_and_time_off_take_their_own_item_names_in_filters(week_sandbox: SandboxHandle) -> None:
    [open_shift] = await listed(week_sandbox, "openShifts", item_filter("sharedOpenShift"))
    assert open_shift["sharedOpenShift"]["openSlotCount"] == 2
    assert_contract("openShift", open_shift)
    [vacation] = await listed(week_sandbox, "timesOff", item_filter("sharedTimeOff"))
    assert vacation["sharedTimeOff"]["timeOffReasonId"] == VACATION
    assert_contract("timeOff", vacation)
    reply = await week_sandbox.call("GET", f"{SCHEDULE}/timesOff{q(item_filter('sharedShift'))}")
    assert_graph_error(reply, 400, "BadRequest")


async def test_a_team_without_shifts_answers_404_on_every_schedule_list(week_sandbox: SandboxHandle) -> None:
    for collection in ("shifts", "openShifts", "timesOff", "timeOffReasons"):
        reply = await week_sandbox.call("GET", f"/teams/{UNSCHEDULED_TEAM_ID}/schedule/{collection}")
        assert_graph_error(reply, 404, "NotFound")


# --- replace, delete -------------------------------------------------------------------------------------------


async def test_put_replaces_the_whole_shift_and_answers_204_or_200_when_asked(week_sandbox: SandboxHandle) -> None:
    [shift, *_] = await listed(week_sandbox, "shifts", item_filter("sharedShift"))
    path = f"{SCHEDULE}/shifts/{shift['id']}"
    body = draft_body("2026-12-07T07:00:00Z", "2026-12-07T12:00:00Z")
    reply = await week_sandbox.call("PUT", path, json=body)
    assert (reply.status, reply.body) == (204, None)
    now = (await week_sandbox.call("GET", path)).body
    assert now["sharedShift"] is None and now["draftShift"]["endDateTime"] == "2026-12-07T12:00:00Z"
    assert now["createdDateTime"] == shift["createdDateTime"] and now["id"] == shift["id"]
    assert now["lastModifiedDateTime"] != shift["lastModifiedDateTime"]
    body["schedulingGroupId"] = KITCHEN_GROUP_ID
    shown = await week_sandbox.call("PUT", path, json=body, headers={"Prefer": "return=representation"})
    assert shown.status == 200 and shown.body["schedulingGroupId"] == KITCHEN_GROUP_ID
    assert_contract("shift", shown.body)


async def test_put_keeps_the_create_rules_and_has_no_upsert(week_sandbox: SandboxHandle) -> None:
    [shift, *_] = await listed(week_sandbox, "shifts")
    too_long = draft_body("2026-12-07T07:00:00Z", "2026-12-08T08:00:00Z")
    reply = await week_sandbox.call("PUT", f"{SCHEDULE}/shifts/{shift['id']}", json=too_long)
    error = assert_graph_error(reply, 400, "BadRequest")
    assert "24 hours" in json.loads(error["message"])["error"]["message"]
    missing = await week_sandbox.call("PUT", f"{SCHEDULE}/shifts/SHFT_nope", json=draft_body())
    assert_graph_error(missing, 404, "NotFound")
    patch = await week_sandbox.call("PATCH", f"{SCHEDULE}/shifts/{shift['id']}", json=draft_body())
    assert patch.status == 405


async def test_delete_removes_once_then_404(week_sandbox: SandboxHandle) -> None:
    [shift, *_] = await listed(week_sandbox, "shifts")
    path = f"{SCHEDULE}/shifts/{shift['id']}"
    assert (await week_sandbox.call("DELETE", path)).status == 204
    assert_graph_error(await week_sandbox.call("DELETE", path), 404, "NotFound")
    assert_graph_error(await week_sandbox.call("GET", path), 404, "NotFound")


async def test_only_owners_write(week_sandbox: SandboxHandle) -> None:
    [shift, *_] = await listed(week_sandbox, "shifts")
    reply = await week_sandbox.call("DELETE", f"{SCHEDULE}/shifts/{shift['id']}", oid=MEGAN_OID)
    assert_graph_error(reply, 403, "Forbidden")


# --- open shifts, time off --------------------------------------------------------------------------------------


def open_body(slots: int = 2) -> dict[str, Any]:
    item = {"startDateTime": "2026-12-09T16:00:00Z", "endDateTime": "2026-12-09T20:00:00Z", "openSlotCount": slots}
    return {"schedulingGroupId": SEED_GROUP_ID, "draftOpenShift": None, "sharedOpenShift": item}


async def test_an_open_shift_is_created_with_200_and_listed(week_sandbox: SandboxHandle) -> None:
    reply = await week_sandbox.call("POST", f"{SCHEDULE}/openShifts", json=open_body(3))
    assert reply.status == 200 and reply.body["id"].startswith("OPNSHFT_")
    assert_contract("openShift", reply.body)
    assert reply.body["sharedOpenShift"]["openSlotCount"] == 3
    assert reply.body["id"] in {o["id"] for o in await listed(week_sandbox, "openShifts")}
    path = f"{SCHEDULE}/openShifts/{reply.body['id']}"
    assert (await week_sandbox.call("DELETE", path)).status == 204
    assert_graph_error(await week_sandbox.call("GET", path), 404, "NotFound")


@pytest.mark.parametrize(
    ("change", "code"),
    [({"sharedOpenShift": {**open_body()["sharedOpenShift"], "openSlotCount": 0}}, "BadRequest"),
     ({"sharedOpenShift": None}, "BadRequest"),
     ({"draftTimeOff": None}, "RequestBodyRead")],
)  # fmt: skip
async def test_bad_open_shifts_are_refused(week_sandbox: SandboxHandle, change: dict[str, Any], code: str) -> None:
    reply = await week_sandbox.call("POST", f"{SCHEDULE}/openShifts", json={**open_body(), **change})
    assert_graph_error(reply, 400, code)


async def test_time_off_needs_an_active_reason(week_sandbox: SandboxHandle) -> None:
    item = {"startDateTime": "2026-12-14T00:00:00Z", "endDateTime": "2026-12-15T00:00:00Z", "timeOffReasonId": VACATION}
    body = {"userId": MEGAN_OID, "sharedTimeOff": item, "draftTimeOff": None}
    created = await week_sandbox.call("POST", f"{SCHEDULE}/timesOff", json=body)
    assert created.status == 201
    assert_contract("timeOff", created.body)
    retired = {**body, "sharedTimeOff": {**item, "timeOffReasonId": RETIRED_REASON}}
    assert_graph_error(await week_sandbox.call("POST", f"{SCHEDULE}/timesOff", json=retired), 400, "BadRequest")
    reasons = await listed(week_sandbox, "timeOffReasons")
    assert [r["isActive"] for r in reasons] == [True, True, False]


# --- share --------------------------------------------------------------------------------------------------------


async def test_share_publishes_the_drafts_of_the_range_only(week_sandbox: SandboxHandle) -> None:
    friday = ("2026-12-10T23:00:00Z", "2026-12-11T23:00:00Z")
    before = await listed(week_sandbox, "shifts", item_filter("draftShift"))
    body = {"notifyTeam": False, "startDateTime": friday[0], "endDateTime": friday[1]}
    reply = await week_sandbox.call("POST", f"{SCHEDULE}/share", json=body)
    assert (reply.status, reply.body) == (204, None)
    after = await listed(week_sandbox, "shifts", item_filter("draftShift"))
    published = {s["id"] for s in before} - {s["id"] for s in after}
    assert len(published) == 4  # Friday's drafts; Thursday's stay drafts
    for shift_id in published:
        shift = (await week_sandbox.call("GET", f"{SCHEDULE}/shifts/{shift_id}")).body
        assert shift["draftShift"] is None and shift["sharedShift"]["startDateTime"] >= friday[0]
    drafts_off = await listed(week_sandbox, "timesOff", item_filter("draftTimeOff"))
    assert drafts_off == []  # Isaiah's Friday sick day is shared too


async def test_share_needs_notify_team_and_a_start(week_sandbox: SandboxHandle) -> None:
    reply = await week_sandbox.call("POST", f"{SCHEDULE}/share", json={"startDateTime": WEEK[0]})
    assert_graph_error(reply, 400, "BadRequest")
    extra = {"notifyTeam": True, "startDateTime": WEEK[0], "silently": True}
    assert_graph_error(await week_sandbox.call("POST", f"{SCHEDULE}/share", json=extra), 400, "RequestBodyRead")


# --- throttling -----------------------------------------------------------------------------------------------------


async def test_more_than_four_writes_a_second_on_a_team_get_429_with_retry_after(week_sandbox: SandboxHandle) -> None:
    bodies = [draft_body(f"2026-12-2{n}T08:00:00Z", f"2026-12-2{n}T09:00:00Z") for n in range(7)]
    replies = await asyncio.gather(*(week_sandbox.call("POST", f"{SCHEDULE}/shifts", json=b) for b in bodies))
    statuses = sorted(r.status for r in replies)
    assert statuses.count(201) == 4 and statuses.count(429) == 3, statuses
    throttled = next(r for r in replies if r.status == 429)
    assert_graph_error(throttled, 429, "TooManyRequests")
    assert int(throttled.headers["Retry-After"]) >= 1
    other_team = await week_sandbox.call("GET", f"{SCHEDULE}/shifts")  # reads are not writes
    assert other_team.status == 200
    await asyncio.sleep(float(throttled.headers["Retry-After"]))
    again = await week_sandbox.call("POST", f"{SCHEDULE}/shifts", json=bodies[-1])
    assert again.status == 201


async def test_a_fault_with_a_probability_hits_about_that_share_of_requests(week_sandbox: SandboxHandle) -> None:
    await week_sandbox.inject(status=503, count=1000, probability=0.25, seed=3, match="GET .*/timeOffReasons$")
    statuses = [(await week_sandbox.call("GET", f"{SCHEDULE}/timeOffReasons")).status for _ in range(40)]
    assert 4 <= statuses.count(503) <= 16 and statuses.count(200) + statuses.count(503) == 40
    with pytest.raises(ValueError, match="probability"):
        await week_sandbox.inject(status=503, probability=1.5)
