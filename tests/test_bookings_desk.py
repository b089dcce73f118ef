"""The Bookings desk end to end: Teams-shaped activities over HTTP to the real bot, the bot's Graph calls to the
sandbox over real sockets. /customers (search, Edit, Delete), /agenda, and booking an appointment; each refusal;
English and French."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from bot.bookings.customers import CustomerSearch
from tests.conftest import BotFactory
from tests.desk import Desk as BaseDesk
from tests.desk import actions_of, start_desk, texts
from tests.fixtures_sandbox import BUSINESS_ID, SandboxHandle
from tests.teams import Connector

BUSINESS = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}"
NESTOR = "1b4c7e2a-5d8f-4a3b-9c6e-0f2d4a6b8c01"
ADELE_STAFF = "8ee1c803-a1fa-406d-8259-7ab53233f148"
MEGAN_STAFF = "e7f8a9b0-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
TASTING = "57da6774-a087-4d69-b0e6-6fb82c339976"
CATERING = "8f2b1c4d-3e5a-4b6c-9d7e-0a1b2c3d4e5f"
MONDAY = "2026-12-07"


def text_runs(node: Any) -> list[dict[str, Any]]:
    """Every TextRun of a card, however deep."""
    if isinstance(node, list):
        return [run for item in node for run in text_runs(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") == "TextRun" else []
    return own + [run for key, value in node.items() if key != "data" for run in text_runs(value)]


class Desk(BaseDesk):
    """The manager, with the Bookings desk's look-ups."""

    def press_for(self, title: str, **data: str) -> tuple[str, dict[str, Any]]:
        """The one action with this title whose data holds `data` (search results repeat their titles)."""
        [found] = [
            a
            for a in actions_of(self.card)
            if a.get("title") == title and all(a.get("data", {}).get(k) == v for k, v in data.items())
        ]
        inputs = {} if found.get("associatedInputs") == "none" else self.inputs
        return found["verb"], {**found.get("data", {}), **inputs}

    async def press_on(self, title: str, **data: str) -> dict[str, Any]:
        return await self.execute(*self.press_for(title, **data))

    async def graph(self, method: str | None = None, suffix: str = "") -> list[dict[str, Any]]:
        return [
            r
            for r in await self.sandbox.requests()
            if (method is None or r["method"] == method) and r["path"].endswith(suffix)
        ]

    async def customer(self, customer_id: str) -> Any:
        return await self.sandbox.call("GET", f"{BUSINESS}/customers/{quote(customer_id, safe='')}")


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


# --- /customers --------------------------------------------------------------------------------------------------


async def test_customers_finds_by_name_email_or_phone_recent_first(desk: Desk) -> None:
    card = await desk.say("/customers fabrikam")
    text = texts(card)
    assert "2 customers found." in text
    assert text.index("Diego Siciliani") < text.index("Nestor Wilke"), "recent first"
    card = await desk.say("/customers 206 555 0111")
    assert "1 customer found." in texts(card) and "Nestor Wilke" in texts(card)
    card = await desk.say("/customers GRADY archie")
    assert "Grady Archie" in texts(card) and "+1 425 555 0109" in texts(card)
    card = await desk.say("/customers nobody-like-this")
    assert "No customer matches" in texts(card)
    desk.check_cards()


