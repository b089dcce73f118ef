"""The Bookings desk's typed view of Graph: businesses with their hours and zone, services, staff, customers and
appointments, each read leniently from Graph's JSON (a missing or odd field never breaks a card)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.shift.timezones import load_zone

KIND_APPOINTMENT = "appointment"
KIND_EDIT = "customer-edit"
KIND_DELETE = "customer-delete"

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Business:
    id: str
    name: str
    zone: str  # IANA name (bookingPageSettings.businessTimeZone); UTC when Graph gives none we know
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)  # weekday (Monday 0) -> slots

    def slots_on(self, weekday: int) -> tuple[tuple[time, time], ...]:
        return self.hours.get(weekday, ())


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    duration: timedelta
    staff_ids: tuple[str, ...] = ()  # empty: any staff member


@dataclass(frozen=True)
class Staff:
    id: str
    name: str


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str
    phones: tuple[str, ...]
    created: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Appointment:
    id: str
    service_id: str
    service_name: str
    start: datetime  # UTC
    end: datetime  # UTC
    staff_ids: tuple[str, ...]
    customer_id: str
    customer_name: str
    has_customers: bool  # False when Graph left `customers` empty (lists do)


def business_of(doc: dict[str, Any]) -> Business:
    settings = doc.get("bookingPageSettings") or {}
    zone = load_zone(settings.get("businessTimeZone") if isinstance(settings, dict) else None)
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for day in doc.get("businessHours") or []:
        if isinstance(day, dict) and day.get("day") in _WEEKDAYS:
            slots = tuple(s for s in (_slot(raw) for raw in day.get("timeSlots") or []) if s)
            hours[_WEEKDAYS.index(day["day"])] = slots
    return Business(str(doc.get("id") or ""), _text(doc.get("displayName")) or str(doc.get("id")), str(zone), hours)


def _slot(raw: Any) -> tuple[time, time] | None:
    """bookingWorkTimeSlot: beta {start, end}, v1.0 {startTime, endTime}; Edm.TimeOfDay '09:00:00.0000000'."""
    if not isinstance(raw, dict):
        return None
    start, end = (
        _time_of_day(raw.get("start") or raw.get("startTime")),
        _time_of_day(raw.get("end") or raw.get("endTime")),
    )
    return (start, end) if start is not None and end is not None else None


def _time_of_day(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value)[:8])
    except ValueError:
        return None


def service_of(doc: dict[str, Any]) -> Service:
    return Service(
        id=str(doc.get("id") or ""),
        name=_text(doc.get("displayName")),
        duration=parse_duration(str(doc.get("defaultDuration") or "")) or timedelta(minutes=30),
        staff_ids=tuple(str(s) for s in doc.get("staffMemberIds") or []),
    )


def staff_of(doc: dict[str, Any]) -> Staff:
    return Staff(id=str(doc.get("id") or ""), name=_text(doc.get("displayName")) or _text(doc.get("emailAddress")))


def customer_of(doc: dict[str, Any]) -> Customer:
    phones = tuple(_text(p.get("number")) for p in doc.get("phones") or [] if isinstance(p, dict) and p.get("number"))
    return Customer(
        id=str(doc.get("id") or ""),
        name=_text(doc.get("displayName")),
        email=_text(doc.get("emailAddress")),
        phones=phones,
        created=_as_utc(parse_instant(doc.get("createdDateTime"))),
        raw=doc,
    )


def appointment_of(doc: dict[str, Any]) -> Appointment | None:
    """None when Graph gave no readable start or end (beta `start`/`end`, v1.0 `startDateTime`/`endDateTime`)."""
    start = _when(doc.get("start") or doc.get("startDateTime"))
    end = _when(doc.get("end") or doc.get("endDateTime"))
    if start is None or end is None:
        return None
    customers = [c for c in doc.get("customers") or [] if isinstance(c, dict)]
    first = customers[0] if customers else {}
    return Appointment(
        id=str(doc.get("id") or ""),
        service_id=str(doc.get("serviceId") or ""),
        service_name=_text(doc.get("serviceName")),
        start=start,
        end=end,
        staff_ids=tuple(str(s) for s in doc.get("staffMemberIds") or []),
        customer_id=str(first.get("customerId") or doc.get("customerId") or ""),
        customer_name=_text(first.get("name")) or _text(doc.get("customerName")),
        has_customers=bool(customers),
    )


def _when(value: Any) -> datetime | None:
    """dateTimeTimeZone → an aware UTC instant. Bookings answers in UTC; another zone name is read with zoneinfo."""
    if not isinstance(value, dict):
        return None
    moment = parse_instant(value.get("dateTime"))
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=load_zone(str(value.get("timeZone") or "UTC")))
    return moment.astimezone(UTC)


def parse_instant(value: Any) -> datetime | None:
    """ISO 8601 with up to 7 fractional digits (Graph's style); aware if it had an offset or Z."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}" if digits else head + rest
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _as_utc(moment: datetime | None) -> datetime | None:
    """Graph's timestamps are UTC; one written without an offset is read as UTC too."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_duration(value: str) -> timedelta | None:
    found = _DURATION.match(value)
    if not found or value in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
