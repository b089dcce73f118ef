"""The shift form's life: /shift opens it (team, members, groups, zone, inline prefill), the verbs edit it,
submit validates it, asks about daylight-saving readings, posts the shift, and shows the confirmation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from bot.flows import ACTION_BUDGET_SECONDS, FormFlow, FormView
from bot.forms import FormRecord
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound
from bot.i18n import Lang, t
from bot.services import Services
from bot.shift import model as m
from bot.shift.directory import Schedule, ShiftDirectory, TeamOption
from bot.shift.members import Member, find_by_name, match_words
from bot.shift.parser import Prefill, parse_args
from bot.shift.payload import shift_body
from bot.shift.summary import result_of, summary_of, zone_note_key, zone_note_text
from bot.shift.timezones import load_zone
from bot.shift.validation import FormContext, validate_shift
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.shift import CONFIRM_ZONE, ShiftFormState, shift_done_card, shift_form_card

Clock = Callable[[], datetime]


class ShiftUnavailable(Exception):
    """The form cannot be opened: the message (already worded) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TeamData:
    team: TeamOption
    schedule: Schedule
    members: list[Member]
    groups: list[tuple[str, str]]  # (name, id)

    def context(self, zone: str) -> dict[str, Any]:
        return {
            "teamId": self.team.team_id,
            "teamName": self.team.name,
            "zone": zone,
            "members": [[member.name, member.user_id] for member in self.members],
            "groups": [list(group) for group in self.groups],
        }


