"""Server-side checks of the shift form. Messages go beside the input they are about; values are kept.

Times are wall-clock times in the manager's zone: an end at or before the start is on the next day, and a
break is on the first day, from the shift's start on, that has its start time. The rules on the instants
are Graph's (NOTES.md §2, x-graph-rules): 1 minute to 24 hours, activities inside the shift, no overlap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.i18n import Lang, t
from bot.shift import model as m
from bot.shift import strings as _strings  # noqa: F401 (registers the messages used here)
from bot.shift.parser import parse_clock
from bot.shift.themes import DEFAULT_THEME, THEMES
from bot.shift.timezones import Instant, ZoneNote, next_day_if_not_after, to_utc

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class FormContext:
    team_id: str
    zone: ZoneInfo
    member_ids: frozenset[str]
    group_ids: frozenset[str]


@dataclass
class _Check:
    values: dict[str, Any]
    lang: Lang
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[ZoneNote] = field(default_factory=list)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return value.strip() if isinstance(value, str) else ""

    def fail(self, key: str, message_key: str, **kw: object) -> None:
        self.errors.setdefault(key, t(self.lang, message_key, **kw))

    def instant(self, day: date, clock: time, zone: ZoneInfo) -> datetime:
        converted: Instant = to_utc(day, clock, zone)
        if converted.note is not None and converted.note not in self.notes:
            self.notes.append(converted.note)
        return converted.utc


def validate_shift(
    values: dict[str, Any], break_rows: list[str], ctx: FormContext, lang: Lang
) -> tuple[m.ShiftPlan | None, dict[str, str]]:
    check = _Check(values, lang)
    _check_choices(check, ctx)
    day, start_clock, end_clock = _check_when(check)
    label, notes = _checked_length(check, m.LABEL, m.MAX_LABEL), _checked_length(check, m.NOTES, m.MAX_NOTES)
    theme = check.text(m.THEME) or DEFAULT_THEME
    if theme not in THEMES:
        check.fail(m.THEME, "shift.err.theme")
    visibility = check.text(m.VISIBILITY) or m.PUBLISHED
    if visibility not in (m.PUBLISHED, m.DRAFT):
        check.fail(m.VISIBILITY, "shift.err.visibility")
    if day is None or start_clock is None or end_clock is None:
        _check_break_fields(check, break_rows)
        return None, check.errors
    start = check.instant(day, start_clock, ctx.zone)
    end = check.instant(next_day_if_not_after(day, end_clock, start_clock), end_clock, ctx.zone)
    _check_duration(check, start, end)
    breaks = _check_breaks(check, break_rows, day, start_clock, (start, end), ctx.zone)
    if check.errors:
        return None, check.errors
    plan = m.ShiftPlan(
        team_id=ctx.team_id,
        user_id=check.text(m.MEMBER),
        group_id=check.text(m.GROUP),
        start=start,
        end=end,
        label=label,
        notes=notes,
        theme=theme,
        visibility=m.PUBLISHED if visibility == m.PUBLISHED else m.DRAFT,
        breaks=tuple(breaks),
        zone_notes=tuple(check.notes),
    )
    return plan, {}


def _check_choices(check: _Check, ctx: FormContext) -> None:
    if check.text(m.TEAM) and check.text(m.TEAM) != ctx.team_id:
        check.fail(m.TEAM, "shift.err.team_changed")
    member = check.text(m.MEMBER)
    if not member:
        check.fail(m.MEMBER, "shift.err.member_required")
    elif member not in ctx.member_ids:
        check.fail(m.MEMBER, "shift.err.member_unknown")
    group = check.text(m.GROUP)
    if not group:
        check.fail(m.GROUP, "shift.err.group_required")
    elif group not in ctx.group_ids:
        check.fail(m.GROUP, "shift.err.group_unknown")


def _check_when(check: _Check) -> tuple[date | None, time | None, time | None]:
    day = parse_date(check.text(m.DATE))
    if day is None:
        check.fail(m.DATE, "shift.err.date")
    clocks = []
    for key in (m.START, m.END):
        clock = parse_clock(check.text(key))
        if clock is None:
            check.fail(key, "shift.err.time")
        clocks.append(clock)
    return day, clocks[0], clocks[1]


def _checked_length(check: _Check, key: str, limit: int) -> str:
    value = check.text(key)
    if len(value) > limit:
        check.fail(key, "shift.err.too_long", max=limit)
    return value


def _check_duration(check: _Check, start: datetime, end: datetime) -> None:
    length = end - start
    if not MIN_DURATION <= length <= MAX_DURATION:
        check.fail(m.END, "shift.err.duration", duration=format_duration(length, check.lang))


def _check_break_fields(check: _Check, rows: list[str]) -> list[tuple[str, str, time, time, bool, str]]:
    found = []
    for number, row in enumerate(rows, start=1):
        name = _checked_length(check, m.break_input(row, "name"), m.MAX_BREAK_NAME)
        if not name:
            check.fail(m.break_input(row, "name"), "shift.err.break_name", number=number)
        code = _checked_length(check, m.break_input(row, "code"), m.MAX_CODE)
        clocks = [parse_clock(check.text(m.break_input(row, part))) for part in ("start", "end")]
        for part, clock in zip(("start", "end"), clocks, strict=True):
            if clock is None:
                check.fail(m.break_input(row, part), "shift.err.time")
        paid = check.values.get(m.break_input(row, "paid"))
        if clocks[0] is not None and clocks[1] is not None:
            found.append((row, name, clocks[0], clocks[1], paid in (True, "true"), code))
    if len(rows) > m.MAX_BREAKS:
        check.fail(m.break_input(rows[-1], "name"), "shift.err.too_many_breaks", max=m.MAX_BREAKS)
    return found


def _check_breaks(
    check: _Check,
    rows: list[str],
    day: date,
    shift_start_clock: time,
    shift: tuple[datetime, datetime],
    zone: ZoneInfo,
) -> list[m.BreakPlan]:
    spans: list[tuple[datetime, datetime, str, int, m.BreakPlan]] = []
    for row, name, start_clock, end_clock, paid, code in _check_break_fields(check, rows):
        number = rows.index(row) + 1
        start_day = day + timedelta(days=1) if start_clock < shift_start_clock else day
        start = check.instant(start_day, start_clock, zone)
        end = check.instant(next_day_if_not_after(start_day, end_clock, start_clock), end_clock, zone)
        where = m.break_input(row, "start")
        if end <= start or end_clock == start_clock:  # the same time twice is an empty break, not 24 hours
            check.fail(where, "shift.err.break_empty", number=number)
        elif start < shift[0] or end > shift[1]:
            check.fail(where, "shift.err.break_outside", number=number)
        spans.append((start, end, where, number, m.BreakPlan(name, start, end, paid, code)))
    for before, after in pairwise(sorted(spans, key=lambda s: (s[0], s[1]))):
        if after[0] < before[1]:
            check.fail(after[2], "shift.err.break_overlap", number=after[3], other=before[3])
    return [span[4] for span in spans]


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def format_duration(length: timedelta, lang: Lang) -> str:
    """'8 hours, 30 minutes' / '8 heures et 30 minutes' (Babel's plural rules)."""
    return i18n.duration(lang, int(length.total_seconds() // 60))


def typed_span(values: dict[str, Any], zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The shift's UTC start and end as typed so far, when the date and both times can be read."""
    check = _Check(values, "en")
    day, start_clock, end_clock = _check_when(check)
    if day is None or start_clock is None or end_clock is None:
        return None
    start = to_utc(day, start_clock, zone).utc
    return start, to_utc(next_day_if_not_after(day, end_clock, start_clock), end_clock, zone).utc
