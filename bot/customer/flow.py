"""The customer form's life: list the businesses, validate, check for a duplicate email, create in Graph."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from cachetools import TTLCache

from bot.auth.scopes import CUSTOMER_SCOPES
from bot.customer.model import (
    ADDRESSES,
    BUSINESS,
    DEFAULT_PHONE_TYPE,
    KIND,
    MAX_ROWS,
    NUMBER,
    PHONES,
    TYPE,
    NewCustomer,
    row_key,
)
from bot.customer.payload import customer_body, email_filter
from bot.customer.validation import validate_customer
from bot.flows import UNKNOWN_SINCE, FormFlow, FormView
from bot.forms import FormRecord
from bot.graph.errors import GraphBadRequest, GraphError, GraphUnavailable
from bot.i18n import Lang, t
from bot.prefs import Preferences
from bot.services import Services
from bot.turn import Turn
from cards.customer import CustomerForm, customer_done_card, customer_form_card

log = logging.getLogger("managerdesk.customer")

CONFIRM_DUPLICATE = "confirm-duplicate"
BUSINESSES_PATH = ("solutions", "bookingBusinesses")
# Whether a manager is on a business's staff, as last read: staff lists change rarely, and a stale answer costs
# nothing worse than Graph's own 403 at create time. Spares every form a Graph read per business.
STAFF_TTL_SECONDS = 300.0
STAFF_CACHE_SIZE = 10_000

# A property Graph names in a 400, as `target` or at the start of the message ("addresses[0].type: …").
_FIELD_REF = re.compile(
    r"\b(?:(?P<top>displayName|emailAddress)|(?P<group>addresses|phones)(?:\[(?P<i>\d+)\]|/(?P<j>\d+))[./]"
    r"(?P<field>street|city|state|postalCode|countryOrRegion|type|number))\b"
)
# An error key naming a row by position, resolved to the row's input id when the form is rendered.
_INDEXED_KEY = re.compile(r"^(?P<group>addresses|phones)\[(?P<i>\d+)\]\.(?P<field>\w+)$")


class CustomerFlow(FormFlow):
    kind = KIND
    row_limits: ClassVar[Mapping[str, int]] = {ADDRESSES: MAX_ROWS, PHONES: MAX_ROWS}

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.prefs = Preferences(services.storage)
        self._outside_staff: TTLCache[tuple[str, str], bool] = TTLCache(STAFF_CACHE_SIZE, STAFF_TTL_SECONDS)

    # --- opening ------------------------------------------------------------------------------------------
    async def prepare(self, turn: Turn, record: FormRecord) -> None:
        for number in record.context.pop("prefill_phones", []):
            row = record.add_row(PHONES)
            record.values[row_key(PHONES, row, NUMBER)] = number
            record.values[row_key(PHONES, row, TYPE)] = DEFAULT_PHONE_TYPE
        businesses = await self._businesses(turn, record)
        configured = self.services.settings.booking_business_id
        if configured and configured not in {b for _, b in businesses}:
            businesses.append((configured, configured))  # Graph will say if it does not exist
        outside = await self._not_staff(turn, [bid for _, bid in businesses if bid != configured])
        staffed = [bid for _, bid in businesses if bid not in outside]
        record.context["businesses"] = [
            (t(turn.lang, "customer.business_not_staff", name=name) if bid in outside else name, bid)
            for name, bid in businesses
        ]
        last = await self.prefs.get(turn.user.aad_object_id, "business")
        if configured:
            record.values.setdefault(BUSINESS, configured)
        elif len(staffed) == 1:
            record.values.setdefault(BUSINESS, staffed[0])
        elif last in staffed:
            record.values.setdefault(BUSINESS, last)

    async def _not_staff(self, turn: Turn, business_ids: list[str]) -> set[str]:
        """The businesses whose customers the manager may not read: Graph answers 403 ErrorFolderNotFound to
        anyone not on a business's staff (NOTES.md). One small read per business not known yet, 4 at a time."""
        gate = asyncio.Semaphore(4)

        async def refused(business_id: str) -> bool:
            key = (turn.user.aad_object_id, business_id.lower())
            if key in self._outside_staff:
                return self._outside_staff[key]
            async with gate:
                try:
                    path = (*BUSINESSES_PATH, business_id, "customers")
                    await self.services.graph.get(turn.user, CUSTOMER_SCOPES, *path, params={"$top": "1"})
                except GraphError as error:
                    if error.status != 403 and "errorfoldernotfound" not in error.codes:
                        return False  # could not tell: offered, and asked again next time
                    self._outside_staff[key] = True
                    return True
                self._outside_staff[key] = False
                return False

        answers = await asyncio.gather(*(refused(business_id) for business_id in business_ids))
        return {business_id for business_id, no in zip(business_ids, answers, strict=True) if no}

    async def _businesses(self, turn: Turn, record: FormRecord) -> list[tuple[str, str]]:
        """(display name, id) of the businesses the manager can see; a note on the form if there are none."""
        try:
            found = await self.services.graph.get_all(turn.user, CUSTOMER_SCOPES, *BUSINESSES_PATH)
        except GraphError as error:
            log.warning("listing booking businesses failed status=%s code=%s", error.status, error.code)
            record.context["business_problem"] = ["customer.business_failed", error.code or str(error.status)]
            return []
        businesses = [(str(b.get("displayName") or b["id"]), str(b["id"])) for b in found if b.get("id")]
        if not businesses and not self.services.settings.booking_business_id:
            record.context["business_problem"] = ["customer.business_none", ""]
        return businesses

    # --- rendering ----------------------------------------------------------------------------------------
    def render_form(self, record: FormRecord, lang: Lang, view: FormView) -> dict[str, Any]:
        form = CustomerForm(
            form_id=record.form_id,
            values=record.values,
            rows=record.rows,
            businesses=[(name, bid) for name, bid in record.context.get("businesses", [])],
            errors=resolve_row_errors(view.errors, record.rows),
            banner=view.banner,
            banner_color=view.banner_color,
            details=view.details(lang),
            notes=self._notes(record, lang),
            confirm_duplicate=view.mode == CONFIRM_DUPLICATE,
        )
        return customer_form_card(self.styled(form), lang)

    def styled(self, form: CustomerForm) -> CustomerForm:
        """Hook: the edit form (bot/bookings) changes the title, button and verbs of the same card."""
        return form

    @staticmethod
    def _notes(record: FormRecord, lang: Lang) -> list[str]:
        notes = []
        if record.context.get("unplaced"):
            notes.append(t(lang, "customer.unplaced", text=record.context["unplaced"]))
        problem = record.context.get("business_problem")
        if problem:
            key, code = problem
            notes.append(t(lang, key, code=code))
        return notes

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        return customer_done_card(record.result or {}, lang)

    # --- submitting ---------------------------------------------------------------------------------------
    def validate(self, record: FormRecord, lang: Lang) -> tuple[NewCustomer | None, dict[str, str]]:
        business_ids = {bid for _, bid in record.context.get("businesses", [])}
        return validate_customer(record.values, record.rows, business_ids, lang)

    async def create(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> dict[str, Any] | FormView:
        if record.context.get(UNKNOWN_SINCE):  # an earlier attempt may have landed since the flow looked
            found = await self.find_existing(turn, record, payload)
            if found is not None:
                return found
        if not self._duplicate_confirmed(record, payload):
            existing, complete = await self._same_email(turn, payload)
            if existing or not complete:
                # Customers the manager chose to duplicate: never taken for what this form created.
                record.context["known_ids"] = [str(c.get("id")) for c in existing]
                return await self._warn_duplicate(record, payload, existing, turn.lang)
        created = await self.services.graph.post(
            turn.user, CUSTOMER_SCOPES, *BUSINESSES_PATH, payload.business_id, "customers", body=customer_body(payload)
        )
        await self.prefs.remember(turn.user.aad_object_id, business=payload.business_id)
        return self._result(record, payload, created)

    async def find_existing(self, turn: Turn, record: FormRecord, payload: NewCustomer) -> dict[str, Any] | None:
        """The customer an unanswered create made: same email in that business, not one seen before."""
        existing, complete = await self._same_email(turn, payload)
        known = set(record.context.get("known_ids") or [])
        found = [c for c in existing if str(c.get("id")) not in known]
        if not found and not complete:
            raise GraphUnavailable(status=0, code="incompleteList")  # cannot say that nothing is there
        return self._result(record, payload, found[-1]) if found else None

    def _result(self, record: FormRecord, payload: NewCustomer, created: dict[str, Any]) -> dict[str, Any]:
        """What Graph stored, falling back to what was sent for anything it did not echo."""
        result: dict[str, Any] = {key: created.get(key, value) for key, value in customer_body(payload).items()}
        result["id"] = created.get("id")
        result["business"] = {"id": payload.business_id, "name": self._business_name(record, payload.business_id)}
        return result

    async def _same_email(self, turn: Turn, payload: NewCustomer) -> tuple[list[dict[str, Any]], bool]:
        """The business's customers with this email, and whether every customer could be looked at."""
        path = (*BUSINESSES_PATH, payload.business_id, "customers")
        graph = self.services.graph
        try:
            found = await graph.collection(
                turn.user, CUSTOMER_SCOPES, *path, params={"$filter": email_filter(payload.email)}
            )
        except GraphBadRequest:
            # Graph documents OData query support on this list only loosely: without $filter, compare here.
            found = await graph.collection(turn.user, CUSTOMER_SCOPES, *path)
        wanted = payload.email.casefold()
        same = [c for c in found.items if str(c.get("emailAddress") or "").casefold() == wanted]
        return same, found.complete

    @staticmethod
    def _duplicate_key(payload: NewCustomer) -> list[str]:
        return [payload.business_id, payload.email.casefold()]

    def _duplicate_confirmed(self, record: FormRecord, payload: NewCustomer) -> bool:
        """ "Create anyway" (or "Save anyway") only covers the business and email the warning was about."""
        covered = record.context.get("duplicate_of") == self._duplicate_key(payload)
        return covered and bool(record.context.get("confirmed"))

    async def _warn_duplicate(
        self,
        record: FormRecord,
        payload: NewCustomer,
        existing: list[dict[str, Any]],
        lang: Lang,
        key: str | None = None,
    ) -> FormView:
        """Remembers what the warning is about (see `_duplicate_confirmed`) and says it. `key`: the message, with
        {business}, {email} and {names}; by default the create form's."""
        record.context["duplicate_of"] = self._duplicate_key(payload)
        await self.forms.save(record)
        names = ", ".join(sorted({str(c.get("displayName") or "?") for c in existing}))
        business = self._business_name(record, payload.business_id)
        key = key or ("customer.duplicate" if existing else "customer.duplicate_unchecked")
        text = t(lang, key, business=business, email=payload.email, names=names)
        return FormView(banner=text, banner_color="Warning", mode=CONFIRM_DUPLICATE)

    @staticmethod
    def _business_name(record: FormRecord, business_id: str) -> str:
        return next((name for name, bid in record.context.get("businesses", []) if bid == business_id), business_id)

    # --- Graph failures -----------------------------------------------------------------------------------
    def explain(self, error: GraphError, lang: Lang) -> FormView:
        if "errorfoldernotfound" in error.codes or error.status == 403:
            return FormView(banner=t(lang, "customer.not_staff"))
        if error.status == 404:
            return FormView(banner=t(lang, "customer.business_not_found"))
        if error.status == 400:
            key = graph_field(error)
            if key:
                return FormView(errors={key: field_message(error.message)}, banner=t(lang, "customer.graph_field"))
        return super().explain(error, lang)


def graph_field(error: GraphError) -> str | None:
    """The form's error key for the property a Graph 400 names, if the card has an input for it."""
    for text in (error.target or "", error.message):
        found = _FIELD_REF.search(text)
        if found and found["top"]:
            return found["top"]
        if found:
            return f"{found['group']}[{found['i'] or found['j']}].{found['field']}"
    return None


def field_message(message: str) -> str:
    """Graph's message without the property path it starts with ("displayName: The … field is required.")."""
    head, sep, rest = message.partition(": ")
    return rest if sep and _FIELD_REF.fullmatch(head) else message


def resolve_row_errors(errors: dict[str, str], rows: dict[str, list[str]]) -> dict[str, str]:
    """`addresses[1].city` → `addresses.<id of the second row>.city`: Graph counts rows, the card names them."""
    resolved = {}
    for key, message in errors.items():
        found = _INDEXED_KEY.match(key)
        group_rows = rows.get(found["group"], []) if found else []
        if found and int(found["i"]) < len(group_rows):
            key = row_key(found["group"], group_rows[int(found["i"])], found["field"])
        resolved[key] = message
    return resolved