@pytest.mark.parametrize(
    "hostile",
    [
        "' or 1 eq 1 or displayName eq '",
        "../../../../me/joinedTeams",
        "%2F..%2F..%2Fteams?$filter=x",
        "$filter=emailAddress eq 'x'&$top=1",
        "**Boss** [click](https://evil.example) ![x](https://evil.example/x.png)",
    ],
)
async def test_hostile_search_text_never_reaches_graph(desk: Desk, hostile: str) -> None:
    card = await desk.say(f"/customers {hostile}")
    assert "No customer matches" in texts(card)
    calls = await desk.graph()
    other = f"/beta/solutions/bookingBusinesses/{quote('fabrikamsalon@contoso.com', safe='')}/customers"
    expected = ["/beta/solutions/bookingBusinesses", f"/beta{BUSINESS}/customers", other]
    assert sorted(c["path"] for c in calls) == sorted(expected)
    assert {c["method"] for c in calls} == {"GET"}
    assert all(c["queryString"] == "" for c in calls), calls
    # What was typed is shown, literally: in a TextRun, never Markdown.
    [echo] = [run for run in text_runs(card) if run.get("text") == " ".join(hostile.split())]
    assert echo["type"] == "TextRun"


async def test_a_search_that_stops_early_says_so(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        await desk.sandbox.call("POST", f"{BUSINESS}/customers", json={"displayName": f"Zed {n}", "emailAddress": None})
    monkeypatch.setattr(CustomerSearch, "max_pages", 1)
    card = await desk.say("/customers zed")
    assert "stopped after looking at" not in texts(card), "one page of 100 holds them all"
    monkeypatch.setattr("sandbox.odata.DEFAULT_PAGE_SIZE", 2)
    card = await desk.say("/customers zed")
    assert "I stopped after looking at 2 customers: there may be more matches." in texts(card)


# --- Edit ------------------------------------------------------------------------------------------------------


async def test_edit_fixes_a_phone_with_a_patch(desk: Desk) -> None:
    await desk.say("/customers nestor")
    form = await desk.press_on("Edit", customerId=NESTOR)
    assert "Edit customer" in texts(form)
    assert desk.value("Name") == "Nestor Wilke" and desk.value("Number (phone 1)") == "206-555-0111"
    desk.fill({"Number (phone 1)": "206-555-0199"})
    done = await desk.press("Save")
    assert "Customer updated" in texts(done) and "206-555-0199 (Mobile)" in texts(done)
    [patch] = await desk.graph("PATCH")
    assert patch["path"] == f"/beta{BUSINESS}/customers/{NESTOR}"
    assert patch["body"]["phones"] == [{"number": "206-555-0199", "type": "mobile"}]
    assert (await desk.customer(NESTOR)).body["phones"][0]["number"] == "206-555-0199"
    desk.check_cards()


async def test_edit_refuses_bad_input_in_french_and_patches_nothing(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/clients nestor")
    await desk.press_on("Modifier", customerId=NESTOR)
    desk.fill({"Adresse e-mail": "pas-un-email", "Nom": " "})
    await desk.press("Enregistrer")
    assert desk.error("Adresse e-mail") == "Saisissez une adresse e-mail du type nom@exemple.com."
    assert desk.error("Nom") == "Saisissez le nom du client."
    assert await desk.graph("PATCH") == []


async def test_an_email_changed_to_another_customers_is_warned_about_before_saving(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Edit", customerId=NESTOR)
    desk.fill({"Email address": "DiegoS@fabrikam.com"})
    warned = await desk.press("Save")
    assert "Contoso Lunch Delivery already has another customer with the email DiegoS@fabrikam.com: Diego " in texts(
        warned
    )
    assert await desk.graph("PATCH") == []
    assert [a["title"] for a in actions_of(warned)][-2:] == ["Save anyway", "Cancel"]
    done = await desk.press("Save anyway")
    assert "Customer updated" in texts(done)
    [patch] = await desk.graph("PATCH")
    assert patch["body"]["emailAddress"] == "DiegoS@fabrikam.com"
    desk.check_cards()


async def test_an_email_left_as_it_was_or_taken_by_nobody_is_saved_without_a_warning_in_french(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/clients nestor")
    await desk.press_on("Modifier", customerId=NESTOR)
    desk.fill({"Nom": "Nestor W."})
    assert "Client modifié" in texts(await desk.press("Enregistrer"))
    await desk.say("/clients grady")
    await desk.press_on("Modifier")
    desk.fill({"Adresse e-mail": "nestorw@fabrikam.com"})
    warned = await desk.press("Enregistrer")
    assert "a déjà un autre client avec l'adresse e-mail nestorw@fabrikam.com : Nestor W.. Enregistrer quand" in (
        texts(warned)
    )
    assert len(await desk.graph("PATCH")) == 1


async def test_cancelling_an_edit_says_nothing_was_changed_in_both_languages(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Edit", customerId=NESTOR)
    desk.fill({"Number (phone 1)": "206-555-0199"})
    assert texts(await desk.press("Cancel")).startswith("Cancelled. Nothing was changed.")
    desk.teams.locale = "fr-FR"
    await desk.say("/clients nestor")
    await desk.press_on("Modifier", customerId=NESTOR)
    assert texts(await desk.press("Annuler")).startswith("Annulé. Rien n'a été modifié.")
    assert await desk.graph("PATCH") == []


# --- Delete ----------------------------------------------------------------------------------------------------


async def test_delete_asks_first_then_deletes_once(desk: Desk) -> None:
    await desk.say("/customers diego")
    [result] = [a for a in actions_of(desk.card) if a["title"] == "Delete"]
    confirm = await desk.press_on("Delete")
    assert "Delete this customer?" in texts(confirm) and "Diego Siciliani" in texts(confirm)
    assert await desk.graph("DELETE") == []
    verb, data = desk.press_for("Delete customer")
    done = await desk.execute(verb, data)
    assert "Customer deleted" in texts(done)
    again = await desk.execute(verb, data)  # a second press of the stale button
    assert "Customer deleted" in texts(again)
    assert len(await desk.graph("DELETE")) == 1
    assert (await desk.customer(result["data"]["customerId"])).status == 404


async def test_keep_deletes_nothing(desk: Desk) -> None:
    await desk.say("/customers diego")
    await desk.press_on("Delete")
    done = await desk.press("Keep")
    assert "Nothing was deleted" in texts(done)
    assert await desk.graph("DELETE") == []


async def test_a_500_that_deleted_is_checked_and_reported_as_deleted(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/clients nestor")
    await desk.press_on("Supprimer", customerId=NESTOR)
    await desk.sandbox.inject(status=500, after=True, match="^DELETE ")
    verb, data = desk.press_for("Supprimer le client")
    done = await desk.execute(verb, data)
    assert "Client supprimé" in texts(done) and "la suppression a bien eu lieu" in texts(done)
    await desk.execute(verb, data)
    assert len(await desk.graph("DELETE")) == 1, "never deleted twice"
    assert [c["method"] for c in await desk.graph(suffix=NESTOR)] == ["GET", "DELETE", "GET"]


async def test_a_500_that_did_not_delete_says_so_and_can_be_retried(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Delete", customerId=NESTOR)
    await desk.sandbox.inject(status=500, match="^DELETE ")
    verb, data = desk.press_for("Delete customer")
    card = await desk.execute(verb, data)
    assert "did not delete this customer (UnknownError). Nothing was deleted." in texts(card)
    assert (await desk.customer(NESTOR)).status == 200
    done = await desk.execute(verb, data)
    assert "Customer deleted" in texts(done)
    assert len(await desk.graph("DELETE")) == 2


async def test_a_customer_deleted_meanwhile_is_said_plainly(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.sandbox.call("DELETE", f"{BUSINESS}/customers/{NESTOR}")
    card = await desk.press_on("Edit", customerId=NESTOR)
    assert "no longer in Bookings" in texts(card)
    card = await desk.say("/customers nestor")
    assert "No customer matches" in texts(card)


# --- /agenda ---------------------------------------------------------------------------------------------------


async def test_agenda_shows_the_day_with_service_staff_and_customer(desk: Desk) -> None:
    desk.teams.timezone = "America/New_York"
    card = await desk.say(f"/agenda {MONDAY}")
    text = texts(card)
    assert "Monday, December 7, 2026" in text and "4 appointments." in text
    assert "09:00–09:30 (03:00–03:30 yours)" in text
    for expected in ("Lunch tasting", "Adele Vance", "Nestor Wilke", "Megan Bowen", "Grady Archie", "Isaiah Langer"):
        assert expected in text
    reads = [r for r in await desk.graph("GET") if "/appointments/" in r["path"]]
    assert len(reads) == 4, "calendarView leaves customers empty: each appointment is read"
    [view] = await desk.graph("GET", "/calendarView")
    assert view["query"] == {"start": "2026-12-07T00:00:00+01:00", "end": "2026-12-08T00:00:00+01:00"}
    desk.check_cards()


async def test_rendezvous_in_french_an_empty_day_and_a_bad_day(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/rendezvous 2026-12-08")
    assert "mardi 8 décembre 2026" in texts(card) and "Aucun rendez-vous ce jour-là." in texts(card)
    card = await desk.say("/rendezvous 2026-12-07")
    assert "4 rendez-vous." in texts(card)
    card = await desk.say("/rendezvous bientôt")
    assert "Je n'ai pas compris « bientôt » comme un jour." in texts(card)


# --- booking ---------------------------------------------------------------------------------------------------


async def book_from_customer(desk: Desk, service: str, staff: str, day: str, start: str) -> dict[str, Any]:
    await desk.say("/customers nestor")
    await desk.press_on("Book", customerId=NESTOR)
    desk.fill({"Service (required)": service, "Staff member (required)": staff, "Date (required)": day})
    desk.fill({"Start time (required)": start})
    return await desk.press("Book")


async def test_booking_from_a_customer_card_posts_once_and_shows_in_the_agenda(desk: Desk) -> None:
    done = await book_from_customer(desk, TASTING, MEGAN_STAFF, MONDAY, "11:00")
    assert "Appointment booked" in texts(done)
    assert "Monday, December 7, 2026, 11:00–11:30 (Europe/Paris)" in texts(done)
    [post] = await desk.graph("POST", "/appointments")
    assert post["status"] == 201
    body = post["body"]
    assert body["start"]["dateTime"] == "2026-12-07T10:00:00.0000000+00:00"
    assert body["end"]["dateTime"] == "2026-12-07T10:30:00.0000000+00:00"
    assert body["staffMemberIds"] == [MEGAN_STAFF] and body["serviceId"] == TASTING
    assert body["customers"][0]["customerId"] == NESTOR and body["customers"][0]["phone"] == "206-555-0111"
    again = await desk.press("See the day's agenda")
    assert "5 appointments." in texts(again) and "11:00–11:30" in texts(again)
    desk.check_cards()


async def test_booking_outside_business_hours_is_refused_before_graph(desk: Desk) -> None:
    card = await book_from_customer(desk, TASTING, MEGAN_STAFF, MONDAY, "16:45")
    assert desk.error("Start time (required)") == (
        "16:45–17:15 is outside the business hours on Monday (09:00–17:00). Choose another time."
    )
    desk.fill({"Date (required)": "2026-12-06"})
    await desk.press("Book")
    assert desk.error("Start time (required)") == "The business is closed on Sunday. Choose another day."
    assert await desk.graph("POST") == [] and "Book an appointment" in texts(card)


async def test_a_double_booked_staff_member_gets_a_clear_message(desk: Desk) -> None:
    await book_from_customer(desk, TASTING, ADELE_STAFF, MONDAY, "09:15")
    assert "Adele Vance is already booked from 09:00 to 09:30." in texts(desk.card)
    assert await desk.graph("POST") == []


async def test_a_500_that_booked_is_found_and_not_booked_twice(desk: Desk) -> None:
    await desk.sandbox.inject(status=500, after=True, match="^POST .*/appointments$")
    done = await book_from_customer(desk, CATERING, ADELE_STAFF, MONDAY, "14:00")
    assert "Appointment booked" in texts(done)
    assert len(await desk.graph("POST", "/appointments")) == 1


async def test_a_500_that_did_not_book_says_nothing_was_booked_in_french(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.sandbox.inject(status=500, match="^POST .*/appointments$")
    await desk.say("/clients nestor")
    await desk.press_on("Prendre rendez-vous", customerId=NESTOR)
    desk.fill({"Service (obligatoire)": TASTING, "Membre du personnel (obligatoire)": MEGAN_STAFF})
    desk.fill({"Date (obligatoire)": MONDAY, "Heure de début (obligatoire)": "12:00"})
    card = await desk.press("Réserver")
    assert "Rien n'a été réservé" in texts(card)
    done = await desk.press("Réserver")
    assert "Rendez-vous pris" in texts(done)
    assert len(await desk.graph("POST", "/appointments")) == 2


async def test_booking_from_the_agenda_chooses_the_customer(desk: Desk) -> None:
    await desk.say(f"/agenda {MONDAY}")
    form = await desk.press("Book an appointment")
    assert desk.value("Date (required)") == MONDAY
    assert "Customer (required)" in texts(form)
    desk.fill({"Service (required)": TASTING, "Staff member (required)": MEGAN_STAFF, "Start time (required)": "15:00"})
    await desk.press("Book")
    assert desk.error("Customer (required)") == "Choose the customer."
    desk.fill({"Customer (required)": NESTOR})
    done = await desk.press("Book")
    assert "Appointment booked" in texts(done) and "Nestor Wilke" in texts(done)


# --- refusals: not on the staff, Graph down, unknown outcomes ---------------------------------------------------

OTHER = "fabrikamsalon@contoso.com"  # Adele is not on its staff: 403 ErrorFolderNotFound


async def test_a_business_the_manager_is_not_staff_of_is_refused_plainly(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox, booking_business_id=OTHER)
    card = await desk.say("/customers nestor")
    assert "You are not on the staff of Fabrikam Salon, so it was left out." in texts(card)
    assert "No customer matches" in texts(card)
    card = await desk.say("/agenda 2026-12-07")
    assert texts(card) == "Agenda\nYou are not on the staff of Fabrikam Salon, so it was left out."
    forged = {"businessId": OTHER, "customerId": NESTOR}
    card = await desk.execute("bookings.edit", forged)
    assert "You are not on the staff of this Bookings business, so you can't change its customers." in texts(card)
    card = await desk.execute("bookings.book", forged)
    assert "so you can't book its appointments. Nothing was booked." in texts(card)
    card = await desk.execute("bookings.delete", forged)
    assert "Nothing was deleted" in texts(card) and await desk.graph("DELETE") == []


async def test_graph_down_while_listing_says_to_try_again_in_french(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.sandbox.inject(status=503, count=5, retryAfter=0, match="^GET /beta/solutions/bookingBusinesses$")
    card = await desk.say("/clients nestor")
    assert "Je n'ai pas pu joindre Microsoft Bookings (réponse : serviceNotAvailable)." in texts(card)


async def test_an_unconfirmable_delete_is_looked_up_before_any_second_delete(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Delete", customerId=NESTOR)
    await desk.sandbox.inject(status=500, after=True, match="^DELETE ")
    await desk.sandbox.inject(status=503, count=3, retryAfter=0, match=f"^GET .*/customers/{NESTOR}$")
    verb, data = desk.press_for("Delete customer")
    card = await desk.execute(verb, data)
    assert "I couldn't check whether the customer was deleted" in texts(card)
    done = await desk.execute(verb, data)
    assert "Customer deleted" in texts(done) and "the delete went through" in texts(done)
    assert len(await desk.graph("DELETE")) == 1


async def test_a_delete_confirmation_belongs_to_its_manager(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Delete", customerId=NESTOR)
    verb, data = desk.press_for("Delete customer")
    desk.teams.user = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": desk.sandbox.MEGAN_OID}
    body = await desk.teams.execute(verb, data)
    assert body["value"] == "This form belongs to the person who opened it. Type a command to open your own."
    assert await desk.graph("DELETE") == []


@pytest.mark.parametrize("forged", ["../../../me/joinedTeams", "x/../../customers", "%2F..%2F", "?$filter=1"])
async def test_forged_ids_in_card_data_stay_one_path_segment(desk: Desk, forged: str) -> None:
    card = await desk.execute("bookings.edit", {"businessId": BUSINESS_ID, "customerId": forged})
    assert "no longer in Bookings" in texts(card)
    [call] = [c for c in await desk.graph("GET") if "/customers" in c["path"]]
    assert call["path"] == f"/beta{BUSINESS}/customers/{quote(forged, safe='')}"
    assert call["queryString"] == ""


async def test_a_next_link_to_another_host_ends_the_scan_as_incomplete(desk: Desk) -> None:
    page = {
        "value": [{"id": "AAMkA=", "displayName": "Zoe Foreign", "emailAddress": None, "phones": []}],
        "@odata.nextLink": "https://evil.example/beta/solutions/bookingBusinesses/x/customers?$skiptoken=1",
    }
    await desk.sandbox.inject(status=200, body=page, match=f"^GET /beta{BUSINESS}/customers$")
    card = await desk.say("/customers zoe")
    assert "1 customer found." in texts(card)
    assert "I stopped after looking at 1 customer: there may be more matches." in texts(card)
    assert not [r for r in await desk.sandbox.requests() if "skiptoken" in r["queryString"]]


async def test_french_search_counts_with_french_plurals(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/clients fabrikam")
    assert "2 clients trouvés." in texts(card) and "Ajouté le" in texts(card)
    card = await desk.say("/clients diego")
    assert "1 client trouvé." in texts(card)
    assert [a["title"] for a in actions_of(card)] == ["Modifier", "Prendre rendez-vous", "Supprimer"]
    card = await desk.say("/clients personne")
    assert "Aucun client ne correspond." in texts(card)


async def test_french_booking_refusals(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/clients nestor")
    await desk.press_on("Prendre rendez-vous", customerId=NESTOR)
    desk.fill({"Service (obligatoire)": CATERING, "Membre du personnel (obligatoire)": MEGAN_STAFF})
    desk.fill({"Date (obligatoire)": MONDAY, "Heure de début (obligatoire)": "10:00"})
    await desk.press("Réserver")
    assert desk.error("Membre du personnel (obligatoire)") == (
        "Cette personne n'assure pas ce service. Choisissez quelqu'un qui l'assure."
    )
    desk.fill({"Membre du personnel (obligatoire)": ADELE_STAFF})
    await desk.press("Réserver")
    assert "Adele Vance a déjà un rendez-vous de 10:00 à 11:00." in texts(desk.card)
    assert desk.error("Heure de début (obligatoire)") == "Déjà réservé de 10:00 à 11:00."
    desk.fill({"Heure de début (obligatoire)": "16:30"})
    await desk.press("Réserver")
    assert desk.error("Heure de début (obligatoire)") == (
        "16:30–17:30 est en dehors des heures d'ouverture du lundi (09:00–17:00). Choisissez une autre heure."
    )
    desk.fill({"Heure de début (obligatoire)": "midi"})
    await desk.press("Réserver")
    assert desk.error("Heure de début (obligatoire)") == "Saisissez l'heure de début, par exemple 09:30."
    assert await desk.graph("POST") == []


async def test_booking_a_customer_deleted_meanwhile(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.sandbox.call("DELETE", f"{BUSINESS}/customers/{NESTOR}")
    card = await desk.press_on("Book", customerId=NESTOR)
    assert "This customer is no longer in Bookings" in texts(card)


def markdown_texts(node: Any) -> list[str]:
    """Every string a host reads as Markdown: TextBlock texts and Fact values (TextRuns are plain text)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(str(node.get("text")))
        if node.get("type") == "FactSet":
            found += [str(fact.get("value")) for fact in node.get("facts", [])]
        for key, value in node.items():
            if key != "data":
                found += markdown_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += markdown_texts(item)
    return found


async def test_names_from_graph_are_never_markdown(desk: Desk) -> None:
    hostile = "**Boss** [call me](https://evil.example) <b>x</b>"
    created = await desk.sandbox.call(
        "POST", f"{BUSINESS}/customers", json={"displayName": hostile, "emailAddress": "boss@evil.example"}
    )
    boss = created.body["id"]
    cards = [await desk.say("/customers boss")]
    cards.append(await desk.press_on("Book", customerId=boss))
    desk.fill({"Service (required)": TASTING, "Staff member (required)": MEGAN_STAFF, "Date (required)": MONDAY})
    desk.fill({"Start time (required)": "12:00"})
    cards.append(await desk.press("Book"))
    cards.append(await desk.press("See the day's agenda"))
    cards.append(await desk.say("/customers boss"))
    cards.append(await desk.press_on("Delete", customerId=boss))
    for card in cards:
        assert hostile in texts(card), texts(card)
        assert not [text for text in markdown_texts(card) if "Boss" in text], card


async def test_the_agenda_moves_day_by_day_and_customers_alone_lists_the_recent_ones(desk: Desk) -> None:
    await desk.say(f"/agenda {MONDAY}")
    card = await desk.press("Next day")
    assert "Tuesday, December 8, 2026" in texts(card) and "No appointment on this day." in texts(card)
    card = await desk.press("Previous day")
    assert "4 appointments." in texts(card)
    card = await desk.say("/customers")
    assert "3 customers found." in texts(card)
    text = texts(card)
    assert text.index("Grady Archie") < text.index("Diego Siciliani") < text.index("Nestor Wilke")


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("en-US", "/customers nestor", "use /customers in your personal chat"),
        ("fr-FR", "/rendezvous", "utilisez /rendezvous dans votre conversation personnelle"),
    ],
)
async def test_customers_and_agenda_stay_out_of_channels(desk: Desk, locale: str, text: str, expected: str) -> None:
    desk.teams.conversation_type = "channel"
    desk.teams.locale = locale
    card = await desk.say(text)
    assert expected in texts(card) and "Nestor" not in texts(card)
    assert await desk.graph() == []


async def test_two_presses_at_once_delete_once(desk: Desk) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Delete", customerId=NESTOR)
    await desk.sandbox.inject(status=None, delay=0.5, match="^DELETE ")  # a slow Graph: the presses overlap
    verb, data = desk.press_for("Delete customer")
    first, second = await asyncio.gather(desk.teams.execute(verb, data), desk.teams.execute(verb, data))
    assert len(await desk.graph("DELETE")) == 1
    shown = sorted(texts(body["value"]) for body in (first, second))
    assert "Customer deleted" in shown[0], shown
    # The other press either overlapped (and sent nothing) or came after (and shows the outcome).
    assert "Still deleting" in shown[1] or "Customer deleted" in shown[1], shown


@pytest.mark.parametrize(("after", "outcome"), [(True, "Customer updated"), (False, "could not save the changes")])
async def test_a_save_that_answered_500_is_looked_up(desk: Desk, after: bool, outcome: str) -> None:
    await desk.say("/customers nestor")
    await desk.press_on("Edit", customerId=NESTOR)
    desk.fill({"Number (phone 1)": "206-555-0177"})
    await desk.sandbox.inject(status=500, after=after, match="^PATCH ")
    card = await desk.press("Save")
    assert outcome in texts(card)
    assert len(await desk.graph("PATCH")) == 1
