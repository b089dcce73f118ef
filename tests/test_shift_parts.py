"""The shift feature's pure parts: inline parser, member matching, time zones, validation, Graph body, cards."""

from __future__ import annotations

import json
import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.flows import FormView
from bot.shift import model as m
from bot.shift.members import Member, match_words, search
from bot.shift.parser import clock_range, looks_like_clock, parse_args, parse_clock, weekday_after
from bot.shift.payload import shift_body
from bot.shift.summary import result_of, summary_of
from bot.shift.themes import THEMES, find_theme, theme_choices
from bot.shift.timezones import graph_time, load_zone, to_utc
from bot.shift.validation import FormContext, validate_shift
from bot.shift.validation import format_duration as formatted
from cards.shift import MAX_STATIC_MEMBERS, ShiftFormState, shift_done_card, shift_form_card
from tests.cardcheck import assert_inputs_labelled, assert_valid_cards, card_errors, find_input_by_label, iter_inputs
from tests.desk import facts_of

SEED = json.loads((Path(__file__).parent / "data" / "seeds" / "create-shift.example.json").read_text())
PARIS = ZoneInfo("Europe/Paris")
FRIDAY = date(2026, 11, 20)
MEMBERS = [
    Member("a1", "Adele Vance"),
    Member("m1", "Megan Bowen"),
    Member("m2", "Megan Smith"),
    Member("z1", "Zoë Durand"),
]


# --- parser --------------------------------------------------------------------------------------------------


def test_the_issue_example_is_fully_understood() -> None:
    parsed = parse_args('Megan tomorrow 9:00-17:00 "Day shift" blue', FRIDAY)
    assert parsed.day == date(2026, 11, 21)
    assert (parsed.start, parsed.end) == (time(9), time(17))
    assert parsed.label == "Day shift" and parsed.theme == "blue"
    assert parsed.words == ["Megan"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", FRIDAY),
        ("aujourd'hui", FRIDAY),
        ("Aujourd’hui", FRIDAY),
        ("demain", date(2026, 11, 21)),
        ("après-demain", date(2026, 11, 22)),
        ("2019-03-11", date(2019, 3, 11)),
        ("monday", date(2026, 11, 23)),
        ("Lundi", date(2026, 11, 23)),
        ("friday", FRIDAY),  # said on a Friday: today
        ("next friday", date(2026, 11, 27)),
        ("vendredi prochain", date(2026, 11, 27)),
        ("dimanche", date(2026, 11, 22)),
    ],
)
def test_dates_in_english_and_french(text: str, expected: date) -> None:
    parsed = parse_args(text, FRIDAY)
    assert parsed.day == expected and parsed.words == []


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("9:00-17:00", time(9), time(17)),
        ("09:00 – 17:30", time(9), time(17, 30)),
        ("9h-17h30", time(9), time(17, 30)),
        ("de 9h à 17h", time(9), time(17)),
        ("from 9am to 5pm", time(9), time(17)),
        ("22:00-6:00", time(22), time(6)),
        ("9-17", time(9), time(17)),
        ("8:00 16:00", time(8), time(16)),  # two lone times: start, then end
        ("12am-12pm", time(0), time(12)),
        ("18:00-24:00", time(18), time(0)),
    ],
)
def test_time_ranges(text: str, start: time, end: time) -> None:
    parsed = parse_args(text, FRIDAY)
    assert (parsed.start, parsed.end, parsed.words) == (start, end, [])


@pytest.mark.parametrize("text", ["25:00", "9:75", "13pm", "0am", "abc", ""])
def test_impossible_clocks_are_not_times(text: str) -> None:
    assert parse_clock(text) is None


@pytest.mark.parametrize(
    ("text", "looks"), [("9h", True), ("2pm", True), ("25:00", True), ("9:75", True), ("9", False)]
)
def test_what_is_written_as_a_time_even_when_it_is_not_one(text: str, looks: bool) -> None:
    assert looks_like_clock(text) is looks


