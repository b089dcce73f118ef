"""Nothing changed behind the manager's back, and the checks a scheduler expects, through the bot's HTTP interface
in English and French: too-long text is refused with the text kept, the same start and end is a 24-hour shift to
confirm, the duration is shown, an empty break is named as such; a shift in the past, over the member's shifts or
time off, or in a group the member is not in is created only once confirmed."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

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
    desk.teams.locale = "fr-FR" if lang == "fr" else "en-US"
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
    desk.teams.locale = "fr-FR" if lang == "fr" else "en-US"
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


@pytest.mark.parametrize("command", ["/shift Adele 2030-11-20 9:00-17:00", "/poste Adele 2030-11-20 9:00-17:00"])
async def test_a_member_in_one_group_gets_it_preselected_so_one_press_creates(desk: Desk, command: str) -> None:
    desk.teams.locale = "fr-FR" if command.startswith("/poste") else "en-US"
    await desk.say(command)
    assert desk.value(WORDS["fr" if "poste" in command else "en"]["member"]) == ADELE_OID
    assert desk.value(WORDS["fr" if "poste" in command else "en"]["group"]) == SEED_GROUP_ID
    await desk.press("Créer le poste" if "poste" in command else "Create shift")
    assert len(await posted(desk)) == 1
