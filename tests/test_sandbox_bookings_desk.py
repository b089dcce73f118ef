"""Graph sandbox, the Bookings desk: customers get/patch/delete, services, staff, calendarView, appointments
(overlap rule, business hours) and the "500 after the write" fault. Real sockets."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.fixtures_sandbox import (
    ADELE_OID,
    BUSINESS_ID,
    LYNNE_OID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

BUSINESS = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}"
NESTOR = "1b4c7e2a-5d8f-4a3b-9c6e-0f2d4a6b8c01"
TASTING = "57da6774-a087-4d69-b0e6-6fb82c339976"  # 30 minutes, Adele or Megan
ADELE_STAFF = "8ee1c803-a1fa-406d-8259-7ab53233f148"
MEGAN_STAFF = "e7f8a9b0-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
DAY = "start=2026-12-07T00:00:00%2B01:00&end=2026-12-08T00:00:00%2B01:00"  # Monday 7 December, Paris


def appointment(start: str, end: str, staff: str = ADELE_STAFF, **extra: Any) -> dict[str, Any]:
    """A beta create body; times in UTC as the bot sends them."""
    return {
        "serviceId": TASTING,
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        "staffMemberIds": [staff],
        "customers": [
            {
                "@odata.type": "#microsoft.graph.bookingCustomerInformation",
                "customerId": NESTOR,
                "name": "Nestor Wilke",
                "emailAddress": "nestorw@fabrikam.com",
                "phone": "206-555-0111",
            }
        ],
        **extra,
    }


async def test_a_customer_is_read_patched_partially_and_deleted(sandbox: SandboxHandle) -> None:
    path = f"{BUSINESS}/customers/{NESTOR}"
    got = await sandbox.call("GET", path)
    assert got.status == 200 and got.body["displayName"] == "Nestor Wilke"
    assert_contract("bookingCustomer", got.body)

    patched = await sandbox.call("PATCH", path, json={"phones": [{"number": "206-555-0199", "type": "home"}]})
    assert patched.status == 200
    assert patched.body["phones"] == [{"number": "206-555-0199", "type": "home"}]
    assert patched.body["emailAddress"] == "nestorw@fabrikam.com", "omitted properties keep their values"
    assert (await sandbox.call("GET", path)).body["phones"][0]["number"] == "206-555-0199"

    deleted = await sandbox.call("DELETE", path)
    assert deleted.status == 204 and deleted.body is None
    assert_graph_error(await sandbox.call("GET", path), 404, "NotFound")
    assert_graph_error(await sandbox.call("DELETE", path), 404, "NotFound")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"nickname": "N"}, 400, "RequestBodyRead"),
        ({"phones": [{"number": "1", "ext": "2"}]}, 400, "RequestBodyRead"),
        ({"displayName": "  "}, 400, "InvalidModel"),
        ({"displayName": None}, 400, "RequestBodyRead"),
    ],
)
async def test_a_bad_patch_is_refused_and_changes_nothing(
    sandbox: SandboxHandle, body: dict[str, Any], status: int, code: str
) -> None:
    path = f"{BUSINESS}/customers/{NESTOR}"
    assert_graph_error(await sandbox.call("PATCH", path, json=body), status, code)
    assert (await sandbox.call("GET", path)).body["displayName"] == "Nestor Wilke"


async def test_unknown_customers_put_and_strangers_are_refused(sandbox: SandboxHandle) -> None:
    assert_graph_error(await sandbox.call("GET", f"{BUSINESS}/customers/AAMkNope="), 404, "NotFound")
    assert_graph_error(await sandbox.call("PATCH", f"{BUSINESS}/customers/AAMkNope=", json={}), 404, "NotFound")
    put = await sandbox.call("PUT", f"{BUSINESS}/customers/{NESTOR}", json={"displayName": "X"})
    assert put.status == 405
    stranger = await sandbox.call("DELETE", f"{BUSINESS}/customers/{NESTOR}", oid=LYNNE_OID)
    assert_graph_error(stranger, 403, "ErrorFolderNotFound")
    escaped = await sandbox.call("GET", f"{BUSINESS}/customers/{quote(NESTOR + '/../..', safe='')}")
    assert_graph_error(escaped, 404, "NotFound")


async def test_new_customers_get_opaque_base64_ids(sandbox: SandboxHandle) -> None:
    created = await sandbox.call("POST", f"{BUSINESS}/customers", json={"displayName": "Ada", "emailAddress": None})
    assert created.body["id"].startswith("AAMk") and created.body["id"].endswith("=")
    got = await sandbox.call("GET", f"{BUSINESS}/customers/{quote(created.body['id'], safe='')}")
    assert got.status == 200


async def test_the_business_services_and_staff_are_listed(sandbox: SandboxHandle) -> None:
    business = await sandbox.call("GET", BUSINESS)
    assert business.body["bookingPageSettings"]["businessTimeZone"] == "Europe/Paris"
    assert_contract("bookingBusinessHoursAndPolicy", business.body)
    assert "staffUserIds" not in business.body
    services = await sandbox.call("GET", f"{BUSINESS}/services")
    assert_contract("bookingServiceCollectionResponse", services.body)
    assert [s["displayName"] for s in services.body["value"]] == [
        "Lunch tasting",
        "Catering consultation",
        "Office delivery setup",
    ]
    staff = await sandbox.call("GET", f"{BUSINESS}/staffMembers?$top=2")
    assert_contract("bookingStaffMemberCollectionResponse", staff.body)
    assert len(staff.body["value"]) == 2 and staff.body["@odata.nextLink"]
    rest = await sandbox.call("GET", staff.body["@odata.nextLink"])
    assert [s["displayName"] for s in rest.body["value"]] == ["Isaiah Langer"]


async def test_calendar_view_lists_a_day_without_customers_and_get_fills_them(sandbox: SandboxHandle) -> None:
    view = await sandbox.call("GET", f"{BUSINESS}/calendarView?{DAY}")
    assert view.status == 200
    assert_contract("bookingAppointmentCollectionResponse", view.body)
    starts = [a["start"]["dateTime"] for a in view.body["value"]]
    assert starts == sorted(starts) and len(starts) == 4
    assert all(a["customers"] == [] and "customerNotes" not in a for a in view.body["value"])
    one = await sandbox.call("GET", f"{BUSINESS}/appointments/{quote(view.body['value'][-1]['id'], safe='')}")
    assert one.body["customers"][0]["name"] == "Grady Archie"
    empty = await sandbox.call("GET", f"{BUSINESS}/calendarView?start=2026-12-08T00:00:00Z&end=2026-12-09T00:00:00Z")
    assert empty.body["value"] == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?start=2026-12-07T00:00:00Z",
        "?start=yesterday&end=2026-12-08T00:00:00Z",
        "?start=2026-12-07T00:00:00&end=2026-12-08T00:00:00Z",
        "?start=2026-12-08T00:00:00Z&end=2026-12-07T00:00:00Z",
    ],
)
async def test_calendar_view_needs_a_start_and_end_with_offsets(sandbox: SandboxHandle, query: str) -> None:
    assert_graph_error(await sandbox.call("GET", f"{BUSINESS}/calendarView{query}"), 400, "BadRequest")


async def test_an_appointment_in_business_hours_is_created_and_shows_in_the_view(sandbox: SandboxHandle) -> None:
    created = await sandbox.call(
        "POST", f"{BUSINESS}/appointments", json=appointment("2026-12-07T14:00:00Z", "2026-12-07T14:30:00Z")
    )
    assert created.status == 201, created.body
    assert_contract("bookingAppointment", created.body)
    assert created.body["serviceName"] == "Lunch tasting" and created.body["duration"] == "PT30M"
    assert created.body["start"] == {"dateTime": "2026-12-07T14:00:00.0000000Z", "timeZone": "UTC"}
    view = await sandbox.call("GET", f"{BUSINESS}/calendarView?{DAY}")
    assert created.body["id"] in [a["id"] for a in view.body["value"]]


async def test_a_double_booked_staff_member_gets_bookings_500(sandbox: SandboxHandle) -> None:
    # Adele has 09:00-09:30 Paris (08:00Z) in the fixture; Megan is free until 09:30 Paris.
    clash = appointment("2026-12-07T08:15:00Z", "2026-12-07T08:45:00Z")
    error = assert_graph_error(await sandbox.call("POST", f"{BUSINESS}/appointments", json=clash), 500, "UnknownError")
    assert error["message"] == ""
    other = appointment("2026-12-07T08:00:00Z", "2026-12-07T08:30:00Z", staff=MEGAN_STAFF)
    assert (await sandbox.call("POST", f"{BUSINESS}/appointments", json=other)).status == 201
    back_to_back = appointment("2026-12-07T08:30:00Z", "2026-12-07T09:00:00Z")
    assert (await sandbox.call("POST", f"{BUSINESS}/appointments", json=back_to_back)).status == 201


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-12-07T07:30:00Z", "2026-12-07T08:00:00Z"),  # 08:30 Paris, before opening
        ("2026-12-07T15:45:00Z", "2026-12-07T16:15:00Z"),  # runs past 17:00 Paris
        ("2026-12-06T10:00:00Z", "2026-12-06T10:30:00Z"),  # a Sunday
    ],
)
async def test_outside_business_hours_is_refused(sandbox: SandboxHandle, start: str, end: str) -> None:
    reply = await sandbox.call("POST", f"{BUSINESS}/appointments", json=appointment(start, end))
    assert_graph_error(reply, 400, "BadRequest")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"serviceId": "no-such-service"}, 500, "UnknownError"),
        ({"staffMemberIds": ["no-such-staff"]}, 500, "UnknownError"),
        ({"startDateTime": {"dateTime": "2026-12-07T14:00:00Z"}}, 400, "RequestBodyRead"),
        ({"customers": [{"name": "No type"}]}, 400, "InvalidModel"),
        ({"end": {"dateTime": "2026-12-07T13:00:00Z", "timeZone": "UTC"}}, 400, "InvalidModel"),
    ],
)
async def test_bad_appointments_are_refused(
    sandbox: SandboxHandle, change: dict[str, Any], status: int, code: str
) -> None:
    body = {**appointment("2026-12-07T14:00:00Z", "2026-12-07T14:30:00Z"), **change}
    assert_graph_error(await sandbox.call("POST", f"{BUSINESS}/appointments", json=body), status, code)


async def test_a_fault_after_the_write_deletes_and_still_answers_500(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=500, after=True, match="^DELETE .*/customers/")
    path = f"{BUSINESS}/customers/{NESTOR}"
    assert_graph_error(await sandbox.call("DELETE", path, oid=ADELE_OID), 500, "UnknownError")
    assert_graph_error(await sandbox.call("GET", path), 404, "NotFound")
