"""The Bookings desk's pure parts: reading Graph leniently (beta and v1.0 names), matching customers, business
hours and clock changes, the appointment body."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.bookings.booking import day_bounds
from bot.bookings.model import appointment_of, business_of, customer_of, parse_duration, parse_instant
from bot.bookings.payload import appointment_body
from bot.bookings.search import matches, parse_query, recency
from bot.bookings.validation import validate_booking
from tests.fixtures_sandbox import assert_contract


def test_appointments_read_with_beta_or_v1_names_and_graph_precision() -> None:
    beta = appointment_of(
        {
            "id": "a",
            "start": {"dateTime": "2026-12-07T08:00:00.0000000Z", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-07T08:30:00.0000000Z", "timeZone": "UTC"},
        }
    )
    v1 = appointment_of(
        {
            "id": "b",
            "startDateTime": {"dateTime": "2026-12-07T09:00:00", "timeZone": "Europe/Paris"},
            "endDateTime": {"dateTime": "2026-12-07T09:30:00", "timeZone": "Europe/Paris"},
        }
    )
    assert beta is not None and v1 is not None
    assert beta.start == v1.start == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert not beta.has_customers and beta.customer_name == ""
    assert appointment_of({"id": "c", "start": {"dateTime": "soon"}}) is None


def test_business_hours_read_with_beta_or_v1_slot_names() -> None:
    business = business_of(
        {
            "id": "b@x",
            "displayName": "B",
            "bookingPageSettings": {"businessTimeZone": "Europe/Paris"},
            "businessHours": [
                {"day": "monday", "timeSlots": [{"start": "09:00:00.0000000", "end": "17:00:00.0000000"}]},
                {"day": "tuesday", "timeSlots": [{"startTime": "10:00:00.0000000", "endTime": "12:00:00.0000000"}]},
                {"day": "funday", "timeSlots": [{"start": "01:00:00"}]},
            ],
        }
    )
    assert business.zone == "Europe/Paris"
    assert [(a.isoformat(), b.isoformat()) for a, b in business.slots_on(1)] == [("10:00:00", "12:00:00")]
    assert business.slots_on(6) == ()
    assert business_of({"id": "z", "bookingPageSettings": {"businessTimeZone": "Mars/Olympus"}}).zone == "UTC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("PT1H30M", timedelta(minutes=90)),
        ("P1D", timedelta(days=1)),
        ("PT", None),
        ("30", None),
        ("P1Y", None),
    ],
)
def test_durations(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_instants_keep_up_to_seven_fraction_digits() -> None:
    assert parse_instant("2026-12-07T08:00:00.1234567Z") == datetime(2026, 12, 7, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_instant("2026-12-07T08:00:00") == datetime(2026, 12, 7, 8, 0)
    assert parse_instant("") is None and parse_instant(None) is None


def customer(name: str, email: str = "", phones: tuple[str, ...] = (), created: str | None = None) -> Any:
    return customer_of(
        {
            "id": name,
            "displayName": name,
            "emailAddress": email,
            "phones": [{"number": p} for p in phones],
            "createdDateTime": created,
        }
    )


@pytest.mark.parametrize(
    ("query", "hit"),
    [
        ("zoe", True),
        ("ZOË ARNAUD", True),
        ("arnaud zoe", True),
        ("zoe smith", False),
        ("fabrikam.com", True),
        ("+1 (206) 555", True),
        ("555-0111", True),
        ("206 555 0199", False),
        ("0111", True),
        ("12", False),
    ],
)
def test_matching_ignores_case_accents_and_phone_punctuation(query: str, hit: bool) -> None:
    zoe = customer("Zoë Arnaud", "zoe@fabrikam.com", ("+1 206-555-0111",))
    assert matches(zoe, parse_query(query)) is hit


def test_recent_first_then_undated_by_name() -> None:
    found = [
        customer("b"),
        customer("old", created="2020-01-01T00:00:00Z"),
        customer("a"),
        customer("new", created="2026-01-01T00:00:00"),
    ]
    assert [c.name for c in sorted(found, key=recency)] == ["new", "old", "a", "b"]


CONTEXT: dict[str, Any] = {
    "businessId": "b@x",
    "zone": "Europe/Paris",
    "hours": {str(day): [["00:00", "00:00"]] for day in range(7)},  # open round the clock
    "services": [["Tasting", "s1", 30, []]],
    "staff": [["Megan", "m1"]],
    "customer": {"id": "c1", "name": "Nestor", "email": "n@x", "phone": "1"},
}


def test_a_time_the_clocks_skip_is_refused() -> None:
    values = {"service": "s1", "staff": "m1", "date": "2027-03-28", "start": "02:30"}
    payload, errors = validate_booking(values, CONTEXT, "en")
    assert payload is None and errors == {
        "start": "02:30 doesn't exist on that day: the clocks change. Choose another time."
    }


def test_a_valid_booking_makes_a_contract_body_in_utc() -> None:
    values = {"service": "s1", "staff": "m1", "date": "2026-07-14", "start": "23:30"}
    payload, errors = validate_booking(values, CONTEXT, "en")
    assert errors == {} and payload is not None
    assert payload.start == datetime(2026, 7, 14, 21, 30, tzinfo=UTC)
    body = appointment_body(payload)
    assert_contract("bookingAppointmentCreate", body)
    assert body["end"] == {"dateTime": "2026-07-14T22:00:00.0000000+00:00", "timeZone": "UTC"}
    # One slot holds the whole appointment: past midnight is the next day's hours.
    _, errors = validate_booking({**values, "start": "23:45"}, CONTEXT, "en")
    assert errors == {
        "start": "23:45–00:15 is outside the business hours on Tuesday (00:00–00:00). Choose another time."
    }


def test_a_day_on_a_clock_change_is_23_hours_long() -> None:
    start, end = day_bounds(date(2027, 3, 28), "Europe/Paris")
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert start.isoformat() == "2027-03-28T00:00:00+01:00" and end.isoformat() == "2027-03-29T00:00:00+02:00"
