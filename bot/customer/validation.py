"""Server-side checks of the customer form. The card's own checks are a convenience for the manager; these
are the ones that count, since any client can post anything."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from bot.customer import strings  # noqa: F401  (registers the messages)
from bot.customer.model import (
    ADDRESS_TEXT_FIELDS,
    ADDRESS_TYPES,
    ADDRESSES,
    BUSINESS,
    DISPLAY_NAME,
    EMAIL,
    MAX_LENGTH,
    NUMBER,
    PHONE_MIN_DIGITS,
    PHONE_TYPES,
    PHONES,
    TYPE,
    Address,
    NewCustomer,
    Phone,
    row_key,
)
from bot.i18n import Lang, t

_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(rf"^(?!\.)(?!.*\.\.)[\w.!#$%&'*+/=?^`{{|}}~-]+(?<!\.)@{_LABEL}(?:\.{_LABEL})+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]+$")  # ASCII digits only, as the card's regex

Errors = dict[str, str]


class _Reader:
    """Reads trimmed values and collects one message per bad input."""

    def __init__(self, values: Mapping[str, Any], lang: Lang) -> None:
        self.values = values
        self.lang = lang
        self.errors: Errors = {}

    def text(self, key: str, limit_name: str, *, required_key: str | None = None) -> str:
        value = str(self.values.get(key) or "").strip()
        if not value and required_key:
            self.errors[key] = t(self.lang, required_key)
        elif len(value) > MAX_LENGTH[limit_name]:
            self.errors[key] = t(self.lang, "customer.too_long", max=MAX_LENGTH[limit_name])
        return value

    def choice(self, key: str, allowed: Collection[str], required_key: str, invalid_key: str) -> str:
        value = str(self.values.get(key) or "").strip()
        if not value:
            self.errors[key] = t(self.lang, required_key)
        elif value not in allowed:
            self.errors[key] = t(self.lang, invalid_key)
        return value


def validate_customer(
    values: Mapping[str, Any], rows: Mapping[str, list[str]], business_ids: Collection[str], lang: Lang
) -> tuple[NewCustomer | None, Errors]:
    """(customer, {}) when every value is acceptable; (None, {input id: message}) otherwise."""
    reader = _Reader(values, lang)
    business = reader.choice(BUSINESS, business_ids, "customer.business_required", "customer.business_invalid")
    name = reader.text(DISPLAY_NAME, DISPLAY_NAME, required_key="customer.name_required")
    email = _email(reader)
    addresses = tuple(_address(reader, row) for row in rows.get(ADDRESSES, []))
    phones = tuple(_phone(reader, row) for row in rows.get(PHONES, []))
    if reader.errors:
        return None, reader.errors
    return NewCustomer(business, name, email, addresses, phones), {}


def _email(reader: _Reader) -> str:
    email = reader.text(EMAIL, EMAIL, required_key="customer.email_required")
    if EMAIL not in reader.errors and not is_email(email):
        reader.errors[EMAIL] = t(reader.lang, "customer.email_invalid")
    return email


def _address(reader: _Reader, row: str) -> Address:
    fields = {name: reader.text(row_key(ADDRESSES, row, name), name) for name in ADDRESS_TEXT_FIELDS}
    kind = reader.choice(
        row_key(ADDRESSES, row, TYPE), ADDRESS_TYPES, "customer.type_required", "customer.type_invalid"
    )
    street_key = row_key(ADDRESSES, row, "street")
    if not any(fields.values()) and street_key not in reader.errors:
        reader.errors[street_key] = t(reader.lang, "customer.address_empty")
    return Address(
        street=fields["street"],
        city=fields["city"],
        state=fields["state"],
        postal_code=fields["postalCode"],
        country_or_region=fields["countryOrRegion"],
        type=kind,
    )


def _phone(reader: _Reader, row: str) -> Phone:
    key = row_key(PHONES, row, NUMBER)
    number = reader.text(key, NUMBER, required_key="customer.phone_required")
    if key not in reader.errors and not is_phone(number):
        reader.errors[key] = t(reader.lang, "customer.phone_invalid", min=PHONE_MIN_DIGITS)
    kind = reader.choice(row_key(PHONES, row, TYPE), PHONE_TYPES, "customer.type_required", "customer.type_invalid")
    return Phone(number=number, type=kind)


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value.split("@")[0]) <= 64


def is_phone(value: str) -> bool:
    return bool(_PHONE_CHARS.match(value)) and sum(c in "0123456789" for c in value) >= PHONE_MIN_DIGITS
