"""`/customers <text>`: find customers in the manager's Bookings businesses; then Delete (confirm, DELETE, and a
5xx checked with a GET before it is called a failure). Edit and Book are forms (edit.py, booking.py)."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from babel.dates import format_date

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.bookings.directory import BookingsDirectory, gather_bounded
from bot.bookings.model import KIND_DELETE, Customer, customer_of
from bot.bookings.search import Query, matches, parse_query, recency
from bot.bookings.turns import ids_of, stale
from bot.flows import ACTION_BUDGET_SECONDS, FormFlow
from bot.forms import FORM_ID, FormRecord, FormStore
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound, GraphUnavailable
from bot.i18n import Lang, t
from bot.services import Services
from bot.turn import Reply, Turn
from cards.bookings import CustomerRow, SearchView, delete_confirm_card, outcome_card, search_card
from cards.common import notice_card

log = logging.getLogger("managerdesk.bookings")

CLAIM = "claimUntil"  # in a delete confirmation's context: a press is deleting until then
CLAIM_GRACE_SECONDS = 10.0
CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class BusinessRef:
    id: str
    name: str


class NoBusiness(Exception):
    """No business can be used; the message (already worded) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def businesses_of(services: Services, directory: BookingsDirectory, turn: Turn) -> list[BusinessRef]:
    """The configured business, or every business Graph lists for the manager."""
    try:
        listed = await directory.businesses(turn.user)
    except GraphError as error:
        log.warning("bookings: listing businesses failed status=%s request-id=%s", error.status, error.request_id)
        raise NoBusiness(t(turn.lang, "bookings.list_failed", code=error.code or error.status)) from error
    configured = services.settings.booking_business_id
    if configured:
        name = next((n for n, bid in listed if bid.casefold() == configured.casefold()), configured)
        return [BusinessRef(configured, name)]
    if not listed:
        raise NoBusiness(t(turn.lang, "bookings.no_business"))
    return [BusinessRef(bid, name) for name, bid in listed]


def business_problem(error: GraphError, business: BusinessRef, lang: Lang) -> str:
    if isinstance(error, GraphForbidden):
        return t(lang, "bookings.not_staff", business=business.name)
    return t(lang, "bookings.business_failed", business=business.name, code=error.code or error.status)


@dataclass(frozen=True)
class Found:
    """One business's part of a search."""

    business: BusinessRef
    customers: list[Customer]
    scanned: int = 0
    complete: bool = True
    problem: str | None = None  # already worded: why the business could not be searched


class CustomerSearch:
    max_pages: ClassVar[int] = 10  # per business: about a thousand customers at Graph's usual page size
    max_shown: ClassVar[int] = 10

    def __init__(self, services: Services, directory: BookingsDirectory) -> None:
        self.services = services
        self.directory = directory

    async def run(self, turn: Turn, text: str) -> Reply:
        query = parse_query(text)
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                businesses = await businesses_of(self.services, self.directory, turn)
                searches = [functools.partial(self._search, turn, b, query) for b in businesses]
                results = await gather_bounded(searches, 2)
        except NoBusiness as problem:
            return Reply.new_card(notice_card(turn.lang, t(turn.lang, "bookings.search_title"), [problem.message]))
        rows = sorted(((c, r.business) for r in results for c in r.customers), key=lambda row: recency(row[0]))
        view = SearchView(
            query=text.strip(),
            rows=[self._row(customer, business, turn.lang) for customer, business in rows[: self.max_shown]],
            matches=len(rows),
            scanned=sum(r.scanned for r in results),
            complete=all(r.complete for r in results),
            show_business=sum(1 for r in results if r.problem is None) > 1,
            notes=[r.problem for r in results if r.problem],
        )
        return Reply.new_card(search_card(view, turn.lang))

    async def _search(self, turn: Turn, business: BusinessRef, query: Query) -> Found:
        try:
            scan = await self.directory.scan_customers(turn.user, business.id, self.max_pages)
        except GraphError as error:
            log.warning("bookings: customer scan failed status=%s request-id=%s", error.status, error.request_id)
            return Found(business, [], problem=business_problem(error, business, turn.lang))
        customers = [customer_of(doc) for doc in scan.items if doc.get("id")]
        found = [c for c in customers if query.empty or matches(c, query)]
        return Found(business, found, len(scan.items), scan.complete)

    @staticmethod
    def _row(customer: Customer, business: BusinessRef, lang: Lang) -> CustomerRow:
        added = format_date(customer.created.date(), "medium", locale=lang) if customer.created else ""
        return CustomerRow(
            business_id=business.id,
            business_name=business.name,
            customer_id=customer.id,
            name=customer.name,
            email=customer.email,
            phones=customer.phones,
            added=added,
        )


