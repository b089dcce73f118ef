"""Graph sandbox, Shifts requests over real sockets: the four request collections, their state rules, time-off
reasons and time off."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from sandbox.store import load_fixture
from tests.fixtures_sandbox import (
    ALEX_OID,
    ISAIAH_OID,
    LYNNE_OID,
    MEGAN_OID,
    PATTI_OID,
    TEAM_ID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
PENDING = "?$filter=state%20eq%20'pending'"
_TEAM = next(team for team in load_fixture(None)["teams"] if team["id"] == TEAM_ID)
TIME_OFF_ID, APPROVED_TIME_OFF_ID = (r["id"] for r in _TEAM["timeOffRequests"])
SWAP_ID, WAITING_SWAP_ID = (r["id"] for r in _TEAM["swapShiftsChangeRequests"])
[OFFER_ID] = (r["id"] for r in _TEAM["offerShiftRequests"])
[OPEN_ID] = (r["id"] for r in _TEAM["openShiftChangeRequests"])
VACATION_ID, _, _, RETIRED_ID = (r["id"] for r in _TEAM["timeOffReasons"])
KINDS = {
    "timeOffRequests": "timeOffRequest",
    "swapShiftsChangeRequests": "swapShiftsChangeRequest",
    "offerShiftRequests": "offerShiftRequest",
    "openShiftChangeRequests": "openShiftChangeRequest",
}


def shifts_error(reply: Any, status: int, code: str, inner: str | None = None) -> dict[str, Any]:
    error = assert_graph_error(reply, status, code)
    nested = json.loads(error["message"])["error"]
    if inner:
        assert nested["innererror"]["code"] == inner, nested
    return nested


async def get(sandbox: SandboxHandle, collection: str, request_id: str) -> dict[str, Any]:
    reply = await sandbox.call("GET", f"{SCHEDULE}/{collection}/{request_id}")
    assert reply.status == 200, reply.body
    return reply.body


async def shift_owner(sandbox: SandboxHandle, shift_id: str) -> str:
    shifts = (await sandbox.call("GET", f"{SCHEDULE}/shifts")).body["value"]
    return next(s["userId"] for s in shifts if s["id"] == shift_id)


@pytest.mark.parametrize("collection", KINDS)
async def test_each_collection_lists_its_pending_requests_with_the_state_filter(
    sandbox: SandboxHandle, collection: str
) -> None:
    everything = (await sandbox.call("GET", f"{SCHEDULE}/{collection}")).body["value"]
    pending = await sandbox.call("GET", f"{SCHEDULE}/{collection}{PENDING}")
    assert pending.status == 200
    assert pending.body["value"] == [r for r in everything if r["state"] == "pending"]
    assert pending.body["value"], "the fixture has a pending request of each kind"
    for item in pending.body["value"]:
        assert_contract(KINDS[collection], item)
        assert item["@odata.type"] == f"#microsoft.graph.{KINDS[collection]}"


async def test_the_state_filter_leaves_out_decided_requests_and_other_filters_are_refused(
    sandbox: SandboxHandle,
) -> None:
    pending = (await sandbox.call("GET", f"{SCHEDULE}/timeOffRequests{PENDING}")).body["value"]
    assert APPROVED_TIME_OFF_ID not in {r["id"] for r in pending}
    approved = await sandbox.call("GET", f"{SCHEDULE}/timeOffRequests?$filter=state%20eq%20'approved'")
    assert [r["id"] for r in approved.body["value"]] == [APPROVED_TIME_OFF_ID]
    refused = await sandbox.call("GET", f"{SCHEDULE}/timeOffRequests?$filter=createdDateTime%20ge%202026-01-01")
    error = assert_graph_error(refused, 400, "BadRequest")
    assert "createdDateTime" in error["message"]


async def test_members_see_only_their_own_requests(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", f"{SCHEDULE}/swapShiftsChangeRequests", oid=PATTI_OID)
    assert [r["id"] for r in reply.body["value"]] == [WAITING_SWAP_ID]  # Patti is its recipient


async def test_approving_time_off_approves_once_and_books_the_time_off(sandbox: SandboxHandle) -> None:
    path = f"{SCHEDULE}/timeOffRequests/{TIME_OFF_ID}"
    reply = await sandbox.call("POST", f"{path}/approve", json={"message": "Enjoy!"})
    assert (reply.status, reply.body) == (200, None)
    decided = await get(sandbox, "timeOffRequests", TIME_OFF_ID)
    assert decided["state"] == "approved" and decided["managerActionMessage"] == "Enjoy!"
    assert decided["managerUserId"] == sandbox.ADELE_OID and decided["managerActionDateTime"]
    times_off = (await sandbox.call("GET", f"{SCHEDULE}/timesOff")).body["value"]
    [booked] = [t for t in times_off if t["userId"] == MEGAN_OID]
    assert booked["sharedTimeOff"]["startDateTime"] == decided["startDateTime"]
    assert booked["sharedTimeOff"]["timeOffReasonId"] == decided["timeOffReasonId"]
    for action in ("approve", "decline"):
        again = await sandbox.call("POST", f"{path}/{action}", json={"message": None})
        shifts_error(again, 403, "Forbidden", "ShiftRequestsCannotBeActedUpon")


async def test_declining_an_open_shift_request_keeps_the_open_shift(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("POST", f"{SCHEDULE}/openShiftChangeRequests/{OPEN_ID}/decline", json={})
    assert reply.status == 204 and reply.body is None
    assert (await get(sandbox, "openShiftChangeRequests", OPEN_ID))["state"] == "declined"


async def test_approving_an_open_shift_request_gives_the_sender_a_shift(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("POST", f"{SCHEDULE}/openShiftChangeRequests/{OPEN_ID}/approve", json={})
    assert reply.status == 204
    shifts = (await sandbox.call("GET", f"{SCHEDULE}/shifts")).body["value"]
    assert any(s["userId"] == LYNNE_OID and s["sharedShift"]["displayName"] == "Kitchen prep" for s in shifts)


async def test_a_swap_waits_for_its_recipient_before_the_manager(sandbox: SandboxHandle) -> None:
    path = f"{SCHEDULE}/swapShiftsChangeRequests/{WAITING_SWAP_ID}"
    early = await sandbox.call("POST", f"{path}/approve", json={"message": "ok"})
    shifts_error(early, 403, "Forbidden", "ShiftRequestNotAvailable")
    accepted = await sandbox.call("POST", f"{path}/approve", json={"message": "Sure"}, oid=PATTI_OID)
    assert accepted.status == 204
    stage_two = await get(sandbox, "swapShiftsChangeRequests", WAITING_SWAP_ID)
    assert (stage_two["state"], stage_two["assignedTo"]) == ("pending", "manager")
    assert stage_two["recipientActionMessage"] == "Sure"
    patti_again = await sandbox.call("POST", f"{path}/approve", json={}, oid=PATTI_OID)
    shifts_error(patti_again, 403, "Forbidden", "MissingAdminPermissions")
    assert (await sandbox.call("POST", f"{path}/approve", json={})).status == 204
    assert await shift_owner(sandbox, stage_two["senderShiftId"]) == PATTI_OID
    assert await shift_owner(sandbox, stage_two["recipientShiftId"]) == LYNNE_OID


async def test_a_recipient_who_declines_ends_the_swap(sandbox: SandboxHandle) -> None:
    path = f"{SCHEDULE}/swapShiftsChangeRequests/{WAITING_SWAP_ID}"
    assert (await sandbox.call("POST", f"{path}/decline", json={}, oid=PATTI_OID)).status == 204
    assert (await get(sandbox, "swapShiftsChangeRequests", WAITING_SWAP_ID))["state"] == "declined"
    late = await sandbox.call("POST", f"{path}/approve", json={})
    shifts_error(late, 403, "Forbidden", "ShiftRequestsCannotBeActedUpon")


async def test_manager_stage_swap_and_offer_move_the_shifts(sandbox: SandboxHandle) -> None:
    swap = await get(sandbox, "swapShiftsChangeRequests", SWAP_ID)
    assert (await sandbox.call("POST", f"{SCHEDULE}/swapShiftsChangeRequests/{SWAP_ID}/approve", json={})).status == 204
    assert await shift_owner(sandbox, swap["senderShiftId"]) == ISAIAH_OID
    assert await shift_owner(sandbox, swap["recipientShiftId"]) == ALEX_OID
    offer = await get(sandbox, "offerShiftRequests", OFFER_ID)
    assert (await sandbox.call("POST", f"{SCHEDULE}/offerShiftRequests/{OFFER_ID}/approve", json={})).status == 204
    assert await shift_owner(sandbox, offer["senderShiftId"]) == MEGAN_OID


async def test_refusals_wrong_collection_unknown_id_member_and_bad_body(sandbox: SandboxHandle) -> None:
    wrong = await sandbox.call("POST", f"{SCHEDULE}/offerShiftRequests/{OPEN_ID}/approve", json={})
    shifts_error(wrong, 403, "Forbidden", "ShiftRequestNotAvailable")
    unknown = await sandbox.call("POST", f"{SCHEDULE}/timeOffRequests/SREQ_nope/approve", json={})
    shifts_error(unknown, 404, "NotFound")
    member = await sandbox.call("POST", f"{SCHEDULE}/timeOffRequests/{TIME_OFF_ID}/approve", json={}, oid=ALEX_OID)
    assert member.status in (403, 404)
    odd = await sandbox.call("POST", f"{SCHEDULE}/timeOffRequests/{TIME_OFF_ID}/approve", json={"note": "x"})
    assert_graph_error(odd, 400, "RequestBodyRead")
    read_only = await sandbox.call(
        "POST", f"{SCHEDULE}/timeOffRequests/{TIME_OFF_ID}/approve", json={}, scopes=("Schedule.Read.All",)
    )
    assert read_only.status == 403
    assert (await get(sandbox, "timeOffRequests", TIME_OFF_ID))["state"] == "pending"


async def test_time_off_reasons_include_inactive_ones(sandbox: SandboxHandle) -> None:
    reasons = (await sandbox.call("GET", f"{SCHEDULE}/timeOffReasons")).body["value"]
    for reason in reasons:
        assert_contract("timeOffReason", reason)
    assert {r["id"]: r["isActive"] for r in reasons}[RETIRED_ID] is False


def time_off(
    reason: str = VACATION_ID, start: str = "2026-12-24T08:00:00Z", end: str = "2026-12-26T08:00:00Z"
) -> dict[str, Any]:
    item = {"timeOffReasonId": reason, "startDateTime": start, "endDateTime": end, "theme": "white"}
    return {"userId": MEGAN_OID, "sharedTimeOff": item, "draftTimeOff": None}


async def test_time_off_is_created_with_201_and_checked(sandbox: SandboxHandle) -> None:
    created = await sandbox.call("POST", f"{SCHEDULE}/timesOff", json=time_off())
    assert created.status == 201, created.body
    assert_contract("timeOff", created.body)
    assert created.body["id"].startswith("TOFF_") and created.body["userId"] == MEGAN_OID
    retired = await sandbox.call("POST", f"{SCHEDULE}/timesOff", json=time_off(RETIRED_ID))
    shifts_error(retired, 400, "BadRequest")
    backwards = await sandbox.call("POST", f"{SCHEDULE}/timesOff", json=time_off(end="2026-12-23T08:00:00Z"))
    shifts_error(backwards, 400, "BadRequest")
    neither = await sandbox.call("POST", f"{SCHEDULE}/timesOff", json={"userId": MEGAN_OID})
    assert neither.status == 400
    await asyncio.sleep(1.05)  # a fifth write within a second is throttled (4 writes/s per team), as Graph does
    by_member = await sandbox.call("POST", f"{SCHEDULE}/timesOff", json=time_off(), oid=ALEX_OID)
    shifts_error(by_member, 403, "Forbidden", "MissingAdminPermissions")


async def test_the_control_adds_an_employee_request(sandbox: SandboxHandle) -> None:
    fields = {"senderUserId": ALEX_OID, "startDateTime": "2026-12-30T23:00:00Z", "endDateTime": "2026-12-31T23:00:00Z"}
    async with sandbox.http.post(
        f"{sandbox.root_url}/_sandbox/teams/{TEAM_ID}/timeOffRequests", json={**fields, "timeOffReasonId": VACATION_ID}
    ) as response:
        assert response.status == 201
        added = await response.json()
    assert (await get(sandbox, "timeOffRequests", added["id"]))["state"] == "pending"
