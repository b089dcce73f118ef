"""Arguments of /schedule: `/schedule`, `/schedule tomorrow`, `/schedule week`, `/schedule next week Megan`,
`/planning semaine prochaine cuisine`, `/schedule 2026-12-07 week Front desk`.

Understood, in any order: a day (an ISO date, today/tomorrow or a weekday, in English or French), `week` /
`semaine` (the week of that day; `next week` / `semaine prochaine` the one after), a scheduling group's name and a
member's name. Whatever is left is shown back to the manager, never dropped silently."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.schedule import model as m
from bot.shift.members import Member, match_words
from bot.shift.parser import parse_args
from bot.shift.text import fold

_WEEK = {"week", "semaine"}
_NEXT = {"next", "prochaine", "suivante"}
_DATE_LIKE = re.compile(r"(?<!\S)\d{4}-\d{1,2}-\d{1,2}(?!\S)")


@dataclass
class ScheduleArgs:
    day: date
    period: m.Period = m.DAY
    member_id: str = ""
    group_id: str = ""
    bad_date: str = ""  # looked like a date but is none (2026-02-30)
    unused: list[str] = field(default_factory=list)
    ambiguous: tuple[str, list[Member]] = ("", [])


def parse_schedule_args(text: str, today: date, members: list[Member], groups: list[tuple[str, str]]) -> ScheduleArgs:
    bad = next((found.group(0) for found in _DATE_LIKE.finditer(text) if _not_a_date(found.group(0))), "")
    if bad:
        text = text.replace(bad, " ", 1)
    words, period, step_week = _take_week(text.split())
    prefill = parse_args(" ".join(words), today)
    day = prefill.day or today
    if step_week:
        day = day + timedelta(days=7)
    result = ScheduleArgs(day=day, period=period, bad_date=bad)
    rest = _take_group(prefill.words, groups, result)
    if rest:
        match = match_words(rest, members)
        if match.member is not None:
            result.member_id, rest = match.member.user_id, match.rest
        elif match.ambiguous:
            result.ambiguous = (match.ambiguous_words, match.ambiguous)
            rest = [w for w in rest if w not in match.ambiguous_words.split()]
    result.unused = rest
    # The shift parser also takes times, labels and colours: none of them belongs here.
    clocks = [c.strftime("%H:%M") for c in (prefill.start, prefill.end) if c is not None]
    result.unused += [p for p in (prefill.label or "", "-".join(clocks), prefill.theme or "") if p]
    return result


def _not_a_date(text: str) -> bool:
    try:
        date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return True
    return False


def _take_week(words: list[str]) -> tuple[list[str], m.Period, bool]:
    kept: list[str] = []
    period: m.Period = m.DAY
    step = False
    for index, word in enumerate(words):
        folded = fold(word).strip(",.;")
        neighbours = {fold(w).strip(",.;") for w in words[max(index - 1, 0) : index + 2]}
        if folded in _WEEK:
            period = m.WEEK
            step = step or bool(neighbours & _NEXT)
        elif folded in _NEXT and neighbours & _WEEK:
            continue
        else:
            kept.append(word)
    return kept, period, step


def _take_group(words: list[str], groups: list[tuple[str, str]], result: ScheduleArgs) -> list[str]:
    """The longest run of words that is a group's whole name ('front desk', 'cuisine')."""
    for size in range(min(4, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            span = " ".join(fold(w) for w in words[start : start + size])
            found = [group_id for name, group_id in groups if " ".join(fold(name).split()) == span]
            if len(found) == 1:
                result.group_id = found[0]
                return words[:start] + words[start + size :]
    return words
