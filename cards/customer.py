"""The New customer card and its confirmation. Pure functions of (form state, language) to card JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards.core as ac

from bot.customer import strings  # noqa: F401  (registers the strings used here)
from bot.customer.model import (
    ADDRESS_CARD_ORDER,
    ADDRESS_TYPES,
    ADDRESSES,
    BUSINESS,
    DEFAULT_ADDRESS_TYPE,
    DEFAULT_PHONE_TYPE,
    DISPLAY_NAME,
    EMAIL,
    MAX_ROWS,
    NUMBER,
    PHONE_TYPES,
    PHONES,
    TYPE,
    row_key,
)
from bot.i18n import Lang, t
from cards.common import facts, paragraph
from cards.forms import (
    banner,
    choice_field,
    confirmation_card,
    execute,
    form_card,
    required_label,
    row_container,
    section,
    text_field,
    with_error,
)

SUBMIT = "customer.submit"
CONFIRM = "customer.confirm"  # "Create anyway", after the duplicate warning
ADD = "customer.add"
REMOVE = "customer.remove"
CANCEL = "customer.cancel"


@dataclass(frozen=True)
class CustomerForm:
    form_id: str
    values: Mapping[str, Any]
    rows: Mapping[str, Sequence[str]]
    businesses: Sequence[tuple[str, str]]  # (display name, id)
    errors: Mapping[str, str] = field(default_factory=dict)
    banner: str | None = None
    banner_color: str = "Attention"
    details: Sequence[str] = ()  # under the banner: Graph's message, the reference for the admin
    notes: Sequence[str] = ()  # shown on every render: unplaced inline text, business list problems
    confirm_duplicate: bool = False
    # The same card edits an existing customer (/customers → Edit): its own verbs' prefix, title and button.
    verb_kind: str = "customer"
    title_key: str = "customer.title"
    submit_key: str = "customer.create"
    confirm_key: str = "customer.create_anyway"

    def verb(self, name: str) -> str:
        """`customer.submit`, or `customer-edit.submit` on the edit form."""
        return f"{self.verb_kind}.{name.rpartition('.')[2]}"

    def value(self, key: str, default: str = "") -> str:
        value = self.values.get(key)
        return value if isinstance(value, str) else default


def customer_form_card(form: CustomerForm, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [paragraph(note, color="Warning") for note in form.notes]
    body += _identity_fields(form, lang)
    body += _address_section(form, lang)
    body += _phone_section(form, lang)
    return form_card(t(lang, form.title_key), body, _actions(form, lang), banner_elements=_banner(form, lang))


def _banner(form: CustomerForm, lang: Lang) -> list[ac.CardElement]:
    if not form.banner:
        return []
    return banner(form.banner, color=form.banner_color, detail=list(form.details))


def _business_field(form: CustomerForm, lang: Lang) -> list[ac.CardElement]:
    if not form.businesses:
        # An empty ChoiceSet is invalid; the form's notes say why there is nothing to choose.
        text = paragraph(f"{t(lang, 'customer.business')}: {t(lang, 'customer.none')}")
        return with_error(text, form.errors.get(BUSINESS))
    return choice_field(
        BUSINESS,
        required_label(t(lang, "customer.business"), lang),
        list(form.businesses),
        form.value(BUSINESS),
        error=form.errors.get(BUSINESS),
        placeholder=t(lang, "customer.business_placeholder"),
    )


def _identity_fields(form: CustomerForm, lang: Lang) -> list[ac.CardElement]:
    return [
        *_business_field(form, lang),
        *text_field(
            DISPLAY_NAME,
            required_label(t(lang, "customer.name"), lang),
            form.value(DISPLAY_NAME),
            error=form.errors.get(DISPLAY_NAME),
        ),
        *text_field(
            EMAIL,
            required_label(t(lang, "customer.email"), lang),
            form.value(EMAIL),
            error=form.errors.get(EMAIL),
            style="Email",
        ),
    ]


def _address_section(form: CustomerForm, lang: Lang) -> list[ac.CardElement]:
    return _rows_section(form, lang, ADDRESSES, "addresses", "add_address", _address_row)


def _rows_section(
    form: CustomerForm,
    lang: Lang,
    group: str,
    name: str,
    add_key: str,
    build_row: Callable[[CustomerForm, Lang, str, int], ac.Container],
) -> list[ac.CardElement]:
    """A heading, the group's rows (or a line saying there are none) and an Add button while under the limit."""
    rows = list(form.rows.get(group, []))
    elements: list[ac.CardElement] = [section(t(lang, f"customer.{name}"))]
    if not rows:
        elements.append(paragraph(t(lang, f"customer.no_{name}"), subtle=True))
    elements += [build_row(form, lang, row, n) for n, row in enumerate(rows, start=1)]
    if len(rows) < MAX_ROWS:
        add = execute(t(lang, f"customer.{add_key}"), form.verb(ADD), form.form_id, extra={"group": group})
        elements.append(ac.ActionSet(actions=[add]))
    return elements


