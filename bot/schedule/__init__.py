"""The schedule desk: /schedule (planning), one shift's Edit, Copy and Delete, publishing drafts, /openshift
(posteouvert) and copying a day or a week."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import OPENSHIFT, SCHEDULE
from bot.router import Router
from bot.schedule import model as m
from bot.schedule.desk import ScheduleDesk
from bot.schedule.openshift import VERB_CANCEL, VERB_SUBMIT, VERB_TEAM, OpenShiftFlow
from bot.services import Services
from bot.shift.flow import ShiftFlow
from bot.turn import Reply, Turn


def build_router(services: Services, desk: ScheduleDesk | None = None) -> Router:
    shift_flow = ShiftFlow(services)
    desk = desk or ScheduleDesk(services, shift_flow)
    open_shift = OpenShiftFlow(services, shift_flow)
    router = Router()

    @router.command(SCHEDULE)
    async def show_schedule(turn: Turn, args: str) -> list[Reply]:
        return [await desk.start(turn, args)]

    @router.command(OPENSHIFT)
    async def new_open_shift(turn: Turn, args: str) -> list[Reply]:
        return [await open_shift.start(turn, args)]

    verbs: dict[str, Callable[[Turn], Awaitable[Reply]]] = {
        VERB_SUBMIT: open_shift.submit,
        VERB_CANCEL: open_shift.cancel,
        VERB_TEAM: open_shift.switch_team,
        m.VERB_SHOW: desk.show,
        m.VERB_PREVIOUS: lambda turn: desk.move(turn, -1),
        m.VERB_NEXT: lambda turn: desk.move(turn, 1),
        m.VERB_PAGE: desk.page,
        m.VERB_BACK: desk.back,
        m.VERB_EDIT: desk.edit,
        m.VERB_COPY: lambda turn: desk.edit(turn, copy=True),
        m.VERB_DELETE: desk.ask_delete,
        m.VERB_DELETE_CONFIRM: desk.delete,
        m.VERB_PUBLISH: desk.ask_publish,
        m.VERB_PUBLISH_CONFIRM: desk.publish,
        m.VERB_COPY_RANGE: desk.ask_copy,
        m.VERB_COPY_RANGE_CONFIRM: desk.copy_range,
        m.VERB_COPY_RETRY: desk.retry_copy,
    }
    for verb, handler in verbs.items():
        router.verb(verb)(handler)
    return router
