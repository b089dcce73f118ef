"""The schedule card's "Copy this day / week": ask where to, then run the copy job in the background, answering
Teams within its budget and updating the card (Outbound) with the progress and the final summary, which offers
to retry only the shifts that failed.

The job record (`schedcopy:<job>`, conditional writes) holds the plan, the counts and a runner lease: one runner
per job at a time, across presses and instances; a press while it runs shows the progress; a press after a
restart (the lease ran out) starts a new runner, which finds each shift's record and copies only what is left."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date
from typing import Any, ClassVar

from bot.flows import ACTION_BUDGET_SECONDS
from bot.forms import FormRecord
from bot.graph.client import deadline
from bot.graph.errors import GraphError
from bot.i18n import Lang, t
from bot.schedule import model as m
from bot.schedule.copy import LEASE_SECONDS, RECORD_DAYS, CopyJob, CopyPlan, JobState, Source, copy_body
from bot.schedule.service import ScheduleService, Window
from bot.schedule.strings import plural
from bot.schedule.view import Names, pick_title
from bot.services import Services
from bot.shift.strings import format_day
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.forms import date_field, toggle_field
from cards.schedule import ALL, confirm_card, copy_progress_card

log = logging.getLogger("managerdesk.schedule.copy")


class Copying:
    _running: ClassVar[set[asyncio.Task[None]]] = set()

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.storage

    @classmethod
    async def idle(cls) -> None:
        """Waits for the copy jobs of this process (tests, shutdown)."""
        while cls._running:
            await asyncio.gather(*list(cls._running), return_exceptions=True)

    # --- the question ----------------------------------------------------------------------------------------
    def ask(self, turn: Turn, record: FormRecord, source: m.Range, error: str | None = None) -> Reply:
        lang = turn.lang
        count = int(record.context.get("shiftCount") or 0)
        default = source.moved(1).first
        key = "schedule.copy_week_note" if source.period == m.WEEK else "schedule.copy_day_note"
        note = t(lang, key, shifts=plural(lang, "schedule.shifts", count), day=format_day(source.first, lang))
        inputs = [
            *date_field(m.TARGET_DATE, t(lang, "schedule.copy_to"), str(turn.data.get(m.TARGET_DATE) or default),
                        error=error),
            *toggle_field(m.AS_DRAFT, t(lang, "schedule.as_draft"), t(lang, "schedule.as_draft_title"), True),
        ]  # fmt: skip
        confirm: tuple[str, str, dict[str, Any]] = (t(lang, "schedule.copy_start"), m.VERB_COPY_RANGE_CONFIRM, {})
        title = t(lang, "schedule.copy_week" if source.period == m.WEEK else "schedule.copy_day")
        return Reply.in_place(confirm_card(record.form_id, title, note, [], confirm, lang, inputs=inputs))

    def target_error(self, lang: Lang, source: m.Range, typed: str, today: date) -> tuple[date | None, str | None]:
        try:
            day = date.fromisoformat(typed.strip())
        except ValueError:
            return None, t(lang, "schedule.err.date", text=typed)
        target = m.Range.of(day, source.period)
        if abs((target.first - today).days) > m.MAX_DAYS_AWAY:
            return None, t(lang, "schedule.err.too_far_short")
        if target.first <= source.last and source.first <= target.last:
            return None, t(lang, "schedule.err.same_days")
        return target.first, None

    # --- the job ---------------------------------------------------------------------------------------------
    async def start(self, turn: Turn, record: FormRecord, plan: CopyPlan, names: Names) -> Reply:
        """Starts (or shows) the job: its outcome if it ends within Teams' budget, else its progress, the card
        being updated as it goes."""
        key = f"schedcopy:{plan.job_id}"
        lease = {"plan": plan.to_json(), "state": JobState().to_json(), "leaseUntil": time.time() + LEASE_SECONDS,
                 "formId": record.form_id}  # fmt: skip
        etag = await self.store.create(key, lease, expires_at=time.time() + RECORD_DAYS * 86400)
        if etag is None:
            found = await self.store.get(key)
            if found is None:
                return self._progress_reply(turn, record, JobState())
            state = JobState.from_json(found.value.get("state") or {})
            if state.running and float(found.value.get("leaseUntil") or 0) > time.time():
                return self._progress_reply(turn, record, state)  # a runner is on it: show where it is
            etag = await self.store.replace(key, lease, found.etag)
            if etag is None:
                return self._progress_reply(turn, record, state)
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                sources = await self._sources(turn, plan, names)
        except GraphError:
            await self.store.delete([key])
            raise
        return await self._run(turn, record, plan, sources, etag)

    async def _sources(self, turn: Turn, plan: CopyPlan, names: Names) -> list[Source]:
        zone = load_zone(plan.zone)
        entries = await ScheduleService(self.services.graph).entries(
            turn.user, plan.team_id, Window.of(plan.source, zone)
        )
        shifts = [e for e in entries if e.kind == "shift" and not e.staged_for_deletion]
        if plan.member:
            shifts = [e for e in shifts if e.user_id == plan.member]
        if plan.group:
            shifts = [e for e in shifts if e.group_id == plan.group]
        sources = []
        for entry in shifts:
            body = copy_body(entry.raw, plan.offset, zone, plan.as_draft)
            if body is not None:
                sources.append(Source(entry.entry_id, pick_title(entry, zone, names, turn.lang), body))
        return sources

    async def _run(self, turn: Turn, record: FormRecord, plan: CopyPlan, sources: list[Source], etag: str) -> Reply:
        key = f"schedcopy:{plan.job_id}"
        job = CopyJob(self.services.graph, self.store, turn.user, plan)
        handoff: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        lease = {"etag": etag}

        async def progress(state: JobState) -> None:
            value = {"plan": plan.to_json(), "state": state.to_json(), "leaseUntil": time.time() + LEASE_SECONDS,
                     "formId": record.form_id}  # fmt: skip
            new_etag = await self.store.replace(key, value, lease["etag"])
            if new_etag is not None:
                lease["etag"] = new_etag
            if handoff.done():
                await self._update(turn, self._progress_reply(turn, record, state))

        async def work() -> None:
            try:
                state = await job.run(sources, progress)
            except Exception:
                log.exception("copy job failed job=%s", plan.job_id)
                state = job.state
                state.running = False
                await progress(state)
            log.info(
                "copy job done job=%s copied=%d skipped=%d failed=%d",
                plan.job_id, state.copied, state.skipped, len(state.failed),
            )  # fmt: skip
            if not handoff.done():
                handoff.set_result(self._progress_reply(turn, record, state))

        task = asyncio.create_task(work())
        Copying._running.add(task)
        task.add_done_callback(Copying._running.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(handoff), ACTION_BUDGET_SECONDS - 0.5)
        except TimeoutError:
            if handoff.done():
                return handoff.result()
            handoff.cancel()  # from now on the job updates the card itself
            return self._progress_reply(turn, record, job.state)

    async def _update(self, turn: Turn, reply: Reply) -> None:
        outbound = self.services.outbound
        if outbound is None or turn.reference is None or not turn.card_activity_id:
            return
        try:
            await outbound.update(turn.reference, turn.card_activity_id, reply)
        except Exception as error:  # the counts are stored: the next press shows them
            log.warning("copy card update failed reason=%s", type(error).__name__)

    def _progress_reply(self, turn: Turn, record: FormRecord, state: JobState) -> Reply:
        lang = turn.lang
        lines = [
            plural(lang, "schedule.copy_counts", state.done, total=state.total,
              copied=plural(lang, "schedule.copied", state.copied),
              skipped=plural(lang, "schedule.skipped", state.skipped),
              failed=plural(lang, "schedule.failed", len(state.failed))),
        ]  # fmt: skip
        if state.failed and not state.running:
            lines.append(t(lang, "schedule.copy_failed_list"))
            lines += [title for title in state.failed.values()]
        title = t(lang, "schedule.copy_running" if state.running else "schedule.copy_finished")
        retry = None
        if state.failed and not state.running:
            retry = plural(lang, "schedule.copy_retry", len(state.failed))
        return Reply.in_place(copy_progress_card(record.form_id, title, lines, retry, lang))


def plan_of(record: FormRecord, source: m.Range, target: date, as_draft: bool) -> CopyPlan:
    member = str(record.values.get(m.MEMBER) or ALL)
    group = str(record.values.get(m.GROUP) or ALL)
    return CopyPlan(
        team_id=str(record.context["teamId"]),
        zone=str(record.context.get("zone") or "UTC"),
        source=source,
        target_first=target,
        as_draft=as_draft,
        member="" if member == ALL else member,
        group="" if group == ALL else group,
    )


def last_plan(record: FormRecord) -> CopyPlan | None:
    saved = record.context.get("copyPlan")
    return CopyPlan.from_json(saved) if isinstance(saved, dict) else None
