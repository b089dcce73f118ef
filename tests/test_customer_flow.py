"""The customer feature end to end: Teams-shaped activities over HTTP to the real bot, the bot's Graph calls to
the Graph sandbox. Cards are filled by their labels and their actions pressed the way Teams does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from bot.customer.model import MAX_ROWS
from tests.cardcheck import find_input_by_label, iter_inputs
from tests.conftest import BotFactory
from tests.desk import Desk as BaseDesk
from tests.desk import actions_of, message_under, start_desk, texts
from tests.fixtures_sandbox import BUSINESS_ID, OTHER_BUSINESS_ID, SandboxHandle
from tests.teams import Connector, card_of

SEED = json.loads((Path(__file__).parent / "data" / "seeds" / "create-bookingcustomer.example.json").read_text())
CUSTOMERS_PATH = f"/beta/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}/customers"
POST_CUSTOMERS = "^POST /beta/solutions/bookingBusinesses/[^/]+/customers$"


class Desk(BaseDesk):
    """The manager, with the customer-specific look-ups."""

    async def posted_customers(self) -> list[dict[str, Any]]:
        return [r for r in await self.sandbox.requests() if r["method"] == "POST" and r["path"].endswith("/customers")]

    async def customers(self, business: str = BUSINESS_ID) -> list[dict[str, Any]]:
        reply = await self.sandbox.call("GET", f"/solutions/bookingBusinesses/{quote(business, safe='')}/customers")
        return reply.body["value"]


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


SEED_ADDRESS_LABELS = {
    "street": "Street (address {n})",
    "city": "City (address {n})",
    "state": "State or province (address {n})",
    "postalCode": "Postal code (address {n})",
    "countryOrRegion": "Country or region (address {n})",
    "type": "Type (address {n})",
}


async def fill_seed(desk: Desk, *, business: str = BUSINESS_ID, email: str | None = None) -> None:
    """Fills an open New customer card with the seed's values, adding the rows it needs."""
    request = SEED["request"]
    desk.fill(
        {
            "Bookings business": business,
            "Name": request["displayName"],
            "Email address": email or request["emailAddress"],
        }
    )
    for n, address in enumerate(request["addresses"], start=1):
        await desk.press("Add address")
        desk.fill({label.format(n=n): address[key] for key, label in SEED_ADDRESS_LABELS.items()})
    for n, phone in enumerate(request["phones"], start=1):
        await desk.press("Add phone")
        desk.fill({f"Number (phone {n})": phone["number"], f"Type (phone {n})": phone["type"]})


async def open_filled_seed(desk: Desk, **kwargs: Any) -> None:
    await desk.say("/customer")
    await fill_seed(desk, **kwargs)


# --- the seed scenario ---------------------------------------------------------------------------------------


async def test_the_seed_scenario_creates_exactly_the_seed_customer(desk: Desk) -> None:
    card = await desk.say("/customer")
    assert texts(card).startswith("New customer")
    await fill_seed(desk)
    done = await desk.press("Create")

    [post] = await desk.posted_customers()
    assert post["path"] == CUSTOMERS_PATH
    assert post["body"] == SEED["request"]
    assert post["status"] == 201
    [created] = [c for c in await desk.customers() if c["emailAddress"] == "jonis@relecloud.com"]

    text = texts(done)
    assert "Customer created" in text and created["id"] in text
    for expected in ("Joni Sherman", "jonis@relecloud.com", "Contoso Lunch Delivery", "206-555-0100 (Home)"):
        assert expected in text
    assert "4570 Main Street, Buffalo, NY, 98054, USA (Business)" in text
    assert actions_of(done) == [] and list(iter_inputs(done)) == []
    desk.check_cards()


async def test_staff_membership_is_read_once_for_a_while_not_at_every_form(desk: Desk) -> None:
    def staff_reads(log: list[dict[str, Any]]) -> list[str]:
        return sorted(r["path"] for r in log if r["path"].endswith("/customers") and r["query"] == {"$top": "1"})

    await desk.say("/customer")
    assert len(staff_reads(await desk.sandbox.requests())) == 2  # one per business
    await desk.say("/customer")
    choices = find_input_by_label(desk.card, "Bookings business")["choices"]
    assert choices[1]["title"] == "Fabrikam Salon (you are not on its staff)"  # known without asking again
    assert len(staff_reads(await desk.sandbox.requests())) == 2


