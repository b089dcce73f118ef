"""The customer form's vocabulary: input ids, Graph's enum values, limits, and the validated customer.

Input ids are the keys of the stored form values. Repeating rows use `<group>.<row id>.<field>`, the shape
`FormRecord.remove_row` expects."""

from __future__ import annotations

from dataclasses import dataclass, field

KIND = "customer"

BUSINESS = "business"
DISPLAY_NAME = "displayName"
EMAIL = "emailAddress"

ADDRESSES = "addresses"
PHONES = "phones"

# physicalAddress text fields, in the order the seed request lists them (after postOfficeBox).
ADDRESS_TEXT_FIELDS: tuple[str, ...] = ("street", "city", "state", "countryOrRegion", "postalCode")
ADDRESS_CARD_ORDER: tuple[str, ...] = ("street", "city", "state", "postalCode", "countryOrRegion")
TYPE = "type"
NUMBER = "number"

# Graph's physicalAddressType without `unknown`: a manager never picks "unknown".
ADDRESS_TYPES: tuple[str, ...] = ("home", "business", "other")
# Graph's phoneType, every member, in the metadata's order (NOTES.md §2).
PHONE_TYPES: tuple[str, ...] = (
    "home",
    "business",
    "mobile",
    "other",
    "assistant",
    "homeFax",
    "businessFax",
    "otherFax",
    "pager",
    "radio",
)
DEFAULT_ADDRESS_TYPE = "home"
DEFAULT_PHONE_TYPE = "mobile"

# Graph documents no length limits for these strings; ours keep cards and customers sane.
MAX_LENGTH: dict[str, int] = {
    DISPLAY_NAME: 255,
    EMAIL: 254,  # RFC 5321 path limit
    "street": 255,
    "city": 128,
    "state": 128,
    "postalCode": 40,
    "countryOrRegion": 128,
    NUMBER: 30,
}
PHONE_MIN_DIGITS = 3
MAX_ROWS = 5  # per group: keeps the card well under Teams' size limit


def row_key(group: str, row: str, name: str) -> str:
    return f"{group}.{row}.{name}"


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country_or_region: str = ""
    type: str = DEFAULT_ADDRESS_TYPE


@dataclass(frozen=True)
class Phone:
    number: str
    type: str = DEFAULT_PHONE_TYPE


@dataclass(frozen=True)
class NewCustomer:
    """A customer that passed the server-side checks: trimmed, within limits, enums from Graph's lists."""

    business_id: str
    display_name: str
    email: str
    addresses: tuple[Address, ...] = field(default_factory=tuple)
    phones: tuple[Phone, ...] = field(default_factory=tuple)