def test_a_range_written_as_one_word_gives_both_times_as_typed() -> None:
    assert clock_range("9h–13h30") == ("9h", "13h30")
    assert clock_range("9:00-25:00") == ("9:00", "25:00")
    assert clock_range("24/12") is None


def test_a_bare_number_alone_is_not_a_time_but_is_kept() -> None:
    parsed = parse_args("Megan 9", FRIDAY)
    assert parsed.start is None and parsed.words == ["Megan", "9"]


@pytest.mark.parametrize(
    ("text", "theme"),
    [("bleu", "blue"), ("Bleu foncé", "darkBlue"), ("dark blue", "darkBlue"), ("grey", "gray"), ("rose", "pink")],
)
def test_colours_in_english_and_french(text: str, theme: str) -> None:
    assert parse_args(f"Megan {text}", FRIDAY).theme == theme


def test_labels_in_french_quotes_and_a_second_label_is_kept_visible() -> None:
    parsed = parse_args('«Poste de jour» "extra" Megan', FRIDAY)
    assert parsed.label == "Poste de jour"
    assert parsed.words == ['"extra"', "Megan"]


def test_nothing_is_dropped_in_order() -> None:
    parsed = parse_args("Megan 2026-02-30 garbage tomorrow lundi 9:00-17:00 10:00-11:00", FRIDAY)
    assert parsed.day == date(2026, 11, 21)
    assert parsed.words == ["Megan", "2026-02-30", "garbage", "lundi", "10:00-11:00"]


def test_weekday_after() -> None:
    assert weekday_after(FRIDAY, 4, include_today=True) == FRIDAY
    assert weekday_after(FRIDAY, 4, include_today=False) == date(2026, 11, 27)
    assert weekday_after(FRIDAY, 0, include_today=False) == date(2026, 11, 23)


# --- members -------------------------------------------------------------------------------------------------


def test_a_full_name_wins_over_its_first_name() -> None:
    found = match_words(["Megan", "Bowen", "extra"], MEMBERS)
    assert found.member == MEMBERS[1] and found.rest == ["extra"]


def test_an_ambiguous_first_name_is_reported_and_left() -> None:
    found = match_words(["megan"], MEMBERS)
    assert found.member is None and found.rest == ["megan"]
    assert [c.name for c in found.ambiguous] == ["Megan Bowen", "Megan Smith"] and found.ambiguous_words == "megan"


def test_names_match_without_accents_and_by_last_name() -> None:
    assert match_words(["zoe"], MEMBERS).member == MEMBERS[3]
    assert match_words(["smith"], MEMBERS).member == MEMBERS[2]
    assert match_words(["x"], MEMBERS).member is None  # one letter is not a name


def test_search_is_sorted_limited_and_matches_word_starts() -> None:
    assert [x.name for x in search(MEMBERS, "me", 15)] == ["Megan Bowen", "Megan Smith"]
    assert [x.name for x in search(MEMBERS, "", 2)] == ["Adele Vance", "Megan Bowen"]
    assert search(MEMBERS, "owen", 15) == []


# --- time zones ----------------------------------------------------------------------------------------------


def test_plain_times_convert_without_a_note() -> None:
    converted = to_utc(date(2026, 7, 1), time(9), PARIS)
    assert graph_time(converted.utc) == "2026-07-01T07:00:00Z" and converted.note is None


def test_a_skipped_time_moves_forward_with_a_note() -> None:
    converted = to_utc(date(2026, 3, 29), time(2, 30), PARIS)
    assert graph_time(converted.utc) == "2026-03-29T01:30:00Z"
    assert converted.note is not None and converted.note.kind == "gap"
    assert converted.note.used.strftime("%H:%M %z") == "03:30 +0200"


def test_a_repeated_time_is_its_first_occurrence_with_a_note() -> None:
    converted = to_utc(date(2026, 10, 25), time(2, 30), PARIS)
    assert graph_time(converted.utc) == "2026-10-25T00:30:00Z"
    assert converted.note is not None and converted.note.kind == "fold"


