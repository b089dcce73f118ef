"""/timeoff Megan 24/12 to 26/12 Vacation (French: /absence Megan 24/12 au 26/12 Congés), or part of a day:
/timeoff Megan 24/12 9:00 to 13:00 Doctor, 24/12 9h-13h, /absence Megan 24/12 de 9h à 13h Médecin, or from a time
on one day to a time on another: 24/12 14:00 to 26/12 12:00.

The member is found among the members of the teams the manager owns, the reason among the team's active
timeOffReasons, and days and times are read in the team's schedule zone (where the employee works). A time that
the clocks skip or go through twice in that zone is refused, not moved. Before POST …/timesOff the bot looks for
the same time off in Graph, and claims the booking, so a command sent twice books once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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
from bot.requests.strings import day, moment, shift_text, time_range, zone_of
from bot.shift.members import Member, match_words
from bot.shift.parser import clock_range, looks_like_clock, parse_clock
from bot.shift.text import fold
from bot.shift.timezones import load_zone, to_utc
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
        "timeoff.usage": "Type who, the days and the reason, e.g. /timeoff Megan 24/12 to 26/12 Vacation, or part "
        "of a day: /timeoff Megan 24/12 9:00 to 13:00 Doctor.",
        "timeoff.no_dates": "I did not find the days. Write them as 24/12, 24/12/2026 or 2026-12-24.",
        "timeoff.bad_date": "“{text}” is not a date I can read.",
        "timeoff.backwards": "The last day ({end}) is before the first ({start}).",
        "timeoff.no_end": "I found a start time ({start}) but no end time. Add it, e.g. 24/12 9:00 to 13:00.",
        "timeoff.no_start": "I found an end time ({end}) but no start time. Add it, e.g. 24/12 9:00 to 13:00 or "
        "24/12 14:00 to 26/12 12:00.",
        "timeoff.bad_time": "“{text}” is not a time I can read. Write it as 9:00, 9h30 or 2pm.",
        "timeoff.not_after": "The end ({end}) is not after the start ({start}).",
        "timeoff.misplaced_time": "I cannot tell which day “{text}” goes with. Put each time right after its day, "
        "e.g. 24/12 9:00 to 13:00, or 24/12 14:00 to 26/12 12:00.",
        "timeoff.typed_as": "“{typed}”, read as {moment}",
        "timeoff.zone_gap": "{time} does not exist on {day} in {zone}: the clocks go forward then. Choose another "
        "time.",
        "timeoff.zone_fold": "{time} happens twice on {day} in {zone}: the clocks go back then, so I cannot tell "
        "which one you mean. Choose another time.",
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
        "timeoff.busy": "Microsoft 365 is busy. Try again in a minute.",
        "timeoff.busy_for": "Microsoft 365 is busy. Try again in {wait}.",
        "timeoff.in_flight": "This time off is already being booked. Type /requests or look in Shifts in a few "
        "minutes before trying again.",
        "timeoff.unknown_outcome": "Microsoft 365 did not answer in time. Type /requests or look in Shifts before "
        "trying again.",
    },
    fr={
        "timeoff.title": "Absence",
        "timeoff.done": "Absence enregistrée",
        "timeoff.already": "Cette absence était déjà enregistrée ; rien n'a été ajouté.",
        "timeoff.usage": "Indiquez qui, les jours et le motif, par ex. /absence Megan 24/12 au 26/12 Congés, ou "
        "une partie de journée : /absence Megan 24/12 de 9h à 13h Médecin.",
        "timeoff.no_dates": "Je n'ai pas trouvé les jours. Écrivez-les 24/12, 24/12/2026 ou 2026-12-24.",
        "timeoff.bad_date": "« {text} » n'est pas une date que je sais lire.",
        "timeoff.backwards": "Le dernier jour ({end}) est avant le premier ({start}).",
        "timeoff.no_end": "J'ai trouvé une heure de début ({start}) mais pas d'heure de fin. Ajoutez-la, par ex. "
        "24/12 de 9h à 13h.",
        "timeoff.no_start": "J'ai trouvé une heure de fin ({end}) mais pas d'heure de début. Ajoutez-la, par ex. "
        "24/12 de 9h à 13h ou 24/12 14h au 26/12 12h.",
        "timeoff.bad_time": "« {text} » n'est pas une heure que je sais lire. Écrivez-la 9:00, 9h30 ou 14h.",
        "timeoff.not_after": "La fin ({end}) n'est pas après le début ({start}).",
        "timeoff.misplaced_time": "Je ne sais pas à quel jour se rapporte « {text} ». Mettez chaque heure juste "
        "après son jour, par ex. 24/12 de 9h à 13h, ou 24/12 14h au 26/12 12h.",
        "timeoff.typed_as": "« {typed} », compris comme {moment}",
        "timeoff.zone_gap": "{time} n'existe pas le {day} dans le fuseau {zone} : on avance l'heure ce jour-là. "
        "Choisissez une autre heure.",
        "timeoff.zone_fold": "{time} a lieu deux fois le {day} dans le fuseau {zone} : on recule l'heure ce "
        "jour-là, je ne sais donc pas laquelle vous voulez dire. Choisissez une autre heure.",
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
        "timeoff.busy": "Microsoft 365 est occupé. Réessayez dans une minute.",
        "timeoff.busy_for": "Microsoft 365 est occupé. Réessayez dans {wait}.",
        "timeoff.in_flight": "Cette absence est déjà en cours d'enregistrement. Regardez dans Shifts dans quelques "
        "minutes avant de réessayer.",
        "timeoff.unknown_outcome": "Microsoft 365 n'a pas répondu à temps. Tapez /demandes ou regardez dans Shifts "
        "avant de réessayer.",
    },
)

_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SEPARATORS = frozenset({"to", "until", "-", "–", "au", "a", "jusqu'au", "through", "du", "from", "le", "on"})
# Only after the first day: before it, "de" may be part of a name (Jean de La Fontaine).
_TIME_SEPARATORS = frozenset({*_SEPARATORS, "de", "jusqu'a"})
_SPACED_MERIDIEM = re.compile(r"(?<=\d)\s+(am|pm)\b", re.IGNORECASE)  # "9 am" is one time, as "9am"
_RELATIVE = {"today": 0, "aujourd'hui": 0, "tomorrow": 1, "demain": 1}


class Unusable(Exception):
    """What the manager typed cannot be booked; the message says why."""


@dataclass
class TimeOffCommand:
    words: list[str] = field(default_factory=list)  # before the first date: who
    first: date | None = None
    last: date | None = None
    reason_words: list[str] = field(default_factory=list)
    start_time: str | None = None  # as typed, read by `span`
    end_time: str | None = None
    days_typed: int = 0
    misplaced_time: str | None = None  # a time where none can go (e.g. after the last day): asked about, not guessed

    def add_day(self, typed: date) -> None:
        self.first = self.first or typed
        self.last = typed
        self.days_typed += 1

    def take_time(self, token: str) -> bool:
        """A time, or a range of two, in the next free place: the start right after the first day, else the end.
        False when `token` is not written as a time or both places are taken."""
        on_first_day = self.days_typed == 1 and self.start_time is None and self.end_time is None
        pair = clock_range(token)
        if pair is not None and on_first_day:
            self.start_time, self.end_time = pair
            return True
        if pair is not None or not looks_like_clock(token) or self.end_time is not None:
            return False
        if on_first_day:
            self.start_time = token
        else:
            self.end_time = token
        return True


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


def parse_command(args: str, today: date, lang: Lang, reasons: Sequence[Reason] = ()) -> TimeOffCommand:
    """Who (the words before the first day), the days, the times and the reason. With the team's `reasons`, words
    that name one are the reason even when they look like a time or a separator ("8h training", "On call")."""
    command = TimeOffCommand()
    tokens = _SPACED_MERIDIEM.sub(r"\1", args).split()
    for index, token in enumerate(tokens):
        found = parse_day(token, today, lang)
        if found is not None:
            command.add_day(found)
        elif command.first is None:
            command.words.append(token)
        elif command.reason_words or _names_a_reason(tokens, index, reasons):
            command.reason_words.append(token)
        elif fold(token) not in _TIME_SEPARATORS and not command.take_time(token):
            if command.misplaced_time is None and (looks_like_clock(token) or clock_range(token) is not None):
                command.misplaced_time = token
            else:
                command.reason_words.append(token)
    command.words = [w for w in command.words if fold(w) not in _SEPARATORS]
    return command


def _names_a_reason(tokens: list[str], index: int, reasons: Sequence[Reason]) -> bool:
    """Whether the words from `index` on are one reason's name, or the start of it."""
    if len(tokens) - index > max((len(reason.name.split()) for reason in reasons), default=0):
        return False  # more words than any name has: answered without joining a long message again per word
    return len(reasons_named(" ".join(tokens[index:]), reasons)) == 1