async def test_the_business_list_comes_from_graph_and_typed_values_survive_each_button(desk: Desk) -> None:
    await desk.say("/customer")
    business = find_input_by_label(desk.card, "Bookings business")
    assert [(c["title"], c["value"]) for c in business["choices"]] == [
        ("Contoso Lunch Delivery", BUSINESS_ID),
        ("Fabrikam Salon (you are not on its staff)", OTHER_BUSINESS_ID),
    ]
    assert business["value"] == BUSINESS_ID  # the only one the manager is staff of is preselected
    desk.fill({"Name": "Joni Sherman", "Email address": "jonis@relecloud.com"})
    await desk.press("Add phone")
    desk.fill({"Number (phone 1)": "206-555-0100"})
    await desk.press("Add address")
    desk.fill({"Street (address 1)": "4567 Main Street"})
    await desk.press("Add phone")
    assert desk.value("Name") == "Joni Sherman" and desk.value("Number (phone 1)") == "206-555-0100"
    assert desk.value("Street (address 1)") == "4567 Main Street" and desk.value("Type (phone 2)") == "mobile"
    desk.fill({"Number (phone 2)": "206-555-0200"})
    await desk.press("Remove phone 1")
    assert desk.value("Number (phone 1)") == "206-555-0200"
    assert "Number (phone 2)" not in texts(desk.card)
    assert desk.value("Street (address 1)") == "4567 Main Street"
    desk.check_cards()


async def configured_desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle, business: str
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox, booking_business_id=business)


