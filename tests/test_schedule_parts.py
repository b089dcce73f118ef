"""The schedule desk's parts on their own: the argument parser, paging and summarising big ranges within Teams'
card size, plurals in both languages, escaping of names."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import model as m
from bot.schedule.parser import parse_schedule_args
from bot.schedule.strings import plural
from bot.schedule.view import Names, page_of
from bot.shift.members import Member
from cards.schedule import ALL, DayBlock, ScheduleView, schedule_card
from tests.cardcheck import assert_valid_cards

PARIS = ZoneInfo("Europe/Paris")
MEMBERS = [Member("u-megan", "Megan Bowen"), Member("u-alex", "Alex Wilber")]
GROUPS = [("Front desk", "g-front"), ("Kitchen", "g-kitchen")]
TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "day", "period", "member", "group", "unused"),
    [
        ("", TODAY, "day", "", "", []),
        ("week", TODAY, "week", "", "", []),
        ("next week megan", date(2026, 12, 9), "week", "u-megan", "", []),
        ("semaine prochaine cuisine", date(2026, 12, 9), "week", "", "", ["cuisine"]),
        ("2026-12-07 week front desk", date(2026, 12, 7), "week", "", "g-front", []),
        ("demain Kitchen", date(2026, 12, 3), "day", "", "g-kitchen", []),
        ("lundi alex", date(2026, 12, 7), "day", "u-alex", "", []),
        ("tomorrow blah", date(2026, 12, 3), "day", "", "", ["blah"]),
    ],
)
def test_the_schedule_arguments(text: str, day: date, period: str, member: str, group: str, unused: list[str]) -> None:
    parsed = parse_schedule_args(text, TODAY, MEMBERS, GROUPS)
    assert (parsed.day, parsed.period, parsed.member_id, parsed.group_id, parsed.unused) == (
        day, period, member, group, unused,
    )  # fmt: skip


def test_an_impossible_date_is_reported_not_dropped() -> None:
    assert parse_schedule_args("2026-02-30 week", TODAY, MEMBERS, GROUPS).bad_date == "2026-02-30"


@pytest.mark.parametrize(
    ("lang", "count", "text"),
    [("en", 0, "0 shifts"), ("en", 1, "1 shift"), ("en", 2, "2 shifts"),
     ("fr", 0, "0 poste"), ("fr", 1, "1 poste"), ("fr", 2, "2 postes")],
)  # fmt: skip
def test_plurals_follow_each_language(lang: str, count: int, text: str) -> None:
    assert plural(lang, "schedule.shifts", count) == text  # type: ignore[arg-type]


def test_names_and_labels_are_text_not_markdown() -> None:
    names = Names({"u-megan": "**Boss** [x](http://e.vil) ![i](y)"}, {"g-front": "# Front"}, {})
    card = schedule_card_of(page_of(entries(1), 1, PARIS, names, "en").days)
    runs = [el for el in walk(card) if el.get("type") == "TextRun"]
    assert any("**Boss** [x](http://e.vil) ![i](y) · # Front" in run["text"] for run in runs)
    assert not [el for el in walk(card) if el.get("type") == "TextBlock" and "Boss" in el.get("text", "")]


def entries(count: int) -> list[m.Entry]:
    start = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    found = []
    for n in range(count):
        begins = start + timedelta(days=n % 7, minutes=n)
        found.append(m.Entry("shift", f"SHFT_{n:04d}", begins, begins + timedelta(hours=8), "u-megan", "g-front",
                             label=f"**Shift** {n} " + "x" * 60, draft=n % 3 == 0))  # fmt: skip
    return found


def card_for(found: list[m.Entry], page: int = 1) -> tuple[dict[str, object], int]:
    names = Names({"u-megan": "Megan Bowen"}, {"g-front": "Front desk"}, {})
    shown = page_of(found, page, PARIS, names, "en")
    view = ScheduleView(
        form_id="f", title="Schedule — Contoso Retail", subtitle="Week of Monday 7 December 2026", counts="…",
        days=shown.days, period="week", date="2026-12-07", member=ALL, group=ALL, team="t",
        teams=[("Contoso Retail", "t")], members=[("Megan Bowen", "u-megan")], groups=[("Front desk", "g-front")],
        picks=shown.picks, page=shown.page, pages=shown.pages, has_drafts=True,
    )  # fmt: skip
    return schedule_card(view, "en"), shown.pages


@pytest.mark.parametrize("count", [40, 100, 119, 121, 400])
def test_big_ranges_are_paged_or_summarised_within_the_card_limit(count: int) -> None:
    card, pages = card_for(entries(count))
    size = len(json.dumps(card).encode())
    assert size < 28_000, size
    text = json.dumps(card)
    if count <= 120:
        assert pages == -(-count // m.PAGE_SIZE)
        assert ("Next page" in text) == (pages > 1)
        last, _ = card_for(entries(count), page=pages)
        assert "Previous page" in json.dumps(last) or pages == 1
    else:
        assert "summary per day" in text and "Shift to change" not in text
    assert_valid_cards(card)


def walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for item in node:
            found += walk(item)
    return found


def schedule_card_of(days: list[DayBlock]) -> dict[str, object]:
    view = ScheduleView(
        form_id="f", title="Schedule — **Team**", subtitle="s", counts="c", days=days, period="day",
        date="2026-12-07", member=ALL, group=ALL, team="t", teams=[], members=[], groups=[], picks=[],
    )  # fmt: skip
    return schedule_card(view, "en")
