"""The Bookings desk: `/customers <text>` finds customers (Edit, Delete, Book), `/agenda [day]` shows a day's
appointments, and the booking form books one. Graph beta, with the manager's delegated token."""

from __future__ import annotations

from bot.bookings import strings  # noqa: F401  (registers the messages)
from bot.bookings.agenda import Agenda
from bot.bookings.booking import AppointmentFlow
from bot.bookings.customers import CustomerDelete, CustomerSearch
from bot.bookings.directory import BookingsDirectory
from bot.bookings.edit import CustomerEditFlow
from bot.commands import AGENDA, CUSTOMERS, Command
from bot.flows import form_verbs
from bot.i18n import t
from bot.router import Router
from bot.services import Services
from bot.turn import Reply, Turn
from cards import bookings as cards
from cards.common import notice_card


def build_router(services: Services) -> Router:
    router = Router()
    directory = BookingsDirectory(services.graph, services.settings.graph_base_url)
    search = CustomerSearch(services, directory)
    delete = CustomerDelete(services, directory)
    edit = CustomerEditFlow(services, directory)
    booking = AppointmentFlow(services, directory)
    agenda = Agenda(services, directory)

    @router.command(CUSTOMERS)
    async def find_customers(turn: Turn, args: str) -> list[Reply]:
        if turn.conversation_type != "personal":
            return [_personal_only(turn, "bookings.search_title", CUSTOMERS)]
        return [await search.run(turn, args)]

    @router.command(AGENDA)
    async def show_agenda(turn: Turn, args: str) -> list[Reply]:
        if turn.conversation_type != "personal":
            return [_personal_only(turn, "bookings.agenda_title", AGENDA)]
        return await agenda.command(turn, args)

    router.verb(cards.AGENDA)(agenda.show)
    router.verb(cards.DELETE)(delete.ask)
    router.verb(cards.DELETE_CONFIRM)(delete.confirm)
    router.verb(cards.DELETE_KEEP)(delete.keep)
    router.verb(cards.EDIT)(edit.start)
    router.verb(cards.BOOK)(booking.start)
    router.include(form_verbs(edit))  # the customer card's verbs under the edit form's own prefix (its kind)
    router.verb(cards.BOOK_SUBMIT)(booking.submit)
    router.verb(cards.BOOK_CANCEL)(booking.cancel)
    return router


def _personal_only(turn: Turn, title_key: str, command: Command) -> Reply:
    """Customers' emails, phones and appointments are not for a whole channel or group chat to read."""
    line = t(turn.lang, "bookings.personal_only", command=f"/{command.word_for(turn.lang)}")
    return Reply.new_card(notice_card(turn.lang, t(turn.lang, title_key), [line]))
