"""Server-side checks of the booking form: every choice must be one the form offered, the service's staff rule,
a date and a start time that exist in the business's time zone, and the whole appointment inside the business
hours of that day. The card's own checks are only a convenience."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.i18n import Lang, t
from bot.shift.parser import parse_clock
from bot.shift.timezones import load_zone, to_utc
from cards.bookings import CUSTOMER, DATE, SERVICE, STAFF, START

Errors = dict[str, str]


@dataclass(frozen=True)
class NewAppointment:
    business_id: str
    service_id: str
    service_name: str
    staff_id: str
    staff_name: str
    customer: Mapping[str, str]  # id, name, email, phone
    start: datetime  # UTC
    end: datetime  # UTC
    zone: str


def validate_booking(
    values: Mapping[str, Any], context: Mapping[str, Any], lang: Lang
) -> tuple[NewAppointment | None, Errors]:
    errors: Errors = {}
    customer = _customer(values, context, errors, lang)
    services = {sid: (name, minutes, tuple(staff)) for name, sid, minutes, staff in context.get("services", [])}
    staff = {sid: name for name, sid in context.get("staff", [])}
    service_id = _choice(values, SERVICE, services, "bookings.service_required", errors, lang)
    staff_id = _choice(values, STAFF, staff, "bookings.staff_required", errors, lang)
    if service_id and staff_id and services[service_id][2] and staff_id not in services[service_id][2]:
        errors[STAFF] = t(lang, "bookings.staff_not_for_service")
    day = _date(values, errors, lang)
    clock = _clock(values, errors, lang)
    if errors or customer is None or day is None or clock is None:
        return None, errors
    zone = load_zone(context.get("zone"))
    instant = to_utc(day, clock, zone)
    if instant.note is not None and instant.note.kind == "gap":
        return None, {START: t(lang, "bookings.time_gap", time=clock.strftime("%H:%M"))}
    start = instant.utc
    end = start + timedelta(minutes=services[service_id][1])
    problem = outside_hours(start, end, context, lang)
    if problem:
        return None, {START: problem}
    appointment = NewAppointment(
        business_id=str(context["businessId"]),
        service_id=service_id,
        service_name=services[service_id][0],
        staff_id=staff_id,
        staff_name=staff[staff_id],
        customer=customer,
        start=start,
        end=end,
        zone=str(zone),
    )
    return appointment, {}


def outside_hours(start: datetime, end: datetime, context: Mapping[str, Any], lang: Lang) -> str | None:
    """Why [start, end) does not fit in one of the day's business hours, or None if it does."""
    zone = load_zone(context.get("zone"))
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    slots = [
        (time.fromisoformat(a), time.fromisoformat(b))
        for a, b in context.get("hours", {}).get(str(local_start.weekday()), [])
    ]
    weekday = format_date(local_start.date(), "EEEE", locale=lang)
    if not slots:
        return t(lang, "bookings.closed", day=weekday)
    for opens, closes in slots:
        day = local_start.date()
        open_at = datetime.combine(day, opens, zone)
        close_at = datetime.combine(day + timedelta(days=1) if closes <= opens else day, closes, zone)
        if open_at <= local_start and local_end <= close_at:
            return None
    hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in slots)
    return t(
        lang, "bookings.outside_hours", start=f"{local_start:%H:%M}", end=f"{local_end:%H:%M}", day=weekday, hours=hours
    )


def _customer(
    values: Mapping[str, Any], context: Mapping[str, Any], errors: Errors, lang: Lang
) -> Mapping[str, str] | None:
    fixed = context.get("customer")
    if isinstance(fixed, dict):
        return fixed
    known: dict[str, Mapping[str, str]] = context.get("customerInfo", {})
    chosen = _choice(values, CUSTOMER, known, "bookings.customer_required", errors, lang)
    return known.get(chosen) if chosen else None


def _choice(
    values: Mapping[str, Any], key: str, allowed: Mapping[str, Any], required: str, errors: Errors, lang: Lang
) -> str:
    value = str(values.get(key) or "").strip()
    if not value:
        errors[key] = t(lang, required)
    elif value not in allowed:
        errors[key] = t(lang, "bookings.choice_invalid")
    return value if key not in errors else ""


def _date(values: Mapping[str, Any], errors: Errors, lang: Lang) -> date | None:
    try:
        return date.fromisoformat(str(values.get(DATE) or "").strip())
    except ValueError:
        errors[DATE] = t(lang, "bookings.date_required")
        return None


def _clock(values: Mapping[str, Any], errors: Errors, lang: Lang) -> time | None:
    found = parse_clock(str(values.get(START) or ""), bare=False)
    if found is None:
        errors[START] = t(lang, "bookings.start_required")
    return found
