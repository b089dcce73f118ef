"""The schedule desk: /schedule (planning), one shift's Edit, Copy and Delete, publishing drafts, /openshift
(posteouvert) and copying a day or a week."""

from __future__ import annotations

from bot.commands import OPENSHIFT, SCHEDULE
from bot.router import Router
from bot.schedule import model as m
from bot.schedule.desk import ScheduleDesk
from bot.schedule.openshift import VERB_CANCEL, VERB_SUBMIT, OpenShiftFlow
from bot.services import Services
from bot.shift.flow import ShiftFlow
from bot.turn import Reply, Turn


def build_router(services: Services, desk: ScheduleDesk | None = None) -> Router:
    shift_flow = ShiftFlow(services)
    desk = desk or ScheduleDesk(services, shift_flow)
    open_shift = OpenShiftFlow(services, shift_flow)
    router = Router()

    @router.command(OPENSHIFT)
    async def new_open_shift(turn: Turn, args: str) -> list[Reply]:
        return [await open_shift.start(turn, args)]

    @router.verb(VERB_SUBMIT)
    async def submit_open_shift(turn: Turn) -> Reply:
        return await open_shift.submit(turn)

    @router.verb(VERB_CANCEL)
    async def cancel_open_shift(turn: Turn) -> Reply:
        return await open_shift.cancel(turn)

    @router.command(SCHEDULE)
    async def show_schedule(turn: Turn, args: str) -> list[Reply]:
        return [await desk.start(turn, args)]

    @router.verb(m.VERB_SHOW)
    async def show(turn: Turn) -> Reply:
        return await desk.show(turn)

    @router.verb(m.VERB_PREVIOUS)
    async def previous(turn: Turn) -> Reply:
        return await desk.move(turn, -1)

    @router.verb(m.VERB_NEXT)
    async def following(turn: Turn) -> Reply:
        return await desk.move(turn, 1)

    @router.verb(m.VERB_PAGE)
    async def page(turn: Turn) -> Reply:
        return await desk.page(turn)

    @router.verb(m.VERB_BACK)
    async def back(turn: Turn) -> Reply:
        return await desk.back(turn)

    @router.verb(m.VERB_EDIT)
    async def edit(turn: Turn) -> Reply:
        return await desk.edit(turn)

    @router.verb(m.VERB_COPY)
    async def copy(turn: Turn) -> Reply:
        return await desk.edit(turn, copy=True)

    @router.verb(m.VERB_DELETE)
    async def ask_delete(turn: Turn) -> Reply:
        return await desk.ask_delete(turn)

    @router.verb(m.VERB_DELETE_CONFIRM)
    async def delete(turn: Turn) -> Reply:
        return await desk.delete(turn)

    @router.verb(m.VERB_PUBLISH)
    async def ask_publish(turn: Turn) -> Reply:
        return await desk.ask_publish(turn)

    @router.verb(m.VERB_PUBLISH_CONFIRM)
    async def publish(turn: Turn) -> Reply:
        return await desk.publish(turn)

    @router.verb(m.VERB_COPY_RANGE)
    async def ask_copy(turn: Turn) -> Reply:
        return await desk.ask_copy(turn)

    @router.verb(m.VERB_COPY_RANGE_CONFIRM)
    async def copy_range(turn: Turn) -> Reply:
        return await desk.copy_range(turn)

    @router.verb(m.VERB_COPY_RETRY)
    async def retry_copy(turn: Turn) -> Reply:
        return await desk.retry_copy(turn)

    return router
