"""Bookings services, staff members and appointments: list services and staff, calendarView, create and
get appointments. What the docs leave open is written down in sandbox/README.md ("Bookings desk")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from sandbox.auth import requires
from sandbox.bookings import BOOKINGS_READ, BOOKINGS_WRITE, check_body, exchange_id, staffed_business
from sandbox.errors import GraphError, not_found, request_body_read
from sandbox.odata import bad_query, context, json_response, key_literal, now_iso, page, read_json
from sandbox.routing import param
from sandbox.state import STORE
from sandbox.store import Doc

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# What lists leave out (NOTES §7 item 22): reminders, notes, and, as real tenants report, the customers.
_LIST_BLANKS: Doc = {"customers": [], "reminders": [], "serviceNotes": None}
_LIST_OMITS = ("customerNotes",)


@requires(*BOOKINGS_READ)
async def list_services(request: web.Request) -> web.Response:
    return _collection(request, "services", "service")


@requires(*BOOKINGS_READ)
async def list_staff(request: web.Request) -> web.Response:
    return _collection(request, "staffMembers", "staff")


def _collection(request: web.Request, name: str, kind: str) -> web.Response:
    business = staffed_business(request)
    items = request.app[STORE].all_of(kind, business["id"])
    return json_response({"@odata.context": _context(business, name), **page(request, items)})


@requires(*BOOKINGS_READ)
async def calendar_view(request: web.Request) -> web.Response:
    """Appointments that overlap [start, end), earliest first. Both parameters are required."""
    business = staffed_business(request)
    start = _query_instant(request, "start")
    end = _query_instant(request, "end")
    if end <= start:
        raise bad_query("The 'end' parameter must be later than 'start'.")
    found = [a for a in _appointments(request, business) if _starts(a) < end and _ends(a) > start]
    found.sort(key=_starts)
    listed = [_as_listed(a) for a in found]
    return json_response({"@odata.context": _context(business, "calendarView"), **page(request, listed)})


@requires(*BOOKINGS_READ)
async def list_appointments(request: web.Request) -> web.Response:
    business = staffed_business(request)
    listed = [_as_listed(a) for a in _appointments(request, business)]
    return json_response({"@odata.context": _context(business, "appointments"), **page(request, listed)})


@requires(*BOOKINGS_READ)
async def get_appointment(request: web.Request) -> web.Response:
    business = staffed_business(request)
    appointment_id = param(request, "appointmentId")
    appointment = request.app[STORE].get("appointment", appointment_id, business["id"])
    if appointment is None:
        raise not_found(f"The appointment '{appointment_id}' was not found.")
    return json_response({"@odata.context": _context(business, "appointments") + "/$entity", **appointment})


@requires(*BOOKINGS_WRITE)
async def create_appointment(request: web.Request) -> web.Response:
    business = staffed_business(request)
    body = check_body(request, await read_json(request), "bookingAppointmentCreate")
    start, end = _instant(body["start"], "start"), _instant(body["end"], "end")
    if end <= start:
        raise GraphError(400, "InvalidModel", "end: The end of an appointment must be later than its start.")
    service = _known_service(request, business, body["serviceId"])
    staff_ids = [str(s) for s in body.get("staffMemberIds") or []]
    _check_staff_exist(request, business, staff_ids)
    _check_business_hours(business, start, end)
    _check_staff_free(request, business, staff_ids, start, end, service)
    appointment = _new_appointment(body, service, start, end, staff_ids)
    request.app[STORE].insert("appointment", appointment, business["id"])
    entity = {"@odata.context": _context(business, "appointments") + "/$entity", **appointment}
    return json_response(entity, status=201)


# --- rules ---------------------------------------------------------------------------------------------------


def _unknown_error() -> GraphError:
    """How Bookings answers bad ids and double bookings: 500 UnknownError, empty message (NOTES §5, §7.24)."""
    return GraphError(500, "UnknownError", "")


def _known_service(request: web.Request, business: Doc, service_id: str) -> Doc:
    service = request.app[STORE].get("service", service_id, business["id"])
    if service is None:
        raise _unknown_error()
    return service


def _check_staff_exist(request: web.Request, business: Doc, staff_ids: list[str]) -> None:
    known = {s["id"].lower() for s in request.app[STORE].all_of("staff", business["id"])}
    if any(staff_id.lower() not in known for staff_id in staff_ids):
        raise _unknown_error()


def _check_business_hours(business: Doc, start: datetime, end: datetime) -> None:
    """The whole appointment inside one of the day's time slots, in the business's time zone."""
    zone = business_zone(business)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = _WEEKDAYS[local_start.weekday()]
    hours: Doc = next((h for h in business.get("businessHours", []) if h.get("day") == day), {"timeSlots": []})
    for slot in hours.get("timeSlots", []):
        opens = datetime.combine(local_start.date(), _time_of_day(slot["start"]), zone)
        closing = _time_of_day(slot["end"])
        closing_day = local_start.date() + timedelta(days=1) if closing <= opens.time() else local_start.date()
        closes = datetime.combine(closing_day, closing, zone)  # a slot ending at or before its start ends next day
        if opens <= local_start and local_end <= closes:
            return
    raise GraphError(400, "BadRequest", "The appointment is outside the business hours.")


def _check_staff_free(
    request: web.Request, business: Doc, staff_ids: list[str], start: datetime, end: datetime, service: Doc
) -> None:
    block_start = start - parse_duration(service.get("preBuffer", "PT0S"))
    block_end = end + parse_duration(service.get("postBuffer", "PT0S"))
    wanted = {s.lower() for s in staff_ids}
    for other in _appointments(request, business):
        shared = wanted & {s.lower() for s in other.get("staffMemberIds", [])}
        if shared and _starts(other) < block_end and _ends(other) > block_start:
            raise _unknown_error()


def _new_appointment(body: Doc, service: Doc, start: datetime, end: datetime, staff_ids: list[str]) -> Doc:
    fields = {k: v for k, v in body.items() if k not in ("@odata.type", "id", "duration", "filledAttendeesCount")}
    first: Doc = next(iter(body.get("customers") or []), {})
    now = now_iso()
    return {
        "id": exchange_id(),
        "serviceName": service["displayName"],
        "customerName": first.get("name"),
        "customerEmailAddress": first.get("emailAddress"),
        "customerPhone": first.get("phone"),
        "customerId": first.get("customerId"),
        "customers": [],
        "price": service.get("defaultPrice", 0.0),
        "priceType": service.get("defaultPriceType", "notSet"),
        "isLocationOnline": False,
        "optOutOfCustomerEmail": False,
        "smsNotificationsEnabled": False,
        "preBuffer": service.get("preBuffer", "PT0S"),
        "postBuffer": service.get("postBuffer", "PT0S"),
        "maximumAttendeesCount": service.get("maximumAttendeesCount", 1),
        "reminders": [],
        "selfServiceAppointmentId": "00000000-0000-0000-0000-000000000000",
        **fields,
        "start": graph_time(start),
        "end": graph_time(end),
        "duration": iso_duration(end - start),
        "staffMemberIds": staff_ids,
        "filledAttendeesCount": len(body.get("customers") or []),
        "createdDateTime": now,
        "lastUpdatedDateTime": now,
    }


# --- times ---------------------------------------------------------------------------------------------------


def business_zone(business: Doc) -> ZoneInfo:
    name = (business.get("bookingPageSettings") or {}).get("businessTimeZone") or "UTC"
    return ZoneInfo(name)


def graph_time(moment: datetime) -> Doc:
    """{"dateTime": "2018-05-01T12:00:00.0000000Z", "timeZone": "UTC"}, as Bookings answers."""
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"), "timeZone": "UTC"}


def parse_duration(value: str) -> timedelta:
    found = _DURATION.match(value or "")
    if not found:
        return timedelta(0)
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def iso_duration(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text if text != "PT" else "PT0S"


def _instant(value: Doc, name: str) -> datetime:
    """A dateTimeTimeZone as an aware instant: an offset in dateTime wins, else timeZone (IANA or UTC)."""
    text = str(value["dateTime"])
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise request_body_read(f"Cannot convert the literal '{text}' to the expected type 'Edm.String'.") from exc
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone_name = value.get("timeZone") or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphError(400, "InvalidModel", f"{name}.timeZone: '{zone_name}' is not a valid time zone.") from exc
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _query_instant(request: web.Request, name: str) -> datetime:
    text = request.query.get(name)
    if not text:
        raise bad_query(f"The required parameter '{name}' is missing.")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_query(f"The parameter '{name}' is not a valid DateTimeOffset: '{text}'.") from exc
    if moment.tzinfo is None:
        raise bad_query(f"The parameter '{name}' needs an offset or Z: '{text}'.")
    return moment.astimezone(UTC)


def _time_of_day(text: str) -> time:
    return datetime.strptime(text[:8], "%H:%M:%S").time()


def _starts(appointment: Doc) -> datetime:
    return datetime.fromisoformat(appointment["start"]["dateTime"].replace("Z", "+00:00"))


def _ends(appointment: Doc) -> datetime:
    return datetime.fromisoformat(appointment["end"]["dateTime"].replace("Z", "+00:00"))


def _appointments(request: web.Request, business: Doc) -> list[Doc]:
    return request.app[STORE].all_of("appointment", business["id"])


def _as_listed(appointment: Doc) -> Doc:
    return {**{k: v for k, v in appointment.items() if k not in _LIST_OMITS}, **_LIST_BLANKS}


def _context(business: Doc, collection: str) -> str:
    return context(f"solutions/bookingBusinesses('{key_literal(business['id'])}')/{collection}")