async def test_a_configured_business_is_preselected(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    desk = await configured_desk(bot_factory, connector, http, sandbox, OTHER_BUSINESS_ID)
    await desk.say("/customer")
    assert desk.value("Bookings business") == OTHER_BUSINESS_ID


async def test_a_configured_business_that_does_not_exist_is_explained(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    desk = await configured_desk(bot_factory, connector, http, sandbox, "closed@contoso.com")
    await desk.say("/customer Joni Sherman jonis@relecloud.com")
    assert desk.value("Bookings business") == "closed@contoso.com"
    card = await desk.press("Create")
    assert "This Bookings business was not found" in texts(card)
    assert await desk.posted_customers() == []


async def test_the_only_business_is_preselected(desk: Desk) -> None:
    await desk.sandbox.inject(
        status=200,
        match="^GET /beta/solutions/bookingBusinesses$",
        body={"value": [{"id": BUSINESS_ID, "displayName": "Contoso Lunch Delivery"}]},
    )
    await desk.say("/customer")
    assert desk.value("Bookings business") == BUSINESS_ID


# --- validation on the server --------------------------------------------------------------------------------

BAD_VALUES = [
    ("Bookings business", "", "Choose the Bookings business to add the customer to."),
    ("Bookings business", "evil@contoso.com", "Choose one of the listed businesses."),
    ("Name", "   ", "Enter the customer's name."),
    ("Name", "J" * 256, "Use at most 255 characters."),
    ("Email address", "", "Enter the customer's email address."),
    ("Email address", "jonis@relecloud", "Enter an email address like name@example.com."),
    ("Street (address 1)", "S" * 256, "Use at most 255 characters."),
    ("Country or region (address 2)", "C" * 129, "Use at most 128 characters."),
    ("Type (address 1)", "castle", "Choose one of the listed types."),
    ("Number (phone 2)", "", "Enter a phone number, or remove this phone."),
    ("Number (phone 1)", "call me maybe", "Use digits, spaces and + ( ) - . only, with at least 3 digits."),
    ("Type (phone 2)", "fax", "Choose one of the listed types."),
]


async def test_each_bad_value_is_refused_beside_its_field_and_every_value_is_kept(desk: Desk) -> None:
    await open_filled_seed(desk)
    good = dict(desk.inputs)
    for label, bad, message in BAD_VALUES:
        desk.inputs = dict(good)
        desk.fill({label: bad})
        sent = dict(desk.inputs)
        card = await desk.press("Create")
        field_id = find_input_by_label(card, label)["id"]
        assert message_under(card, field_id) == message, label
        assert "Please fix the highlighted fields." in texts(card)
        others = [i["id"] for i in iter_inputs(card) if i["id"] != field_id]
        assert [message_under(card, other) for other in others] == [None] * len(others), label
        assert desk.inputs == sent, label  # everything typed is back on the card, the bad value included
    assert await desk.posted_customers() == []
    desk.check_cards()


async def test_an_empty_address_row_is_flagged_not_sent(desk: Desk) -> None:
    await desk.say("/customer Joni Sherman jonis@relecloud.com")
    desk.fill({"Bookings business": BUSINESS_ID})
    await desk.press("Add address")
    card = await desk.press("Create")
    street = find_input_by_label(card, "Street (address 1)")["id"]
    assert message_under(card, street) == "Fill in this address or remove it."
    await desk.press("Remove address 1")
    await desk.press("Create")
    [post] = await desk.posted_customers()
    assert post["body"]["addresses"] == [] and post["body"]["phones"] == []


# --- duplicates ----------------------------------------------------------------------------------------------


async def add_existing(desk: Desk, name: str, email: str) -> None:
    path = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}/customers"
    reply = await desk.sandbox.call("POST", path, json={"displayName": name, "emailAddress": email})
    assert reply.status == 201, reply.body
    async with desk.sandbox.http.delete(f"{desk.sandbox.root_url}/_sandbox/requests") as cleared:
        assert cleared.status == 204  # the request log starts after the setup


async def test_a_duplicate_email_asks_before_creating(desk: Desk) -> None:
    await add_existing(desk, "Patti Fernandez", "pattif@fabrikam.com")
    await open_filled_seed(desk, email="PattiF@Fabrikam.com")
    card = await desk.press("Create")
    text = texts(card)
    assert "Contoso Lunch Delivery already has a customer with the email PattiF@Fabrikam.com" in text
    assert "Patti Fernandez" in text
    assert [a["title"] for a in card["actions"]] == ["Create anyway", "Cancel"]
    assert await desk.posted_customers() == []
    lookups = [r for r in await desk.sandbox.requests() if r["method"] == "GET" and r["path"] == CUSTOMERS_PATH]
    [lookup] = [r for r in lookups if "$filter" in r["query"]]  # the others: the staff probe when opening
    assert lookup["query"] == {"$filter": "emailAddress eq 'PattiF@Fabrikam.com'"}

    done = await desk.press("Create anyway")
    assert "Customer created" in texts(done)
    [post] = await desk.posted_customers()
    assert post["body"]["emailAddress"] == "PattiF@Fabrikam.com"
    desk.check_cards()


async def test_create_anyway_covers_only_the_email_it_warned_about(desk: Desk) -> None:
    await add_existing(desk, "Patti Fernandez", "pattif@fabrikam.com")
    await add_existing(desk, "Diego Siciliani", "diegos@fabrikam.com")
    await open_filled_seed(desk, email="pattif@fabrikam.com")
    await desk.press("Create")
    desk.fill({"Email address": "diegos@fabrikam.com"})
    card = await desk.press("Create anyway")
    assert "Diego Siciliani" in texts(card) and "Create anyway" in texts(card)
    assert await desk.posted_customers() == []


async def test_cancel_after_a_duplicate_warning_creates_nothing(desk: Desk) -> None:
    await add_existing(desk, "Patti Fernandez", "pattif@fabrikam.com")
    await open_filled_seed(desk, email="pattif@fabrikam.com")
    await desk.press("Create")
    card = await desk.press("Cancel")
    assert "Cancelled. Nothing was created." in texts(card)
    assert await desk.posted_customers() == []
    desk.check_cards()


async def test_quotes_in_the_email_are_escaped_in_the_duplicate_filter(desk: Desk) -> None:
    await add_existing(desk, "Miles O'Brien", "o'brien@relecloud.com")
    await open_filled_seed(desk, email="o'brien@relecloud.com")
    card = await desk.press("Create")
    assert "Miles O'Brien" in texts(card)
    lookups = [r for r in await desk.sandbox.requests() if r["method"] == "GET" and r["path"] == CUSTOMERS_PATH]
    assert lookups[-1]["query"] == {"$filter": "emailAddress eq 'o''brien@relecloud.com'"}
    assert lookups[-1]["status"] == 200


async def test_without_filter_support_duplicates_are_found_by_listing(desk: Desk) -> None:
    await add_existing(desk, "Patti Fernandez", "pattif@fabrikam.com")
    await open_filled_seed(desk, email="pattif@fabrikam.com")
    await desk.sandbox.inject(status=400, code="BadRequest", message="Invalid filter clause.", match="customers$")
    card = await desk.press("Create")
    assert "Patti Fernandez" in texts(card)


# --- double submission ---------------------------------------------------------------------------------------


async def test_a_stale_second_press_returns_the_same_confirmation_and_creates_nothing(desk: Desk) -> None:
    await open_filled_seed(desk)
    verb, data = desk.data_for("Create")
    first = await desk.execute(verb, data)
    second = await desk.execute(verb, data)
    assert first == second and "Customer created" in texts(second)
    assert len(await desk.posted_customers()) == 1


async def test_two_simultaneous_presses_create_one_customer(desk: Desk) -> None:
    await open_filled_seed(desk)
    verb, data = desk.data_for("Create")
    first, second = await asyncio.gather(desk.teams.execute(verb, data), desk.teams.execute(verb, data))
    answers = sorted(texts(reply["value"]) for reply in (first, second))
    assert "Customer created" in answers[0] and "Still creating" in answers[1]  # the loser sent nothing
    assert len(await desk.posted_customers()) == 1
    assert "Customer created" in texts(await desk.execute(verb, data))
    assert len([c for c in await desk.customers() if c["emailAddress"] == "jonis@relecloud.com"]) == 1


async def test_action_submit_clients_get_the_confirmation_in_place(desk: Desk) -> None:
    await open_filled_seed(desk)
    _, data = desk.data_for("Create")
    response = await desk.teams.submit(data, card_activity_id="activity-1")
    assert response.status == 201
    [update] = desk.teams.connector.updates()
    assert update.path.endswith("/activities/activity-1")
    assert "Customer created" in texts(card_of(update.body))
    assert len(await desk.posted_customers()) == 1


# --- Graph failures ------------------------------------------------------------------------------------------


async def assert_kept_and_nothing_created(desk: Desk, sent: dict[str, str]) -> None:
    assert desk.inputs == sent
    assert [a["title"] for a in desk.card["actions"]] == ["Create", "Cancel"]
    assert len([c for c in await desk.customers() if c["emailAddress"] == "jonis@relecloud.com"]) == 0


async def test_not_staff_of_the_business_is_explained(desk: Desk) -> None:
    await open_filled_seed(desk, business=OTHER_BUSINESS_ID)
    sent = dict(desk.inputs)
    card = await desk.press("Create")
    text = texts(card)
    assert "You are not on the staff of this Bookings business" in text and "Nothing was created." in text
    assert "Reference for your admin:" in text
    await assert_kept_and_nothing_created(desk, sent)
    desk.check_cards()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 403, "code": "ErrorFolderNotFound"}, "You are not on the staff of this Bookings business"),
        ({"status": 404, "code": "ErrorItemNotFound"}, "This Bookings business was not found"),
        ({"status": 429, "count": 3, "retryAfter": 0}, "Microsoft 365 is busy right now. Nothing was created."),
        ({"status": 429, "retryAfter": 30}, "Please try again in 30 seconds."),
        ({"status": 503, "count": 1, "retryAfter": 0}, "it may or may not have been created."),
        (
            {"status": 400, "code": "InvalidModel", "message": "The business is not accepting customers."},
            "Message from Microsoft 365: The business is not accepting customers.",
        ),
    ],
)
async def test_graph_failures_on_create_become_plain_banners_on_the_kept_form(
    desk: Desk, fault: dict[str, Any], expected: str
) -> None:
    await open_filled_seed(desk)
    await desk.sandbox.inject(match=POST_CUSTOMERS, **fault)
    sent = dict(desk.inputs)
    card = await desk.press("Create")
    assert expected in texts(card)
    await assert_kept_and_nothing_created(desk, sent)
    assert len(await desk.posted_customers()) == fault.get("count", 1)  # the bot's retries, and no more


