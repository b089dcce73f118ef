"""What both forms promise whoever presses their buttons, through the bot's HTTP interface, in English and French:
text from a manager or Graph is shown as text, never as markup; a form acts only for the manager who opened it and
only in the conversation where it was opened; Graph's failures are worded plainly."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.cardcheck import iter_inputs
from tests.conftest import BotFactory
from tests.desk import Desk, assert_shown_literally, start_desk, texts
from tests.fixtures_sandbox import BUSINESS_ID, MEGAN_OID, OTHER_BUSINESS_ID, SEED_GROUP_ID, TEAM_ID, SandboxHandle
from tests.teams import ADELE, Connector

EVIL_NAME = "**x** [y](https://evil.example)"
EVIL_NOTES = 'Back door <img src="https://evil.example/pixel.png"> # heading\n- item'
MEGAN = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": MEGAN_OID}
POST_CUSTOMERS = "^POST /beta/solutions/bookingBusinesses/[^/]+/customers$"
SHIFTS_PATH = f"/beta/teams/{TEAM_ID}/schedule/shifts"

CUSTOMER = {
    "en": {"business": "Bookings business", "name": "Name", "email": "Email address", "create": "Create"},
    "fr": {"business": "Entreprise Bookings", "name": "Nom", "email": "Adresse e-mail", "create": "Créer"},
}
SHIFT = {
    "en": {
        "member": "Team member",
        "group": "Scheduling group",
        "start": "Start time",
        "end": "End time",
        "label": "Label",
        "notes": "Notes",
        "create": "Create shift",
    },
    "fr": {
        "member": "Membre de l'équipe",
        "group": "Groupe de planification",
        "start": "Heure de début",
        "end": "Heure de fin",
        "label": "Libellé",
        "notes": "Notes",
        "create": "Créer le poste",
    },
}


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def open_customer(desk: Desk, lang: str, email: str = "evil@relecloud.com") -> None:
    desk.speak(lang)
    await desk.say("/client" if lang == "fr" else "/customer")
    words = CUSTOMER[lang]
    desk.fill({words["business"]: BUSINESS_ID, words["name"]: EVIL_NAME, words["email"]: email})


async def posted(desk: Desk, path_end: str) -> list[dict[str, Any]]:
    return [r for r in await desk.sandbox.requests() if r["method"] == "POST" and r["path"].endswith(path_end)]


# --- text shown as text --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_customer_named_in_markdown_is_shown_literally_on_the_confirmation_and_the_duplicate_warning(
    desk: Desk, lang: str
) -> None:
    await open_customer(desk, lang)
    done = await desk.press(CUSTOMER[lang]["create"])
    assert_shown_literally(done, EVIL_NAME)
    await open_customer(desk, lang)  # the same email again: the warning names the existing customer
    warned = await desk.press(CUSTOMER[lang]["create"])
    assert_shown_literally(warned, EVIL_NAME)
    assert "Create anyway" in texts(warned) or "Créer quand même" in texts(warned)
    desk.check_cards()


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_graphs_message_is_a_labelled_literal_detail_line_never_spliced_into_a_sentence(
    desk: Desk, lang: str
) -> None:
    await open_customer(desk, lang)
    await desk.sandbox.inject(status=400, code="InvalidModel", message=EVIL_NOTES, match=POST_CUSTOMERS)
    card = await desk.press(CUSTOMER[lang]["create"])
    label = "Message from Microsoft 365: " if lang == "en" else "Message de Microsoft 365 (en anglais) : "
    assert_shown_literally(card, label + EVIL_NOTES)
    refused = "Microsoft 365 refused this. Nothing was created." if lang == "en" else "Microsoft 365 a refusé."
    assert refused in texts(card)
    desk.check_cards()


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_shift_label_and_notes_in_markup_are_shown_literally(desk: Desk, lang: str) -> None:
    desk.speak(lang)
    await desk.say("/poste" if lang == "fr" else "/shift")
    words = SHIFT[lang]
    desk.fill({words["member"]: MEGAN_OID, words["group"]: SEED_GROUP_ID, "Date": "2030-11-20"})
    desk.fill({words["start"]: "09:00", words["end"]: "17:00", words["label"]: EVIL_NAME, words["notes"]: EVIL_NOTES})
    done = await desk.press(words["create"])
    assert_shown_literally(done, EVIL_NAME)
    assert_shown_literally(done, EVIL_NOTES)
    desk.check_cards()


# --- the form belongs to its manager and its conversation --------------------------------------------------


async def test_only_the_manager_who_opened_a_form_can_edit_submit_or_cancel_it(desk: Desk) -> None:
    desk.teams.conversation_type = "groupChat"
    await open_customer(desk, "en")
    desk.fill({"Bookings business": BUSINESS_ID})
    kept = dict(desk.inputs)
    _, add = desk.data_for("Add phone")
    _, create = desk.data_for("Create")
    _, cancel = desk.data_for("Cancel")

    desk.teams.user, desk.teams.locale = dict(MEGAN), "fr-FR"  # someone else in the same group chat
    for verb, data in (("customer.add", add), ("customer.submit", create), ("customer.cancel", cancel)):
        answer = await desk.teams.execute(verb, data)
        assert answer["type"] == "application/vnd.microsoft.activity.message", answer
        assert answer["value"].startswith("Ce formulaire appartient à la personne qui l'a ouvert.")
    assert await posted(desk, "/customers") == []

    desk.teams.user, desk.teams.locale = dict(ADELE), "en-US"
    desk.teams.conversation_type = "personal"  # the manager, from another chat
    answer = await desk.teams.execute("customer.submit", create)
    assert answer["value"] == "This form can only be used in the chat where it was opened."
    assert await posted(desk, "/customers") == []

    desk.teams.conversation_type = "groupChat"  # back where it was opened: the form was left as it was
    desk.inputs = kept
    done = await desk.press("Create")
    assert "Customer created" in texts(done)
    [created] = await posted(desk, "/customers")
    assert created["body"]["phones"] == [] and created["body"]["displayName"] == EVIL_NAME  # no row was added


async def test_someone_else_cannot_press_a_shift_form(desk: Desk) -> None:
    desk.teams.conversation_type = "groupChat"
    await desk.say("/shift")
    desk.fill({"Team member": MEGAN_OID, "Scheduling group": SEED_GROUP_ID, "Date": "2030-11-20"})
    desk.fill({"Start time": "09:00", "End time": "17:00"})
    _, create = desk.data_for("Create shift")
    desk.teams.user = dict(MEGAN)
    answer = await desk.teams.execute("shift.submit", create)
    assert answer["value"] == "This form belongs to the person who opened it. Type a command to open your own."
    assert await posted(desk, "/schedule/shifts") == []


# --- Graph failures in plain words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Microsoft 365 had a problem on its side (error 500), so it may or may not have been created."),
        ("fr", "Microsoft 365 a rencontré un problème de son côté (erreur 500) : la création a peut-être eu lieu."),
    ],
)
async def test_a_graph_500_is_a_server_error_not_a_timeout(desk: Desk, lang: str, expected: str) -> None:
    await open_customer(desk, lang)
    await desk.sandbox.inject(status=500, code="InternalServerError", message="boom", match=POST_CUSTOMERS)
    card = await desk.press(CUSTOMER[lang]["create"])
    assert expected in texts(card)
    assert "did not answer in time" not in texts(card) and "pas répondu à temps" not in texts(card)


@pytest.mark.parametrize(
    ("lang", "retry_after", "expected"),
    [
        ("en", 0.2, "Please try again in 1 second."),
        ("en", 30, "Please try again in 30 seconds."),
        ("fr", 0.2, "Veuillez réessayer dans 1 seconde."),
        ("fr", 30, "Veuillez réessayer dans 30 secondes."),
    ],
)
async def test_waits_are_worded_with_the_languages_plural_rules(
    desk: Desk, lang: str, retry_after: float, expected: str
) -> None:
    await open_customer(desk, lang)
    await desk.sandbox.inject(status=429, retryAfter=retry_after, count=3, match=POST_CUSTOMERS)
    card = await desk.press(CUSTOMER[lang]["create"])
    assert expected in texts(card).replace("\u00a0", " ")  # Babel puts a no-break space before French units


async def test_the_last_business_is_remembered_among_those_the_manager_is_staff_of(desk: Desk) -> None:
    staff_of_both = {"value": [{"id": "x"}]}  # Adele is made staff of Fabrikam Salon too (the probe answers 200)
    await desk.sandbox.inject(status=200, body=staff_of_both, count=20, match=r"GET .*fabrikamsalon.*/customers")
    await desk.say("/customer")
    assert desk.value("Bookings business") == ""  # two to choose from, none used yet
    desk.fill({"Bookings business": OTHER_BUSINESS_ID, "Name": "Joni", "Email address": "joni@relecloud.com"})
    await desk.sandbox.inject(status=201, body={"id": "c1"}, match=POST_CUSTOMERS)
    await desk.press("Create")
    await desk.say("/customer")
    assert desk.value("Bookings business") == OTHER_BUSINESS_ID


# --- editing never blocked: the server, not the host, judges ---------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "add", "create", "name", "said"),
    [
        ("en", "Add address", "Create", "Name", "Enter the customer's name."),
        ("fr", "Ajouter une adresse", "Créer", "Nom", "Saisissez le nom du client."),
    ],
)
async def test_a_fresh_form_edits_freely_and_the_server_says_what_is_missing(
    desk: Desk, lang: str, add: str, create: str, name: str, said: str
) -> None:
    desk.speak(lang)
    await desk.say("/client" if lang == "fr" else "/customer")
    card = await desk.press(add)  # nothing typed: the row is added all the same
    assert "(adresse 1)" in texts(card) or "(address 1)" in texts(card)
    await desk.press(create)
    assert desk.error(name) == said
    assert [r for r in await desk.sandbox.requests() if r["method"] == "POST"] == []


async def test_someone_else_pressing_through_action_submit_gets_a_notice_and_the_card_is_not_updated(
    desk: Desk,
) -> None:
    desk.teams.conversation_type = "groupChat"
    await open_customer(desk, "en")
    _, create = desk.data_for("Create")
    desk.teams.user = dict(MEGAN)
    desk.teams.connector.clear()
    response = await desk.teams.submit(create, card_activity_id="activity-1")
    assert response.status in (200, 201)
    assert desk.teams.connector.updates() == []  # the manager's card is left as it was
    [notice] = desk.teams.connector.sent()
    assert notice["text"] == "This form belongs to the person who opened it. Type a command to open your own."
    assert await posted(desk, "/customers") == []


@pytest.mark.parametrize(
    ("lang", "marked"),
    [
        ("en", "Fabrikam Salon (you are not on its staff)"),
        ("fr", "Fabrikam Salon (vous n'êtes pas dans son personnel)"),
    ],
)
async def test_businesses_the_manager_is_not_staff_of_are_marked(desk: Desk, lang: str, marked: str) -> None:
    desk.speak(lang)
    card = await desk.say("/client" if lang == "fr" else "/customer")
    business = next(i for i in iter_inputs(card) if i["id"] == "business")
    assert [c["title"] for c in business["choices"]] == ["Contoso Lunch Delivery", marked]
    assert business["value"] == BUSINESS_ID  # the only one the manager is staff of
