"""Every Graph call of the Bookings desk, with the manager's delegated token. Ids only ever travel as path
segments (percent-encoded one by one by the client) and no text a manager typed is ever sent to Graph: searches
are filtered here, on our side, since Graph documents no `$filter` or `$search` on customers (NOTES §3)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from yarl import URL

from bot.auth.scopes import CUSTOMER_SCOPES
from bot.auth.tokens import UserIdentity
from bot.bookings.model import (
    Appointment,
    Business,
    Service,
    Staff,
    appointment_of,
    business_of,
    service_of,
    staff_of,
)
from bot.graph.client import GraphClient
from bot.graph.errors import GraphError

log = logging.getLogger("managerdesk.bookings")

# BookingsAppointment.ReadWrite.All covers every call here, reads and writes (NOTES §4).
SCOPES = CUSTOMER_SCOPES
ROOT = ("solutions", "bookingBusinesses")
# Bookings allows four concurrent requests per app and mailbox (NOTES §6).
MAX_CONCURRENT = 4

T = TypeVar("T")


@dataclass(frozen=True)
class Scan:
    """A bounded read of a collection: `complete` is False when it stopped with pages left."""

    items: list[dict[str, Any]]
    complete: bool


class BookingsDirectory:
    def __init__(self, graph: GraphClient, graph_base_url: str) -> None:
        self.graph = graph
        self.base = URL(graph_base_url.rstrip("/"))

    # --- businesses -----------------------------------------------------------------------------------
    async def businesses(self, user: UserIdentity) -> list[tuple[str, str]]:
        """(display name, id) of the businesses the manager can see."""
        found = await self.graph.get_all(user, SCOPES, *ROOT)
        return [(str(b.get("displayName") or b["id"]), str(b["id"])) for b in found if b.get("id")]

    async def business(self, user: UserIdentity, business_id: str) -> Business:
        return business_of(await self.graph.get(user, SCOPES, *ROOT, business_id))

    async def services(self, user: UserIdentity, business_id: str) -> list[Service]:
        found = await self.graph.get_all(user, SCOPES, *ROOT, business_id, "services")
        return [service_of(s) for s in found if s.get("id")]

    async def staff(self, user: UserIdentity, business_id: str) -> list[Staff]:
        found = await self.graph.get_all(user, SCOPES, *ROOT, business_id, "staffMembers")
        return [staff_of(s) for s in found if s.get("id")]

    # --- customers ------------------------------------------------------------------------------------
    async def scan_customers(self, user: UserIdentity, business_id: str, max_pages: int) -> Scan:
        """Up to `max_pages` pages of the customer list. A next link is followed only when it points at the
        same collection on the same Graph host; anything else ends the scan as incomplete."""
        segments = (*ROOT, business_id, "customers")
        expected = self.graph.url(*segments)
        params: dict[str, str] | None = None
        items: list[dict[str, Any]] = []
        for _ in range(max_pages):
            page = await self.graph.get(user, SCOPES, *segments, params=params)
            items.extend(c for c in page.get("value") or [] if isinstance(c, dict))
            link = page.get("@odata.nextLink")
            if not link:
                return Scan(items, complete=True)
            params = _same_collection_query(str(link), expected)
            if params is None:
                log.warning("bookings: customers next link left the collection; scan stopped")
                return Scan(items, complete=False)
        return Scan(items, complete=False)

    async def customer(self, user: UserIdentity, business_id: str, customer_id: str) -> dict[str, Any]:
        return await self.graph.get(user, SCOPES, *ROOT, business_id, "customers", customer_id)

    async def update_customer(
        self, user: UserIdentity, business_id: str, customer_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.graph.patch(user, SCOPES, *ROOT, business_id, "customers", customer_id, body=body)

    async def delete_customer(self, user: UserIdentity, business_id: str, customer_id: str) -> None:
        await self.graph.delete(user, SCOPES, *ROOT, business_id, "customers", customer_id)

    # --- appointments ---------------------------------------------------------------------------------
    async def calendar_view(
        self, user: UserIdentity, business_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        params = {"start": start.isoformat(), "end": end.isoformat()}
        found = await self.graph.get_all(user, SCOPES, *ROOT, business_id, "calendarView", params=params)
        appointments = [a for a in (appointment_of(doc) for doc in found) if a is not None]
        return sorted(appointments, key=lambda a: (a.start, a.end))

    async def with_customers(
        self, user: UserIdentity, business_id: str, appointments: list[Appointment]
    ) -> list[Appointment]:
        """Lists leave `customers` empty (NOTES §7 item 22): reads those appointments one by one, four at a time.
        An appointment that cannot be read keeps what the list said."""

        async def read(appointment: Appointment) -> Appointment:
            if appointment.has_customers:
                return appointment
            try:
                doc = await self.graph.get(user, SCOPES, *ROOT, business_id, "appointments", appointment.id)
            except GraphError as error:
                log.warning("bookings: appointment read failed status=%s request-id=%s", error.status, error.request_id)
                return appointment
            return appointment_of(doc) or appointment

        return await gather_bounded([functools.partial(read, a) for a in appointments], MAX_CONCURRENT)

    async def create_appointment(self, user: UserIdentity, business_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.graph.post(user, SCOPES, *ROOT, business_id, "appointments", body=body)


def _same_collection_query(link: str, expected: URL) -> dict[str, str] | None:
    """The query of a next link if it names the very collection we asked for (same scheme, host, port, path)."""
    try:
        url = URL(link, encoded=True)
    except ValueError:
        return None
    same_place = url.absolute and url.origin() == expected.origin()
    if not same_place or _segments(url) != _segments(expected):
        return None
    return {key: value for key, value in url.query.items()}


def _segments(url: URL) -> list[str]:
    return [unquote(segment).casefold() for segment in url.raw_path.split("/")]


async def gather_bounded(calls: Sequence[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    return list(await asyncio.gather(*(one(call) for call in calls)))
