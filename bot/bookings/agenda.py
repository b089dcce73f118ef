"""`/agenda [day]`: a business's appointments for a day, read with calendarView between the business's local
midnights, shown in the business's time zone and, when it differs, in the manager's. Lists leave `customers`
empty, so the appointments that lack one are read one by one (four at a time)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.bookings.booking import day_bounds
from bot.bookings.customers import BusinessRef, NoBusiness, business_problem, businesses_of
from bot.bookings.directory import BookingsDirectory, gather_bounded
from bot.bookings.model import Appointment
from bot.bookings.turns import ids_of, stale
from bot.flows import ACTION_BUDGET_SECONDS
from bot.graph.client import deadline
from bot.graph.errors import GraphError
from bot.i18n import Lang, t, tn
from bot.services import Services
from bot.shift.parser import parse_args
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.bookings import AgendaItem, AgendaView, agenda_card, outcome_card
from cards.common import notice_card

Clock = Callable[[], datetime]


class Agenda:
    def __init__(self, services: Services, directory: BookingsDirectory, now: Clock | None = None) -> None:
        self.services = services
        self.directory = directory
        self.now: Clock = now or (lambda: datetime.now(UTC))

    async def command(self, turn: Turn, args: str) -> list[Reply]:
        title = t(turn.lang, "bookings.agenda_title")
        day = self.parse_day(turn, args)
        if day is None:
            return [
                Reply.new_card(outcome_card(turn.lang, title, [], [t(turn.lang, "bookings.agenda_usage", text=args)]))
            ]
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                businesses = await businesses_of(self.services, self.directory, turn)
                views = await gather_bounded([functools.partial(self._try_view, turn, b, day) for b in businesses], 2)
        except NoBusiness as problem:
            return [Reply.new_card(notice_card(turn.lang, title, [problem.message]))]
        shown = [view for view in views if isinstance(view, AgendaView)]
        problems = [view for view in views if isinstance(view, str)]
        if not shown:
            return [Reply.new_card(outcome_card(turn.lang, title, [], problems))]
        shown[0] = dataclasses.replace(shown[0], notes=[*shown[0].notes, *problems])
        return [Reply.new_card(agenda_card(view, turn.lang)) for view in shown]

    async def show(self, turn: Turn) -> Reply:
        """The Previous day / Next day / See the agenda buttons: one business, one day, in place."""
        ids = ids_of(turn, "businessId", "date")
        day = _iso_day(ids[1]) if ids else None
        if ids is None or day is None:
            return stale(turn)
        view = await self._try_view(turn, BusinessRef(ids[0], ids[0]), day)
        if isinstance(view, str):
            return Reply.in_place(outcome_card(turn.lang, t(turn.lang, "bookings.agenda_title"), [], [view]))
        return Reply.in_place(agenda_card(view, turn.lang))

    def parse_day(self, turn: Turn, args: str) -> date | None:
        today = self.now().astimezone(load_zone(turn.timezone)).date()
        if not args.strip():
            return today
        prefill = parse_args(args, today)
        understood_only_a_day = prefill.day and not (
            prefill.words or prefill.start or prefill.end or prefill.label or prefill.theme
        )
        return prefill.day if understood_only_a_day else None

    async def _try_view(self, turn: Turn, business: BusinessRef, day: date) -> AgendaView | str:
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                return await self._view(turn, business, day)
        except GraphError as error:
            return business_problem(error, business, turn.lang)

    async def _view(self, turn: Turn, ref: BusinessRef, day: date) -> AgendaView:
        user, lang = turn.user, turn.lang
        business, staff_list = await asyncio.gather(
            self.directory.business(user, ref.id), self.directory.staff(user, ref.id)
        )
        staff = {s.id.casefold(): s.name for s in staff_list}
        start, end = day_bounds(day, business.zone)
        appointments = await self.directory.calendar_view(user, ref.id, start, end)
        appointments = await self.directory.with_customers(user, ref.id, appointments)
        zone = load_zone(business.zone)
        mine = _manager_zone(turn, zone)
        items = [self._item(a, zone, mine, staff, lang) for a in appointments]
        unread = sum(1 for a in appointments if not a.has_customers)
        zone_text = (
            t(lang, "bookings.zone_both", zone=zone, mine=mine) if mine else t(lang, "bookings.zone_same", zone=zone)
        )
        return AgendaView(
            business_id=ref.id,
            business_name=business.name,
            day=day.isoformat(),
            day_text=format_date(day, "full", locale=lang),
            zone_text=zone_text,
            items=items,
            notes=[tn(lang, "bookings.customers_need_read", unread)] if unread else [],
            previous_day=(day - timedelta(days=1)).isoformat(),
            next_day=(day + timedelta(days=1)).isoformat(),
        )

    @staticmethod
    def _item(a: Appointment, zone: ZoneInfo, mine: ZoneInfo | None, staff: dict[str, str], lang: Lang) -> AgendaItem:
        when = _span(a, zone)
        if mine:
            when += f" ({t(lang, 'bookings.your_time', time=_span(a, mine))})"
        names = ", ".join(staff.get(s.casefold(), s) for s in a.staff_ids)
        return AgendaItem(when=when, service=a.service_name, staff=names, customer=a.customer_name)


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _manager_zone(turn: Turn, business_zone: ZoneInfo) -> ZoneInfo | None:
    """The manager's zone (the activity's localTimezone) when it is known and not the business's."""
    if not turn.timezone:
        return None
    mine = load_zone(turn.timezone)
    unknown = str(mine) == "UTC" and turn.timezone not in ("UTC", "Etc/UTC")
    return None if unknown or str(mine) == str(business_zone) else mine


def _span(a: Appointment, zone: ZoneInfo) -> str:
    start, end = a.start.astimezone(zone), a.end.astimezone(zone)
    text = f"{start:%H:%M}–{end:%H:%M}"
    return text if end.date() == start.date() else f"{text} (+1)"