def test_unknown_zone_names_fall_back() -> None:
    assert str(load_zone("Not/AZone", None, "Europe/Paris")) == "Europe/Paris"
    assert str(load_zone(None, "")) == "UTC"
    assert str(load_zone("../../etc/passwd")) == "UTC"


# --- validation ----------------------------------------------------------------------------------------------

CONTEXT = FormContext("team", PARIS, frozenset({"m1"}), frozenset({"TAG_1"}))


def form(**values: str) -> dict[str, Any]:
    base = {m.TEAM: "team", m.MEMBER: "m1", m.GROUP: "TAG_1", m.DATE: "2026-11-20", m.START: "09:00", m.END: "17:00"}
    return {**base, **values}


def with_breaks(*rows: tuple[str, str, str]) -> tuple[dict[str, Any], list[str]]:
    values = form()
    for n, (name, start, end) in enumerate(rows):
        values.update({f"breaks.r{n}.name": name, f"breaks.r{n}.start": start, f"breaks.r{n}.end": end})
    return values, [f"r{n}" for n in range(len(rows))]


def test_a_valid_form_becomes_a_plan() -> None:
    plan, errors = validate_shift(form(), [], CONTEXT, "en")
    assert errors == {} and plan is not None
    assert (graph_time(plan.start), graph_time(plan.end)) == ("2026-11-20T08:00:00Z", "2026-11-20T16:00:00Z")
    assert plan.theme == "white" and plan.visibility == "published"


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [("09:00", "09:01", True), ("09:00", "09:00", True), ("09:01", "09:00", True), ("02:00", "03:00", False)],
)
def test_duration_bounds(start: str, end: str, ok: bool) -> None:
    values = form(**{m.START: start, m.END: end, m.DATE: "2026-03-29"})
    plan, errors = validate_shift(values, [], CONTEXT, "en")
    assert (plan is not None) is ok, errors


def test_25_hours_across_the_autumn_change_is_refused() -> None:
    _, errors = validate_shift(form(**{m.DATE: "2026-10-24", m.START: "03:00", m.END: "03:00"}), [], CONTEXT, "en")
    assert errors == {m.END: "This shift would last 25 hours: a shift lasts from 1 minute to 24 hours."}


def test_each_bad_value_has_its_own_message() -> None:
    values = form(
        **{m.MEMBER: "someone", m.GROUP: "", m.DATE: "2026-02-30", m.START: "25:00", m.THEME: "unknownFutureValue"}
    )
    values[m.LABEL] = "x" * 101
    _, errors = validate_shift(values, [], CONTEXT, "fr")
    assert errors == {
        m.MEMBER: "Cette personne n'est pas membre de l'équipe.",
        m.GROUP: "Choisissez un groupe de planification.",
        m.DATE: "Saisissez une date, par ex. 2026-03-29.",
        m.START: "Saisissez une heure, par ex. 09:00.",
        m.LABEL: "100 caractères au maximum.",
        m.THEME: "Choisissez une des couleurs de la liste.",
    }


def test_breaks_inside_are_kept_in_row_order() -> None:
    values, rows = with_breaks(("Coffee", "15:00", "15:10"), ("Lunch", "12:00", "12:30"))
    plan, errors = validate_shift(values, rows, CONTEXT, "en")
    assert errors == {} and plan is not None
    assert [b.name for b in plan.breaks] == ["Coffee", "Lunch"]


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ([("Early", "08:00", "08:30")], {"breaks.r0.start": "Break 1 must be within the shift's start and end times."}),
        ([("Late", "16:45", "17:15")], {"breaks.r0.start": "Break 1 must be within the shift's start and end times."}),
        ([("A", "12:00", "12:30"), ("B", "12:29", "12:40")], {"breaks.r1.start": "Break 2 overlaps break 1."}),
        ([("A", "12:30", "12:45"), ("B", "12:00", "12:31")], {"breaks.r0.start": "Break 1 overlaps break 2."}),
        ([("", "12:00", "12:30")], {"breaks.r0.name": "Name break 1."}),
        ([("A", "12:00", "")], {"breaks.r0.end": "Enter a time, e.g. 09:00."}),
    ],
)
def test_bad_breaks(rows: list[tuple[str, str, str]], errors: dict[str, str]) -> None:
    values, row_ids = with_breaks(*rows)
    assert validate_shift(values, row_ids, CONTEXT, "en") == (None, errors)


