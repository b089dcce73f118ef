"""Nothing changed behind the manager's back, and the checks a scheduler expects, through the bot's HTTP interface
in English and French: too-long text is refused with the text kept, the same start and end is a 24-hour shift to
confirm, the duration is shown, an empty break is named as such; a shift in the past, over the member's shifts or
time off, or in a group the member is not in is created only once confirmed."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from tests.cardcheck import iter_inputs
from tests.conftest import BotFactory
from tests.desk import Desk, facts_of, start_desk, texts
from tests.fixtures_sandbox import (
    ADELE_OID,
    ALEX_OID,
    BUSINESS_ID,
    KITCHEN_GROUP_ID,
    MEGAN_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    SandboxHandle,
)
from tests.teams import Connector

SHIFTS_PATH = f"/beta/teams/{TEAM_ID}/schedule/shifts"
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "command": "/shift",
        "member": "Team member",
        "group": "Scheduling group",
        "start": "Start time",
        "end": "End time",
        "label": "Label",
        "create": "Create shift",
        "anyway": "Create anyway",
        "add_break": "Add break",
        "break_name": "Break 1 name",
        "break_start": "Break 1 start",
        "break_end": "Break 1 end",
    },
    "fr": {
        "command": "/poste",
        "member": "Membre de l'équipe",
        "group": "Groupe de planification",
        "start": "Heure de début",
        "end": "Heure de fin",
        "label": "Libellé",
        "create": "Créer le poste",
        "anyway": "Créer quand même",
        "add_break": "Ajouter une pause",
        "break_name": "Nom de la pause 1",
        "break_start": "Début de la pause 1",
        "break_end": "Fin de la pause 1",
    },
}


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")  # Babel puts a no-break space before French units


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox)
    desk.teams.timezone = "UTC"
    return desk


async def open_shift(
    desk: Desk, lang: str, start: str, end: str, *, member: str = MEGAN_OID, group: str = SEED_GROUP_ID, **more: str
) -> dict[str, str]:
    words = WORDS[lang]
    desk.speak(lang)
    await desk.say(words["command"])
    desk.fill({words["member"]: member, words["group"]: group, "Date": more.pop("day", "2030-11-20")})
    desk.fill({words["start"]: start, words["end"]: end, **more})
    return words


async def posted(desk: Desk) -> list[dict[str, Any]]:
    return [r for r in await desk.sandbox.requests() if r["method"] == "POST" and r["path"] == SHIFTS_PATH]


# --- no silent changes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "The end is the same time as the start: this is a 24-hour shift."),
        ("fr", "La fin est à la même heure que le début : c'est un poste de 24 heures."),
    ],
)
async def test_the_same_start_and_end_is_a_24_hour_shift_only_once_confirmed(desk: Desk, lang: str, said: str) -> None:
    words = await open_shift(desk, lang, "09:00", "09:00")
    warned = await desk.press(words["create"])
    assert said in texts(warned) and await posted(desk) == []
    assert desk.value(words["start"]) == "09:00" and desk.value(words["end"]) == "09:00"
    await desk.press(words["anyway"])
    [post] = await posted(desk)
    shared = post["body"]["sharedShift"]
    assert (shared["startDateTime"], shared["endDateTime"]) == ("2030-11-20T09:00:00Z", "2030-11-21T09:00:00Z")
    desk.check_cards()


@pytest.mark.parametrize(
    ("lang", "on_form", "fact"),
    [
        ("en", "Duration: 8 hours, 30 minutes", ("Duration", "8 hours, 30 minutes")),
        ("fr", "Durée : 8 heures et 30 minutes", ("Durée", "8 heures et 30 minutes")),
    ],
)
async def test_the_duration_is_on_the_form_and_the_confirmation(
    desk: Desk, lang: str, on_form: str, fact: tuple[str, str]
) -> None:
    words = await open_shift(desk, lang, "09:00", "17:30")
    card = await desk.press(words["add_break"])  # any press re-renders the form from what was typed
    assert on_form in plain(texts(card))
    await desk.press(f"{'Remove break 1' if lang == 'en' else 'Supprimer la pause 1'}")
    done = await desk.press(words["create"])
    assert plain(facts_of(done)[fact[0]]) == fact[1]


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "Break 1 must end after it starts."), ("fr", "La pause 1 doit finir après son début.")]
)
async def test_a_zero_length_break_must_end_after_it_starts(desk: Desk, lang: str, said: str) -> None:
    words = await open_shift(desk, lang, "09:00", "17:00")
    await desk.press(words["add_break"])
    desk.fill({words["break_name"]: "Lunch", words["break_start"]: "12:00", words["break_end"]: "12:00"})
    card = await desk.press(words["create"])
    assert desk.error(words["break_start"]) == said
    assert "outside" not in texts(card) and "overlap" not in texts(card) and await posted(desk) == []


@pytest.mark.parametrize(("lang", "said"), [("en", "At most 100 characters."), ("fr", "100 caractères au maximum.")])
async def test_too_long_shift_text_is_refused_and_kept(desk: Desk, lang: str, said: str) -> None:
    long_label = "L" * 150
    words = await open_shift(desk, lang, "09:00", "17:00", **{WORDS[lang]["label"]: long_label})
    await desk.press(words["create"])
    assert desk.error(words["label"]) == said and desk.value(words["label"]) == long_label
    assert await posted(desk) == []


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "Use at most 255 characters."), ("fr", "Utilisez au plus 255 caractères.")]
)
async def test_a_500_character_customer_name_is_refused_with_the_text_kept(desk: Desk, lang: str, said: str) -> None:
    name = "N" * 500
    desk.speak(lang)
    await desk.say("/client" if lang == "fr" else "/customer")
    labels = (
        ("Entreprise Bookings", "Nom", "Adresse e-mail")
        if lang == "fr"
        else ("Bookings business", "Name", "Email address")
    )
    desk.fill(dict(zip(labels, (BUSINESS_ID, name, "long@relecloud.com"), strict=True)))
    await desk.press("Créer" if lang == "fr" else "Create")
    assert desk.error(labels[1]) == said and desk.value(labels[1]) == name
    assert [r for r in await desk.sandbox.requests() if r["method"] == "POST"] == []


# --- the scheduler's checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "This shift starts in the past (Tuesday 20 November 2029 09:00)."),
        ("fr", "Ce poste commence dans le passé (mardi 20 novembre 2029 09:00)."),
    ],
)
async def test_a_shift_in_the_past_is_created_only_once_confirmed(
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    lang: str,
    said: str,
) -> None:
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox, fixed_now="2030-01-01T00:00:00+00:00")
    desk.teams.timezone = "UTC"
    words = await open_shift(desk, lang, "09:00", "17:00", day="2029-11-20")
    warned = await desk.press(words["create"])
    assert said in texts(warned) and await posted(desk) == []
    await desk.press(words["anyway"])
    assert len(await posted(desk)) == 1


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Megan Bowen already has a shift then: Wednesday 20 November 2030, 09:00 – 17:00 (UTC)."),
        ("fr", "Megan Bowen a déjà un poste à ce moment-là : mercredi 20 novembre 2030, 09:00 – 17:00 (UTC)."),
    ],
)
async def test_a_shift_over_the_members_existing_shift_asks_first(desk: Desk, lang: str, said: str) -> None:
    words = await open_shift(desk, lang, "09:00", "17:00")
    await desk.press(words["create"])
    assert len(await posted(desk)) == 1
    await open_shift(desk, lang, "12:00", "20:00")
    warned = await desk.press(words["create"])
    assert said in texts(warned) and len(await posted(desk)) == 1
    await desk.press(words["anyway"])
    assert len(await posted(desk)) == 2


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Megan Bowen already has an unpublished shift then: Wednesday 20 November 2030, 08:00 – 12:00 (UTC)."),
        ("fr", "Megan Bowen a déjà un poste non publié à ce moment-là : mercredi 20 novembre 2030, 08:00 – 12:00"),
    ],
)
async def test_an_unpublished_shift_of_the_member_asks_first(desk: Desk, lang: str, said: str) -> None:
    item = {"startDateTime": "2030-11-20T08:00:00Z", "endDateTime": "2030-11-20T12:00:00Z", "theme": "blue"}
    draft = {"userId": MEGAN_OID, "schedulingGroupId": SEED_GROUP_ID, "sharedShift": None, "draftShift": item}
    assert (await desk.sandbox.call("POST", f"/teams/{TEAM_ID}/schedule/shifts", json=draft)).status == 201
    words = await open_shift(desk, lang, "09:00", "17:00")
    warned = await desk.press(words["create"])
    assert said in texts(warned) and len(await posted(desk)) == 1  # the draft only
    await desk.press(words["anyway"])
    assert len(await posted(desk)) == 2


async def test_time_off_read_from_graph_asks_first(desk: Desk) -> None:
    time_off = {
        "id": "TOF_1",
        "userId": MEGAN_OID,
        "sharedTimeOff": {"startDateTime": "2030-11-18T00:00:00Z", "endDateTime": "2030-11-23T00:00:00Z"},
    }
    await desk.sandbox.inject(status=200, body={"value": [time_off]}, count=5, match=r"GET .*/schedule/timesOff")
    words = await open_shift(desk, "fr", "09:00", "17:00")
    warned = await desk.press(words["create"])
    assert "Megan Bowen est en congé à ce moment-là : lundi 18 novembre 2030" in texts(warned)
    assert await posted(desk) == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Alex Wilber is not in the scheduling group Kitchen."),
        ("fr", "Alex Wilber ne fait pas partie du groupe de planification Kitchen."),
    ],
)
async def test_a_group_the_member_is_not_in_asks_first(desk: Desk, lang: str, said: str) -> None:
    words = await open_shift(desk, lang, "09:00", "17:00", member=ALEX_OID, group=KITCHEN_GROUP_ID)
    warned = await desk.press(words["create"])
    assert said in texts(warned) and await posted(desk) == []
    await desk.press(words["anyway"])
    assert len(await posted(desk)) == 1
    desk.check_cards()


@pytest.mark.parametrize("command", ["/shift Adele 2030-11-20 9:00-17:00", "/poste Adele 2030-11-20 9:00-17:00"])
async def test_a_member_in_one_group_gets_it_preselected_so_one_press_creates(desk: Desk, command: str) -> None:
    desk.teams.locale = "fr-FR" if command.startswith("/poste") else "en-US"
    await desk.say(command)
    assert desk.value(WORDS["fr" if "poste" in command else "en"]["member"]) == ADELE_OID
    assert desk.value(WORDS["fr" if "poste" in command else "en"]["group"]) == SEED_GROUP_ID
    await desk.press("Créer le poste" if "poste" in command else "Create shift")
    assert len(await posted(desk)) == 1


# --- teams ---------------------------------------------------------------------------------------------------

KITCHEN_OPS = "9e7752d5-6e9f-46bb-9e51-db7474f95cdf"  # Contoso Kitchen Ops: Shifts not set up in the fixture


async def make_kitchen_ops_schedulable(desk: Desk) -> None:
    schedule = {"id": KITCHEN_OPS, "enabled": True, "timeZone": "UTC", "provisionStatus": "Completed"}
    group = {"id": "TAG_prep", "displayName": "Prep", "isActive": True, "userIds": [ADELE_OID]}
    await desk.sandbox.inject(status=200, body=schedule, count=20, match=f"GET .*/{KITCHEN_OPS}/schedule$")
    await desk.sandbox.inject(status=200, body={"value": [group]}, count=20, match=f"/{KITCHEN_OPS}/schedule/sched")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Not offered: Contoso Kitchen Ops (Shifts is not set up)."),
        ("fr", "Non proposées : Contoso Kitchen Ops (Shifts n'est pas configuré)."),
    ],
)
async def test_shift_opens_on_a_team_that_can_be_scheduled_and_names_the_ones_skipped(
    desk: Desk, lang: str, said: str
) -> None:
    desk.speak(lang)
    card = await desk.say(WORDS[lang]["command"])  # Contoso Kitchen Ops comes first by name, but has no Shifts
    assert said in texts(card)
    team = next(i for i in iter_inputs(card) if i["id"] == "shift.team")
    assert team["value"] == TEAM_ID and [c["value"] for c in team["choices"]] == [TEAM_ID]
    assert "provisionStatus" not in texts(card)
    desk.check_cards()


@pytest.mark.parametrize("command", ["/shift contoso kitchen ops Adele", '/poste "Contoso Kitchen Ops" Adele'])
async def test_the_command_can_name_the_team(desk: Desk, command: str) -> None:
    await make_kitchen_ops_schedulable(desk)
    card = await desk.say(command)
    team = next(i for i in iter_inputs(card) if i["id"] == "shift.team")
    assert team["value"] == KITCHEN_OPS
    member = next(i for i in iter_inputs(card) if i["id"] == "shift.member")
    assert member["value"] == ADELE_OID and "Prep" in texts(card)
    assert "could not use" not in texts(card) and "pas pu utiliser" not in texts(card)


async def test_the_last_team_is_remembered_for_the_next_shift(desk: Desk) -> None:
    await make_kitchen_ops_schedulable(desk)
    await desk.say("/shift")
    assert desk.value("Team") == KITCHEN_OPS  # by name it comes first, and it can now be scheduled
    desk.fill({"Team": TEAM_ID})
    await desk.press("Load this team")
    await desk.say("/shift")
    assert desk.value("Team") == TEAM_ID


async def test_opening_shift_for_a_manager_in_60_teams_with_slow_graph_answers_within_5_s(desk: Desk) -> None:
    """Contoso Retail, the only team with Shifts ready, comes last by name: the search reads a few teams at a
    time and stops at the first ready one, instead of every team's schedule before answering."""
    fakes = [{"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"Alpha {n:02d}"} for n in range(59)]
    teams = [*fakes, {"id": TEAM_ID, "displayName": "Contoso Retail"}]
    await desk.sandbox.inject(status=200, body={"value": teams}, delay=0.3, match=r"GET .*/me/joinedTeams")
    await desk.sandbox.inject(status=None, delay=0.3, count=1000, match=r"^GET ")
    started = time.monotonic()
    card = await desk.say("/shift")
    elapsed = time.monotonic() - started
    assert "New shift" in texts(card) and desk.value("Team") == TEAM_ID
    assert elapsed < 5.0, elapsed


@pytest.mark.parametrize(
    ("command", "day", "notes", "said"),
    [
        ("/shift Megan in 2 days 9-17 bring the keys", "2019-01-03", "bring the keys", "I put “bring the keys” in"),
        ("/poste Megan 24 décembre 9h-17h apporter les clés", "2019-12-24", "apporter les clés", "J'ai mis « apporter"),
        ("/poste Megan dans 2 jours 9h-17h", "2019-01-03", "", ""),
    ],
)
async def test_dates_typed_naturally_and_leftover_words_offered_as_notes(
    desk: Desk, command: str, day: str, notes: str, said: str
) -> None:
    lang = "fr" if command.startswith("/poste") else "en"
    desk.speak(lang)
    card = await desk.say(command)  # the tests' clock says 2019-01-01
    assert desk.value("Date") == day and desk.value(WORDS[lang]["start"]) == "09:00"
    assert desk.value("Notes") == notes and said in texts(card)


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_members_follow_the_chosen_scheduling_group(desk: Desk, lang: str) -> None:
    words = WORDS[lang]
    desk.speak(lang)
    await desk.say(words["command"])
    everyone = {c["title"] for c in next(i for i in iter_inputs(desk.card) if i["id"] == "shift.member")["choices"]}
    assert "Alex Wilber" in everyone
    desk.fill({words["group"]: KITCHEN_GROUP_ID})
    card = await desk.press(words["add_break"])
    member = next(i for i in iter_inputs(card) if i["id"] == "shift.member")
    assert {c["title"] for c in member["choices"]} == {"Megan Bowen", "Lynne Robbins", "Patti Fernandez"}
