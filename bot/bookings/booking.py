"""Book an appointment for a customer, from a customer's card or from /agenda: choose the service, the staff
member and the start; the duration comes from the service; `POST …/appointments` with the customer's details.

Exactly once: Bookings has answered 500 to creates that happened (NOTES §5), so an unknown outcome is never
retried blindly. After any attempt whose answer was lost, `find_existing` looks in the calendarView for the
same customer, staff member and start before anything is posted again."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from babel.dates import format_date

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.bookings.directory import BookingsDirectory
from bot.bookings.model import KIND_APPOINTMENT, Appointment, Business, Customer, customer_of
from bot.bookings.payload import appointment_body
from bot.bookings.search import recency
from bot.bookings.turns import ids_of, stale
from bot.bookings.validation import NewAppointment, validate_booking
from bot.flows import FormFlow, FormView
from bot.forms import FormRecord
from bot.graph.errors import GraphBadRequest, GraphError, GraphForbidden, GraphNotFound, GraphUnavailable
from bot.i18n import Lang, t
from bot.services import Services
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.bookings import AGENDA, DATE, START, BookingForm, action, booking_form_card, outcome_card
from cards.common import notice_card

log = logging.getLogger("managerdesk.bookings")

MAX_CUSTOMER_CHOICES = 50


class AppointmentFlow(FormFlow):
    kind = KIND_APPOINTMENT

    def __init__(self, services: Services, directory: BookingsDirectory) -> None:
        super().__init__(services)
        self.directory = directory

    # --- opening ----------------------------------------------------------------------------------------------
    async def start(self, turn: Turn) -> Reply:
        """The Book button: data carries businessId, and customerId (customer card) or date (agenda)."""
        ids = ids_of(turn, "businessId")
        if ids is None:
            return stale(turn)
        [business_id] = ids
        values = {DATE: str(turn.data.get("date") or "")} if turn.data.get("date") else {}
        try:
            reply = await self.open(
                turn, values, businessId=business_id, customerId=str(turn.data.get("customerId") or "")
            )
        except GraphNotFound as error:
            card = notice_card(
                turn.lang,
                t(turn.lang, "bookings.form_title"),
                [t(turn.lang, "bookings.customer_gone")],
                error.request_id,
            )
            return Reply.in_place(card)
        except GraphError as error:
            reason = self.explain(error, turn.lang).banner or ""
            card = notice_card(
                turn.lang,
                t(turn.lang, "bookings.form_title"),
                [t(turn.lang, "bookings.open_failed", reason=reason)],
                error.request_id,
            )
            return Reply.in_place(card)
        return Reply.in_place(reply.card or {})

    async def prepare(self, turn: Turn, record: FormRecord) -> None:
        business_id = str(record.context["businessId"])
        customer_id = str(record.context.pop("customerId", "") or "")
        user, directory = turn.user, self.directory
        business, services, staff, customers = await asyncio.gather(  # four at most: Bookings' limit (NOTES §6)
            directory.business(user, business_id),
            directory.services(user, business_id),
            directory.staff(user, business_id),
            self._customers(turn, business_id, customer_id),
        )
        record.context.update(business_context(business))
        # No day given (a customer's card): today in the business's zone, as the shift form does.
        record.values.setdefault(DATE, datetime.now(UTC).astimezone(load_zone(business.zone)).date().isoformat())
        record.context["services"] = [
            [s.name, s.id, int(s.duration.total_seconds() // 60), list(s.staff_ids)] for s in services
        ]
        record.context["staff"] = [[s.name, s.id] for s in staff]
        if customer_id:
            record.context["customer"] = customer_info(customers[0].raw)
        else:
            record.context["customers"] = [[_customer_title(c.name, c.email), c.id] for c in customers]
            record.context["customerInfo"] = {c.id: customer_info(c.raw) for c in customers}

    async def _customers(self, turn: Turn, business_id: str, customer_id: str) -> list[Customer]:
        """The customer the form is for, or the most recent ones to choose from."""
        if customer_id:
            return [customer_of(await self.directory.customer(turn.user, business_id, customer_id))]
        scan = await self.directory.scan_customers(turn.user, business_id, max_pages=5)
        customers = sorted((customer_of(c) for c in scan.items if c.get("id")), key=recency)
        return customers[:MAX_CUSTOMER_CHOICES]

    # --- rendering --------------------------------------------------------------------------------------------
    def render_form(self, record: FormRecord, lang: Lang, view: FormView) -> dict[str, Any]:
        context = record.context
        customer = context.get("customer")
        fixed = _customer_lines(customer, lang) if isinstance(customer, dict) else []
        minutes = {sid: m for _, sid, m, _ in context.get("services", [])}
        form = BookingForm(
            form_id=record.form_id,
            values=record.values,
            business_name=str(context.get("businessName") or ""),
            zone_note=t(lang, "bookings.zone_same", zone=context.get("zone") or "UTC"),
            customer=fixed,
            customers=[(title, cid) for title, cid in context.get("customers", [])],
            services=[
                (f"{name} ({t(lang, 'bookings.minutes', minutes=minutes[sid])})", sid)
                for name, sid, _, _ in context.get("services", [])
            ],
            staff=[(name, sid) for name, sid in context.get("staff", [])],
            errors=view.errors,
            banner=view.banner,
            banner_color=view.banner_color,
            details=view.details(lang),
        )
        return booking_form_card(form, lang)

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        result = record.result or {}
        zone = load_zone(result.get("zone"))
        start = datetime.fromisoformat(str(result["start"])).astimezone(zone)
        end = datetime.fromisoformat(str(result["end"])).astimezone(zone)
        when = f"{format_date(start.date(), 'full', locale=lang)}, {start:%H:%M}–{end:%H:%M} ({zone})"
        pairs = [
            (t(lang, "bookings.customer"), str(result.get("customer") or "")),
            (t(lang, "bookings.service"), str(result.get("service") or "")),
            (t(lang, "bookings.staff"), str(result.get("staff") or "")),
            (t(lang, "bookings.when"), when),
            (t(lang, "bookings.business"), str(result.get("businessName") or "")),
            (t(lang, "bookings.appointment_id"), str(result.get("id") or "")),
        ]
        see = action(
            t(lang, "bookings.see_agenda"),
            AGENDA,
            {"businessId": str(result.get("businessId") or ""), "date": start.date().isoformat()},
        )
        return outcome_card(lang, t(lang, "bookings.booked_title"), pairs, actions=[see])

    # --- submitting -------------------------------------------------------------------------------------------
    def validate(self, record: FormRecord, lang: Lang) -> tuple[NewAppointment | None, dict[str, str]]:
        return validate_booking(record.values, record.context, lang)

    async def create(self, turn: Turn, record: FormRecord, payload: NewAppointment) -> dict[str, Any] | FormView:
        if record.context.get("attempted"):
            found = await self.find_existing(turn, record, payload)
            if found is not None:
                return found
        busy = await self._busy(turn, payload)
        if busy is not None:
            return self._busy_view(busy, payload, turn.lang)
        record.context["attempted"] = True
        await self.forms.save(record)
        try:
            created = await self.directory.create_appointment(turn.user, payload.business_id, appointment_body(payload))
        except GraphUnavailable as error:
            found = await self._look_after_failure(turn, record, payload)
            if found is not None:
                log.info("bookings: appointment create answered %s but the appointment exists", error.status)
                return found
            raise
        return self._result(record, payload, str(created.get("id") or ""))

    async def find_existing(self, turn: Turn, record: FormRecord, payload: NewAppointment) -> dict[str, Any] | None:
        """The appointment this form may already have made — same start, same staff member, same customer —
        as the result to keep; None when there is none and posting is safe."""
        view = await self.directory.calendar_view(turn.user, payload.business_id, payload.start, payload.end)
        same_slot = [a for a in view if a.start == payload.start and payload.staff_id in a.staff_ids]
        same_slot = await self.directory.with_customers(turn.user, payload.business_id, same_slot)
        wanted = str(payload.customer.get("id") or "")
        found = next((a for a in same_slot if a.customer_id == wanted), None)
        return self._result(record, payload, found.id) if found else None

    async def _look_after_failure(
        self, turn: Turn, record: FormRecord, payload: NewAppointment
    ) -> dict[str, Any] | None:
        try:
            return await self.find_existing(turn, record, payload)
        except GraphError as error:
            log.warning("bookings: look-up after a failed create failed status=%s", error.status)
            return None

    async def _busy(self, turn: Turn, payload: NewAppointment) -> Appointment | None:
        view = await self.directory.calendar_view(turn.user, payload.business_id, payload.start, payload.end)
        return next((a for a in view if payload.staff_id in a.staff_ids), None)

    @staticmethod
    def _busy_view(busy: Appointment, payload: NewAppointment, lang: Lang) -> FormView:
        zone = load_zone(payload.zone)
        text = t(
            lang,
            "bookings.staff_busy",
            staff=payload.staff_name,
            start=f"{busy.start.astimezone(zone):%H:%M}",
            end=f"{busy.end.astimezone(zone):%H:%M}",
        )
        # The banner quotes the staff member's name (shown literally); the field's message does not need to.
        short = t(
            lang,
            "bookings.busy_short",
            start=f"{busy.start.astimezone(zone):%H:%M}",
            end=f"{busy.end.astimezone(zone):%H:%M}",
        )
        return FormView(errors={START: short}, banner=text)

    @staticmethod
    def _result(record: FormRecord, payload: NewAppointment, appointment_id: str) -> dict[str, Any]:
        return {
            "id": appointment_id,
            "businessId": payload.business_id,
            "businessName": record.context.get("businessName") or payload.business_id,
            "customer": payload.customer.get("name") or "",
            "service": payload.service_name,
            "staff": payload.staff_name,
            "start": payload.start.isoformat(),
            "end": payload.end.isoformat(),
            "zone": payload.zone,
        }

    # --- Graph failures -----------------------------------------------------------------------------------------
    def explain_unknown(self, error: GraphError, lang: Lang) -> FormView | None:
        return self.explain(error, lang)  # `create` looked after the failure and found nothing

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        if isinstance(error, GraphForbidden):
            return FormView(banner=t(lang, "bookings.book_not_staff"))
        if isinstance(error, GraphNotFound):
            return FormView(banner=t(lang, "bookings.book_gone"))
        if isinstance(error, GraphBadRequest) and "business hours" in error.message.casefold():
            return FormView(banner=t(lang, "bookings.graph_outside_hours"))
        if isinstance(error, GraphUnavailable) and error.status == 500:
            return FormView(banner=t(lang, "bookings.book_refused", code=error.code or error.status))
        return super().explain(error, lang)


def business_context(business: Business) -> dict[str, Any]:
    hours = {
        str(day): [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in slots]
        for day, slots in business.hours.items()
    }
    return {"businessName": business.name, "zone": business.zone, "hours": hours}


def customer_info(doc: dict[str, Any]) -> dict[str, str]:
    customer = customer_of(doc)
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phones[0] if customer.phones else "",
    }


def _customer_title(name: str, email: str) -> str:
    return f"{name} — {email}" if email else name


def _customer_lines(customer: dict[str, str], lang: Lang) -> list[tuple[str, str]]:
    pairs = [(t(lang, "bookings.customer"), customer.get("name") or t(lang, "bookings.unknown"))]
    if customer.get("email"):
        pairs.append((t(lang, "bookings.email"), customer["email"]))
    if customer.get("phone"):
        pairs.append((t(lang, "bookings.phone"), customer["phone"]))
    return pairs


def day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight in the business's zone (23 or 25 hours on clock-change days)."""
    zone = load_zone(zone_name)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start, end
