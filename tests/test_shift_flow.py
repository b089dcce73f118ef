"""The shift feature end to end: Teams-shaped activities over HTTP to the real bot, the bot's Graph calls to the
Graph sandbox. Cards are filled by their labels and their buttons pressed the way Teams does (the action's
data merged with every input id -> value)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.errors import shifts_message
from tests.cardcheck import find_input_by_label, iter_inputs
from tests.conftest import BotFactory
from tests.desk import Desk as BaseDesk
from tests.desk import actions_of, start_desk, texts
from tests.fixtures_sandbox import (
    FIXTURE_SHIFT_IDS,
    KITCHEN_GROUP_ID,
    MEGAN_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    UNSCHEDULED_TEAM_ID,
    SandboxHandle,
)
from tests.teams import TEAM_THREAD_ID, Connector, card_of

SEED = json.loads((Path(__file__).parent / "data" / "seeds" / "create-shift.example.json").read_text())
SHIFTS_PATH = f"/beta/teams/{TEAM_ID}/schedule/shifts"
POST_SHIFTS = r"^POST /beta/teams/[^/]+/schedule/shifts$"
MEGAN = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": MEGAN_OID}


class Desk(BaseDesk):
    """The manager, with the shift-specific look-ups."""

    async def posted(self) -> list[dict[str, Any]]:
        return [r for r in await self.sandbox.requests() if r["method"] == "POST" and r["path"] == SHIFTS_PATH]

    async def shifts(self) -> list[dict[str, Any]]:
        """The shifts the test created (the fixture's own are left out)."""
        found = (await self.sandbox.call("GET", f"/teams/{TEAM_ID}/schedule/shifts")).body["value"]
        return [shift for shift in found if shift["id"] not in FIXTURE_SHIFT_IDS]


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def fill_shift(
    desk: Desk, day: str, start: str, end: str, *, breaks: list[tuple[str, str, str]] = (), **more: str
) -> None:
    desk.fill({"Team member": MEGAN_OID, "Scheduling group": SEED_GROUP_ID, "Date": day})
    desk.fill({"Start time": start, "End time": end})
    for n, (name, b_start, b_end) in enumerate(breaks, start=1):
        await desk.press("Add break")
        desk.fill({f"Break {n} name": name, f"Break {n} start": b_start, f"Break {n} end": b_end})
    desk.fill(more)


async def fill_seed(desk: Desk) -> None:
    shared = SEED["request"]["sharedShift"]
    [lunch] = shared["activities"]
    await fill_shift(desk, "2019-03-11", "15:00", "00:00", breaks=[(lunch["displayName"], "15:00", "15:15")])
    desk.fill({"Label": shared["displayName"], "Notes": shared["notes"], "Colour": shared["theme"]})
    desk.fill({"Break 1 paid": "true", "Break 1 code (optional)": lunch["code"], "Visibility": "published"})


# --- the seed scenario ---------------------------------------------------------------------------------------


async def test_the_seed_scenario_posts_exactly_the_seed_shared_shift(desk: Desk) -> None:
    desk.teams.timezone = "UTC"
    card = await desk.say("/shift")
    assert texts(card).startswith("New shift")
    await fill_seed(desk)
    done = await desk.press("Create shift")

    [post] = await desk.posted()
    assert post["status"] == 201
    assert post["body"]["sharedShift"] == SEED["request"]["sharedShift"]
    assert post["body"] == {
        "userId": SEED["request"]["userId"],
        "schedulingGroupId": SEED["request"]["schedulingGroupId"],
        "sharedShift": SEED["request"]["sharedShift"],
        "draftShift": None,
    }
    assert post["headers"] and not any(k.lower() == "ms-app-acts-as" for k in post["headers"])
    [created] = await desk.shifts()

    text = texts(done)
    assert "Shift published" in text and created["id"] in text
    for expected in ("Megan Bowen", "Front desk", "Contoso Retail", "Monday 11 March 2019", "Day shift", "Blue"):
        assert expected in text
    assert "15:00 – 00:00 next day (UTC)" in text
    assert "Lunch, 15:00 – 15:15, paid" in text
    assert actions_of(done) == [] and list(iter_inputs(done)) == []
    desk.check_cards()


async def test_the_manager_zone_is_converted_to_utc_and_shown_back_in_local_time(desk: Desk) -> None:
    await desk.say("/shift")  # the activity says Europe/Paris
    await fill_shift(desk, "2019-03-11", "16:00", "01:00", breaks=[("Lunch", "16:00", "16:15")])
    done = await desk.press("Create shift")
    [post] = await desk.posted()
    shared = post["body"]["sharedShift"]
    assert (shared["startDateTime"], shared["endDateTime"]) == ("2019-03-11T15:00:00Z", "2019-03-12T00:00:00Z")
    assert shared["activities"][0]["startDateTime"] == "2019-03-11T15:00:00Z"
    assert "16:00 – 01:00 next day (Europe/Paris)" in texts(done)


async def test_without_a_zone_in_the_activity_the_schedule_zone_is_used(desk: Desk) -> None:
    desk.teams.timezone = None
    card = await desk.say("/shift")
    assert "Europe/Paris" in texts(card)


# --- times and validation ------------------------------------------------------------------------------------


async def test_an_overnight_shift_ends_the_next_day(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "22:00", "06:00", breaks=[("Night break", "02:00", "02:30")])
    await desk.press("Create shift")
    [post] = await desk.posted()
    shared = post["body"]["sharedShift"]
    assert (shared["startDateTime"], shared["endDateTime"]) == ("2026-11-20T21:00:00Z", "2026-11-21T05:00:00Z")
    [night] = shared["activities"]
    assert (night["startDateTime"], night["endDateTime"]) == ("2026-11-21T01:00:00Z", "2026-11-21T01:30:00Z")


@pytest.mark.parametrize(
    ("day", "start", "end", "utc_start", "utc_end"),
    [
        ("2026-03-29", "01:00", "05:00", "2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z"),  # 3 h of real time
        ("2026-10-25", "00:00", "06:00", "2026-10-24T22:00:00Z", "2026-10-25T05:00:00Z"),  # 7 h of real time
    ],
)
async def test_paris_daylight_saving_days(
    desk: Desk, day: str, start: str, end: str, utc_start: str, utc_end: str
) -> None:
    await desk.say("/shift")
    await fill_shift(desk, day, start, end)
    await desk.press("Create shift")
    [post] = await desk.posted()
    shared = post["body"]["sharedShift"]
    assert (shared["startDateTime"], shared["endDateTime"]) == (utc_start, utc_end)


@pytest.mark.parametrize(
    ("day", "start", "utc_start", "said"),
    [
        ("2026-03-29", "02:30", "2026-03-29T01:30:00Z", "02:30 does not exist on Sunday 29 March 2026"),
        ("2026-10-25", "02:30", "2026-10-25T00:30:00Z", "02:30 happens twice on Sunday 25 October 2026"),
    ],
)
async def test_a_time_the_clock_change_skips_or_repeats_is_explained_before_creating(
    desk: Desk, day: str, start: str, utc_start: str, said: str
) -> None:
    await desk.say("/shift")
    await fill_shift(desk, day, start, "08:00")
    warned = await desk.press("Create shift")
    assert await desk.posted() == []
    assert said in texts(warned) and desk.value("Start time") == start
    done = await desk.press("Create with these times")
    [post] = await desk.posted()
    assert post["body"]["sharedShift"]["startDateTime"] == utc_start
    assert said in texts(done)
    desk.check_cards()


async def test_changing_a_time_after_the_warning_warns_again(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-03-29", "02:30", "08:00")
    await desk.press("Create shift")
    desk.fill({"Start time": "02:15"})
    again = await desk.press("Create with these times")
    assert "02:15 does not exist" in texts(again)
    assert await desk.posted() == []


@pytest.mark.parametrize(
    ("day", "start", "end", "duration"),
    [
        ("2026-03-29", "02:00", "03:00", "0 minutes"),  # 02:00 does not exist: both are 01:00 UTC
        ("2026-10-24", "03:00", "03:00", "25 hours"),  # the next day's 03:00 is 25 hours later
    ],
)
async def test_zero_minute_and_25_hour_shifts_are_refused(
    desk: Desk, day: str, start: str, end: str, duration: str
) -> None:
    await desk.say("/shift")
    await fill_shift(desk, day, start, end)
    card = await desk.press("Create shift")
    assert desk.error("End time") == f"This shift would last {duration}: a shift lasts from 1 minute to 24 hours."
    assert (desk.value("Start time"), desk.value("End time"), desk.value("Date")) == (start, end, day)
    assert await desk.posted() == []
    assert "Please fix the highlighted fields." in texts(card)
    desk.check_cards()


async def test_a_break_outside_the_shift_or_overlapping_another_is_refused(desk: Desk) -> None:
    await desk.say("/shift")
    breaks = [("Early", "08:00", "08:30"), ("Lunch", "12:00", "12:30"), ("Coffee", "12:15", "12:45")]
    await fill_shift(desk, "2026-11-20", "09:00", "17:00", breaks=breaks)
    await desk.press("Create shift")
    assert desk.error("Break 1 start") == "Break 1 must be within the shift's start and end times."
    assert desk.error("Break 2 start") is None
    assert desk.error("Break 3 start") == "Break 3 overlaps break 2."
    assert [desk.value(f"Break {n} name") for n in (1, 2, 3)] == ["Early", "Lunch", "Coffee"]
    assert await desk.posted() == []
    desk.check_cards()


async def test_required_choices_and_lengths_are_checked_beside_their_fields(desk: Desk) -> None:
    await desk.say("/shift")
    desk.fill({"Start time": "09:00", "End time": "17:00", "Label": "x" * 101})
    await desk.press("Create shift")
    assert desk.error("Team member") == "Choose a team member."
    assert desk.error("Scheduling group") == "Choose a scheduling group."
    assert desk.error("Label") == "At most 100 characters."
    assert await desk.posted() == []


async def test_only_active_scheduling_groups_and_team_members_are_offered(desk: Desk) -> None:
    card = await desk.say("/shift")
    groups = [c["title"] for c in find_input_by_label(card, "Scheduling group")["choices"]]
    assert groups == ["Delivery", "Front desk", "Kitchen"]
    members = [c["title"] for c in find_input_by_label(card, "Team member")["choices"]]
    assert "Megan Bowen" in members and "Adele Vance" in members
    themes = [c["value"] for c in find_input_by_label(card, "Colour")["choices"]]
    assert len(themes) == 12 and "darkYellow" in themes and "unknownFutureValue" not in themes


# --- draft, breaks, visibility -------------------------------------------------------------------------------


async def test_draft_goes_in_draft_shift_and_published_in_shared_shift(desk: Desk) -> None:
    for visibility in ("draft", "published"):
        await desk.say("/shift")
        await fill_shift(desk, "2026-11-20", "09:00", "17:00", Visibility=visibility, Label=visibility)
        done = await desk.press("Create shift")
        if visibility == "published":  # the same member at the same time as the draft: asked first
            assert "Megan Bowen already has an unpublished shift then" in texts(done)
            done = await desk.press("Create anyway")
        assert ("Shift saved as draft" if visibility == "draft" else "Shift published") in texts(done)
    draft, published = [p["body"] for p in await desk.posted()]
    assert draft["sharedShift"] is None and draft["draftShift"]["displayName"] == "draft"
    assert published["draftShift"] is None and published["sharedShift"]["displayName"] == "published"
    assert draft["draftShift"]["startDateTime"] == published["sharedShift"]["startDateTime"] == "2026-11-20T08:00:00Z"


async def test_add_and_remove_break_keep_everything_typed(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00", breaks=[("Lunch", "12:00", "12:30")], Label="Day")
    await desk.press("Add break")
    desk.fill({"Break 2 name": "Coffee", "Break 2 start": "15:00", "Break 2 end": "15:10"})
    card = await desk.press("Remove break 1")
    assert desk.value("Break 1 name") == "Coffee" and desk.value("Label") == "Day"
    assert desk.value("Team member") == MEGAN_OID
    assert "Remove break 2" not in texts(card)
    await desk.press("Create shift")
    [post] = await desk.posted()
    [coffee] = post["body"]["sharedShift"]["activities"]
    assert coffee == {
        "isPaid": False,
        "startDateTime": "2026-11-20T14:00:00Z",
        "endDateTime": "2026-11-20T14:10:00Z",
        "code": "",
        "displayName": "Coffee",
    }
    desk.check_cards()


async def test_cancel_creates_nothing(desk: Desk) -> None:
    await desk.say("/shift")
    card = await desk.press("Cancel")
    assert "Cancelled" in texts(card)
    assert await desk.posted() == []


# --- idempotency ---------------------------------------------------------------------------------------------


async def test_a_stale_second_press_shows_the_same_confirmation_and_creates_nothing(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00")
    verb, data = desk.data_for("Create shift")
    first = await desk.execute(verb, data)
    second = await desk.execute(verb, data)
    assert first == second
    assert len(await desk.posted()) == 1 and len(await desk.shifts()) == 1


async def test_two_simultaneous_presses_create_one_shift(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00")
    verb, data = desk.data_for("Create shift")
    await desk.sandbox.inject(status=None, delay=0.3, match=POST_SHIFTS)
    first, second = await asyncio.gather(desk.teams.execute(verb, data), desk.teams.execute(verb, data))
    answers = [texts(reply["value"]) for reply in (first, second)]
    assert sum("Still creating" in a for a in answers) == 1 and sum("Shift published" in a for a in answers) == 1
    assert len(await desk.posted()) == 1 and len(await desk.shifts()) == 1


async def test_any_button_of_a_done_form_shows_the_confirmation_again(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00")
    verb, data = desk.data_for("Add break")
    done = await desk.press("Create shift")
    again = await desk.execute(verb, data)
    assert again == done and len(await desk.posted()) == 1


async def test_action_submit_clients_get_the_confirmation_in_place(desk: Desk) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00")
    _, data = desk.data_for("Create shift")
    response = await desk.teams.submit(data, card_activity_id="activity-9")
    assert response.status == 201
    [update] = desk.teams.connector.updates()
    assert update.path.endswith("/activities/activity-9")
    assert "Shift published" in texts(update.body) and len(await desk.posted()) == 1


# --- channel context and teams -------------------------------------------------------------------------------


async def test_in_a_channel_the_team_is_the_channel_team_by_its_group_id(desk: Desk) -> None:
    desk.teams.conversation_type = "channel"
    desk.teams.connector.teams[TEAM_THREAD_ID] = {"id": TEAM_THREAD_ID, "name": "Contoso Retail", "aadGroupId": TEAM_ID}
    card = await desk.say("/shift")
    team = find_input_by_label(card, "Team")
    assert team["value"] == TEAM_ID and [c["value"] for c in team["choices"]] == [TEAM_ID]
    paths = [r["path"] for r in await desk.sandbox.requests()]
    assert f"/beta/teams/{TEAM_ID}/schedule" in paths and not any("19:" in p for p in paths)
    await fill_shift(desk, "2026-11-20", "09:00", "17:00")
    await desk.press("Create shift")
    [post] = await desk.posted()
    assert post["path"] == SHIFTS_PATH
    desk.check_cards()


async def test_a_channel_whose_team_has_no_schedule_is_explained(desk: Desk) -> None:
    desk.teams.conversation_type = "channel"
    thread = "19:contoso-kitchen-ops@thread.tacv2"
    desk.teams.connector.teams[TEAM_THREAD_ID] = {
        "id": thread,
        "name": "Kitchen Ops",
        "aadGroupId": UNSCHEDULED_TEAM_ID,
    }
    card = await desk.say("/shift")
    text = texts(card)
    assert "Shifts is not set up for Contoso Kitchen Ops" in text and "provisionStatus" not in text
    assert list(iter_inputs(card)) == []


async def test_elsewhere_only_teams_with_a_ready_schedule_are_offered(desk: Desk) -> None:
    card = await desk.say("/shift")
    team = find_input_by_label(card, "Team")
    assert [(c["title"], c["value"]) for c in team["choices"]] == [("Contoso Retail", TEAM_ID)]
    assert "Load this team" not in texts(card)


async def test_another_team_can_be_loaded_and_its_lists_replace_the_first(desk: Desk) -> None:
    schedule = {
        "id": UNSCHEDULED_TEAM_ID,
        "enabled": True,
        "timeZone": "America/Chicago",
        "provisionStatus": "Completed",
    }
    group = {"id": KITCHEN_GROUP_ID.replace("a63e", "0000"), "displayName": "Prep", "isActive": True}
    await desk.sandbox.inject(status=200, body=schedule, count=5, match=f"GET .*/{UNSCHEDULED_TEAM_ID}/schedule$")
    await desk.sandbox.inject(status=200, body={"value": [group]}, match=f"/{UNSCHEDULED_TEAM_ID}/schedule/sched")
    desk.teams.timezone = None
    card = await desk.say("/shift")
    assert [c["title"] for c in find_input_by_label(card, "Team")["choices"]] == [
        "Contoso Kitchen Ops",
        "Contoso Retail",
    ]
    desk.fill({"Team": TEAM_ID, "Label": "kept"})
    card = await desk.press("Create shift")
    assert desk.error("Team") == "You picked another team: press “Load this team” first."
    card = await desk.press("Load this team")
    assert [c["title"] for c in find_input_by_label(card, "Scheduling group")["choices"]] == [
        "Delivery",
        "Front desk",
        "Kitchen",
    ]
    assert "Europe/Paris" in texts(card) and desk.value("Label") == "kept"
    desk.check_cards()


# --- Graph failures ------------------------------------------------------------------------------------------


async def test_a_member_who_does_not_manage_the_schedule_is_told_so_by_the_real_403(desk: Desk) -> None:
    desk.teams.user = dict(MEGAN)
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00", Label="kept")
    card = await desk.press("Create shift")
    assert "you must own the team or manage its schedule" in texts(card)
    assert desk.value("Label") == "kept" and desk.value("Start time") == "09:00"
    assert "Reference for your admin" in texts(card)
    assert await desk.shifts() == []
    desk.check_cards()


def shifts_error(code: str, message: str, inner: str | None = None) -> dict[str, str]:
    return {"code": code, "message": shifts_message(code, message, inner)}


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {
                "status": 403,
                **shifts_error("Forbidden", "Sorry, you need to be an admin to do this.", "MissingAdminPermissions"),
            },
            "you must own the team or manage its schedule in Shifts",
        ),
        (
            {
                "status": 404,
                **shifts_error("NotFound", "Sorry, the team was not found, or you may not have access to it."),
            },
            "did not find this team, or Shifts is not set up for it",
        ),
        (
            {"status": 400, **shifts_error("BadRequest", "The shift cannot be in a locked period.")},
            "Message from Microsoft 365: The shift cannot be in a locked period.",
        ),
        ({"status": 429, "retryAfter": 0.2, "count": 3}, "Please try again in 1 second."),
        ({"status": 503, "count": 1, "retryAfter": 0.1}, "it may or may not have been created."),
    ],
    ids=["403-not-manager", "404-no-shifts", "400-message", "429-after-retries", "503-after-retries"],
)
async def test_graph_failures_are_explained_and_the_form_is_kept(
    desk: Desk, fault: dict[str, Any], expected: str
) -> None:
    await desk.say("/shift")
    await fill_shift(desk, "2026-11-20", "09:00", "17:00", Label="kept")
    await desk.sandbox.inject(match=POST_SHIFTS, **fault)
    card = await desk.press("Create shift")
    assert expected in texts(card)
    assert desk.value("Label") == "kept" and desk.value("Team member") == MEGAN_OID
    assert desk.action("Create shift")
    assert await desk.shifts() == []
    attempts = len([r for r in await desk.sandbox.requests() if r["method"] == "POST"])
    assert attempts == (3 if fault["status"] == 429 else 1)  # a POST is retried on 429 only
    await desk.press("Create shift")  # the fault is spent: the same form now goes through
    assert len(await desk.shifts()) == 1
    desk.check_cards()


# --- French and inline arguments -----------------------------------------------------------------------------


async def test_french_from_command_to_confirmation(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/poste Megan 2026-11-20 9h-17h «Poste de jour» bleu foncé")
    assert texts(card).startswith("Nouveau poste")
    assert desk.value("Membre de l'équipe") == MEGAN_OID
    assert (desk.value("Heure de début"), desk.value("Heure de fin")) == ("09:00", "17:00")
    assert desk.value("Libellé") == "Poste de jour" and desk.value("Couleur") == "darkBlue"
    assert "Bleu foncé" in texts(card)
    desk.fill({"Groupe de planification": SEED_GROUP_ID})
    await desk.press("Ajouter une pause")
    desk.fill({"Nom de la pause 1": "Déjeuner", "Début de la pause 1": "12:00", "Fin de la pause 1": "11:00"})
    await desk.press("Créer le poste")
    assert desk.error("Début de la pause 1") == "La pause 1 doit se situer entre le début et la fin du poste."
    desk.fill({"Fin de la pause 1": "12:30", "Pause 1 payée": "true"})
    done = await desk.press("Créer le poste")
    text = texts(done)
    assert "Poste publié" in text and "vendredi 20 novembre 2026" in text
    assert "09:00 – 17:00 (Europe/Paris)" in text and "Déjeuner, 12:00 – 12:30, payée" in text
    desk.check_cards()


async def test_inline_arguments_prefill_the_card(desk: Desk) -> None:
    desk.teams.timezone = "UTC"
    card = await desk.say('/shift Megan tomorrow 9:00-17:00 "Day shift" blue')
    assert desk.value("Team member") == MEGAN_OID
    assert desk.value("Date") == "2019-01-02"  # the tests' clock says 2019-01-01
    assert (desk.value("Start time"), desk.value("End time")) == ("09:00", "17:00")
    assert desk.value("Label") == "Day shift" and desk.value("Colour") == "blue"
    assert "could not use" not in texts(card)
    desk.check_cards()


async def test_what_cannot_be_parsed_is_offered_as_notes(desk: Desk) -> None:
    card = await desk.say("/shift Megan next fortnight 9:00-17:00 bring the keys")
    assert desk.value("Team member") == MEGAN_OID and desk.value("Start time") == "09:00"
    assert desk.value("Date") == "2019-01-15"  # dateparser: two weeks after the tests' 2019-01-01
    assert desk.value("Notes") == "bring the keys"
    assert "I put “bring the keys” in the notes: keep it, move it or delete it." in texts(card)


async def test_a_name_that_is_nobody_in_the_team_is_left_for_the_form_and_said(desk: Desk) -> None:
    card = await desk.say("/shift Zoe 2026-11-20")
    assert desk.value("Team member") == "" and desk.value("Date") == "2026-11-20"
    assert "I put “Zoe” in the notes" in texts(card) and desk.value("Notes") == "Zoe"


async def test_an_at_mention_picks_the_member(desk: Desk) -> None:
    text = "<at>Manager Desk</at> /shift <at>Megan Bowen</at> 9:00-17:00"
    entities = [
        {
            "type": "mention",
            "text": "<at>Manager Desk</at>",
            "mentioned": {"id": "28:manager-desk-bot", "name": "Manager Desk"},
        },
        {
            "type": "mention",
            "text": "<at>Megan Bowen</at>",
            "mentioned": {"id": "29:user-megan", "name": "Megan Bowen"},
        },
    ]
    before = len(desk.teams.connector.sent())
    await desk.teams.post(desk.teams.base_activity("message", text=text, entities=entities))
    [reply] = desk.teams.connector.sent()[before:]
    desk.show(card_of(reply) or {})
    assert desk.value("Team member") == MEGAN_OID and desk.value("Start time") == "09:00"
    assert "could not use" not in texts(desk.card)


# --- type-ahead ----------------------------------------------------------------------------------------------


async def search(desk: Desk, query: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"queryText": query, "dataset": "shift.members", "queryOptions": {"skip": 0, "top": 15}}
    if data is not None:
        value["data"] = data
    activity = desk.teams.base_activity("invoke", name="application/search", value=value)
    async with desk.teams.session.post(f"{desk.teams.bot_url}/api/messages", json=activity) as response:
        assert response.status == 200
        return await response.json()


async def test_the_member_type_ahead_searches_the_team_of_the_card(desk: Desk) -> None:
    body = await search(desk, "meg", {"shift.team": TEAM_ID})
    assert body["type"] == "application/vnd.microsoft.search.searchResponse"
    assert body["value"]["results"] == [{"title": "Megan Bowen", "value": MEGAN_OID}]
    everyone = await search(desk, "", {"shift.team": TEAM_ID})
    assert len(everyone["value"]["results"]) >= 5


async def test_the_member_type_ahead_in_a_channel_uses_the_channel_team(desk: Desk) -> None:
    desk.teams.conversation_type = "channel"
    desk.teams.connector.teams[TEAM_THREAD_ID] = {"id": TEAM_THREAD_ID, "name": "Contoso Retail", "aadGroupId": TEAM_ID}
    body = await search(desk, "bowen")
    assert body["value"]["results"] == [{"title": "Megan Bowen", "value": MEGAN_OID}]