def test_touching_breaks_do_not_overlap_and_overnight_breaks_are_next_day() -> None:
    values, rows = with_breaks(("A", "23:00", "23:30"), ("B", "23:30", "00:15"), ("C", "02:00", "02:30"))
    values.update({m.START: "22:00", m.END: "06:00"})
    plan, errors = validate_shift(values, rows, CONTEXT, "en")
    assert errors == {} and plan is not None
    assert [graph_time(b.start) for b in plan.breaks] == [
        "2026-11-20T22:00:00Z",
        "2026-11-20T22:30:00Z",
        "2026-11-21T01:00:00Z",
    ]


def test_the_team_must_be_the_loaded_one() -> None:
    _, errors = validate_shift(form(**{m.TEAM: "other"}), [], CONTEXT, "en")
    assert list(errors) == [m.TEAM]


def test_durations_read_naturally() -> None:
    def format_duration(length: timedelta, lang: str) -> str:  # French puts a no-break space before units
        return formatted(length, lang).replace("\u00a0", " ")  # type: ignore[arg-type]

    assert format_duration(datetime(2026, 1, 2) - datetime(2026, 1, 1, 23), "en") == "1 hour"
    assert format_duration(datetime(2026, 1, 2, 1, 5) - datetime(2026, 1, 1), "en") == "25 hours, 5 minutes"
    assert format_duration(datetime(2026, 1, 2, 1, 1) - datetime(2026, 1, 1), "fr") == "25 heures et 1 minute"
    assert format_duration(datetime(2026, 1, 1, 0, 1) - datetime(2026, 1, 1), "fr") == "1 minute"


# --- the Graph body ------------------------------------------------------------------------------------------


def seed_plan(visibility: m.Visibility = "published") -> m.ShiftPlan:
    shared = SEED["request"]["sharedShift"]
    [lunch] = shared["activities"]
    values = {
        m.TEAM: "team",
        m.MEMBER: SEED["request"]["userId"],
        m.GROUP: SEED["request"]["schedulingGroupId"],
        m.DATE: "2019-03-11",
        m.START: "15:00",
        m.END: "00:00",
        m.LABEL: shared["displayName"],
        m.NOTES: shared["notes"],
        m.THEME: shared["theme"],
        m.VISIBILITY: visibility,
        "breaks.r.name": lunch["displayName"],
        "breaks.r.start": "15:00",
        "breaks.r.end": "15:15",
        "breaks.r.paid": "true",
        "breaks.r.code": "",
    }
    context = FormContext(
        "team",
        ZoneInfo("UTC"),
        frozenset({SEED["request"]["userId"]}),
        frozenset({SEED["request"]["schedulingGroupId"]}),
    )
    plan, errors = validate_shift(values, ["r"], context, "en")
    assert plan is not None, errors
    return plan


def test_the_seed_values_give_the_seed_shared_shift_exactly() -> None:
    body = shift_body(seed_plan())
    assert body["sharedShift"] == SEED["request"]["sharedShift"]
    assert body == {
        "userId": SEED["request"]["userId"],
        "schedulingGroupId": SEED["request"]["schedulingGroupId"],
        "sharedShift": SEED["request"]["sharedShift"],
        "draftShift": None,
    }


def test_a_draft_is_the_same_item_in_draft_shift() -> None:
    body = shift_body(seed_plan("draft"))
    assert body["sharedShift"] is None and body["draftShift"] == SEED["request"]["sharedShift"]


