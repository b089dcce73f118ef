"""The customer feature: `/customer [name] [email] [phone]` opens a New customer card; its buttons are the
verbs below. Creates a Bookings customer in Graph with the manager's delegated token."""

from __future__ import annotations

from bot.commands import CUSTOMER
from bot.customer.flow import CustomerFlow
from bot.customer.model import DISPLAY_NAME, EMAIL
from bot.customer.parser import parse_inline
from bot.flows import form_verbs
from bot.router import Router
from bot.services import Services
from bot.turn import Reply, Turn


def build_router(services: Services) -> Router:
    router = Router()
    flow = CustomerFlow(services)

    @router.command(CUSTOMER)
    async def open_form(turn: Turn, args: str) -> list[Reply]:
        prefill = parse_inline(args)
        values = {key: value for key, value in ((DISPLAY_NAME, prefill.name), (EMAIL, prefill.email)) if value}
        return [await flow.open(turn, values, unplaced=prefill.unplaced, prefill_phones=list(prefill.phones))]

    router.include(form_verbs(flow))  # the cards' SUBMIT, CONFIRM, ADD, REMOVE and CANCEL
    return router
