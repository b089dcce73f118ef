"""The schedule desk end to end: Teams-shaped activities over HTTP to the real bot, the bot's Graph calls to the
sandbox serving the fixture week (sandbox/fixture-week.json), in English and in French."""

from __future__ import annotations

import json

import pytest

from tests.desk import actions_of, texts
from tests.fixtures_sandbox import BAKERY_TEAM_ID, MEGAN_OID, UNSCHEDULED_TEAM_ID
from tests.fixtures_schedule import SCHEDULE
from tests.fixtures_schedule import ScheduleDesk as Desk
from tests.teams import TEAM_THREAD_ID

MAX_CARD_BYTES = 28_000  # Teams refuses bigger messages


pytestmark = pytest.mark.usefixtures("schedule_today")


@pytest.fixture
def desk(week_desk: Desk) -> Desk:
    return week_desk


async def test_the_week_view_lists_shifts_drafts_open_shifts_and_time_off_in_local_time(desk: Desk) -> None:
    card = await desk.say("/schedule 2026-12-07 week")
    text = texts(card)
    assert text.startswith("Schedule — Contoso Retail")
    assert "Week of Monday 7 December 2026 · times in Europe/Paris" in text
    assert "25 shifts · 7 drafts · 2 open shifts · 2 times off" in text
    assert "08:00 – 16:00 · Megan Bowen · Front desk · Opening" in text
    assert "22:00 – 06:00 next day · Megan Bowen · Kitchen · Night clean" in text
    assert "15:00 – 23:00 · Patti Fernandez · Kitchen · Dinner · Draft" in text
    assert "17:00 – 21:00 · Open shift (2 slots) · Delivery · Evening rounds" in text
    assert "All day · Lynne Robbins · Time off: Vacation" in text
    assert "Saturday morning" in text and "Open shift (1 slot)" in text
    assert len(json.dumps(card).encode()) < MAX_CARD_BYTES
    titles = [a["title"] for a in actions_of(card)]
    assert {"Edit", "Copy", "Delete", "Publish drafts", "Next week", "Show"} <= set(titles)
    desk.check_cards()