class CustomerDelete:
    """Delete with a confirmation. The confirmation is a stored record (kind customer-delete): it is done once,
    and every later press of its buttons shows the same outcome without calling Graph again."""

    def __init__(self, services: Services, directory: BookingsDirectory) -> None:
        self.forms: FormStore = services.forms
        self.directory = directory

    async def ask(self, turn: Turn) -> Reply:
        ids = ids_of(turn, "businessId", "customerId")
        if ids is None:
            return stale(turn)
        business_id, customer_id = ids
        title = t(turn.lang, "bookings.delete_title")
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                doc = await self.directory.customer(turn.user, business_id, customer_id)
        except GraphNotFound:
            return Reply.in_place(notice_card(turn.lang, title, [t(turn.lang, "bookings.customer_gone")]))
        except GraphForbidden as error:
            line = t(turn.lang, "bookings.delete_not_staff")
            return Reply.in_place(notice_card(turn.lang, title, [line], error.request_id))
        except GraphError as error:
            line = t(turn.lang, "bookings.delete_failed", code=error.code or error.status)
            return Reply.in_place(notice_card(turn.lang, title, [line], error.request_id))
        customer = customer_of(doc)
        context = {"businessId": business_id, "customerId": customer_id, "name": customer.name, "email": customer.email}
        record = await self.forms.create(KIND_DELETE, turn.user.aad_object_id, {}, **context)
        record.conversation = turn.conversation_id
        await self.forms.save(record)
        return Reply.in_place(delete_confirm_card(record.form_id, self._pairs(record, turn.lang), turn.lang))

    async def keep(self, turn: Turn) -> Reply:
        return await self._settle(turn, self._cancel)

    async def confirm(self, turn: Turn) -> Reply:
        return await self._settle(turn, self._delete)

    async def _settle(self, turn: Turn, change: Callable[[Turn, FormRecord], Awaitable[None]]) -> Reply:
        """Applies `change` once to a confirmation still open; every press after that shows the outcome.

        Once-logic in one place, through the form store only: the press that saves its claim first runs the
        change; a press that finds a live claim sends nothing. With the shared store's conditional writes (the
        `once` branch: `save` answers False when someone wrote first) this holds across instances."""
        async with self._interim_lock(turn):
            for _ in range(CLAIM_ATTEMPTS):
                record = await self._record(turn)
                if record is None:
                    return stale(turn)
                if refused := FormFlow.refusal(turn, record):
                    return refused
                claim = record.context.get(CLAIM)
                if isinstance(claim, (int, float)) and claim > time.time() and record.status == "open":
                    pairs = self._pairs(record, turn.lang)
                    busy = t(turn.lang, "bookings.deleting")
                    return Reply.in_place(delete_confirm_card(record.form_id, pairs, turn.lang, problem=busy))
                if record.status != "open":
                    return Reply.in_place(self._outcome(record, turn.lang))
                record.context[CLAIM] = time.time() + ACTION_BUDGET_SECONDS + CLAIM_GRACE_SECONDS
                # The shared store's `save` answers False when someone wrote first; SQLite's answers nothing.
                saved = await cast(Awaitable[object], self.forms.save(record))
                if saved is False:
                    continue  # another press claimed it first: read again
                with deadline(ACTION_BUDGET_SECONDS):
                    await change(turn, record)
                record.context.pop(CLAIM, None)
                await self.forms.save(record)
                return Reply.in_place(self._outcome(record, turn.lang))
        return stale(turn)

    def _interim_lock(self, turn: Turn) -> AbstractAsyncContextManager[None]:
        """Interim, until the shared store's conditional writes are on main: the SQLite form store answers every
        save with success, so two overlapping presses in this process are kept apart by its lock. The conditional
        store has no such lock and needs none."""
        exclusive = getattr(self.forms, "exclusive", None)
        form_id = str(turn.data.get(FORM_ID) or "")
        return exclusive(form_id) if exclusive is not None else contextlib.nullcontext()

    @staticmethod
    async def _cancel(turn: Turn, record: FormRecord) -> None:
        record.status = "cancelled"

    async def _delete(self, turn: Turn, record: FormRecord) -> None:
        """Sends the DELETE once. A 5xx or no answer may come after the delete happened (docs-contrib #9012):
        a GET then decides: 404 is deleted, 200 is not, anything else stays unknown (and is never re-sent
        blindly: the manager is told to look first)."""
        business_id, customer_id = record.context["businessId"], record.context["customerId"]
        if (record.result or {}).get("outcome") == "unknown":
            # An earlier answer left it open: look before sending anything again.
            looked = await self._check(turn, business_id, customer_id)
            if looked != "failed":
                record.result = {**(record.result or {}), "outcome": looked}
                record.status = "done" if looked == "checked" else "open"
                return
        try:
            await self.directory.delete_customer(turn.user, business_id, customer_id)
            record.status, record.result = "done", {"outcome": "deleted"}
            return
        except GraphNotFound:
            record.status, record.result = "done", {"outcome": "already"}
            return
        except GraphUnavailable as error:
            log.warning("bookings: delete answered status=%s request-id=%s; checking", error.status, error.request_id)
            record.result = {"outcome": await self._check(turn, business_id, customer_id), **_error_of(error)}
        except GraphError as error:
            log.warning("bookings: delete refused status=%s request-id=%s", error.status, error.request_id)
            record.result = {"outcome": "failed", **_error_of(error)}
        if record.result["outcome"] == "checked":
            record.status = "done"

    async def _check(self, turn: Turn, business_id: str, customer_id: str) -> str:
        try:
            await self.directory.customer(turn.user, business_id, customer_id)
        except GraphNotFound:
            return "checked"
        except GraphError:
            return "unknown"
        return "failed"

    def _outcome(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        result = record.result or {}
        pairs = self._pairs(record, lang)
        if record.status == "cancelled":
            return outcome_card(lang, t(lang, "bookings.kept_title"), pairs)
        if record.status == "open" and not result:
            return delete_confirm_card(record.form_id, pairs, lang)
        outcome = result.get("outcome")
        code = result.get("code") or ""
        request_id = result.get("requestId")
        if outcome == "deleted":
            return outcome_card(lang, t(lang, "bookings.deleted_title"), pairs)
        if outcome == "already":
            return outcome_card(lang, t(lang, "bookings.deleted_title"), pairs, [t(lang, "bookings.deleted_already")])
        if outcome == "checked":
            lines = [t(lang, "bookings.delete_checked")]
            return outcome_card(lang, t(lang, "bookings.deleted_title"), pairs, lines, request_id=request_id)
        key = "bookings.delete_unconfirmed" if outcome == "unknown" else "bookings.delete_failed"
        # Not done: the card keeps its buttons, so the manager can try again once they know more.
        return delete_confirm_card(record.form_id, pairs, lang, problem=t(lang, key, code=code), request_id=request_id)

    @staticmethod
    def _pairs(record: FormRecord, lang: Lang) -> list[tuple[str, str]]:
        pairs = [(t(lang, "bookings.name"), str(record.context.get("name") or t(lang, "bookings.unknown")))]
        if record.context.get("email"):
            pairs.append((t(lang, "bookings.email"), str(record.context["email"])))
        return pairs

    async def _record(self, turn: Turn) -> FormRecord | None:
        return await self.forms.load(str(turn.data.get(FORM_ID) or ""), KIND_DELETE)


def _error_of(error: GraphError) -> dict[str, Any]:
    return {"code": error.code or str(error.status), "requestId": error.request_id or error.client_request_id}
