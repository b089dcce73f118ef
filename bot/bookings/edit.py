"""Edit a customer found with /customers: the New customer form, prefilled from Graph, validated by the same
code (bot/customer), saved with `PATCH …/customers/{id}`. A PATCH sets the same fields to the same values however
often it is sent, so a press that timed out can simply be pressed again."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.bookings.directory import BookingsDirectory
from bot.bookings.model import KIND_EDIT
from bot.bookings.turns import ids_of, stale
from bot.customer.flow import CustomerFlow, field_message, graph_field
from bot.customer.model import (
    ADDRESS_TEXT_FIELDS,
    ADDRESSES,
    BUSINESS,
    DISPLAY_NAME,
    EMAIL,
    NUMBER,
    PHONES,
    TYPE,
    NewCustomer,
    row_key,
)
from bot.customer.payload import customer_body
from bot.flows import ACTION_BUDGET_SECONDS, FormView
from bot.forms import FormRecord
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound, GraphUnauthorized, GraphUnavailable
from bot.i18n import Lang, t
from bot.services import Services
from bot.turn import Reply, Turn
from cards.bookings import BOOK, action, outcome_card
from cards.common import notice_card
from cards.customer import CustomerForm, format_address, format_phone


class CustomerEditFlow(CustomerFlow):
    kind = KIND_EDIT

    def __init__(self, services: Services, directory: BookingsDirectory) -> None:
        super().__init__(services)
        self.directory = directory

    def edits_existing(self, record: FormRecord) -> bool:
        return True

    async def start(self, turn: Turn) -> Reply:
        """The Edit button of a search result: reads the customer and its business, then opens the form."""
        ids = ids_of(turn, "businessId", "customerId")
        if ids is None:
            return stale(turn)
        business_id, customer_id = ids
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                doc, business = await asyncio.gather(
                    self.directory.customer(turn.user, business_id, customer_id),
                    self.directory.business(turn.user, business_id),
                )
        except GraphError as error:
            line = self.explain(error, turn.lang).banner or ""
            card = notice_card(turn.lang, t(turn.lang, "bookings.edit_title"), [line], error.request_id)
            return Reply.in_place(card)
        opened = await self.open(
            turn,
            {BUSINESS: business_id, DISPLAY_NAME: _text(doc, "displayName"), EMAIL: _text(doc, "emailAddress")},
            customer=doc,
            customerId=customer_id,
            originalEmail=_text(doc, "emailAddress"),
            businesses=[(business.name, business_id)],
        )
        return Reply.in_place(opened.card or {})

    async def prepare(self, turn: Turn, record: FormRecord) -> None:
        """Rows for the customer's addresses and phones, as Graph has them."""
        customer = record.context.pop("customer", {})
        for address in customer.get("addresses") or []:
            row = record.add_row(ADDRESSES)
            for name in (*ADDRESS_TEXT_FIELDS, TYPE):
                record.values[row_key(ADDRESSES, row, name)] = _text(address, name)
        for phone in customer.get("phones") or []:
            row = record.add_row(PHONES)
            record.values[row_key(PHONES, row, NUMBER)] = _text(phone, NUMBER)
            record.values[row_key(PHONES, row, TYPE)] = _text(phone, TYPE)

    def styled(self, form: CustomerForm) -> CustomerForm:
        return dataclasses.replace(
            form,
            verb_kind=KIND_EDIT,
            title_key="bookings.edit_title",
            submit_key="bookings.save",
            confirm_key="bookings.save_anyway",
        )

    async def create(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> dict[str, Any] | FormView:
        body = customer_body(payload)
        customer_id = str(record.context["customerId"])
        warning = await self._email_taken(turn, record, payload)
        if warning is not None:
            return warning
        try:
            updated = await self.directory.update_customer(turn.user, payload.business_id, customer_id, body)
        except GraphUnavailable:
            found = await self._look(turn, record, payload)
            if found is None:
                raise
            return found
        return self._result(record, payload, updated)

    async def _email_taken(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> FormView | None:
        """A warning when the email was changed to one another customer of the business already has; "Save anyway"
        covers that business and email only. An email left as it was is not checked again."""
        email = payload.email.casefold()
        if not email or email == str(record.context.get("originalEmail") or "").casefold():
            return None
        if self._duplicate_confirmed(record, payload):
            return None
        existing, _ = await self._same_email(turn, payload)
        others = [c for c in existing if str(c.get("id")) != str(record.context["customerId"])]
        if not others:
            return None
        return await self._warn_duplicate(record, payload, others, turn.lang, "bookings.duplicate_email")

    async def find_existing(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> dict[str, Any] | None:
        """After a Save whose answer was lost: the customer as Graph has it, if it already holds these values
        (the PATCH went through); None otherwise, and saving again is safe."""
        customer_id = str(record.context["customerId"])
        current = await self.directory.customer(turn.user, payload.business_id, customer_id)
        body = customer_body(payload)
        same = all(_comparable(current.get(key)) == _comparable(value) for key, value in body.items())
        return self._result(record, payload, current) if same else None

    async def _look(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> dict[str, Any] | None:
        try:
            return await self.find_existing(turn, record, payload)
        except GraphError:
            return None

    def _result(self, record: FormRecord, payload: NewCustomer, graph: dict[str, Any]) -> dict[str, Any]:
        """What Graph stored, falling back to what was sent for anything it did not echo."""
        body = customer_body(payload)
        result: dict[str, Any] = {key: graph.get(key, value) for key, value in body.items()}
        result["id"] = graph.get("id") or record.context["customerId"]
        result["business"] = {"id": payload.business_id, "name": self._business_name(record, payload.business_id)}
        return result

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        result = record.result or {}
        business = result.get("business") or {}
        pairs = [
            (t(lang, "customer.done_name"), str(result.get("displayName") or "")),
            (t(lang, "customer.done_email"), str(result.get("emailAddress") or t(lang, "customer.none"))),
        ]
        for n, address in enumerate(result.get("addresses") or [], start=1):
            pairs.append((t(lang, "customer.done_address", n=n), format_address(address, lang)))
        for n, phone in enumerate(result.get("phones") or [], start=1):
            pairs.append((t(lang, "customer.done_phone", n=n), format_phone(phone, lang)))
        pairs.append((t(lang, "customer.done_business"), str(business.get("name") or business.get("id") or "")))
        pairs.append((t(lang, "customer.done_id"), str(result.get("id") or "")))
        ids = {"businessId": str(business.get("id") or ""), "customerId": str(result.get("id") or "")}
        book = action(t(lang, "bookings.book"), BOOK, ids, style="positive")
        return outcome_card(lang, t(lang, "bookings.updated_title"), pairs, actions=[book])

    def explain_unknown(self, error: GraphError, lang: Lang) -> FormView | None:
        return self.explain(error, lang)  # `create` looked after the failure and found nothing

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        if isinstance(error, GraphNotFound):
            return FormView(banner=t(lang, "bookings.edit_gone"))
        if isinstance(error, GraphForbidden):
            return FormView(banner=t(lang, "bookings.edit_not_staff"))
        if isinstance(error, GraphUnauthorized):
            return super().explain(error, lang)
        if error.status == 400:
            key = graph_field(error)
            if key:
                return FormView(
                    errors={key: field_message(error.message)}, banner=t(lang, "bookings.edit_refused_field")
                )
            return FormView(banner=t(lang, "bookings.edit_refused"), graph_message=error.message or None)
        if isinstance(error, GraphUnavailable) and error.status in (0, 504):
            return FormView(banner=t(lang, "bookings.edit_unknown"))
        return FormView(banner=t(lang, "bookings.edit_failed", code=error.code or error.status))


def _comparable(value: Any) -> Any:
    """Graph may echo an address or phone with more keys than we send, or null for "": compare what we send."""
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {
            k: v or ""
            for k, v in value.items()
            if k in ("postOfficeBox", "street", "city", "state", "countryOrRegion", "postalCode", "type", "number")
        }
    return value or ""


def _text(doc: Any, key: str) -> str:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else ""