async def test_a_graph_400_naming_a_field_is_shown_beside_it(desk: Desk) -> None:
    await open_filled_seed(desk)
    message = "addresses[1].type: Requested value 'business' was not found."
    await desk.sandbox.inject(status=400, code="InvalidModel", message=message, match=POST_CUSTOMERS)
    card = await desk.press("Create")
    field_id = find_input_by_label(card, "Type (address 2)")["id"]
    assert message_under(card, field_id) == "Requested value 'business' was not found."
    assert "Microsoft 365 refused this customer." in texts(card)
    desk.check_cards()


async def test_a_retry_after_a_failure_creates_the_customer(desk: Desk) -> None:
    await open_filled_seed(desk)
    await desk.sandbox.inject(status=429, count=3, retryAfter=0, match=POST_CUSTOMERS)
    await desk.press("Create")
    done = await desk.press("Create")
    assert "Customer created" in texts(done)
    assert len([c for c in await desk.customers() if c["emailAddress"] == "jonis@relecloud.com"]) == 1


async def test_a_business_list_failure_is_said_on_the_card(desk: Desk) -> None:
    await desk.sandbox.inject(status=503, count=3, retryAfter=0, match="^GET /beta/solutions/bookingBusinesses$")
    card = await desk.say("/customer Joni Sherman")
    assert "I couldn't load your Bookings businesses (Microsoft 365 answered " in texts(card)
    assert desk.value("Name") == "Joni Sherman"
    card = await desk.press("Create")
    assert "Choose the Bookings business to add the customer to." in texts(card)
    desk.check_cards()