def test_empty_label_and_notes_are_left_out() -> None:
    plan, _ = validate_shift(form(), [], CONTEXT, "en")
    assert plan is not None
    assert shift_body(plan)["sharedShift"] == {
        "startDateTime": "2026-11-20T08:00:00Z",
        "endDateTime": "2026-11-20T16:00:00Z",
        "theme": "white",
        "activities": [],
    }


# --- themes --------------------------------------------------------------------------------------------------


def test_twelve_classic_themes_with_names_in_both_languages() -> None:
    assert len(THEMES) == 12 and "unknownFutureValue" not in THEMES
    assert [v for _, v in theme_choices("fr")] == list(THEMES)
    assert dict(theme_choices("fr"))["Jaune foncé"] == "darkYellow"
    assert find_theme("lime") is None  # a newer colour: would need the Prefer header


# --- cards ---------------------------------------------------------------------------------------------------


def state(members: int = 3, **more: Any) -> ShiftFormState:
    base: dict[str, Any] = {
        "form_id": "f1",
        "values": {m.TEAM: "team", m.MEMBER: "u2"},
        "break_rows": ["r1"],
        "teams": [("Contoso Retail", "team"), ("Kitchen", "k")],
        "members": [(f"Person {n:03d}", f"u{n}") for n in range(members)],
        "groups": [("Front desk", "TAG_1")],
        "zone": "Europe/Paris",
        "notices": ["From your message, I could not use: x"],
    }
    return ShiftFormState(**{**base, **more})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_form_is_valid_labelled_and_has_no_client_side_check(lang: str) -> None:
    view = FormView(errors={m.END: "bad"}, banner="Please fix", request_id="req-1")
    card = shift_form_card(state(), view, lang)  # type: ignore[arg-type]
    assert_valid_cards(card)
    assert_inputs_labelled(card)
    marker = "(required)" if lang == "en" else "(obligatoire)"
    member = find_input_by_label(card, "Team member" if lang == "en" else "Membre de l'équipe")
    assert member["style"] == "filtered" and member["label"].endswith(marker)
    assert "choices.data" not in member
    name = find_input_by_label(card, "Break 1 name" if lang == "en" else "Nom de la pause 1")
    assert name["label"].endswith(marker)
    notes = find_input_by_label(card, "Notes")
    assert not notes["label"].endswith(marker)
    for element in iter_inputs(card):
        assert not {"isRequired", "regex", "maxLength", "errorMessage"} & set(element), element


def test_the_confirm_mode_offers_create_with_these_times() -> None:
    card = shift_form_card(state(zone_notes=["02:30 does not exist"]), FormView(mode="confirm-zone"), "en")
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["Create with these times", "Cancel"]
    assert_valid_cards(card)


def test_a_large_team_gets_dynamic_type_ahead_over_a_capped_static_list() -> None:
    """Data.Query is the only thing the 1.5 parser reports: it dates `choices.data` to 1.6 (Teams honours it)."""
    card = shift_form_card(state(members=MAX_STATIC_MEMBERS + 50, values={m.MEMBER: "u140"}), FormView(), "en")
    member = find_input_by_label(card, "Team member")
    assert member["choices.data"] == {"type": "Data.Query", "dataset": "shift.members", "associatedInputs": "auto"}
    assert len(member["choices"]) == MAX_STATIC_MEMBERS + 1 and member["choices"][-1]["value"] == "u140"
    [errors] = card_errors([card])
    assert len(errors) == 1 and '"choices.data" is supported in version 1.6' in errors[0]


