"""/schedule (planning): a team's day or week, and what a manager does from it: narrow it, page it, edit, copy or
delete one shift, publish the drafts.

The card is backed by a stored record (kind "schedule"): the team, the zone, the names, the range shown, and
`seen`, each listed shift's lastModifiedDateTime. An action on a shift re-reads it first: deleted or changed
elsewhere since the list was shown, the manager is told and nothing is touched."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.flows import ACTION_BUDGET_SECONDS
from bot.forms import FormRecord, FormStore
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphNotFound
from bot.i18n import Lang, t
from bot.schedule import model as m
from bot.schedule import strings as _strings  # noqa: F401 (registers the messages used here)
from bot.schedule.copy import CopyPlan
from bot.schedule.copying import Copying, last_plan, plan_of
from bot.schedule.parser import parse_schedule_args
from bot.schedule.service import ScheduleService, Window, entry_of
from bot.schedule.strings import plural
from bot.schedule.view import Names, clock_range, counts, page_of
from bot.services import Services
from bot.shift.directory import Schedule, TeamOption
from bot.shift.edit import form_values
from bot.shift.flow import ShiftFlow, ShiftUnavailable
from bot.shift.members import Member
from bot.shift.strings import format_day
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.forms import toggle_field
from cards.schedule import ALL, ScheduleView, confirm_card, outcome_card, schedule_card

log = logging.getLogger("managerdesk.schedule")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Said:
    """What the schedule card says above the schedule: a banner and notices."""

    banner: str | None = None
    color: str = "Attention"
    notices: tuple[str, ...] = ()


def utc_now() -> datetime:
    return datetime.now(UTC)


class ScheduleDesk:
    def __init__(self, services: Services, shift_flow: ShiftFlow, *, now: Clock | None = None) -> None:
        self.services = services
        self.forms: FormStore = services.forms
        self.shift_flow = shift_flow
        self.schedule = ScheduleService(services.graph)
        self.copying = Copying(services)
        self.now: Clock = now or (lambda: utc_now())

    # --- /schedule ---------------------------------------------------------------------------------------------
    async def start(self, turn: Turn, args: str) -> Reply:
        title = t(turn.lang, "schedule.heading")
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                record, notices = await self._open(turn, args)
                card = await self._render(turn, record, Said(notices=tuple(notices)))
        except ShiftUnavailable as problem:
            return Reply.new_card(notice_card(turn.lang, title, [problem.message]))
        except GraphError as error:
            return Reply.new_card(self._failure(turn, title, error))
        return Reply.new_card(card)

    async def _open(self, turn: Turn, args: str) -> tuple[FormRecord, list[str]]:
        team, schedule, offered, args = await self._team(turn, args)
        zone = str(load_zone(turn.timezone, schedule.time_zone))
        context = await self._team_context(turn, team)
        context.update(zone=zone, teams=offered, page=1)
        today = self._today(zone)
        members = [Member(user_id=user_id, name=name) for name, user_id in context["members"]]
        groups = [(name, group_id) for name, group_id in context["groups"]]
        parsed = parse_schedule_args(args, today, members, groups)
        notices = self._notices(turn.lang, parsed.bad_date, parsed.ambiguous)
        if parsed.unused:
            key = "schedule.err.unused" if parsed.member_id or parsed.group_id else "schedule.err.no_member"
            words = " ".join(parsed.unused)
            notices.append(t(turn.lang, key, words=words, team=team.name))
        day = parsed.day
        too_far = self._too_far(turn.lang, day, today)
        if too_far:
            notices.append(too_far)
            day = today
        values = {
            m.TEAM: team.team_id,
            m.DATE: day.isoformat(),
            m.PERIOD: parsed.period,
            m.MEMBER: parsed.member_id or ALL,
            m.GROUP: parsed.group_id or ALL,
        }
        record = await self.forms.create(
            m.KIND, turn.user.aad_object_id, values, conversation=turn.conversation_id, **context
        )
        return record, notices

    async def _team(self, turn: Turn, args: str) -> tuple[TeamOption, Schedule, list[list[str]], str]:
        """As /shift chooses: the team the words name, else the last used, else the first that can be scheduled;
        the teams to offer (those whose Shifts is ready); the words left."""
        teams, args = await self.shift_flow._team_choices(turn, args)
        data, skipped = await self.shift_flow._first_schedulable(turn, teams)
        unusable = {team_id for team_id, _ in skipped.values()}
        offered = [[team.name, team.team_id] for team in teams if team.team_id not in unusable]
        return data.team, data.schedule, offered, args

    async def _team_context(self, turn: Turn, team: TeamOption) -> dict[str, Any]:
        members = await self.shift_flow.directory.members(turn.user, team.team_id)
        groups = await self.schedule.groups(turn.user, team.team_id)
        reasons = await self.schedule.reasons(turn.user, team.team_id)
        return {
            "teamId": team.team_id,
            "teamName": team.name,
            "members": [[member.name, member.user_id] for member in members],
            "groups": [[name, group_id] for group_id, name in groups.items()],
            "reasons": reasons,
        }

    def _today(self, zone: str) -> date:
        return self.now().astimezone(load_zone(zone)).date()

    @staticmethod
    def _notices(lang: Lang, bad_date: str, ambiguous: tuple[str, list[Member]]) -> list[str]:
        notices = []
        if bad_date:
            notices.append(t(lang, "schedule.err.date", text=bad_date))
        if ambiguous[0]:
            names = ", ".join(member.name for member in ambiguous[1])
            notices.append(t(lang, "schedule.err.ambiguous", words=ambiguous[0], names=names))
        return notices

    @staticmethod
    def _too_far(lang: Lang, day: date, today: date) -> str | None:
        first, last = today - timedelta(days=m.MAX_DAYS_AWAY), today + timedelta(days=m.MAX_DAYS_AWAY)
        if first <= day <= last:
            return None
        return t(
            lang,
            "schedule.err.too_far",
            day=format_day(day, lang),
            first=format_day(first, lang),
            last=format_day(last, lang),
        )

    # --- rendering ---------------------------------------------------------------------------------------------
    def _range(self, record: FormRecord) -> m.Range:
        day = date.fromisoformat(str(record.values[m.DATE]))
        period: m.Period = m.WEEK if record.values.get(m.PERIOD) == m.WEEK else m.DAY
        return m.Range.of(day, period)

    async def _render(self, turn: Turn, record: FormRecord, said: Said | None = None) -> dict[str, Any]:
        """Reads the range from Graph, keeps what was seen, and builds the card."""
        context = record.context
        zone = load_zone(context.get("zone"))
        days = self._range(record)
        entries = await self.schedule.entries(turn.user, str(context["teamId"]), Window.of(days, zone))
        # Publishing shares every draft of the team in the range, whatever the card is narrowed to.
        context["drafts"] = sum(1 for e in entries if e.draft)
        entries = self._narrowed(record, entries)
        names = self._names(record)
        page = page_of(entries, int(context.get("page") or 1), zone, names, turn.lang)
        context["page"] = page.page
        context["seen"] = {e.entry_id: e.last_modified for e in entries if e.kind == "shift"}
        context["shiftCount"] = sum(1 for e in entries if e.kind == "shift" and not e.staged_for_deletion)
        await self.forms.save(record)
        lang = turn.lang
        range_key = "schedule.range_week" if days.period == m.WEEK else "schedule.range_day"
        view = ScheduleView(
            form_id=record.form_id,
            title=t(lang, "schedule.title", team=str(context.get("teamName") or "")),
            subtitle=t(lang, range_key, day=format_day(days.first, lang), zone=str(zone)),
            counts=counts(entries, lang),
            days=page.days,
            period=days.period,
            date=str(record.values[m.DATE]),
            member=str(record.values.get(m.MEMBER) or ALL),
            group=str(record.values.get(m.GROUP) or ALL),
            team=str(context["teamId"]),
            teams=_pairs(context.get("teams")),
            members=_pairs(context.get("members")),
            groups=_pairs(context.get("groups")),
            picks=page.picks,
            page=page.page,
            pages=page.pages,
            has_drafts=context["drafts"] > 0,
            empty=t(lang, "schedule.empty"),
            notices=list(said.notices) if said else [],
            banner=said.banner if said else None,
            banner_color=said.color if said else "Attention",
        )
        return schedule_card(view, lang)

    @staticmethod
    def _names(record: FormRecord) -> Names:
        context = record.context
        return Names(
            members={user_id: name for name, user_id in context.get("members") or []},
            groups={group_id: name for name, group_id in context.get("groups") or []},
            reasons=dict(context.get("reasons") or {}),
        )

    @staticmethod
    def _narrowed(record: FormRecord, entries: list[m.Entry]) -> list[m.Entry]:
        """Graph cannot filter on userId or schedulingGroupId: done here. Open shifts have no member; time off
        has no group."""
        member = str(record.values.get(m.MEMBER) or ALL)
        group = str(record.values.get(m.GROUP) or ALL)
        if member != ALL:
            entries = [e for e in entries if e.kind != "open" and e.user_id == member]
        if group != ALL:
            entries = [e for e in entries if e.kind != "timeoff" and e.group_id == group]
        return entries

    # --- card actions ------------------------------------------------------------------------------------------
    async def load(self, turn: Turn) -> FormRecord | Reply:
        """The card's record, if the card belongs to this manager in this conversation; else a notice."""
        record = await self.forms.load(str(turn.data.get("formId") or ""), m.KIND)
        mine = record is not None and record.owner == turn.user.aad_object_id
        if record is None or not mine or record.context.get("conversation") != turn.conversation_id:
            return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))
        return record

    async def refresh(
        self,
        turn: Turn,
        record: FormRecord,
        banner: str | None = None,
        *,
        notices: tuple[str, ...] = (),
        color: str = "Attention",
    ) -> Reply:
        """The schedule card again, read afresh, with what to say on top."""
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                card = await self._render(turn, record, Said(banner, color, notices))
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.err.load"), error))
        return Reply.in_place(card)

    async def show(self, turn: Turn) -> Reply:
        """The filters as posted: date, period, member, group, team."""
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        notices: list[str] = []
        typed = str(turn.data.get(m.DATE) or "").strip()
        try:
            day = date.fromisoformat(typed)
        except ValueError:
            notices.append(t(turn.lang, "schedule.err.date", text=typed))
            day = date.fromisoformat(str(record.values[m.DATE]))
        too_far = self._too_far(turn.lang, day, self._today(str(record.context.get("zone"))))
        if too_far:
            notices.append(too_far)
        else:
            record.values[m.DATE] = day.isoformat()
        record.values[m.PERIOD] = m.WEEK if turn.data.get(m.PERIOD) == m.WEEK else m.DAY
        record.values[m.MEMBER] = self._known(turn.data.get(m.MEMBER), record.context.get("members"))
        record.values[m.GROUP] = self._known(turn.data.get(m.GROUP), record.context.get("groups"))
        record.context["page"] = 1
        wanted_team = str(turn.data.get(m.TEAM) or record.context["teamId"])
        if wanted_team != record.context["teamId"]:
            problem = await self._switch_team(turn, record, wanted_team)
            if problem is not None:
                return problem
        return await self.refresh(turn, record, notices=tuple(notices))

    @staticmethod
    def _known(value: Any, pairs: Any) -> str:
        """A posted member or group the card offered; anything else (a forged or stale value) means all."""
        return str(value) if any(str(value) == pair[1] for pair in pairs or []) else ALL

    async def _switch_team(self, turn: Turn, record: FormRecord, team_id: str) -> Reply | None:
        names = {team: name for name, team in record.context.get("teams") or []}
        if team_id not in names:
            return None
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                schedule = await self.shift_flow.directory.schedule(turn.user, team_id)
                context = await self._team_context(turn, TeamOption(team_id, names[team_id]))
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.err.load"), error))
        record.context.update(context, zone=str(load_zone(turn.timezone, schedule.time_zone)))
        record.values.update({m.TEAM: team_id, m.MEMBER: ALL, m.GROUP: ALL})
        return None

    async def move(self, turn: Turn, steps: int) -> Reply:
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        moved = self._range(record).moved(steps)
        too_far = self._too_far(turn.lang, moved.first, self._today(str(record.context.get("zone"))))
        if too_far:
            return await self.refresh(turn, record, notices=(too_far,))
        record.values[m.DATE] = moved.first.isoformat()
        record.context["page"] = 1
        return await self.refresh(turn, record)

    async def page(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        wanted = turn.data.get("page")
        record.context["page"] = wanted if isinstance(wanted, int) else 1
        return await self.refresh(turn, record)

    async def back(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        return record if isinstance(record, Reply) else await self.refresh(turn, record)

    # --- one shift -----------------------------------------------------------------------------------------------
    async def _picked(self, turn: Turn, record: FormRecord, shift_id: str | None = None) -> dict[str, Any] | Reply:
        """The picked shift as Graph has it now, if it is still as the list showed it; else the list again, saying
        why nothing was done."""
        shift_id = shift_id or str(turn.data.get(m.PICK) or "")
        seen = record.context.get("seen") or {}
        if shift_id not in seen:
            return await self.refresh(turn, record, t(turn.lang, "schedule.err.pick"))
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                current = await self.schedule.shift(turn.user, str(record.context["teamId"]), shift_id)
        except GraphNotFound:
            return await self.refresh(turn, record, t(turn.lang, "schedule.err.gone"))
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.err.load"), error))
        if str(current.get("lastModifiedDateTime") or "") != seen[shift_id]:
            return await self.refresh(turn, record, t(turn.lang, "schedule.err.changed"))
        return current

    async def _card_and_shift(
        self, turn: Turn, shift_id: str | None = None
    ) -> tuple[FormRecord, dict[str, Any]] | Reply:
        """The card's record and the shift acted on, as Graph has it now; or the reply saying why not."""
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        current = await self._picked(turn, record, shift_id)
        return current if isinstance(current, Reply) else (record, current)

    async def edit(self, turn: Turn, *, copy: bool = False) -> Reply:
        found = await self._card_and_shift(turn)
        if isinstance(found, Reply):
            return found
        record, current = found
        values, rows = form_values(current, load_zone(record.context.get("zone")))
        replaces = None if copy else _replaces(current)
        team = TeamOption(str(record.context["teamId"]), str(record.context.get("teamName") or ""))
        try:
            return await self.shift_flow.start_prefilled(turn, team, values, rows, replaces=replaces)
        except ShiftUnavailable as problem:
            return await self.refresh(turn, record, problem.message)
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.err.load"), error))

    async def ask_delete(self, turn: Turn) -> Reply:
        found = await self._card_and_shift(turn)
        if isinstance(found, Reply):
            return found
        record, current = found
        lang = turn.lang
        pairs = self._facts(record, current, lang)
        confirm: tuple[str, str, dict[str, Any]] = (
            t(lang, "schedule.delete_confirm"),
            m.VERB_DELETE_CONFIRM,
            {"shiftId": current["id"]},
        )
        card = confirm_card(
            record.form_id, t(lang, "schedule.delete_title"), t(lang, "schedule.delete_note"), pairs, confirm, lang
        )
        return Reply.in_place(card)

    async def delete(self, turn: Turn) -> Reply:
        shift_id = str(turn.data.get("shiftId") or "")
        found = await self._card_and_shift(turn, shift_id)
        if isinstance(found, Reply):
            return found
        record, _ = found
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                await self.schedule.delete_shift(turn.user, str(record.context["teamId"]), shift_id)
        except GraphNotFound:
            return await self.refresh(turn, record, t(turn.lang, "schedule.err.gone"))
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.delete_title"), error))
        log.info("shift deleted form=%s", record.form_id)
        return await self.refresh(turn, record, t(turn.lang, "schedule.deleted"), color="Good")

    def _facts(self, record: FormRecord, shift: dict[str, Any], lang: Lang) -> list[tuple[str, str]]:
        entry = entry_of("shift", "draftShift", "sharedShift", shift)
        if entry is None:
            return []
        zone = load_zone(record.context.get("zone"))
        members = {user_id: name for name, user_id in record.context.get("members") or []}
        groups = {group_id: name for name, group_id in record.context.get("groups") or []}
        when = f"{format_day(entry.start.astimezone(zone).date(), lang)}, {clock_range(entry, zone, lang)}"
        pairs = [
            (t(lang, "schedule.fact_member"), members.get(entry.user_id, entry.user_id)),
            (t(lang, "schedule.fact_group"), groups.get(entry.group_id, entry.group_id)),
            (t(lang, "schedule.fact_when"), when),
            (t(lang, "schedule.fact_label"), entry.label),
            (
                t(lang, "schedule.fact_status"),
                t(lang, "schedule.status_draft" if entry.draft else "schedule.status_shared"),
            ),
        ]
        return [(title, value) for title, value in pairs if value]

    # --- publish -------------------------------------------------------------------------------------------------
    async def ask_publish(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        lang = turn.lang
        span = _span(self._range(record), lang)
        drafts = int(record.context.get("drafts") or 0)
        if not drafts:
            return await self.refresh(turn, record, t(lang, "schedule.publish_none", span=span))
        note = t(lang, "schedule.publish_note", drafts=plural(lang, "schedule.drafts", drafts), span=span)
        toggle = toggle_field(m.NOTIFY, t(lang, "schedule.notify"), t(lang, "schedule.notify_title"), True)
        confirm: tuple[str, str, dict[str, Any]] = (t(lang, "schedule.publish_confirm"), m.VERB_PUBLISH_CONFIRM, {})
        card = confirm_card(record.form_id, t(lang, "schedule.publish_title"), note, [], confirm, lang, inputs=toggle)
        return Reply.in_place(card)

    async def publish(self, turn: Turn) -> Reply:
        """POST …/schedule/share for the range shown. Sharing twice is harmless: a draft already shared is not
        a draft any more."""
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        lang = turn.lang
        days = self._range(record)
        notify = turn.data.get(m.NOTIFY) in (True, "true")
        window = Window.of(days, load_zone(record.context.get("zone")))
        drafts = int(record.context.get("drafts") or 0)
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                await self.schedule.share(turn.user, str(record.context["teamId"]), window, notify)
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(lang, "schedule.publish_title"), error))
        lines = [
            t(lang, "schedule.published", drafts=plural(lang, "schedule.drafts", drafts), span=_span(days, lang)),
            t(lang, "schedule.published_notified" if notify else "schedule.published_silent"),
        ]
        return Reply.in_place(
            outcome_card(record.form_id, t(lang, "schedule.publish_title"), lines, lang, color="Good")
        )

    # --- copy a day or a week -------------------------------------------------------------------------------------
    async def ask_copy(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        return self.copying.ask(turn, record, self._range(record))

    async def copy_range(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        source = self._range(record)
        today = self._today(str(record.context.get("zone")))
        target, error = self.copying.target_error(turn.lang, source, str(turn.data.get(m.TARGET_DATE) or ""), today)
        if target is None:
            return self.copying.ask(turn, record, source, error)
        plan = plan_of(record, source, target, turn.data.get(m.AS_DRAFT) not in (False, "false"))
        record.context["copyPlan"] = plan.to_json()
        await self.forms.save(record)
        return await self._start_copy(turn, record, plan)

    async def retry_copy(self, turn: Turn) -> Reply:
        """Runs the last copy again: the shifts already copied or skipped are not touched, the failed ones are."""
        record = await self.load(turn)
        if isinstance(record, Reply):
            return record
        plan = last_plan(record)
        if plan is None:
            return await self.refresh(turn, record)
        return await self._start_copy(turn, record, plan)

    async def _start_copy(self, turn: Turn, record: FormRecord, plan: CopyPlan) -> Reply:
        try:
            return await self.copying.start(turn, record, plan, self._names(record))
        except GraphError as error:
            return Reply.in_place(self._failure(turn, t(turn.lang, "schedule.copy_finished"), error))

    # --- errors --------------------------------------------------------------------------------------------------
    def _failure(self, turn: Turn, title: str, error: GraphError) -> dict[str, Any]:
        log.warning(
            "schedule graph failure status=%s code=%s inner=%s request-id=%s",
            error.status,
            error.code,
            error.inner_code,
            error.request_id,
        )
        view = self.shift_flow.explain(error, turn.lang)
        return notice_card(turn.lang, title, [view.banner or ""], error.request_id or error.client_request_id)


def _replaces(shift: dict[str, Any]) -> dict[str, Any]:
    """What the edit form keeps of the shift it replaces: its id, version, and published times."""
    found = shift.get("sharedShift")
    shared: dict[str, Any] = found if isinstance(found, dict) else {}
    return {
        "id": shift["id"],
        "lastModified": shift.get("lastModifiedDateTime"),
        "start": shared.get("startDateTime"),
        "end": shared.get("endDateTime"),
    }


def _span(days: m.Range, lang: Lang) -> str:
    """'of Friday 11 December 2026' or 'from Monday 7 December 2026 to Sunday 13 December 2026'."""
    if days.days == 1:
        return t(lang, "schedule.span_day", day=format_day(days.first, lang))
    return t(lang, "schedule.span_days", first=format_day(days.first, lang), last=format_day(days.last, lang))


def _pairs(raw: Any) -> list[tuple[str, str]]:
    return [(str(pair[0]), str(pair[1])) for pair in raw or [] if isinstance(pair, list | tuple) and len(pair) == 2]
