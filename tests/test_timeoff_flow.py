"""/timeoff (absence) end to end over HTTP against the sandbox, and its parser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.i18n import Lang
from bot.requests.model import Reason
from bot.requests.timeoff import Unusable, parse_command, parse_day, span
from sandbox.store import load_fixture
from tests.conftest import BotFactory
from tests.desk import Desk, start_desk, texts
from tests.fixtures_sandbox import MEGAN_OID, TEAM_ID, SandboxHandle
from tests.teams import Connector
from tests.test_requests_flow import runs_joined

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
_TEAM = next(team for team in load_fixture(None)["teams"] if team["id"] == TEAM_ID)
VACATION_ID = next(r["id"] for r in _TEAM["timeOffReasons"] if r["displayName"] == "Vacation")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def posted(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [r for r in await sandbox.requests() if r["method"] == "POST" and r["path"].endswith("/timesOff")]


def megans_vacation(start: str, end: str) -> dict[str, Any]:
    """The body of POST …/timesOff for Megan's vacation, as Graph's docs show it."""
    shared = {"timeOffReasonId": VACATION_ID, "startDateTime": start, "endDateTime": end, "theme": "white"}
    return {"userId": MEGAN_OID, "sharedTimeOff": shared, "draftTimeOff": None}


def shown(card: dict[str, Any]) -> str:
    return texts(runs_joined(card))


async def test_time_off_for_megan_is_booked_in_the_teams_zone(desk: Desk) -> None:
    card = await desk.say("/timeoff Megan 24/12/2026 to 26/12/2026 Vacation")
    assert shown(card).startswith("Time off booked")
    assert "Member: Megan Bowen" in shown(card) and "Reason: Vacation" in shown(card)
    assert "Thu 24 Dec to Sat 26 Dec (all day, Europe/Paris)" in shown(card)
    assert "Megan Bowen has 1 shift during this time off: “Day shift” on Thu 24 Dec, 09:00–17:00" in shown(card)
    [post] = await posted(desk.sandbox)
    assert post["status"] == 201
    assert post["body"] == megans_vacation("2026-12-23T23:00:00Z", "2026-12-26T23:00:00Z")
    again = await desk.say("/timeoff Megan 24/12/2026 to 26/12/2026 Vacation")  # Teams re-sent the message
    assert shown(again).startswith("This time off was already booked")
    assert len(await posted(desk.sandbox)) == 1
    desk.check_cards()


async def test_french_absence_with_a_reason_prefix_and_one_day(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/absence bowen 2026-12-28 sick")
    assert shown(card).startswith("Absence enregistrée")
    assert "Motif : Sick" in shown(card) and "du lun. 28 déc. au lun. 28 déc." in shown(card)
    [post] = await posted(desk.sandbox)
    assert post["body"]["sharedTimeOff"]["startDateTime"] == "2026-12-27T23:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/timeoff", "Type who, the days and the reason"),
        ("/timeoff Megan Vacation", "I did not find the days."),
        ("/timeoff Megan 31/02/2026 Vacation", "“31/02/2026” is not a date I can read."),
        ("/timeoff Megan 26/12/2026 to 24/12/2026 Vacation", "The last day (Thu 24 Dec) is before the first"),
        ("/timeoff Zoe 24/12/2026 Vacation", "I did not find who is taking time off"),
        ("/timeoff Megan 24/12/2026", "Add a reason. This team's reasons: Vacation, Sick, Personal."),
        ("/timeoff Megan 24/12/2026 Jury", "“Jury” is not one of this team's reasons: Vacation, Sick, Personal."),
    ],
)
async def test_what_cannot_be_booked_is_explained(desk: Desk, text: str, expected: str) -> None:
    card = await desk.say(text)
    assert expected in shown(card)
    assert await posted(desk.sandbox) == []


async def test_french_refusal(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/absence Megan 24/12/2026 Vacances")
    assert "« Vacances » n'est pas un motif de cette équipe : Vacation, Sick, Personal." in shown(card)


async def test_a_graph_refusal_is_explained_and_the_next_try_waits_out_graphs_retry_after(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    # The client may wait 0.5 s between attempts: a 1.5 s Retry-After is handed to the manager, not waited out.
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox, graph_retry_budget_seconds=0.5)
    await desk.sandbox.inject(status=429, retryAfter=1.5, match="POST .*/timesOff$")
    card = await desk.say("/timeoff Megan 24/12/2026 Vacation")
    assert "The time off was not booked.\nMicrosoft 365 is busy. Try again in 2 seconds." in shown(card)
    desk.teams.locale = "fr-FR"
    card = await desk.say("/absence Megan 24/12/2026 Vacation")  # nothing was booked: it may be tried again
    assert shown(card).startswith("Absence enregistrée")
    refused, booked = await posted(desk.sandbox)
    assert (refused["status"], booked["status"]) == (429, 201)
    assert booked["receivedAt"] - refused["receivedAt"] >= 1.5  # the team was held for Graph's Retry-After


def test_days_without_a_year_are_the_next_ones() -> None:
    today = date(2026, 12, 2)
    assert parse_day("24/12", today, "en") == date(2026, 12, 24)
    assert parse_day("5/1", today, "en") == date(2027, 1, 5)
    assert parse_day("demain", today, "fr") == date(2026, 12, 3)
    assert parse_day("Megan", today, "en") is None
    with pytest.raises(Unusable):
        parse_day("30/02", today, "en")
    command = parse_command("Megan Bowen 24/12 to 26/12 Vacation", today, "en")
    assert (command.words, command.first, command.last) == (["Megan", "Bowen"], date(2026, 12, 24), date(2026, 12, 26))
    assert command.reason_words == ["Vacation"]
    french = parse_command("Megan du 24/12 au 26/12 Congés payés", today, "fr")
    assert (french.words, french.reason_words) == (["Megan"], ["Congés", "payés"])


async def test_an_unanswered_booking_is_not_sent_again_blindly(desk: Desk) -> None:
    await desk.sandbox.inject(status=504, count=5, match="POST .*/timesOff$")
    card = await desk.say("/timeoff Megan 28/12/2026 Vacation")
    assert "Microsoft 365 did not answer in time." in shown(card)
    again = await desk.say("/timeoff Megan 28/12/2026 Vacation")
    assert "This time off is already being booked." in shown(again)
    assert len(await posted(desk.sandbox)) == 1  # the unknown outcome is not retried until Graph can tell


async def test_a_morning_then_an_afternoon_are_two_bookings_and_a_resent_one_books_once(desk: Desk) -> None:
    morning = await desk.say("/timeoff Megan 24/12/2026 9:00 to 13:00 Vacation")
    assert shown(morning).startswith("Time off booked")
    assert "When: Thu 24 Dec, 09:00–13:00 (Europe/Paris)" in shown(morning)
    assert "Megan Bowen has 1 shift during this time off: “Day shift” on Thu 24 Dec, 09:00–17:00" in shown(morning)
    [post] = await posted(desk.sandbox)
    assert post["status"] == 201
    assert post["body"] == megans_vacation("2026-12-24T08:00:00Z", "2026-12-24T12:00:00Z")
    afternoon = await desk.say("/timeoff Megan 24/12/2026 13:00-17:00 Vacation")
    assert shown(afternoon).startswith("Time off booked")
    again = await desk.say("/timeoff Megan 24/12/2026 1pm to 5pm Vacation")  # the same afternoon, written otherwise
    assert shown(again).startswith("This time off was already booked")
    bodies = [post["body"]["sharedTimeOff"] for post in await posted(desk.sandbox)]
    assert [(b["startDateTime"], b["endDateTime"]) for b in bodies] == [
        ("2026-12-24T08:00:00Z", "2026-12-24T12:00:00Z"),
        ("2026-12-24T12:00:00Z", "2026-12-24T16:00:00Z"),
    ]
    desk.check_cards()


async def test_french_part_of_a_day(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/absence bowen 24/12/2026 de 9h à 13h sick")
    assert shown(card).startswith("Absence enregistrée")
    assert "Quand : jeu. 24 déc., 09:00–13:00 (Europe/Paris)" in shown(card)
    [post] = await posted(desk.sandbox)
    times = post["body"]["sharedTimeOff"]
    assert (times["startDateTime"], times["endDateTime"]) == ("2026-12-24T08:00:00Z", "2026-12-24T12:00:00Z")


async def test_from_a_time_on_one_day_to_a_time_on_another(desk: Desk) -> None:
    card = await desk.say("/timeoff Megan 24/12/2026 14:00 to 26/12/2026 12:00 Vacation")
    assert "When: Thu 24 Dec, 14:00 to Sat 26 Dec, 12:00 (Europe/Paris)" in shown(card)
    [post] = await posted(desk.sandbox)
    times = post["body"]["sharedTimeOff"]
    assert (times["startDateTime"], times["endDateTime"]) == ("2026-12-24T13:00:00Z", "2026-12-26T11:00:00Z")


async def test_the_conflict_line_looks_at_the_hours_booked_not_the_whole_day(desk: Desk) -> None:
    card = await desk.say("/timeoff Megan 24/12/2026 17:00 to 19:00 Vacation")  # her shift ends at 17:00
    assert shown(card).startswith("Time off booked")
    assert "during this time off" not in shown(card)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "/timeoff Megan 24/12/2026 9:00 Vacation", "I found a start time (9:00) but no end time."),
        ("fr", "/absence Megan 24/12/2026 25h à 13h Vacation", "« 25h » n'est pas une heure que je sais lire."),
        ("en", "/timeoff Megan 28/03/2027 2:30 to 4:00 Vacation", "02:30 does not exist on Sun 28 Mar in Europe/Paris"),
    ],
)
async def test_times_that_cannot_be_booked_are_explained(desk: Desk, lang: Lang, text: str, expected: str) -> None:
    desk.speak(lang)
    card = await desk.say(text)
    assert expected in shown(card)
    assert await posted(desk.sandbox) == []


TODAY = date(2026, 12, 2)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "text", "start", "end"),
    [
        ("en", "Megan 24/12 9:00 to 13:00 Doctor", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("en", "Megan 24/12 9:00-13:00 Doctor", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("fr", "Megan 24/12 9h-13h Médecin", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("fr", "Megan 24/12 9h30 à 12h Médecin", "2026-12-24T08:30", "2026-12-24T11:00"),
        ("fr", "Megan 24/12 de 9h à 13h Médecin", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("fr", "Megan 24/12 de 14h00 jusqu'à 18h Médecin", "2026-12-24T13:00", "2026-12-24T17:00"),
        ("fr", "Megan 24/12 de 9h a 13h Médecin", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("en", "Megan 24/12 9:30am to 2pm Doctor", "2026-12-24T08:30", "2026-12-24T13:00"),
        ("en", "Megan 24/12 9 am to 1 pm Doctor", "2026-12-24T08:00", "2026-12-24T12:00"),
        ("en", "Megan 24/12 14:00 to 26/12 12:00 Vacation", "2026-12-24T13:00", "2026-12-26T11:00"),
        ("fr", "Megan 24/12 14h au 26/12 12h Congés", "2026-12-24T13:00", "2026-12-26T11:00"),
        ("en", "Megan today 16:00 to 18:00 Doctor", "2026-12-02T15:00", "2026-12-02T17:00"),
        ("en", "Megan 24/12 18:00 to 24:00 Doctor", "2026-12-24T17:00", "2026-12-24T23:00"),  # that day's midnight
        ("fr", "Megan 24/12 de 18h à 0h Médecin", "2026-12-24T17:00", "2026-12-24T23:00"),
        ("en", "Megan 24/12 22:00 to 25/12 00:00 Doctor", "2026-12-24T21:00", "2026-12-24T23:00"),  # the day typed
        ("en", "Megan 24/12 to 26/12 Vacation", "2026-12-23T23:00", "2026-12-26T23:00"),  # whole days, as before
        ("fr", "Megan demain Congés", "2026-12-02T23:00", "2026-12-03T23:00"),
    ],
)
def test_the_forms_of_a_part_of_a_day(lang: Lang, text: str, start: str, end: str) -> None:
    command = parse_command(text, TODAY, lang)
    assert command.words == ["Megan"] and command.reason_words in (["Doctor"], ["Médecin"], ["Vacation"], ["Congés"])
    assert span(command, PARIS, lang) == (utc(start), utc(end))


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Megan 24/12 9:00 Doctor", "I found a start time (9:00) but no end time. Add it, e.g. 24/12 9:00 to "),
        ("fr", "Megan 24/12 9h Médecin", "J'ai trouvé une heure de début (9h) mais pas d'heure de fin. Ajoutez-la"),
        ("en", "Megan 24/12 to 26/12 12:00 Doctor", "I found an end time (12:00) but no start time. Add it, e.g."),
        ("fr", "Megan 24/12 au 26/12 12h Médecin", "J'ai trouvé une heure de fin (12h) mais pas d'heure de début."),
        ("en", "Megan 24/12 25:00 to 26:00 Doctor", "“25:00” is not a time I can read. Write it as 9:00, 9h30 or 2pm."),
        ("fr", "Megan 24/12 9:00-9:75 Médecin", "« 9:75 » n'est pas une heure que je sais lire."),
        ("en", "Megan 24/12 to 26/12 9:00-13:00 Doctor", "I cannot tell which day “9:00-13:00” goes with. Put each"),
        ("fr", "Megan 24/12 9h au 26/12 12h 14h Médecin", "Je ne sais pas à quel jour se rapporte « 14h »."),
        (
            "en",
            "Megan 24/12 13:00 to 9:00 Doctor",
            "The end (“9:00”, read as Thu 24 Dec, 09:00) is not after the start (“13:00”, read as Thu 24 Dec, 13:00).",
        ),
        (
            "fr",
            "Megan 24/12 13h à 13h Médecin",
            "La fin (« 13h », compris comme jeu. 24 déc., 13:00) n'est pas après le début (« 13h », compris comme "
            "jeu. 24 déc., 13:00).",
        ),
        (
            "en",
            "Megan 28/03/2027 2:30 to 4:00 Doctor",
            "02:30 does not exist on Sun 28 Mar in Europe/Paris: the clocks go forward then. Choose another time.",
        ),
        ("fr", "Megan 28/03/2027 1h à 2h30 Médecin", "02:30 n'existe pas le dim. 28 mars dans le fuseau Europe/Paris"),
        (
            "en",
            "Megan 31/10/2027 2:30 to 4:00 Doctor",
            "02:30 happens twice on Sun 31 Oct in Europe/Paris: the clocks go back then, so I cannot tell which one",
        ),
        (
            "fr",
            "Megan 31/10/2027 1h à 2h30 Médecin",
            "02:30 a lieu deux fois le dim. 31 oct. dans le fuseau Europe/Paris",
        ),
    ],
)
def test_times_that_cannot_be_booked_say_why(lang: Lang, text: str, expected: str) -> None:
    with pytest.raises(Unusable) as refused:
        span(parse_command(text, TODAY, lang), PARIS, lang)
    assert expected in str(refused.value)


def test_the_clocks_changing_outside_the_hours_booked_is_no_problem() -> None:
    command = parse_command("Megan 28/03/2027 9:00 to 13:00 Doctor", TODAY, "en")
    assert span(command, PARIS, "en") == (utc("2027-03-28T07:00"), utc("2027-03-28T11:00"))  # summer time by then


def test_a_reason_that_looks_like_a_time_or_a_separator_is_kept_whole() -> None:
    reasons = [Reason("TOR_1", "8h training", True), Reason("TOR_2", "On call", True)]
    training = parse_command("Megan 24/12 8h training", TODAY, "en", reasons)
    assert (training.start_time, training.reason_words) == (None, ["8h", "training"])
    on_call = parse_command("Megan 24/12 On call", TODAY, "en", reasons)
    assert on_call.reason_words == ["On", "call"]
    with_times = parse_command("Megan 24/12 9:00-13:00 8h training", TODAY, "en", reasons)
    assert (with_times.start_time, with_times.end_time, with_times.reason_words) == (
        "9:00",
        "13:00",
        ["8h", "training"],
    )
    unknown = parse_command("Megan 24/12 8h Doctor", TODAY, "en", reasons)  # not a reason: a time without an end
    assert (unknown.start_time, unknown.reason_words) == ("8h", ["Doctor"])


def test_words_after_the_reason_are_the_reason_even_when_they_look_like_times() -> None:
    command = parse_command("Megan 24/12 Doctor 14h", TODAY, "en")
    assert (command.start_time, command.reason_words) == (None, ["Doctor", "14h"])