def reasons_named(text: str, reasons: Sequence[Reason]) -> list[Reason]:
    """The reasons called `text`, or else those whose name starts with it."""
    wanted = fold(text)
    exact = [reason for reason in reasons if fold(reason.name) == wanted]
    return exact or [reason for reason in reasons if fold(reason.name).startswith(wanted)]


def find_reason(text: str, reasons: list[Reason], lang: Lang) -> Reason:
    active = [reason for reason in reasons if reason.active]
    names = ", ".join(reason.name for reason in active)
    if not text:
        raise Unusable(t(lang, "timeoff.no_reason", reasons=names))
    found = reasons_named(text, active)
    if len(found) != 1:
        raise Unusable(t(lang, "timeoff.unknown_reason", text=text, reasons=names))
    return found[0]


def typed_days(command: TimeOffCommand, lang: Lang) -> tuple[date, date]:
    if command.first is None or command.last is None:
        raise Unusable(t(lang, "timeoff.no_dates"))
    if command.last < command.first:
        raise Unusable(t(lang, "timeoff.backwards", start=day(command.first, lang), end=day(command.last, lang)))
    return command.first, command.last


def span(command: TimeOffCommand, zone: ZoneInfo, lang: Lang) -> tuple[datetime, datetime]:
    """The UTC start and end: whole days, or from the start time on the first day to the end time on the last."""
    first, last = typed_days(command, lang)
    if command.misplaced_time is not None:
        raise Unusable(t(lang, "timeoff.misplaced_time", text=command.misplaced_time))
    if command.start_time is None and command.end_time is None:
        return whole_days(first, last, zone)
    if command.end_time is None:
        raise Unusable(t(lang, "timeoff.no_end", start=command.start_time))
    if command.start_time is None:
        raise Unusable(t(lang, "timeoff.no_start", end=command.end_time))
    start = local_time(first, command.start_time, zone, lang)
    end = local_time(last, command.end_time, zone, lang)
    if command.days_typed == 1 and end <= start and parse_clock(command.end_time) == time(0):
        end = local_time(last + timedelta(days=1), command.end_time, zone, lang)  # "18:00 to 24:00": that midnight
    if end <= start:
        typed_start = t(lang, "timeoff.typed_as", typed=command.start_time, moment=moment(start, zone, lang))
        typed_end = t(lang, "timeoff.typed_as", typed=command.end_time, moment=moment(end, zone, lang))
        raise Unusable(t(lang, "timeoff.not_after", start=typed_start, end=typed_end))
    return start, end