def test_the_confirmation_in_both_languages() -> None:
    plan = seed_plan()
    result = result_of(plan, {"id": "SHFT_1"}, {"team": "Contoso", "member": "Megan Bowen", "group": "Front"}, "UTC")
    english = shift_done_card(summary_of(result, "en"), "en")
    french = shift_done_card(summary_of(result, "fr"), "fr")
    assert_valid_cards(english, french)
    facts = facts_of(english)
    assert facts["Time"] == "15:00 – 00:00 next day (UTC)" and facts["Shift ID"] == "SHFT_1"
    assert facts["Break"] == "Lunch, 15:00 – 15:15, paid" and facts["Status"] == "Published"
    french_facts = facts_of(french)
    assert french_facts["Date"] == "lundi 11 mars 2019" and french_facts["Heures"] == "15:00 – 00:00 le lendemain (UTC)"
    assert "actions" not in english


def test_results_are_json() -> None:
    result = result_of(seed_plan(), {"id": "SHFT_1"}, {}, "UTC")
    assert json.loads(json.dumps(result)) == result
    assert datetime.fromisoformat(result["start"].replace("Z", "+00:00")) == datetime(2019, 3, 11, 15, tzinfo=UTC)


# --- dates typed the way people type them ----------------------------------------------------------------------

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25/12", date(2026, 12, 25)),
        ("24 décembre", date(2026, 12, 24)),
        ("Dec 24", date(2026, 12, 24)),
        ("in 2 days", date(2026, 12, 4)),
        ("dans 2 jours", date(2026, 12, 4)),
        ("next week", date(2026, 12, 9)),
        ("la semaine prochaine", date(2026, 12, 9)),
        ("friday", date(2026, 12, 4)),
        ("vendredi", date(2026, 12, 4)),
        ("wednesday", WEDNESDAY),  # a weekday alone: the next such day, today included
        ("next wednesday", date(2026, 12, 9)),  # "next": the first one after today
        ("next friday", date(2026, 12, 4)),  # said on a Wednesday: this Friday, two days later
        ("vendredi prochain", date(2026, 12, 4)),
        ("01/02", date(2027, 2, 1)),  # day before month, and in the future
    ],
)
def test_dates_typed_the_way_people_type_them(typed: str, expected: date) -> None:
    assert parse_args(f"Megan {typed} 9:00-17:00", WEDNESDAY).day == expected


def test_next_friday_said_on_a_friday_is_a_week_later() -> None:
    friday = date(2026, 12, 4)
    assert parse_args("next friday", friday).day == date(2026, 12, 11)
    assert parse_args("friday", friday).day == friday


@pytest.mark.parametrize("name", ["Megan", "May", "Will", "Marie", "Ingrid", "Laura Smith", "9"])
def test_names_and_bare_numbers_are_not_dates(name: str) -> None:
    assert parse_args(name, WEDNESDAY).day is None


def test_a_parse_is_cheap_once_loaded() -> None:
    started = time_module.perf_counter()
    for _ in range(20):
        parse_args("Megan 24 décembre 9:00-17:00", WEDNESDAY)
    assert (time_module.perf_counter() - started) / 20 < 0.02  # measured about 1 ms


def test_the_shift_being_edited_is_not_an_overlap_with_itself_in_either_version() -> None:
    from bot.shift.directory import Busy
    from bot.shift.edit import is_itself

    at = datetime(2026, 12, 7, 8, tzinfo=UTC)
    replaces = {"id": "SHFT_1", "start": "2026-12-07T08:00:00Z", "end": "2026-12-07T16:00:00Z"}
    published_elsewhen = Busy("shift", at - timedelta(hours=2), at + timedelta(hours=4), "SHFT_1")
    assert is_itself(published_elsewhen, replaces)  # the same shift, its other version: by id
    assert is_itself(Busy("draft", at, at + timedelta(hours=8), "SHFT_1"), replaces)
    assert not is_itself(Busy("shift", at, at + timedelta(hours=8), "SHFT_2"), replaces)  # same times, other shift
    assert not is_itself(Busy("timeOff", at, at + timedelta(hours=8), "SHFT_1"), replaces)
    assert is_itself(Busy("shift", at, at + timedelta(hours=8)), replaces)  # no id from Graph: by the times read
    assert not is_itself(Busy("shift", at, at + timedelta(hours=8), "SHFT_1"), None)  # not an edit