async def test_the_french_week_view(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    text = texts(await desk.say("/planning 2026-12-07 semaine"))
    assert text.startswith("Planning — Contoso Retail")
    assert "Semaine du lundi 7 décembre 2026 · heures de Europe/Paris" in text
    assert "25 postes · 7 brouillons · 2 postes ouverts · 2 absences" in text
    assert "22:00 – 06:00 le lendemain · Megan Bowen · Kitchen · Night clean" in text
    assert "Poste ouvert (2 places)" in text and "Poste ouvert (1 place)" in text
    assert "Toute la journée · Lynne Robbins · Absence : Vacation" in text or "Absence: Vacation" in text
    desk.check_cards()


async def test_a_day_narrowed_to_a_member_and_a_group(desk: Desk) -> None:
    text = texts(await desk.say("/schedule 2026-12-09 megan kitchen"))
    assert "Wednesday 9 December 2026" in text
    assert "1 shift · 0 open shifts · 0 times off" in text
    assert "Night clean" in text and "Opening" not in text
    desk.teams.locale = "fr-FR"
    text = texts(await desk.say("/planning 2026-12-09 megan kitchen"))
    assert "1 poste · 0 poste ouvert · 0 absence" in text


async def test_the_filters_and_the_arrows_move_through_the_schedule(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-07")
    assert "Opening" in texts(desk.card)
    desk.fill({"Team member": MEGAN_OID, "Show": "week"})
    text = texts(await desk.press("Show"))
    assert "Week of Monday 7 December 2026" in text and "6 shifts" in text and "Closing" not in text
    text = texts(await desk.press("Next week"))
    assert "Week of Monday 14 December 2026" in text and "0 shifts" in text
    assert "Nothing is scheduled for these days." in text
    text = texts(await desk.press("Previous week"))
    assert "Week of Monday 7 December 2026" in text


async def test_drafts_and_time_off_show_to_the_manager_only_what_graph_sends(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-11")
    text = texts(desk.card)
    assert "Isaiah Langer · Time off: Sick · Draft" in text
    listed = [r for r in await desk.sandbox.requests() if r["method"] == "GET" and r["path"].endswith("/shifts")]
    filters = sorted(r["query"]["$filter"] for r in listed)
    assert filters == [
        "draftShift/startDateTime ge 2026-12-10T23:00:00Z and draftShift/endDateTime le 2026-12-12T23:00:00Z",
        "sharedShift/startDateTime ge 2026-12-10T23:00:00Z and sharedShift/endDateTime le 2026-12-12T23:00:00Z",
    ]


@pytest.mark.parametrize(
    ("lang", "command", "said"),
    [
        ("en", "/schedule 2028-01-10", "Monday 10 January 2028 is too far away"),
        ("fr", "/planning 2028-01-10", "Le lundi 10 janvier 2028 est trop loin"),
        ("en", "/schedule 2026-02-30", "“2026-02-30” is not a date"),
        ("fr", "/planning 2026-02-30", "« 2026-02-30 » n'est pas une date"),
        ("en", "/schedule Zebulon", "“Zebulon” is neither a member nor a scheduling group of Contoso Retail"),
        ("fr", "/planning Zébulon", "« Zébulon » n'est ni un membre ni un groupe de planification de Contoso Retail"),
        ("en", "/schedule megan 9:00-10:00", "I did not use: 09:00-10:00"),
    ],
)
async def test_bad_dates_and_unknown_members_are_said_plainly(desk: Desk, lang: str, command: str, said: str) -> None:
    desk.teams.locale = "fr-FR" if lang == "fr" else "en-US"
    text = texts(await desk.say(command))
    assert said in text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Shifts is not set up for Contoso Kitchen Ops"),
        ("fr", "Shifts n'est pas encore configuré pour Contoso Kitchen Ops"),
    ],
)
async def test_a_team_without_shifts_is_explained(desk: Desk, lang: str, said: str) -> None:
    desk.teams.locale = "fr-FR" if lang == "fr" else "en-US"
    desk.teams.conversation_type = "channel"
    desk.teams.connector.teams[TEAM_THREAD_ID] = {
        "id": "19:contoso-kitchen-ops@thread.tacv2",
        "name": "Kitchen Ops",
        "aadGroupId": UNSCHEDULED_TEAM_ID,
    }
    card = await desk.say("/planning" if lang == "fr" else "/schedule")
    assert said in texts(card)
    assert texts(card).startswith("Planning" if lang == "fr" else "Schedule")
    for command in ("/openshift", "/posteouvert"):
        assert "Contoso Kitchen Ops" in texts(await desk.say(command))


# --- one shift: edit, copy, delete -----------------------------------------------------------------------------


async def test_edit_opens_the_shift_form_prefilled_and_replaces_the_shift(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-07")
    shift_id = desk.pick("Megan Bowen", "08:00")
    form = await desk.press("Edit")
    assert texts(form).startswith("Edit shift")
    assert (desk.value("Date"), desk.value("Start time"), desk.value("End time")) == ("2026-12-07", "08:00", "16:00")
    assert desk.value("Label") == "Opening" and desk.value("Break 1 start") == "12:00"
    desk.fill({"End time": "17:30"})
    done = await desk.press("Save changes")
    assert "Shift updated" in texts(done)
    [put] = [w for w in await desk.writes() if w["method"] == "PUT"]
    assert put["path"].endswith(f"/shifts/{shift_id}") and put["status"] == 204
    now = (await desk.sandbox.call("GET", f"{SCHEDULE}/shifts/{shift_id}")).body
    assert now["sharedShift"]["endDateTime"] == "2026-12-07T16:30:00Z"
    assert now["sharedShift"]["activities"][0]["startDateTime"] == "2026-12-07T11:00:00Z"
    again = await desk.press_stale("Save changes")
    assert "Shift updated" in texts(again) and len([w for w in await desk.writes() if w["method"] == "PUT"]) == 1
    desk.check_cards()


async def test_cancelling_an_edit_says_nothing_was_changed_even_to_a_later_press(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-07")
    desk.pick("Megan Bowen", "08:00")
    await desk.press("Edit")
    desk.fill({"End time": "17:30"})
    assert texts(await desk.press("Cancel")).startswith("Cancelled. Nothing was changed.")
    assert texts(await desk.press_stale("Save changes")).startswith("Cancelled. Nothing was changed.")
    assert [w for w in await desk.writes() if w["method"] == "PUT"] == []


async def test_every_check_of_the_create_form_applies_to_an_edit(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/planning 2026-12-07")
    desk.pick("Megan Bowen", "08:00")
    await desk.press("Modifier")
    desk.fill({"Début de la pause 1": "20:00"})
    await desk.press("Enregistrer")
    assert "pause 1" in (desk.error("Début de la pause 1") or "")
    assert [w for w in await desk.writes() if w["method"] == "PUT"] == []


async def test_a_shift_changed_elsewhere_is_not_overwritten(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-07")
    shift_id = desk.pick("Alex Wilber")
    await desk.press("Edit")
    current = (await desk.sandbox.call("GET", f"{SCHEDULE}/shifts/{shift_id}")).body
    body = {k: current[k] for k in ("userId", "schedulingGroupId", "sharedShift", "draftShift")}
    assert (await desk.sandbox.call("PUT", f"{SCHEDULE}/shifts/{shift_id}", json=body)).status == 204  # elsewhere
    desk.fill({"End time": "21:00"})
    card = await desk.press("Save changes")
    assert "Someone else changed this shift since it was opened. Nothing was changed" in texts(card)
    assert len([w for w in await desk.writes() if w["method"] == "PUT"]) == 1  # only the other one


async def test_delete_asks_then_deletes_and_a_deleted_shift_is_said_gone(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-08")
    shift_id = desk.pick("Isaiah Langer")
    question = await desk.press("Delete")
    assert "Delete this shift?" in texts(question) and "Rounds" in texts(question)
    assert await desk.writes() == []
    done = await desk.press("Delete shift")
    assert "Shift deleted." in texts(done) and "Isaiah Langer" not in texts(done).split("Change one shift")[0]
    assert shift_id not in {s["id"] for s in await desk.shifts()}
    again = await desk.execute(
        "schedule.deleteConfirm", {"formId": desk.data_for("Show")[1]["formId"], "shiftId": shift_id}
    )
    assert "Choose a shift in the list first." in texts(again)
    assert len([w for w in await desk.writes() if w["method"] == "DELETE"]) == 1


async def test_a_shift_deleted_elsewhere_is_reported_and_nothing_else_touched(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/planning 2026-12-08")
    shift_id = desk.pick("Lynne Robbins")
    await desk.sandbox.call("DELETE", f"{SCHEDULE}/shifts/{shift_id}")
    card = await desk.press("Supprimer")
    assert "Ce poste a été supprimé depuis l'affichage du planning. Rien n'a été modifié." in texts(card)
    assert len(await desk.writes()) == 1


async def test_copy_opens_the_create_form_prefilled_and_creates_a_new_shift(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-09")
    desk.pick("Patti Fernandez")
    form = await desk.press("Copy")
    assert texts(form).startswith("New shift") and "A copy: change the date or the member" in texts(form)
    desk.fill({"Date": "2026-12-16", "Team member": MEGAN_OID})
    done = await desk.press("Create shift")
    assert "Megan Bowen" in texts(done) and "Wednesday 16 December 2026" in texts(done)
    [post] = [w for w in await desk.writes() if w["method"] == "POST"]
    assert post["body"]["sharedShift"]["startDateTime"] == "2026-12-16T14:00:00Z"
    assert post["body"]["sharedShift"]["displayName"] == "Dinner"


# --- publish ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "notify"), [("en", "true"), ("fr", "false")])
async def test_publish_shares_the_drafts_of_the_range_shown(desk: Desk, lang: str, notify: str) -> None:
    desk.teams.locale = "fr-FR" if lang == "fr" else "en-US"
    await desk.say("/schedule 2026-12-11 megan" if lang == "en" else "/planning 2026-12-11 megan")  # narrowed
    question = await desk.press("Publish drafts" if lang == "en" else "Publier les brouillons")
    expected = (
        "All the team's drafts of Friday 11 December 2026 (5 drafts)"
        if lang == "en"
        else "Tous les brouillons de l'équipe du vendredi 11 décembre 2026 (5 brouillons)"
    )
    assert expected in texts(question)
    desk.fill({"Notify the team" if lang == "en" else "Prévenir l'équipe": notify})
    done = await desk.press("Publish" if lang == "en" else "Publier")
    [share] = [w for w in await desk.writes() if w["path"].endswith("/share")]
    assert share["status"] == 204
    assert share["body"] == {
        "notifyTeam": notify == "true",
        "startDateTime": "2026-12-10T23:00:00Z",
        "endDateTime": "2026-12-11T23:00:00Z",
    }
    said = "The team was notified." if lang == "en" else "L'équipe n'a pas été prévenue."
    assert said in texts(done)
    back = await desk.press("Back to the schedule" if lang == "en" else "Retour au planning")
    assert ("Draft" if lang == "en" else "Brouillon") not in texts(back).split(
        "Change one shift" if lang == "en" else "Modifier un poste"
    )[0]


# --- open shifts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_openshift_creates_an_open_shift_that_shows_in_the_schedule(desk: Desk, lang: str) -> None:
    fr = lang == "fr"
    desk.teams.locale = "fr-FR" if fr else "en-US"
    card = await desk.say('/posteouvert 2026-12-10 18:00-22:00 3 "Inventaire"' if fr else
                          '/openshift 2026-12-10 18:00-22:00 3 "Inventory"')  # fmt: skip
    assert texts(card).startswith("Nouveau poste ouvert" if fr else "New open shift")
    assert float(desk.value("Places" if fr else "Slots")) == 3
    desk.fill({"Groupe de planification" if fr else "Scheduling group": "TAG_af8dec49-6d74-44a2-a3e4-0a34c0306e04"})
    done = await desk.press("Créer le poste ouvert" if fr else "Create open shift")
    assert ("Poste ouvert publié" if fr else "Open shift published") in texts(done)
    assert ("3 places" if fr else "3 slots") in texts(done)
    [post] = [w for w in await desk.writes() if w["path"].endswith("/openShifts")]
    assert post["status"] == 200
    assert post["body"]["sharedOpenShift"]["openSlotCount"] == 3
    assert post["body"]["sharedOpenShift"]["startDateTime"] == "2026-12-10T17:00:00Z"
    text = texts(await desk.say("/planning 2026-12-10" if fr else "/schedule 2026-12-10"))
    assert ("18:00 – 22:00 · Poste ouvert (3 places) · Delivery · Inventaire" if fr else
            "18:00 – 22:00 · Open shift (3 slots) · Delivery · Inventory") in text  # fmt: skip
    desk.check_cards()


async def test_an_open_shift_needs_slots_and_valid_times(desk: Desk) -> None:
    await desk.say("/openshift 2026-12-10")
    desk.fill({"Scheduling group": "TAG_af8dec49-6d74-44a2-a3e4-0a34c0306e04", "Slots": "0"})
    desk.fill({"Start time": "09:00", "End time": "09:00:30"})
    await desk.press("Create open shift")
    assert desk.error("Slots") == "Enter a number of slots from 1 to 100."
    assert desk.error("End time") is not None
    assert [w for w in await desk.writes()] == []


async def test_a_schedule_card_acts_only_for_its_manager_in_its_conversation(desk: Desk) -> None:
    await desk.say("/schedule 2026-12-08")
    desk.pick("Isaiah Langer")
    verb, data = desk.data_for("Delete")
    desk.teams.user = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": MEGAN_OID}
    assert "This card is out of date" in texts(await desk.execute(verb, data))
    desk.teams.user = {
        "id": "29:user-adele",
        "name": "Adele Vance",
        "aadObjectId": "6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61",
    }
    desk.teams.conversation_type = "groupChat"  # the same card id, pressed from another conversation
    assert "This card is out of date" in texts(await desk.execute(verb, data))
    assert await desk.writes() == []


async def test_an_open_shift_can_go_to_another_team_of_the_manager(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/posteouvert 2026-12-12 06:00-12:00 2")
    desk.fill({"Équipe": BAKERY_TEAM_ID})
    card = await desk.press("Charger cette équipe")
    assert "Membres et groupes de Northwind Bakery affichés." in texts(card)
    desk.fill({"Groupe de planification": "TAG_0c6f1e2d-3b4a-4d5c-8e7f-9a0b1c2d3e41"})
    done = await desk.press("Créer le poste ouvert")
    assert "Poste ouvert publié" in texts(done) and "2 places" in texts(done)
    [post] = [w for w in await desk.writes() if w["path"].endswith("/openShifts")]
    assert BAKERY_TEAM_ID in post["path"]
    assert post["body"]["sharedOpenShift"]["startDateTime"] == "2026-12-12T05:00:00Z"  # 06:00 for a manager in Paris
    desk.check_cards()
