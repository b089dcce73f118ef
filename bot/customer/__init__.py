"""The customer feature: `/customer [name] [email] [phone]` opens a New customer card; its buttons are the
verbs below. Creates a Bookings customer in Graph with the manager's delegated token."""

from __future__ import annotations

from bot.commands import CUSTOMER
from bot.customer.flow import CustomerFlow
from bot.customer.model import DISPLAY_NAME, EMAIL
from bot.customer.parser import parse_inline
from bot.router import Router
from bot.services import Services
from bot.turn import Reply, Turn
from cards.customer import ADD, CANCEL, CONFIRM, REMOVE, SUBMIT


def build_router(services: Services) -> Router:
    router = Router()
    flow = CustomerFlow(services)

    @router.command(CUSTOMER)
    async def open_form(turn: Turn, args: str) -> list[Reply]:
        prefill = parse_inline(args)
        values = {key: value for key, value in ((DISPLAY_NAME, prefill.name), (EMAIL, prefill.email)) if value}
        return [await flow.open(turn, values, unplaced=prefill.unplaced, prefill_phones=list(prefill.phones))]

    @router.verb(SUBMIT)
    async def submit(turn: Turn) -> Reply:
        return await flow.submit(turn)

    @router.verb(CONFIRM)
    async def submit_anyway(turn: Turn) -> Reply:
        return await flow.submit(turn, confirmed=True)

    @router.verb(ADD)
    async def add_row(turn: Turn) -> Reply:
        return await flow.edit(turn, "add")

    @router.verb(REMOVE)
    async def remove_row(turn: Turn) -> Reply:
        return await flow.edit(turn, "remove")

    @router.verb(CANCEL)
    async def cancel(turn: Turn) -> Reply:
        return await flow.cancel(turn)

    return router