def _address_row(form: CustomerForm, lang: Lang, row: str, n: int) -> ac.Container:
    items: list[ac.CardElement] = []
    for name in ADDRESS_CARD_ORDER:
        key = row_key(ADDRESSES, row, name)
        label = t(lang, f"customer.{name}", n=n)
        items += text_field(key, label, form.value(key), error=form.errors.get(key))
    type_key = row_key(ADDRESSES, row, TYPE)
    choices = [(t(lang, f"address_type.{kind}"), kind) for kind in ADDRESS_TYPES]
    items += choice_field(
        type_key,
        t(lang, "customer.address_type", n=n),
        choices,
        form.value(type_key, DEFAULT_ADDRESS_TYPE),
        error=form.errors.get(type_key),
    )
    extra = {"group": ADDRESSES, "row": row}
    remove = execute(t(lang, "customer.remove_address", n=n), form.verb(REMOVE), form.form_id, extra=extra)
    return row_container(items, remove)


def _phone_section(form: CustomerForm, lang: Lang) -> list[ac.CardElement]:
    return _rows_section(form, lang, PHONES, "phones", "add_phone", _phone_row)


def _phone_row(form: CustomerForm, lang: Lang, row: str, n: int) -> ac.Container:
    number_key, type_key = row_key(PHONES, row, NUMBER), row_key(PHONES, row, TYPE)
    # The server requires a valid number in every phone row that is kept ("Enter a phone number, or remove this
    # phone"); the label does not say "(required)": the row itself is optional.
    items = text_field(
        number_key,
        t(lang, "customer.phone_number", n=n),
        form.value(number_key),
        error=form.errors.get(number_key),
        style="Tel",
    )
    items += choice_field(
        type_key,
        t(lang, "customer.phone_type", n=n),
        [(t(lang, f"phone_type.{kind}"), kind) for kind in PHONE_TYPES],
        form.value(type_key, DEFAULT_PHONE_TYPE),
        error=form.errors.get(type_key),
    )
    extra = {"group": PHONES, "row": row}
    remove = execute(t(lang, "customer.remove_phone", n=n), form.verb(REMOVE), form.form_id, extra=extra)
    return row_container(items, remove)


def _actions(form: CustomerForm, lang: Lang) -> list[ac.Action]:
    cancel = execute(t(lang, "customer.cancel"), form.verb(CANCEL), form.form_id, send_inputs=False)
    if form.confirm_duplicate:
        return [execute(t(lang, form.confirm_key), form.verb(CONFIRM), form.form_id, style="positive"), cancel]
    return [execute(t(lang, form.submit_key), form.verb(SUBMIT), form.form_id, style="positive"), cancel]


# --- confirmation -------------------------------------------------------------------------------------------


def customer_done_card(result: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """`result`: the customer as Graph returned it (id, displayName, emailAddress, addresses, phones) and
    `business` {id, name}."""
    none = t(lang, "customer.none")
    business = result.get("business") or {}
    pairs = [
        (t(lang, "customer.done_name"), str(result.get("displayName") or none)),
        (t(lang, "customer.done_email"), str(result.get("emailAddress") or none)),
    ]
    for n, address in enumerate(result.get("addresses") or [], start=1):
        pairs.append((t(lang, "customer.done_address", n=n), format_address(address, lang)))
    for n, phone in enumerate(result.get("phones") or [], start=1):
        pairs.append((t(lang, "customer.done_phone", n=n), format_phone(phone, lang)))
    pairs.append((t(lang, "customer.done_business"), str(business.get("name") or business.get("id") or none)))
    pairs.append((t(lang, "customer.done_id"), str(result.get("id") or none)))
    return confirmation_card(t(lang, "customer.done_title"), [facts(pairs, lang)])


def format_address(address: Mapping[str, Any], lang: Lang) -> str:
    parts = [address.get(k) for k in ("street", "city", "state", "postalCode", "countryOrRegion")]
    text = ", ".join(str(p) for p in parts if p)
    kind = address.get("type")
    return f"{text} ({t(lang, f'address_type.{kind}')})" if kind in ADDRESS_TYPES else text


def format_phone(phone: Mapping[str, Any], lang: Lang) -> str:
    kind = phone.get("type")
    number = str(phone.get("number") or "")
    return f"{number} ({t(lang, f'phone_type.{kind}')})" if kind in PHONE_TYPES else number
