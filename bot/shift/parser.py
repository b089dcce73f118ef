"""Inline arguments of /shift: `/shift Megan tomorrow 9:00-17:00 "Day shift" blue`.

Recognised, in any order: a quoted label ("…", “…”, «…»), an ISO date, today/tomorrow or a weekday in
English or French, any other date the way people type it in English or French (`25/12`, `24 décembre`,
`Dec 24`, `in 2 days`, `dans 2 jours`, `next week`: the `dateparser` library, day before month), a time range
(9:00-17:00, 9h-17h30, 9am-5pm, 22:00 à 6:00), lone times (start, then end), a colour in English or French.
Everything else is kept, in order, in `words`: the member's name is looked for there, and whatever is still
left is offered as the shift's notes, never dropped.

Weekdays keep our own rule, written down because people read "next friday" differently: a weekday alone is the
next such day, today included ("friday" said on a Friday is today); "next friday" / "vendredi prochain" is the
first Friday after today (said on a Wednesday, the Friday two days later; said on a Friday, a week later)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import dateparser

from bot.shift.text import fold
from bot.shift.themes import MAX_THEME_WORDS, find_theme

# Each form stops at the next opening mark too, so a text full of unclosed marks is scanned once, not once per mark.
_QUOTED = re.compile(r'"([^"]*)"|“([^“”]*)”|«([^«»]*)»')
_ISO_DATE = re.compile(r"(?<!\S)(\d{4})-(\d{2})-(\d{2})(?!\S)")
_CLOCK = r"\d{1,2}(?:[:h.]\d{2}(?::\d{2})?|h)?\s?(?:am|pm)?"
_TO = r"(?:-|–|—|\bto\b|\bà\b|\ba\b)"
_RANGE = re.compile(rf"(?<!\S)(?:(?:from|de)\s+)?({_CLOCK})\s*{_TO}\s*({_CLOCK})(?!\S)", re.IGNORECASE)
_CLOCK_FULL = re.compile(r"^(\d{1,2})(?:[:h.](\d{2})(?::(\d{2}))?|h)?\s?(am|pm)?$", re.IGNORECASE)

_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_WEEKDAYS = {**{name: i for i, name in enumerate(_EN_DAYS)}, **{name: i for i, name in enumerate(_FR_DAYS)}}
_RELATIVE = {"today": 0, "aujourd'hui": 0, "tomorrow": 1, "demain": 1, "apres-demain": 2}
MAX_DATE_WORDS = 3  # "in 2 days", "24 décembre 2026", "la semaine prochaine"
# A span worth handing to dateparser has a digit or a word it knows for a date: names and stray words are not
# tried, so that "Megan" or "Will" never become a date, and a bare "9" stays a time.
_DATE_HINT = re.compile(
    r"\d|^(?:jan|feb|fév|fev|mar|apr|avr|may|mai|jun|juin|jul|juil|aug|août|aout|sep|oct|nov|dec|déc|week|semaine"
    r"|in|dans|next|prochain|la)",
    re.IGNORECASE,
)
_DATEPARSER_SETTINGS = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day"]}
_RELATIVE_SETTINGS = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}


@dataclass
class Prefill:
    day: date | None = None
    start: time | None = None
    end: time | None = None
    label: str | None = None
    theme: str | None = None
    words: list[str] = field(default_factory=list)  # not understood (yet): the member's name, or leftovers
    date_tries: int = field(default=0, compare=False)  # dateparser calls spent on this message


def parse_clock(text: str, *, bare: bool = True) -> time | None:
    """'9', '9:00', '09:00:00', '9h', '9h30', '9.30', '5pm', '5:30 pm', '24:00' (= midnight). With bare=False a
    lone number ('9') is not a time."""
    found = _CLOCK_FULL.match(text.strip())
    if not found or not (bare or looks_like_clock(text)):
        return None
    hours_text, minutes_text, seconds_text, meridiem = found.groups()
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if seconds_text and int(seconds_text) != 0:
        return None
    if meridiem:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
    if hours == 24 and minutes == 0:
        return time(0, 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def looks_like_clock(text: str) -> bool:
    """Written the way a time is ('9h', '9:30', '2pm', and also '25:00' or '9:75', which are not times); a lone
    number ('9') is not."""
    found = _CLOCK_FULL.match(text.strip())
    if not found:
        return False
    _, minutes_text, _, meridiem = found.groups()
    return minutes_text is not None or meridiem is not None or text.strip().lower().endswith("h")


def clock_range(text: str) -> tuple[str, str] | None:
    """'9:00-17:00', '9h–13h', '9am-5pm' written as one word: its two times as typed (not checked: '9:00-25:00'
    gives '25:00'); None when `text` is not a range."""
    found = _RANGE.fullmatch(text.strip())
    return (found.group(1).strip(), found.group(2).strip()) if found else None


def parse_args(text: str, today: date) -> Prefill:
    prefill = Prefill()
    text = _take_quoted(text, prefill)
    text = _take_iso_date(text, prefill)
    text = _take_range(text, prefill)
    _take_words(text.split(), prefill, today)
    return prefill


def _take_quoted(text: str, prefill: Prefill) -> str:
    def replace(found: re.Match[str]) -> str:
        value = next(g for g in found.groups() if g is not None).strip()
        if prefill.label is None and value:
            prefill.label = value
            return " "
        return f" {found.group(0)} "  # a second label: left visible, as typed

    return _QUOTED.sub(replace, text)


def _take_iso_date(text: str, prefill: Prefill) -> str:
    def replace(found: re.Match[str]) -> str:
        try:
            day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return found.group(0)
        if prefill.day is not None:
            return found.group(0)
        prefill.day = day
        return " "

    return _ISO_DATE.sub(replace, text)


def _take_range(text: str, prefill: Prefill) -> str:
    def replace(found: re.Match[str]) -> str:
        start, end = parse_clock(found.group(1)), parse_clock(found.group(2))
        if start is None or end is None or prefill.start is not None:
            return found.group(0)
        prefill.start, prefill.end = start, end
        return " "

    return _RANGE.sub(replace, text)


MAX_PARSED_WORDS = 64  # a real /shift has a dozen words; past this, words are kept as typed, not interpreted
# dateparser takes milliseconds per try: a message gets this many (a date is typed once), so none holds the loop.
MAX_DATE_TRIES = 8


def _take_words(words: list[str], prefill: Prefill, today: date) -> None:
    index = 0
    while index < len(words):
        used = _take_at(words, index, prefill, today) if index < MAX_PARSED_WORDS else 0
        if used:
            index += used
        else:
            prefill.words.append(words[index])
            index += 1


def _take_at(words: list[str], index: int, prefill: Prefill, today: date) -> int:
    """How many words from `index` were understood (0: none)."""
    if prefill.day is None:
        used, day = _date_at(words, index, today, prefill)
        if day is not None:
            prefill.day = day
            return used
    if prefill.theme is None:
        for size in range(min(MAX_THEME_WORDS, len(words) - index), 0, -1):
            theme = find_theme(" ".join(words[index : index + size]))
            if theme is not None:
                prefill.theme = theme
                return size
    clock = parse_clock(words[index], bare=False)
    if clock is not None and (prefill.start is None or prefill.end is None):
        if prefill.start is None:
            prefill.start = clock
        else:
            prefill.end = clock
        return 1
    return 0


def _date_at(words: list[str], index: int, today: date, prefill: Prefill) -> tuple[int, date | None]:
    word = fold(words[index]).strip(",.;")
    following = fold(words[index + 1]).strip(",.;") if index + 1 < len(words) else ""
    if word in _RELATIVE:
        return 1, today + timedelta(days=_RELATIVE[word])
    if word == "next" and following in _WEEKDAYS:
        return 2, weekday_after(today, _WEEKDAYS[following], include_today=False)
    if word in _WEEKDAYS:
        if following in ("prochain", "next"):
            return 2, weekday_after(today, _WEEKDAYS[word], include_today=False)
        return 1, weekday_after(today, _WEEKDAYS[word], include_today=True)
    for size in range(min(MAX_DATE_WORDS, len(words) - index), 0, -1):
        span = " ".join(words[index : index + size]).strip(",.;")
        if not _DATE_HINT.search(span) or parse_clock(span) is not None or prefill.date_tries >= MAX_DATE_TRIES:
            continue
        prefill.date_tries += 1
        day = typed_date(span, today)
        if day is not None:
            return size, day
    return 0, None


def typed_date(text: str, today: date) -> date | None:
    """A date as people type it, in English or French, relative to `today`; None if it is not one (or is
    only a time, like "9" or "17:00")."""
    if not _DATE_HINT.search(text) or parse_clock(text) is not None:
        return None
    base = datetime.combine(today, time(12, 0))
    relative = bool(re.search(r"\b(?:in|dans|next|prochaine?|week|semaine)\b", text, re.IGNORECASE))
    settings = {**(_RELATIVE_SETTINGS if relative else _DATEPARSER_SETTINGS), "RELATIVE_BASE": base}
    found = dateparser.parse(text, languages=["en", "fr"], settings=settings)
    return found.date() if found is not None else None


def weekday_after(today: date, weekday: int, *, include_today: bool) -> date:
    """The next such weekday: 'monday' said on a Monday is today; 'next monday' is a week later."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not include_today:
        ahead = 7
    return today + timedelta(days=ahead)


typed_date("25/12", date(2000, 1, 1))  # dateparser loads its language data on first use: here, not in a turn
