"""The shift form's life: /shift opens it (team, members, groups, zone, inline prefill), the verbs edit it,
submit validates it, asks about daylight-saving readings, posts the shift, and shows the confirmation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from bot.flows import ACTION_BUDGET_SECONDS, FormFlow, FormView
from bot.forms import FormRecord
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound
from bot.i18n import Lang, t
from bot.prefs import Preferences
from bot.services import Services
from bot.shift import edit
from bot.shift import model as m
from bot.shift.directory import Schedule, ShiftDirectory, TeamOption
from bot.shift.members import Member, find_by_name, match_words
from bot.shift.parser import Prefill, parse_args, parse_clock
from bot.shift.payload import shift_body
from bot.shift.summary import check_text, result_of, summary_of, zone_note_key
from bot.shift.text import fold
from bot.shift.timezones import graph_time, load_zone
from bot.shift.validation import MIN_DURATION, FormContext, format_duration, typed_span, validate_shift
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.shift import CONFIRM_ZONE, ShiftFormState, shift_done_card, shift_form_card

Clock = Callable[[], datetime]
SkippedTeams = dict[str, tuple[str, str]]  # "Team (reason)" -> (team id, reason)
# Teams whose schedule is read at once when looking for one to open on. Shifts' limit (4 requests/s) is per team;
# 10 at once finds a ready team among 60 in 6 rounds of reads at worst, within Teams' 5 s.
TEAMS_AT_ONCE = 10
log = logging.getLogger("managerdesk.shift")
ZONE_CHECKS = frozenset({"gap", "fold"})  # daylight-saving readings; the other checks are the scheduler's


class ShiftUnavailable(Exception):
    """The form cannot be opened: the message (already worded) says why."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or message  # a few words, for a list of teams that were skipped


@dataclass(frozen=True)
class TeamData:
    team: TeamOption
    schedule: Schedule
    members: list[Member]
    groups: list[tuple[str, str]]  # (name, id)
    group_members: dict[str, list[str]]  # group id -> the user ids in it

    def context(self, zone: str) -> dict[str, Any]:
        return {
            "teamId": self.team.team_id,
            "teamName": self.team.name,
            "zone": zone,
            "members": [[member.name, member.user_id] for member in self.members],
            "groups": [list(group) for group in self.groups],
            "groupMembers": self.group_members,
        }


