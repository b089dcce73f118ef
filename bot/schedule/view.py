"""Entries to the schedule card's view model, worded in the reader's language, times in the manager's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Lang, t
from bot.schedule import model as m
from bot.schedule.strings import plural
from bot.shift.strings import format_day
from cards.schedule import DayBlock, Line

SEPARATOR = " · "
# Beyond this many lines, pages would be many: a summary per day instead.
SUMMARY_THRESHOLD = m.PAGE_SIZE * 3


@dataclass(frozen=True)
class Names:
    members: dict[str, str]
    groups: dict[str, str]
    reasons: dict[str, str]


@dataclass(frozen=True)
class Page:
    days: list[DayBlock]
    picks: list[tuple[str, str]]
    page: int
    pages: int
    summarised: bool


def counts(entries: list[m.Entry], lang: Lang) -> str:
    shifts = [e for e in entries if e.kind == "shift"]
    parts = [plural(lang, "schedule.shifts", len(shifts))]
    drafts = sum(1 for e in entries if e.draft)
    if drafts:
        parts.append(plural(lang, "schedule.drafts", drafts))
    parts.append(plural(lang, "schedule.opens", sum(1 for e in entries if e.kind == "open")))
    parts.append(plural(lang, "schedule.timesoff", sum(1 for e in entries if e.kind == "timeoff")))
    return SEPARATOR.join(parts)


def page_of(entries: list[m.Entry], page: int, zone: ZoneInfo, names: Names, lang: Lang) -> Page:
    if len(entries) > SUMMARY_THRESHOLD:
        return Page(_summary(entries, zone, lang), [], 1, 1, True)
    pages = max(1, -(-len(entries) // m.PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * m.PAGE_SIZE : page * m.PAGE_SIZE]
    blocks: dict[date, list[Line]] = {}
    for entry in shown:
        day = entry.start.astimezone(zone).date()
        blocks.setdefault(day, []).append(Line(line(entry, zone, names, lang), draft=entry.draft))
    days = [DayBlock(format_day(day, lang), lines) for day, lines in blocks.items()]
    picks = [(pick_title(e, zone, names, lang), e.entry_id) for e in shown if e.kind == "shift"]
    return Page(days, picks, page, pages, False)


def _summary(entries: list[m.Entry], zone: ZoneInfo, lang: Lang) -> list[DayBlock]:
    by_day: dict[date, list[m.Entry]] = {}
    for entry in entries:
        by_day.setdefault(entry.start.astimezone(zone).date(), []).append(entry)
    lines = [Line(f"{format_day(day, lang)}: {counts(found, lang)}") for day, found in by_day.items()]
    return [DayBlock(t(lang, "schedule.summarised"), lines)]


def clock_range(entry: m.Entry, zone: ZoneInfo, lang: Lang) -> str:
    start, end = entry.start.astimezone(zone), entry.end.astimezone(zone)
    if entry.kind == "timeoff" and start.time() == end.time() == datetime.min.time():
        last = end.date() - timedelta(days=1)
        whole = t(lang, "schedule.all_day")
        return whole if last <= start.date() else f"{whole} {t(lang, 'schedule.until', day=format_day(last, lang))}"
    end_text = end.strftime("%H:%M")
    if end.date() > start.date():
        end_text = t(lang, "schedule.next_day", time=end_text)
    return f"{start.strftime('%H:%M')} – {end_text}"


def line(entry: m.Entry, zone: ZoneInfo, names: Names, lang: Lang) -> str:
    parts = [clock_range(entry, zone, lang)]
    if entry.kind == "open":
        parts.append(f"{t(lang, 'schedule.open_shift')} ({plural(lang, 'schedule.slots', entry.slots)})")
    else:
        parts.append(names.members.get(entry.user_id, entry.user_id))
    if entry.kind == "timeoff":
        reason = names.reasons.get(entry.reason_id, "")
        parts.append(t(lang, "schedule.time_off") + (f": {reason}" if reason else ""))
    else:
        parts.append(names.groups.get(entry.group_id, entry.group_id))
        if entry.label:
            parts.append(entry.label)
    if entry.draft:
        parts.append(t(lang, "schedule.draft"))
    if entry.staged_for_deletion:
        parts.append(t(lang, "schedule.staged"))
    return SEPARATOR.join(parts)


def pick_title(entry: m.Entry, zone: ZoneInfo, names: Names, lang: Lang) -> str:
    """Choice titles are plain text in Teams (no Markdown)."""
    day = format_day(entry.start.astimezone(zone).date(), lang).rsplit(" ", 2)[0]
    who = names.members.get(entry.user_id, entry.user_id)
    return SEPARATOR.join([day, clock_range(entry, zone, lang), who])
