"""/timeoff (absence) end to end over HTTP against the sandbox, and its parser."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp
import pytest

from bot.requests.timeoff import Unusable, parse_command, parse_day
from sandbox.store import load_fixture
from tests.conftest import BotFactory
from tests.desk import Desk, start_desk, texts
from tests.fixtures_sandbox import MEGAN_OID, TEAM_ID, SandboxHandle
from tests.teams import Connector
from tests.test_requests_flow import runs_joined

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
_TEAM = next(team for team in load_fixture(None)["teams"] if team["id"] == TEAM_ID)
VACATION_ID = next(r["id"] for r in _TEAM["timeOffReasons"] if r["displayName"] == "Vacation")


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def posted(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [r for r in await sandbox.requests() if r["method"] == "POST" and r["path"].endswith("/timesOff")]


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
    assert post["body"] == {
        "userId": MEGAN_OID,
        "sharedTimeOff": {
            "timeOffReasonId": VACATION_ID,
            "startDateTime": "2026-12-23T23:00:00Z",
            "endDateTime": "2026-12-26T23:00:00Z",
            "theme": "white",
        },
        "draftTimeOff": None,
    }
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


async def test_a_graph_refusal_is_explained(desk: Desk) -> None:
    await desk.sandbox.inject(status=429, retryAfter=30, match="POST .*/timesOff$")
    card = await desk.say("/timeoff Megan 24/12/2026 Vacation")
    assert "Microsoft 365 is busy." in shown(card)
    card = await desk.say("/timeoff Megan 24/12/2026 Vacation")  # nothing was booked: it may be tried again
    assert shown(card).startswith("Time off booked")


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