def local_time(on: date, typed: str, zone: ZoneInfo, lang: Lang) -> datetime:
    """The UTC instant of `typed` on that day in `zone`. A time the clocks skip or go through twice is refused:
    moving it would book time off the manager did not ask for."""
    clock = parse_clock(typed)
    if clock is None:
        raise Unusable(t(lang, "timeoff.bad_time", text=typed))
    instant = to_utc(on, clock, zone)
    if instant.note is not None:
        key = "timeoff.zone_gap" if instant.note.kind == "gap" else "timeoff.zone_fold"
        raise Unusable(t(lang, key, time=clock.strftime("%H:%M"), day=day(on, lang), zone=str(zone)))
    return instant.utc


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
            lines = [t(lang, "timeoff.failed"), explain(error, lang, busy="timeoff.busy")]
            return Reply.new_card(notice_card(lang, title, lines, error.request_id or error.client_request_id))

    async def _book(self, turn: Turn, args: str) -> Reply:
        lang = turn.lang
        if not args.strip():
            raise Unusable(t(lang, "timeoff.usage"))
        today = self.now().astimezone(zone_of(turn.timezone)).date()
        first_reading = parse_command(args, today, lang)
        typed_days(first_reading, lang)
        target = await self._target(turn, first_reading.words)
        reasons = await self.service.reasons(turn.user, target.team_id)
        # Read again now that the team's reasons are known, so that one looking like a time stays the reason.
        command = parse_command(args, today, lang, [reason for reason in reasons if reason.active])
        start, end = span(command, target.zone, lang)
        reason = find_reason(" ".join(command.reason_words), reasons, lang)
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