class ShiftFlow(FormFlow):
    kind = m.KIND
    row_limits: ClassVar[Mapping[str, int]] = {m.BREAKS: m.MAX_BREAKS}

    def __init__(self, services: Services, *, now: Clock | None = None) -> None:
        super().__init__(services)
        self.directory = ShiftDirectory(services.graph)
        self.now: Clock = now or (lambda: datetime.now(UTC))

    # --- /shift ------------------------------------------------------------------------------------------
    async def start(self, turn: Turn, args: str) -> Reply:
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                teams = await self._team_choices(turn)
                data = await self._team_data(turn, *teams[0])
        except ShiftUnavailable as problem:
            return Reply.new_card(notice_card(turn.lang, t(turn.lang, "shift.title"), [problem.message]))
        except GraphError as error:
            view = self.explain(error, turn.lang)
            lines = [t(turn.lang, "shift.open_failed"), view.banner or ""]
            card = notice_card(turn.lang, t(turn.lang, "shift.title"), lines, error.request_id)
            return Reply.new_card(card)
        zone = self._zone_name(turn, data.schedule)
        values, notices = self._prefill(turn, args, data, zone)
        context = data.context(zone)
        context.update(teams=[[team.name, team.team_id] for team, _ in teams], notices=notices)
        return await self.open(turn, values, **context)

    async def _team_choices(self, turn: Turn) -> list[tuple[TeamOption, Schedule]]:
        """In a channel, its team (if Shifts is ready there); elsewhere the joined teams with Shifts ready."""
        if turn.conversation_type == "channel":
            return [await self._channel_team(turn)]
        teams = await self.directory.schedulable_teams(turn.user)
        if not teams:
            raise ShiftUnavailable(t(turn.lang, "shift.no_teams"))
        return teams

    async def _channel_team(self, turn: Turn) -> tuple[TeamOption, Schedule]:
        team_id = await turn.resolve_team_group_id()
        if not team_id:
            raise ShiftUnavailable(t(turn.lang, "shift.no_team_here"))
        joined = {team.team_id: team for team in await self.directory.joined_teams(turn.user)}
        team = joined.get(team_id) or TeamOption(team_id, t(turn.lang, "shift.this_team"))
        schedule = await self.directory.schedule(turn.user, team_id)
        if not schedule.ready:
            status = {"enabled": str(schedule.enabled).lower(), "status": schedule.provision_status}
            raise ShiftUnavailable(t(turn.lang, "shift.not_scheduled", team=team.name, **status))
        return team, schedule

    async def _team_data(self, turn: Turn, team: TeamOption, schedule: Schedule | None = None) -> TeamData:
        schedule = schedule or await self.directory.schedule(turn.user, team.team_id)
        members = await self.directory.members(turn.user, team.team_id)
        groups = [(g.name, g.group_id) for g in await self.directory.active_groups(turn.user, team.team_id)]
        if not groups:
            raise ShiftUnavailable(t(turn.lang, "shift.no_groups", team=team.name))
        return TeamData(team, schedule, members, groups)

    @staticmethod
    def _zone_name(turn: Turn, schedule: Schedule) -> str:
        """The manager's zone (the activity's localTimezone), else the schedule's, else UTC."""
        return str(load_zone(turn.timezone, schedule.time_zone))

    def _prefill(self, turn: Turn, args: str, data: TeamData, zone: str) -> tuple[dict[str, Any], list[str]]:
        text, member, notices = self._mentioned_member(turn, args, data)
        today = self.now().astimezone(load_zone(zone)).date()
        parsed = parse_args(text, today)
        words = parsed.words
        if member is None and words:
            match = match_words(words, data.members)
            member, words = match.member, match.rest
            if match.ambiguous:
                names = ", ".join(candidate.name for candidate in match.ambiguous)
                notices.append(t(turn.lang, "shift.ambiguous", words=match.ambiguous_words, names=names))
        if words:
            notices.append(t(turn.lang, "shift.unparsed", words=" ".join(words)))
        return _values_of(parsed, member, data, today.isoformat()), notices

    @staticmethod
    def _mentioned_member(turn: Turn, text: str, data: TeamData) -> tuple[str, Member | None, list[str]]:
        """An @mentioned person is the member; the mention's text is taken out of the arguments."""
        member: Member | None = None
        notices: list[str] = []
        for mention in turn.mentions:
            if mention.name and mention.name in text:
                text = text.replace(mention.name, " ", 1)
            found = find_by_name(mention.name, data.members)
            if len(found) == 1 and member is None:
                member = found[0]
            elif len(found) == 1:  # a second person: one member per shift, and nothing dropped silently
                notices.append(t(turn.lang, "shift.unparsed", words=mention.name))
            else:
                notices.append(t(turn.lang, "shift.not_member", name=mention.name, team=data.team.name))
        return text, member, notices

    # --- another team ------------------------------------------------------------------------------------
    async def switch_team(self, turn: Turn) -> Reply:
        record = await self.load_for_edit(turn)
        if isinstance(record, Reply):
            return record
        choices = {team_id: name for name, team_id in record.context.get("teams") or []}
        wanted = str(record.values.get(m.TEAM) or "")
        if wanted not in choices:
            return Reply.in_place(self.render_form(record, turn.lang, FormView()))
        try:
            with deadline(ACTION_BUDGET_SECONDS):  # a card action: Teams wants the answer within 5 s
                data = await self._team_data(turn, TeamOption(wanted, choices[wanted]))
        except ShiftUnavailable as problem:
            return Reply.in_place(self.render_form(record, turn.lang, FormView(banner=problem.message)))
        except GraphError as error:
            return Reply.in_place(self.render_form(record, turn.lang, self.explain(error, turn.lang)))
        self._use_team(record, data, self._zone_name(turn, data.schedule))
        await self.forms.save(record)
        view = FormView(banner=t(turn.lang, "shift.team_loaded", team=data.team.name), banner_color="Good")
        return Reply.in_place(self.render_form(record, turn.lang, view))

    @staticmethod
    def _use_team(record: FormRecord, data: TeamData, zone: str) -> None:
        record.context.update(data.context(zone), notices=[])
        if record.values.get(m.MEMBER) not in {member.user_id for member in data.members}:
            record.values.pop(m.MEMBER, None)
        if record.values.get(m.GROUP) not in {group_id for _, group_id in data.groups}:
            record.values.pop(m.GROUP, None)

    # --- type-ahead --------------------------------------------------------------------------------------
    async def team_for_search(self, turn: Turn, query: dict[str, Any]) -> str | None:
        """The team whose members to search: the card's team input (sent with associatedInputs: auto),
        else the channel's team."""
        data = query.get("data") if isinstance(query.get("data"), dict) else {}
        team_id = data.get(m.TEAM) if isinstance(data, dict) else None
        if isinstance(team_id, str) and team_id:
            return team_id
        return await turn.resolve_team_group_id()

    # --- FormFlow ----------------------------------------------------------------------------------------
    def render_form(self, record: FormRecord, lang: Lang, view: FormView) -> dict[str, Any]:
        context = record.context
        zone = str(context.get("zone") or "UTC")
        zone_notes = []
        if view.mode == CONFIRM_ZONE:
            zone_notes = [zone_note_text(note, zone, lang) for note in context.get("zoneNotesShown") or []]
        state = ShiftFormState(
            form_id=record.form_id,
            values=record.values,
            break_rows=list(record.rows.get(m.BREAKS, [])),
            teams=_pairs(context.get("teams")),
            members=_pairs(context.get("members")),
            groups=_pairs(context.get("groups")),
            zone=zone,
            notices=list(context.get("notices") or []),
            zone_notes=zone_notes,
        )
        return shift_form_card(state, view, lang)

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        return shift_done_card(summary_of(record.result or {}, lang), lang)

    def validate(self, record: FormRecord, lang: Lang) -> tuple[m.ShiftPlan | None, dict[str, str]]:
        context = record.context
        form_context = FormContext(
            team_id=str(context.get("teamId") or ""),
            zone=load_zone(context.get("zone")),
            member_ids=frozenset(user_id for _, user_id in _pairs(context.get("members"))),
            group_ids=frozenset(group_id for _, group_id in _pairs(context.get("groups"))),
        )
        return validate_shift(record.values, list(record.rows.get(m.BREAKS, [])), form_context, lang)

    async def create(self, turn: Turn, record: FormRecord, payload: m.ShiftPlan) -> dict[str, Any] | FormView:
        notes = [zone_note_key(note) for note in payload.zone_notes]
        if notes and not (record.context.get("confirmed") and record.context.get("zoneNotesShown") == notes):
            record.context["zoneNotesShown"] = notes
            await self.forms.save(record)
            return FormView(banner=t(turn.lang, "shift.zone_confirm"), banner_color="Warning", mode=CONFIRM_ZONE)
        created = await self.directory.create_shift(turn.user, payload.team_id, shift_body(payload))
        return result_of(payload, created, self._names(record, payload), str(record.context.get("zone") or "UTC"))

    async def find_existing(self, turn: Turn, record: FormRecord, payload: m.ShiftPlan) -> dict[str, Any] | None:
        """The shift an unanswered create made: that member's, with that label, overlapping those times."""
        found = await self.directory.shifts_like(turn.user, payload)
        if not found:
            return None
        return result_of(payload, found[0], self._names(record, payload), str(record.context.get("zone") or "UTC"))

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        if isinstance(error, GraphForbidden) and "missingadminpermissions" in error.codes:
            return FormView(banner=t(lang, "shift.err.not_manager"))
        if isinstance(error, GraphForbidden):
            return FormView(banner=t(lang, "shift.err.forbidden"))
        if isinstance(error, GraphNotFound):
            return FormView(banner=t(lang, "shift.err.not_found"))
        return super().explain(error, lang)

    @staticmethod
    def _names(record: FormRecord, plan: m.ShiftPlan) -> dict[str, str]:
        members = {user_id: name for name, user_id in _pairs(record.context.get("members"))}
        groups = {group_id: name for name, group_id in _pairs(record.context.get("groups"))}
        return {
            "team": str(record.context.get("teamName") or ""),
            "member": members.get(plan.user_id, plan.user_id),
            "group": groups.get(plan.group_id, plan.group_id),
        }


def _pairs(raw: Any) -> list[tuple[str, str]]:
    return [(str(pair[0]), str(pair[1])) for pair in raw or [] if isinstance(pair, list | tuple) and len(pair) == 2]


def _values_of(parsed: Prefill, member: Member | None, data: TeamData, today: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        m.TEAM: data.team.team_id,
        m.DATE: parsed.day.isoformat() if parsed.day else today,
        m.VISIBILITY: m.PUBLISHED,
    }
    if member is not None:
        values[m.MEMBER] = member.user_id
    if parsed.start is not None:
        values[m.START] = parsed.start.strftime("%H:%M")
    if parsed.end is not None:
        values[m.END] = parsed.end.strftime("%H:%M")
    if parsed.label:
        values[m.LABEL] = parsed.label
    if parsed.theme:
        values[m.THEME] = parsed.theme
    return values