# --- French, inline arguments, conversations ------------------------------------------------------------------


async def test_a_french_manager_gets_everything_in_french(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/client Joni Sherman jonis@relecloud.com 206-555-0100")
    assert texts(card).startswith("Nouveau client")
    assert desk.value("Nom") == "Joni Sherman" and desk.value("Numéro (téléphone 1)") == "206-555-0100"
    titles = [c["title"] for c in find_input_by_label(card, "Type (téléphone 1)")["choices"]]
    assert titles[:3] == ["Domicile", "Professionnel", "Mobile"]
    desk.fill({"Entreprise Bookings": BUSINESS_ID, "Adresse e-mail": "jonis@"})
    card = await desk.press("Créer")
    email_id = find_input_by_label(card, "Adresse e-mail")["id"]
    assert message_under(card, email_id) == "Saisissez une adresse e-mail du type nom@exemple.com."
    assert "Veuillez corriger les champs signalés." in texts(card)
    desk.fill({"Adresse e-mail": "jonis@relecloud.com"})
    await desk.press("Ajouter une adresse")
    desk.fill({"Rue (adresse 1)": "4567 Main Street", "Ville (adresse 1)": "Buffalo"})
    done = await desk.press("Créer")
    assert "Client créé" in texts(done) and "4567 Main Street, Buffalo (Domicile)" in texts(done)
    assert "206-555-0100 (Mobile)" in texts(done)
    desk.check_cards()


async def test_inline_arguments_prefill_and_unplaceable_text_stays_visible(desk: Desk) -> None:
    card = await desk.say("/customer Joni Sherman jonis@relecloud.com 206-555-0100 VIP!! table 12")
    assert desk.value("Name") == "Joni Sherman"
    assert desk.value("Email address") == "jonis@relecloud.com"
    assert desk.value("Number (phone 1)") == "206-555-0100"
    assert "I couldn't place: VIP!! table 12" in texts(card)
    card = await desk.press("Add address")
    assert "I couldn't place: VIP!! table 12" in texts(card)
    desk.check_cards()


@pytest.mark.parametrize(("conversation_type", "command"), [("channel", "customer"), ("groupChat", "nouveau-client")])
async def test_the_command_works_in_channels_and_group_chats(desk: Desk, conversation_type: str, command: str) -> None:
    desk.teams.conversation_type = conversation_type
    card = await desk.say(f"{command} Joni Sherman")
    assert texts(card).startswith("New customer") and desk.value("Name") == "Joni Sherman"


async def test_no_business_to_choose_from_is_said_on_the_card(desk: Desk) -> None:
    await desk.sandbox.inject(status=200, match="^GET /beta/solutions/bookingBusinesses$", body={"value": []})
    card = await desk.say("/customer")
    assert "You have no Bookings business to add customers to." in texts(card)
    assert "business" not in [i["id"] for i in iter_inputs(card)]
    desk.check_cards()


async def test_rows_stop_at_the_limit_even_from_a_stale_add_button(desk: Desk) -> None:
    await desk.say("/customer Joni Sherman jonis@relecloud.com")
    stale = desk.data_for("Add phone")
    for _ in range(MAX_ROWS):
        await desk.press("Add phone")
    assert "Add phone" not in [a.get("title") for a in actions_of(desk.card)]
    card = await desk.execute(*stale)
    numbers = [i for i in iter_inputs(card) if i["label"].startswith("Number (phone")]
    assert len(numbers) == MAX_ROWS


async def test_a_duplicate_check_that_could_not_see_every_customer_says_so(desk: Desk) -> None:
    await open_filled_seed(desk)
    cut_short = {"value": [], "@odata.nextLink": "https://elsewhere.example/beta/next"}
    await desk.sandbox.inject(
        status=200, body=cut_short, match="^GET /beta/solutions/bookingBusinesses/[^/]+/customers$"
    )
    card = await desk.press("Create")
    assert "too many customers for the bot to check them all" in texts(card)
    assert await desk.posted_customers() == []
    done = await desk.press("Create anyway")
    assert "Customer created" in texts(done)
