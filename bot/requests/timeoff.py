"""/timeoff Megan 24/12 to 26/12 Vacation (French: /absence Megan 24/12 au 26/12 Congés).

The member is found among the members of the teams the manager owns, the reason among the team's active
timeOffReasons, and whole days are booked in the team's schedule zone (where the employee works). Before
POST …/timesOff the bot looks for the same time off in Graph, and claims the booking, so a command sent twice
books once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.flows import ACTION_BUDGET_SECONDS
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphUnavailable
from bot.i18n import Lang, t, tn
from bot.requests.claims import Claims
from bot.requests.inbox import explain
from bot.requests.model import Reason, parse_time
from bot.requests.service import RequestsService
from bot.requests.strings import day, shift_text, time_range, zone_of
from bot.shift.members import Member, match_words
from bot.shift.text import fold
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.requests import Line, result_card

Clock = Callable[[], datetime]
BOOKING_LEASE_SECONDS = 600.0

i18n.register(
    en={
        "timeoff.title": "Time off",
        "timeoff.done": "Time off booked",
        "timeoff.already": "This time off was already booked; nothing was added.",
        "timeoff.usage": "Type who, the days and the reason, e.g. /timeoff Megan 24/12 to 26/12 Vacation.",
        "timeoff.no_dates": "I did not find the days. Write them as 24/12, 24/12/2026 or 2026-12-24.",
        "timeoff.bad_date": "“{text}” is not a date I can read.",
        "timeoff.backwards": "The last day ({end}) is before the first ({start}).",
        "timeoff.no_member": "I did not find who is taking time off among the members of your teams.",
        "timeoff.ambiguous": "“{words}” could be {names}. Type more of the name.",
        "timeoff.several_teams": "{name} is in several of your teams ({teams}). Run the command in that team's "
        "channel.",
        "timeoff.no_reason": "Add a reason. This team's reasons: {reasons}.",
        "timeoff.unknown_reason": "“{text}” is not one of this team's reasons: {reasons}.",
        "timeoff.fact_team": "Team",
        "timeoff.fact_member": "Member",
        "timeoff.fact_reason": "Reason",
        "timeoff.fact_when": "When",
        "timeoff.conflict.one": "{name} has {count} shift during this time off: {shifts}",
        "timeoff.conflict.other": "{name} has {count} shifts during this time off: {shifts}",
        "timeoff.conflict.many": "{name} has {count} shifts during this time off: {shifts}",
        "timeoff.failed": "The time off was not booked.",
        "timeoff.in_flight": "This time off is already being booked. Type /requests or look in Shifts in a few "
        "minutes before trying again.",
        "timeoff.unknown_outcome": "Microsoft 365 did not answer in time. Type /requests or look in Shifts before "
        "trying again.",
    },
    fr={
        "timeoff.title": "Absence",
        "timeoff.done": "Absence enregistrée",
        "timeoff.already": "Cette absence était déjà enregistrée ; rien n'a été ajouté.",
        "timeoff.usage": "Indiquez qui, les jours et le motif, par ex. /absence Megan 24/12 au 26/12 Congés.",
        "timeoff.no_dates": "Je n'ai pas trouvé les jours. Écrivez-les 24/12, 24/12/2026 ou 2026-12-24.",
        "timeoff.bad_date": "« {text} » n'est pas une date que je sais lire.",
        "timeoff.backwards": "Le dernier jour ({end}) est avant le premier ({start}).",
        "timeoff.no_member": "Je n'ai pas trouvé la personne absente parmi les membres de vos équipes.",
        "timeoff.ambiguous": "« {words} » peut désigner {names}. Tapez davantage du nom.",
        "timeoff.several_teams": "{name} fait partie de plusieurs de vos équipes ({teams}). Lancez la commande "
        "dans le canal de l'équipe.",
        "timeoff.no_reason": "Ajoutez un motif. Motifs de cette équipe : {reasons}.",
        "timeoff.unknown_reason": "« {text} » n'est pas un motif de cette équipe : {reasons}.",
        "timeoff.fact_team": "Équipe",
        "timeoff.fact_member": "Membre",
        "timeoff.fact_reason": "Motif",
        "timeoff.fact_when": "Quand",
        "timeoff.conflict.one": "{name} a {count} poste pendant cette absence : {shifts}",
        "timeoff.conflict.other": "{name} a {count} postes pendant cette absence : {shifts}",
        "timeoff.conflict.many": "{name} a {count} de postes pendant cette absence : {shifts}",
        "timeoff.failed": "L'absence n'a pas été enregistrée.",
        "timeoff.in_flight": "Cette absence est déjà en cours d'enregistrement. Regardez dans Shifts dans quelques "
        "minutes avant de réessayer.",
        "timeoff.unknown_outcome": "Microsoft 365 n'a pas répondu à temps. Tapez /demandes ou regardez dans Shifts "
        "avant de réessayer.",
    },
)

_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SEPARATORS = frozenset({"to", "until", "-", "–", "au", "a", "jusqu'au", "through", "du", "from", "le", "on"})
_RELATIVE = {"today": 0, "aujourd'hui": 0, "tomorrow": 1, "demain": 1}


class Unusable(Exception):
    """What the manager typed cannot be booked; the message says why."""


@dataclass
class TimeOffCommand:
    words: list[str] = field(default_factory=list)  # before the first date: who
    first: date | None = None
    last: date | None = None
    reason_words: list[str] = field(default_factory=list)


def parse_day(token: str, today: date, lang: Lang) -> date | None:
    """24/12, 24.12.2026, 2026-12-24, today/demain. A day without a year is the next one from today."""
    folded = fold(token)
    if folded in _RELATIVE:
        return today + timedelta(days=_RELATIVE[folded])
    try:
        if found := _ISO.match(token):
            return date(int(found[1]), int(found[2]), int(found[3]))
        if found := _DAY_MONTH.match(token):
            year = int(found[3]) if found[3] else today.year
            year = year + 2000 if year < 100 else year
            typed = date(year, int(found[2]), int(found[1]))
            next_year = not found[3] and typed < today - timedelta(days=31)
            return typed.replace(year=typed.year + 1) if next_year else typed
    except ValueError as bad:
        raise Unusable(t(lang, "timeoff.bad_date", text=token)) from bad
    return None


def parse_command(args: str, today: date, lang: Lang) -> TimeOffCommand:
    command = TimeOffCommand()
    for token in args.split():
        found = parse_day(token, today, lang)
        if found is not None:
            if command.first is None:
                command.first = found
            command.last = found
        elif command.first is None:
            command.words.append(token)
        elif fold(token) not in _SEPARATORS or command.reason_words:
            command.reason_words.append(token)
    command.words = [w for w in command.words if fold(w) not in _SEPARATORS]
    return command


def find_reason(text: str, reasons: list[Reason], lang: Lang) -> Reason:
    active = [reason for reason in reasons if reason.active]
    names = ", ".join(reason.name for reason in active)
    if not text:
        raise Unusable(t(lang, "timeoff.no_reason", reasons=names))
    wanted = fold(text)
    exact = [reason for reason in active if fold(reason.name) == wanted]
    starts = [reason for reason in active if fold(reason.name).startswith(wanted)]
    found = exact or starts
    if len(found) != 1:
        raise Unusable(t(lang, "timeoff.unknown_reason", text=text, reasons=names))
    return found[0]


def whole_days(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class Target:
    team_id: str
    team_name: str
    zone: ZoneInfo
    member: Member


class TimeOffDesk:
    def __init__(self, service: RequestsService, claims: Claims, now: Clock) -> None:
        self.service = service
        self.claims = claims
        self.now = now

    async def book(self, turn: Turn, args: str) -> Reply:
        lang = turn.lang
        title = t(lang, "timeoff.title")
        try:
            with deadline(ACTION_BUDGET_SECONDS * 2):
                return await self._book(turn, args)
        except Unusable as problem:
            return Reply.new_card(notice_card(lang, title, [str(problem)]))
        except GraphUnavailable as error:
            lines = [t(lang, "timeoff.unknown_outcome") if error.status in (0, 500, 504) else explain(error, lang)]
            return Reply.new_card(notice_card(lang, title, lines, error.request_id or error.client_request_id))
        except GraphError as error:
            lines = [t(lang, "timeoff.failed"), explain(error, lang)]
            return Reply.new_card(notice_card(lang, title, lines, error.request_id or error.client_request_id))

    async def _book(self, turn: Turn, args: str) -> Reply:
        lang = turn.lang
        if not args.strip():
            raise Unusable(t(lang, "timeoff.usage"))
        today = self.now().astimezone(zone_of(turn.timezone)).date()
        command = parse_command(args, today, lang)
        if command.first is None or command.last is None:
            raise Unusable(t(lang, "timeoff.no_dates"))
        if command.last < command.first:
            raise Unusable(t(lang, "timeoff.backwards", start=day(command.first, lang), end=day(command.last, lang)))
        target = await self._target(turn, command.words)
        reason = find_reason(
            " ".join(command.reason_words), await self.service.reasons(turn.user, target.team_id), lang
        )
        start, end = whole_days(command.first, command.last, target.zone)
        booked = await self._create_once(turn, target, reason, start, end)
        return Reply.new_card(await self._result(turn, target, reason, start, end, booked))

    async def _target(self, turn: Turn, words: list[str]) -> Target:
        lang = turn.lang
        teams = await self.service.owned_teams(turn.user)
        channel_team = await turn.resolve_team_group_id() if turn.conversation_type == "channel" else None
        if channel_team:
            teams = [(team, zone) for team, zone in teams if team.team_id == channel_team]
        found: list[Target] = []
        for team, zone in teams:
            members = await self.service.directory.members(turn.user, team.team_id)
            match = match_words(words, members)
            if match.ambiguous and match.member is None:
                names = ", ".join(member.name for member in match.ambiguous)
                raise Unusable(t(lang, "timeoff.ambiguous", words=match.ambiguous_words, names=names))
            if match.member is not None and not match.rest:
                found.append(Target(team.team_id, team.name, load_zone(zone), match.member))
        if not found:
            raise Unusable(t(lang, "timeoff.no_member"))
        if len(found) > 1:
            teams_text = ", ".join(target.team_name for target in found)
            raise Unusable(t(lang, "timeoff.several_teams", name=found[0].member.name, teams=teams_text))
        return found[0]

    async def _create_once(self, turn: Turn, target: Target, reason: Reason, start: datetime, end: datetime) -> bool:
        """True when this command booked it; False when the same time off is in Graph already. A booking still
        in flight elsewhere (a second instance, or one whose answer was lost) is claimed: nothing is sent twice."""
        existing = await self.service.time_off_between(turn.user, target.team_id, start, end)
        if any(_same_time_off(raw, target.member.user_id, reason.reason_id, start, end) for raw in existing):
            return False
        parts = (target.team_id, target.member.user_id, start.isoformat(), end.isoformat(), reason.reason_id)
        key, holder = "timeoff:" + ":".join(parts).lower(), uuid.uuid4().hex
        if not await self.claims.claim(key, holder, BOOKING_LEASE_SECONDS):
            raise Unusable(t(turn.lang, "timeoff.in_flight"))
        try:
            await self.service.create_time_off(
                turn.user, target.team_id, target.member.user_id, reason.reason_id, start, end
            )
        except GraphError as error:
            if not isinstance(error, GraphUnavailable):  # refused: nothing was booked, it may be tried again
                await self.claims.release(key, holder)
            raise
        return True

    async def _result(
        self, turn: Turn, target: Target, reason: Reason, start: datetime, end: datetime, booked: bool
    ) -> dict[str, object]:
        lang = turn.lang
        zone = zone_of(turn.timezone, str(target.zone))
        lines = [
            Line(t(lang, "timeoff.fact_team"), target.team_name),
            Line(t(lang, "timeoff.fact_member"), target.member.name),
            Line(t(lang, "timeoff.fact_reason"), reason.name),
            Line(t(lang, "timeoff.fact_when"), time_range(start, end, target.zone, lang)),
        ]
        shifts = await self.service.shifts_between(turn.user, target.team_id, start, end)
        overlapping = [s for s in shifts if s.user_id == target.member.user_id and s.overlaps(start, end)]
        note = None
        if overlapping:
            text = "; ".join(shift_text(s.label, s.start, s.end, zone, lang) for s in overlapping)
            note = tn(lang, "timeoff.conflict", len(overlapping), name=target.member.name, shifts=text)
        title = t(lang, "timeoff.done") if booked else t(lang, "timeoff.already")
        return result_card(title, lines, lang, note)


def _same_time_off(raw: dict[str, object], user_id: str, reason_id: str, start: datetime, end: datetime) -> bool:
    item = raw.get("sharedTimeOff") or raw.get("draftTimeOff")
    if not isinstance(item, dict) or str(raw.get("userId") or "").lower() != user_id.lower():
        return False
    return (
        item.get("timeOffReasonId") == reason_id
        and parse_time(item.get("startDateTime")) == start
        and parse_time(item.get("endDateTime")) == end
    )