class ShiftFlow(FormFlow):
    kind = m.KIND
    row_limits: ClassVar[Mapping[str, int]] = {m.BREAKS: m.MAX_BREAKS}

    def __init__(self, services: Services, *, now: Clock | None = None) -> None:
        super().__init__(services)
        self.directory = ShiftDirectory(services.graph)
        self.prefs = Preferences(services.storage)
        fixed = services.settings.fixed_now
        self.now: Clock = now or ((lambda: datetime.fromisoformat(fixed)) if fixed else (lambda: datetime.now(UTC)))

    # --- /shift ------------------------------------------------------------------------------------------
    async def start(self, turn: Turn, args: str) -> Reply:
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                teams, args = await self._team_choices(turn, args)
                data, skipped = await self._first_schedulable(turn, teams)
        except ShiftUnavailable as problem:
            return Reply.new_card(notice_card(turn.lang, t(turn.lang, "shift.title"), [problem.message]))
        except GraphError as error:
            view = self.explain(error, turn.lang)
            view.request_id = None  # the notice shows the error's own
            lines = [t(turn.lang, "shift.open_failed"), view.banner or "", *view.details(turn.lang)]
            card = notice_card(turn.lang, t(turn.lang, "shift.title"), lines, error.request_id)
            return Reply.new_card(card)
        zone = self._zone_name(turn, data.schedule)
        values, notices = self._prefill(turn, args, data, zone)
        if skipped:
            notices.insert(0, t(turn.lang, "shift.skipped", teams="; ".join(skipped)))
        context = data.context(zone)
        unusable = {team_id for team_id, _ in skipped.values()}
        offered = [[team.name, team.team_id] for team in teams if team.team_id not in unusable]
        context.update(teams=offered, notices=notices)
        return await self.open(turn, values, **context)

    async def _team_choices(self, turn: Turn, args: str) -> tuple[list[TeamOption], str]:
        """The teams to offer, the one to try first at the front, and the arguments left once a team named in
        them is taken out. In a channel, its team; elsewhere the joined teams: the one the command names, else
        the one the manager used last, then the others by name."""
        if turn.conversation_type == "channel":
            return [await self._channel_team(turn)], args
        teams = await self.directory.joined_teams(turn.user)
        named, args = _named_team(args, teams)
        last = await self.prefs.get(turn.user.aad_object_id, "team")
        first = named or next((team for team in teams if team.team_id == last), None)
        ordered = [first, *(team for team in teams if team != first)] if first else teams
        if not ordered:
            raise ShiftUnavailable(t(turn.lang, "shift.no_teams"))
        return ordered, args

    async def _first_schedulable(self, turn: Turn, teams: list[TeamOption]) -> tuple[TeamData, SkippedTeams]:
        """The first team, in order, that can be scheduled, reading a few teams at a time and no further than
        needed: a manager in 60 teams is answered after a handful of reads, not 60. The teams found unusable on
        the way are returned, each with the plain reason, for the card to name."""
        skipped: SkippedTeams = {}
        for start in range(0, len(teams), TEAMS_AT_ONCE):
            batch = teams[start : start + TEAMS_AT_ONCE]
            found = await asyncio.gather(*(self._try_team(turn, team) for team in batch))
            for team, result in zip(batch, found, strict=True):
                if isinstance(result, TeamData):
                    return result, skipped
                named = t(turn.lang, "shift.skipped_team", team=team.name, reason=result.reason)
                skipped[named] = (team.team_id, result.message)
        if len(teams) == 1 and skipped:
            raise ShiftUnavailable(next(iter(skipped.values()))[1])
        raise ShiftUnavailable(t(turn.lang, "shift.no_teams_ready", teams="; ".join(skipped)))

    async def _try_team(self, turn: Turn, team: TeamOption) -> TeamData | ShiftUnavailable:
        try:
            return await self._team_data(turn, team)
        except ShiftUnavailable as problem:
            return problem
        except (GraphForbidden, GraphNotFound):
            message = t(turn.lang, "shift.cannot_read", team=team.name)
            return ShiftUnavailable(message, t(turn.lang, "shift.reason_cannot_read"))

    async def _channel_team(self, turn: Turn) -> TeamOption:
        team_id = await turn.resolve_team_group_id()
        if not team_id:
            raise ShiftUnavailable(t(turn.lang, "shift.no_team_here"))
        joined = {team.team_id: team for team in await self.directory.joined_teams(turn.user)}
        team = joined.get(team_id) or TeamOption(team_id, t(turn.lang, "shift.this_team"))
        return team

    async def _team_data(self, turn: Turn, team: TeamOption, schedule: Schedule | None = None) -> TeamData:
        schedule = schedule or await self.directory.schedule(turn.user, team.team_id)
        if not schedule.ready:
            message = t(turn.lang, "shift.not_scheduled", team=team.name)
            raise ShiftUnavailable(message, t(turn.lang, "shift.reason_not_set_up"))
        members, active = await asyncio.gather(
            self.directory.members(turn.user, team.team_id), self.directory.active_groups(turn.user, team.team_id)
        )
        if not active:
            message = t(turn.lang, "shift.no_groups", team=team.name)
            raise ShiftUnavailable(message, t(turn.lang, "shift.reason_no_groups"))
        groups = [(g.name, g.group_id) for g in active]
        return TeamData(team, schedule, members, groups, {g.group_id: sorted(g.user_ids) for g in active})

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
        values = _values_of(parsed, member, data, today.isoformat())
        if words:  # offered as the shift's notes, where the manager can keep, move or delete them
            values[m.NOTES] = " ".join(words)
            notices.append(t(turn.lang, "shift.leftover_notes", words=values[m.NOTES]))
        return values, notices

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

    async def start_prefilled(
        self, turn: Turn, team: TeamOption, values: dict[str, Any], rows: list[str], *, replaces: dict[str, Any] | None
    ) -> Reply:
        """The form on an existing shift: to replace it (`replaces` = its id and lastModifiedDateTime) or to
        create a copy. Raises ShiftUnavailable or GraphError like /shift."""
        with deadline(ACTION_BUDGET_SECONDS):
            data = await self._team_data(turn, team)
        context = data.context(self._zone_name(turn, data.schedule))
        context.update(teams=[[team.name, team.team_id]], notices=[], **({edit.REPLACES: replaces} if replaces else {}))
        record = await self.forms.create(
            self.kind, turn.user.aad_object_id, {**values, m.TEAM: team.team_id}, **context
        )
        record.rows[m.BREAKS] = list(rows)
        await self.forms.save(record)
        view = FormView() if replaces else FormView(banner=t(turn.lang, "shift.copy_hint"), banner_color="Accent")
        return Reply.in_place(self.render_form(record, turn.lang, view))

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
        await self.prefs.remember(turn.user.aad_object_id, team=data.team.team_id)
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
        shown = context.get("checksShown") or [] if view.mode == CONFIRM_ZONE else []
        names = self._names_of(record)
        span = typed_span(record.values, load_zone(zone))
        duration = ""
        if span is not None and span[1] - span[0] >= MIN_DURATION:
            duration = t(lang, "shift.duration", duration=format_duration(span[1] - span[0], lang))
        state = ShiftFormState(
            form_id=record.form_id,
            values=record.values,
            break_rows=list(record.rows.get(m.BREAKS, [])),
            teams=_pairs(context.get("teams")),
            members=self._members_shown(record),
            groups=_pairs(context.get("groups")),
            zone=zone,
            notices=list(context.get("notices") or []),
            zone_notes=[check_text(check, zone, names, lang) for check in shown],
            times_only=all(check.get("kind") in ZONE_CHECKS for check in shown),
            duration=duration,
            editing=self.edits_existing(record),
        )
        return shift_form_card(state, view, lang)

    def edits_existing(self, record: FormRecord) -> bool:
        return isinstance(record.context.get(edit.REPLACES), dict)

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        result = record.result or {}
        if not isinstance(result.get("start"), str) or not isinstance(result.get("end"), str):
            return notice_card(lang, t(lang, "shift.title"), [t(lang, "notice.stale")])  # no shift to show
        return shift_done_card(summary_of(result, lang), lang)

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
        checks = [zone_note_key(note) for note in payload.zone_notes] + await self._checks(turn, record, payload)
        if checks and not (record.context.get("confirmed") and record.context.get("checksShown") == checks):
            record.context["checksShown"] = checks
            await self.forms.save(record)
            times_only = all(check["kind"] in ZONE_CHECKS for check in checks)
            banner = t(turn.lang, "shift.zone_confirm" if times_only else "shift.checks_confirm")
            return FormView(banner=banner, banner_color="Warning", mode=CONFIRM_ZONE)
        replaces = record.context.get(edit.REPLACES)
        if isinstance(replaces, dict):
            return await self._replace(turn, record, payload, replaces)
        created = await self.directory.create_shift(turn.user, payload.team_id, shift_body(payload))
        await self.prefs.remember(turn.user.aad_object_id, team=payload.team_id)
        return result_of(payload, created, self._names(record, payload), str(record.context.get("zone") or "UTC"))

    async def _replace(
        self, turn: Turn, record: FormRecord, payload: m.ShiftPlan, replaces: dict[str, Any]
    ) -> dict[str, Any] | FormView:
        problem = await edit.still_as_read(self.services.graph, turn.user, payload.team_id, replaces)
        if problem:
            return FormView(banner=t(turn.lang, problem))
        await edit.replace_shift(self.services.graph, turn.user, payload.team_id, replaces["id"], shift_body(payload))
        zone = str(record.context.get("zone") or "UTC")
        return {**result_of(payload, replaces, self._names(record, payload), zone), "replaced": True}

    async def find_existing(self, turn: Turn, record: FormRecord, payload: m.ShiftPlan) -> dict[str, Any] | None:
        """The shift an unanswered create made: that member's, with that label, overlapping those times. For an
        edit, the shift itself if it already holds what was sent (the PUT happened)."""
        replaces = record.context.get(edit.REPLACES)
        if isinstance(replaces, dict):
            if not await edit.already_replaced(
                self.services.graph, turn.user, payload.team_id, replaces, shift_body(payload)
            ):
                return None
            zone = str(record.context.get("zone") or "UTC")
            return {**result_of(payload, replaces, self._names(record, payload), zone), "replaced": True}
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

    async def _checks(self, turn: Turn, record: FormRecord, plan: m.ShiftPlan) -> list[dict[str, str]]:
        """What a scheduler wants to confirm before creating: a start in the past, a 24-hour shift typed as the
        same start and end, a member outside the chosen group, the member's shifts or time off at that time."""
        checks: list[dict[str, str]] = []
        if plan.start < self.now():
            checks.append({"kind": "past", "start": graph_time(plan.start)})
        start_clock, end_clock = (parse_clock(str(record.values.get(key) or "")) for key in (m.START, m.END))
        if start_clock is not None and start_clock == end_clock:
            checks.append({"kind": "full_day"})
        in_group = (record.context.get("groupMembers") or {}).get(plan.group_id)
        if isinstance(in_group, list) and plan.user_id not in in_group:
            checks.append({"kind": "group", "user": plan.user_id, "group": plan.group_id})
        try:
            busy = await self.directory.busy(turn.user, plan.team_id, plan.user_id, plan.start, plan.end)
        except GraphError as error:  # a check that could not be made does not stop the manager
            log.warning("overlap check failed status=%s request-id=%s", error.status, error.request_id)
            busy = []
        busy = [b for b in busy if not edit.is_itself(b, record.context.get(edit.REPLACES))]
        checks += [
            {"kind": b.kind, "user": plan.user_id, "start": graph_time(b.start), "end": graph_time(b.end)} for b in busy
        ]
        return checks

    @staticmethod
    def _members_shown(record: FormRecord) -> list[tuple[str, str]]:
        """Members follow the chosen scheduling group: once a group is picked, its members are offered (and the
        member already picked, so that nothing chosen disappears)."""
        members = _pairs(record.context.get("members"))
        in_group = (record.context.get("groupMembers") or {}).get(str(record.values.get(m.GROUP) or ""))
        if not isinstance(in_group, list) or not in_group:
            return members
        picked = record.values.get(m.MEMBER)
        return [pair for pair in members if pair[1] in in_group or pair[1] == picked]

    @staticmethod
    def _names_of(record: FormRecord) -> dict[str, dict[str, str]]:
        return {
            "members": {user_id: name for name, user_id in _pairs(record.context.get("members"))},
            "groups": {group_id: name for name, group_id in _pairs(record.context.get("groups"))},
        }

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
        groups = [group_id for group_id, users in data.group_members.items() if member.user_id in users]
        if len(groups) == 1:  # the member's only group: a one-line shift then needs a single press
            values[m.GROUP] = groups[0]
    if parsed.start is not None:
        values[m.START] = parsed.start.strftime("%H:%M")
    if parsed.end is not None:
        values[m.END] = parsed.end.strftime("%H:%M")
    if parsed.label:
        values[m.LABEL] = parsed.label
    if parsed.theme:
        values[m.THEME] = parsed.theme
    return values


def _named_team(args: str, teams: list[TeamOption]) -> tuple[TeamOption | None, str]:
    """A joined team the command names ('/shift Contoso Retail Megan tomorrow'), longest name first, and the
    arguments without it. Case and accents are ignored; quotes around the name are allowed."""
    folded = fold(args)
    if len(folded) != len(args):  # positions in the folded text must be positions in what was typed
        return None, args
    for team in sorted(teams, key=lambda team: -len(team.name)):
        name = fold(team.name)
        at = folded.find(name)
        if name and at >= 0 and (at == 0 or not folded[at - 1].isalnum()):
            end = at + len(name)
            if end == len(folded) or not folded[end].isalnum():
                rest = (args[:at].rstrip(' "“«') + " " + args[end:].lstrip(' "”»')).strip()
                return team, rest
    return None, args
