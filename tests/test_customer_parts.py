"""The customer feature's pure parts: inline parser, server-side validation, Graph body, error mapping, cards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.customer.flow import field_message, graph_field, resolve_row_errors
from bot.customer.model import (
    MAX_ROWS,
    PHONE_TYPES,
    Address,
    NewCustomer,
    Phone,
)
from bot.customer.parser import Prefill, parse_inline
from bot.customer.payload import customer_body, email_filter
from bot.customer.validation import is_email, is_phone, validate_customer
from bot.graph.errors import GraphBadRequest
from bot.i18n import t
from cards.customer import CustomerForm, customer_done_card, customer_form_card
from tests.cardcheck import assert_inputs_labelled, assert_valid_cards, find_input_by_label, iter_inputs

SEED = json.loads((Path(__file__).parent / "data" / "seeds" / "create-bookingcustomer.example.json").read_text())
BUSINESS = "contosolunchdelivery@contoso.com"


# --- inline arguments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Joni Sherman jonis@relecloud.com 206-555-0100",
            Prefill("Joni Sherman", "jonis@relecloud.com", ("206-555-0100",), ""),
        ),
        ("", Prefill()),
        ("jonis@relecloud.com Joni Sherman", Prefill("Joni Sherman", "jonis@relecloud.com")),
        ('"Joni Sherman" <jonis@relecloud.com>', Prefill("Joni Sherman", "jonis@relecloud.com")),
        ("+1 (206) 555-0100 206-555-0200", Prefill(phones=("+1 (206) 555-0100", "206-555-0200"))),
        ("206 555 0100", Prefill(phones=("206 555 0100",))),
        ("Zoë O'Brien-Núñez", Prefill(name="Zoë O'Brien-Núñez")),
        ("Joni Sherman VIP!! table 12", Prefill(name="Joni Sherman", unplaced="VIP!! table 12")),
        ("Joni jonis@relecloud.com Sherman", Prefill("Joni", "jonis@relecloud.com", unplaced="Sherman")),
        ("a@b.com c@d.com", Prefill(email="a@b.com", unplaced="c@d.com")),
        ("Joni jonis@ 42", Prefill(name="Joni", unplaced="jonis@ 42")),
        ("1234567890123456789", Prefill(unplaced="1234567890123456789")),
    ],
)
def test_inline_arguments_are_placed_and_the_rest_kept(text: str, expected: Prefill) -> None:
    assert parse_inline(text) == expected


def test_nothing_typed_inline_is_lost() -> None:
    text = "Joni  Sherman jonis@relecloud.com 206-555-0100 ??? #7 jonis@"
    found = parse_inline(text)
    placed = [found.name, found.email, *found.phones, found.unplaced]
    assert sorted(" ".join(placed).split()) == sorted(text.split())
    assert found.unplaced == "??? #7 jonis@"


def test_at_most_max_rows_phones_are_placed() -> None:
    numbers = [f"206-555-01{n:02}" for n in range(MAX_ROWS + 1)]
    found = parse_inline(" ".join(numbers))
    assert found.phones == tuple(numbers[:MAX_ROWS]) and found.unplaced == numbers[-1]


# --- server-side validation ----------------------------------------------------------------------------------


def seed_values() -> tuple[dict[str, Any], dict[str, list[str]]]:
    request = SEED["request"]
    values: dict[str, Any] = {
        "business": BUSINESS,
        "displayName": request["displayName"],
        "emailAddress": request["emailAddress"],
    }
    rows: dict[str, list[str]] = {"addresses": [], "phones": []}
    for n, address in enumerate(request["addresses"]):
        rows["addresses"].append(f"a{n}")
        for key in ("street", "city", "state", "postalCode", "countryOrRegion", "type"):
            values[f"addresses.a{n}.{key}"] = address[key]
    for n, phone in enumerate(request["phones"]):
        rows["phones"].append(f"p{n}")
        values[f"phones.p{n}.number"] = phone["number"]
        values[f"phones.p{n}.type"] = phone["type"]
    return values, rows


def test_the_seed_values_validate_into_exactly_the_seed_body() -> None:
    values, rows = seed_values()
    customer, errors = validate_customer(values, rows, {BUSINESS}, "en")
    assert errors == {} and customer is not None
    assert customer.business_id == BUSINESS
    assert customer_body(customer) == SEED["request"]
    assert json.dumps(customer_body(customer)) == json.dumps(SEED["request"])  # same key order too


def test_values_are_trimmed() -> None:
    values, rows = seed_values()
    values.update({"displayName": "  Joni Sherman ", "emailAddress": " jonis@relecloud.com\t"})
    values["phones.p0.number"] = " 206-555-0100 "
    customer, errors = validate_customer(values, rows, {BUSINESS}, "en")
    assert errors == {} and customer is not None
    assert customer_body(customer) == SEED["request"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("business", "", "Choose the Bookings business to add the customer to."),
        ("business", "someone-else@contoso.com", "Choose one of the listed businesses."),
        ("displayName", "   ", "Enter the customer's name."),
        ("displayName", "J" * 256, "Use at most 255 characters."),
        ("emailAddress", "", "Enter the customer's email address."),
        ("emailAddress", "jonis@", "Enter an email address like name@example.com."),
        ("emailAddress", "jonis relecloud.com", "Enter an email address like name@example.com."),
        ("emailAddress", "jo..nis@relecloud.com", "Enter an email address like name@example.com."),
        ("emailAddress", "a" * 250 + "@x.com", "Use at most 254 characters."),
        ("addresses.a0.street", "S" * 256, "Use at most 255 characters."),
        ("addresses.a0.postalCode", "9" * 41, "Use at most 40 characters."),
        ("addresses.a0.type", "castle", "Choose one of the listed types."),
        ("addresses.a0.type", "unknown", "Choose one of the listed types."),
        ("addresses.a1.type", "", "Choose a type."),
        ("phones.p0.number", "", "Enter a phone number, or remove this phone."),
        ("phones.p0.number", "call me", "Use digits, spaces and + ( ) - . only, with at least 3 digits."),
        ("phones.p0.number", "12", "Use digits, spaces and + ( ) - . only, with at least 3 digits."),
        ("phones.p0.number", "206+555", "Use digits, spaces and + ( ) - . only, with at least 3 digits."),
        ("phones.p0.number", "٢٠٦٥٥٥٠١٠٠", "Use digits, spaces and + ( ) - . only, with at least 3 digits."),
        ("phones.p1.number", "2" * 31, "Use at most 30 characters."),
        ("phones.p1.type", "fax", "Choose one of the listed types."),
    ],
)
def test_each_bad_value_gets_its_own_message(key: str, value: str, message: str) -> None:
    values, rows = seed_values()
    values[key] = value
    customer, errors = validate_customer(values, rows, {BUSINESS}, "en")
    assert customer is None
    assert errors == {key: message}


def test_an_empty_address_row_must_be_filled_or_removed() -> None:
    values, rows = seed_values()
    rows["addresses"].append("a9")
    values["addresses.a9.type"] = "home"
    _, errors = validate_customer(values, rows, {BUSINESS}, "en")
    assert errors == {"addresses.a9.street": "Fill in this address or remove it."}


def test_a_partial_address_is_sent_with_empty_strings() -> None:
    customer = NewCustomer(BUSINESS, "Joni", "j@x.com", (Address(city="Buffalo", type="other"),), ())
    [address] = customer_body(customer)["addresses"]
    assert address == {
        "postOfficeBox": "",
        "street": "",
        "city": "Buffalo",
        "state": "",
        "countryOrRegion": "",
        "postalCode": "",
        "type": "other",
    }


def test_messages_are_french_for_a_french_manager() -> None:
    values, rows = seed_values()
    values["emailAddress"] = "jonis@"
    _, errors = validate_customer(values, rows, {BUSINESS}, "fr")
    assert errors == {"emailAddress": "Saisissez une adresse e-mail du type nom@exemple.com."}


def test_every_phone_type_is_accepted() -> None:
    values, rows = seed_values()
    for kind in PHONE_TYPES:
        values["phones.p0.type"] = kind
        customer, errors = validate_customer(values, rows, {BUSINESS}, "en")
        assert errors == {} and customer is not None and customer.phones[0] == Phone("206-555-0100", kind)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("jonis@relecloud.com", True),
        ("o'brien+tag@mail.relecloud.co.uk", True),
        ("zoë@exemple.fr", True),
        ("jonis@relecloud", False),
        ("@relecloud.com", False),
        (".jonis@relecloud.com", False),
        ("jonis.@relecloud.com", False),
        ("jonis@-relecloud.com", False),
        ("jo nis@relecloud.com", False),
        ("a" * 65 + "@relecloud.com", False),
    ],
)
def test_email_syntax(value: str, ok: bool) -> None:
    assert is_email(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("206-555-0100", True), ("+1 (206) 555.0100", True), ("112", True), ("12", False), ("206-555-0100 x12", False)],
)
def test_phone_characters(value: str, ok: bool) -> None:
    assert is_phone(value) is ok


# --- Graph details -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jonis@relecloud.com", "emailAddress eq 'jonis@relecloud.com'"),
        ("o'brien@relecloud.com", "emailAddress eq 'o''brien@relecloud.com'"),
        ("a''b@x.com", "emailAddress eq 'a''''b@x.com'"),
    ],
)
def test_the_duplicate_filter_escapes_quotes(email: str, expected: str) -> None:
    assert email_filter(email) == expected


@pytest.mark.parametrize(
    ("target", "message", "key"),
    [
        (None, "displayName: The DisplayName field is required.", "displayName"),
        (None, "addresses[1].type: Requested value 'castle' was not found.", "addresses[1].type"),
        ("phones/0/number", "Invalid phone number.", "phones[0].number"),
        (None, "Invalid value for property 'emailAddress': bad", "emailAddress"),
        (None, "The property 'nickname' does not exist on type 'microsoft.graph.bookingCustomer'.", None),
        (None, "addresses[0].postOfficeBox: too long", None),
    ],
)
def test_a_graph_400_is_attached_to_the_field_it_names(target: str | None, message: str, key: str | None) -> None:
    assert graph_field(GraphBadRequest(status=400, code="InvalidModel", message=message, target=target)) == key


def test_graph_messages_lose_their_property_prefix() -> None:
    assert field_message("displayName: The DisplayName field is required.") == "The DisplayName field is required."
    assert field_message("Something: else") == "Something: else"


def test_row_positions_are_resolved_to_row_inputs() -> None:
    rows = {"addresses": ["a0", "a1"], "phones": ["p0"]}
    errors = {"addresses[1].type": "bad", "phones[0].number": "bad", "phones[3].number": "gone", "displayName": "x"}
    assert resolve_row_errors(errors, rows) == {
        "addresses.a1.type": "bad",
        "phones.p0.number": "bad",
        "phones[3].number": "gone",
        "displayName": "x",
    }


# --- cards ---------------------------------------------------------------------------------------------------


def form(**changes: Any) -> CustomerForm:
    values, rows = seed_values()
    base: dict[str, Any] = {
        "form_id": "f1",
        "values": values,
        "rows": rows,
        "businesses": [("Contoso Lunch Delivery", BUSINESS), ("Fabrikam Salon", "fabrikamsalon@contoso.com")],
    }
    return CustomerForm(**{**base, **changes})


def variants() -> list[dict[str, Any]]:
    full_rows = {"addresses": [f"a{n}" for n in range(MAX_ROWS)], "phones": [f"p{n}" for n in range(MAX_ROWS)]}
    done = {**SEED["response"], "business": {"id": BUSINESS, "name": "Contoso Lunch Delivery"}}
    return [
        customer_form_card(form(), "en"),
        customer_form_card(form(), "fr"),
        customer_form_card(form(values={}, rows={}), "en"),
        customer_form_card(form(businesses=[], notes=["No business"], errors={"business": "Choose"}), "en"),
        customer_form_card(form(rows=full_rows), "en"),
        customer_form_card(
            form(errors={"displayName": "x", "phones.p1.number": "y"}, banner="Fix", details=["rid"]), "en"
        ),
        customer_form_card(form(banner="Duplicate", banner_color="Warning", confirm_duplicate=True), "fr"),
        customer_done_card(done, "en"),
        customer_done_card(done, "fr"),
        customer_done_card({}, "en"),
    ]


def test_every_card_variant_passes_the_official_parser_and_labels_every_input() -> None:
    cards = variants()
    assert_valid_cards(*cards)
    for card in cards:
        assert_inputs_labelled(card)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_input_carries_a_client_side_check_and_required_labels_say_so(lang: str) -> None:
    """The host would block Add/Remove on a fresh or invalid form, and cut long text, without a word."""
    card = customer_form_card(form(), lang)  # type: ignore[arg-type]
    for element in iter_inputs(card):
        assert not {"isRequired", "regex", "maxLength", "errorMessage"} & set(element), element
    marker = "(required)" if lang == "en" else "(obligatoire)"
    labels = {element["id"]: element["label"] for element in iter_inputs(card)}
    for key in ("business", "displayName", "emailAddress"):
        assert labels[key].endswith(marker), labels[key]
    assert not labels["addresses.a1.street"].endswith(marker)


def test_phone_type_choices_follow_graph() -> None:
    card = customer_form_card(form(), "en")
    phone_type = find_input_by_label(card, "Type (phone 2)")
    assert [c["value"] for c in phone_type["choices"]] == list(PHONE_TYPES)
    assert phone_type["value"] == "business"


def test_phone_types_have_translated_names() -> None:
    card = customer_form_card(form(), "fr")
    titles = [c["title"] for c in find_input_by_label(card, "Type (téléphone 1)")["choices"]]
    assert titles == [t("fr", f"phone_type.{kind}") for kind in PHONE_TYPES]
    assert "Fax professionnel" in titles and len(set(titles)) == len(titles)


def test_add_buttons_disappear_at_the_row_limit() -> None:
    full = {"addresses": [f"a{n}" for n in range(MAX_ROWS)], "phones": []}
    text = json.dumps(customer_form_card(form(rows=full), "en"))
    assert "Add address" not in text and "Add phone" in text


def test_the_confirmation_has_no_buttons_and_shows_the_customer() -> None:
    done = {**SEED["response"], "business": {"id": BUSINESS, "name": "Contoso Lunch Delivery"}}
    card = customer_done_card(done, "en")
    assert "actions" not in card and list(iter_inputs(card)) == []
    text = json.dumps(card)
    for expected in (
        "Customer created",
        "Joni Sherman",
        "jonis@relecloud.com",
        "4567 Main Street, Buffalo, NY, 98052, USA (Home)",
        "206-555-0200 (Business)",
        "Contoso Lunch Delivery",
        SEED["response"]["id"],
    ):
        assert expected in text
